"""Which card types can the kiosk serve today? Readers present, memory-card capability,
SAM answers and its offline quota. Used by `kioskctl card selftest` and at start-up."""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from kiosk.card import CardTech
from kiosk.errors import KioskError

from .readers import CardReaders
from .sle4442 import SLE4442_ATRS

logger = logging.getLogger(__name__)

# reader families known to speak the ACS memory-card dialect (FF A4 / FF B0 ...)
MEMORY_CARD_READERS = ("ACS", "ACR38", "ACR39", "Virtual PCD")


@dataclass
class ReaderReport:
    name: str
    role: str  # "card", "sam" or "other"
    card_present: bool
    atr: str
    memory_cards: str  # "yes", "unknown"


@dataclass
class SelftestReport:
    readers: list[ReaderReport] = field(default_factory=list)
    sam_ok: bool = False
    sam_id: str | None = None
    sam_quota_fen: int | None = None
    sam_counter: int | None = None
    serves: list[str] = field(default_factory=list)  # CardTech values the kiosk can serve
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def memory_capable(name: str, atr: bytes) -> str:
    if atr in SLE4442_ATRS or any(k.lower() in name.lower() for k in MEMORY_CARD_READERS):
        return "yes"
    return "unknown"


def run_selftest(readers: CardReaders) -> SelftestReport:
    report = SelftestReport()
    try:
        names = readers.readers()
    except KioskError as exc:
        report.problems.append(f"PC/SC: {exc}")
        return report
    if not names:
        report.problems.append("no card reader found")
        return report
    card, sam = readers.names()
    for st in readers.status(names):
        role = "card" if st.reader == card else "sam" if st.reader == sam else "other"
        report.readers.append(
            ReaderReport(st.reader, role, st.present, st.atr.hex().upper(), memory_capable(st.reader, st.atr))
        )
    client = readers.sam()
    if client is None:
        report.problems.append("no SAM reader")
    else:
        try:
            info = client.info()
            report.sam_ok = True
            report.sam_id, report.sam_quota_fen, report.sam_counter = info.sam_id, info.quota_fen, info.counter
        except KioskError as exc:
            report.problems.append(f"SAM does not answer: {exc}")
    card_report = next((r for r in report.readers if r.role == "card"), None)
    if card_report is None:
        report.problems.append("no reader left for the resident's card")
    elif report.sam_ok:
        if card_report.memory_cards == "yes":
            report.serves.append(CardTech.IC.value)
        else:
            report.problems.append("card reader not known to read memory (IC) cards")
        report.serves.append(CardTech.CPU.value)
    return report
