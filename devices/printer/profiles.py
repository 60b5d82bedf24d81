"""Printer profiles: one per model (paper width, columns, how the QR is printed, the cut).

The kiosk configuration names a model ("58" or "80"); the URL may override the QR
method (`?qr=raster` or `?qr=native`), because many cheap 58 mm printers have no
`GS ( k` QR support while most 80 mm ones do.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from kiosk.errors import ConfigError

QrMethod = Literal["native", "raster"]
CutMode = Literal["FULL", "PART"]


@dataclass(frozen=True)
class PrinterProfile:
    model: str
    columns: int  # half-width (ASCII) columns of font A; a GB18030 character takes two
    dots: int  # printable width in dots (8 dots/mm, 203 dpi)
    escpos_profile: str  # python-escpos capability profile used for the job builder
    qr: QrMethod  # native GS ( k, or a raster image (GS v 0) rendered by the kiosk
    qr_module: int  # dots per QR module
    cut: CutMode
    feed_before_cut: int  # lines fed so the last line clears the cutter


PROFILES: dict[str, PrinterProfile] = {
    "58": PrinterProfile(
        model="58",
        columns=32,
        dots=384,
        escpos_profile="POS-5890",
        qr="raster",
        qr_module=6,
        cut="PART",
        feed_before_cut=4,
    ),
    "80": PrinterProfile(
        model="80",
        columns=48,
        dots=576,
        escpos_profile="TM-T20II",
        qr="native",
        qr_module=6,
        cut="PART",
        feed_before_cut=4,
    ),
}


def get_profile(model: str | int, qr: str | None = None) -> PrinterProfile:
    """The profile of a model ("58" / "80"), with an optional QR method override."""
    key = str(model).strip().lower().removesuffix("mm")
    try:
        profile = PROFILES[key]
    except KeyError:
        raise ConfigError(
            f"unknown printer model {model!r}; known: {', '.join(sorted(PROFILES))}",
            field="printer.model",
        ) from None
    if qr is not None:
        if qr not in ("native", "raster"):
            raise ConfigError(f"qr must be 'native' or 'raster', not {qr!r}", field="printer.qr")
        profile = dataclasses.replace(profile, qr=qr)  # type: ignore[arg-type]
    return profile
