"""Printer status bytes (DLE EOT n, GS r 1) -> PrinterState."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from kiosk.ports import PrinterState


def is_dle_eot_reply(byte: int) -> bool:
    """DLE EOT replies have bit 1 and bit 4 set, bits 0 and 7 clear."""
    return byte & 0x93 == 0x12


def is_gs_r_reply(byte: int) -> bool:
    """GS r 1 replies have bits 4 and 7 clear (so never look like a DLE EOT reply)."""
    return byte & 0x90 == 0


@dataclass(frozen=True)
class StatusReport:
    state: PrinterState
    answered: bool
    offline: bool = False
    cover_open: bool = False
    paper_near_end: bool = False
    paper_out: bool = False
    error: bool = False
    raw: tuple[int | None, int | None, int | None] = (None, None, None)  # DLE EOT 1, 2, 4

    def to_json(self) -> dict[str, object]:
        d = asdict(self)
        d["state"] = self.state.value
        d["raw"] = {
            f"dle_eot_{n}": None if v is None else f"0x{v:02x}"
            for n, v in zip((1, 2, 4), self.raw)
        }
        return d


def decode_status(printer: int | None, offline_cause: int | None, paper: int | None) -> StatusReport:
    """The three real-time status bytes (None when not answered) -> a report."""
    raw = (printer, offline_cause, paper)
    if printer is None and offline_cause is None and paper is None:
        return StatusReport(PrinterState.OFFLINE, answered=False, raw=raw)
    offline = bool(printer is not None and printer & 0x08)
    cover = bool(offline_cause is not None and offline_cause & 0x04)
    error = bool(offline_cause is not None and offline_cause & 0x40)
    out = bool(
        (paper is not None and paper & 0x60) or (offline_cause is not None and offline_cause & 0x20)
    )
    near = bool(paper is not None and paper & 0x0C)
    if cover:
        state = PrinterState.COVER_OPEN
    elif out:
        state = PrinterState.PAPER_OUT
    elif offline or error:
        state = PrinterState.OFFLINE
    elif near:
        state = PrinterState.PAPER_NEAR_END
    else:
        state = PrinterState.OK
    return StatusReport(state, True, offline, cover, near and not out, out, error, raw)


def gs_r_paper(byte: int) -> PrinterState:
    """GS r 1: bits 0-1 near end, bits 2-3 paper out."""
    if byte & 0x0C:
        return PrinterState.PAPER_OUT
    if byte & 0x03:
        return PrinterState.PAPER_NEAR_END
    return PrinterState.OK
