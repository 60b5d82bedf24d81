"""Which card types can the kiosk serve today? Readers present, memory-card capability,
SAM answers and its offline quota. Used by `kioskctl card selftest` and at start-up.

Only what can be determined is reported: a reader's memory-card support is "yes" / "no"
only when a memory card in it just answered (or refused) the dialect, "unknown" otherwise
(a reader's name proves nothing), "n/a" for the SAM's slot. Which types are served follows
kiosk.serving, the rule the purchase check applies before any money: `serves` while the
server answers (when the server's MAC2 is wired, else the same as offline), `serves_offline`
without it."""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from kiosk.card import CardTech
from kiosk.errors import KioskError
from kiosk.pricing import AmountLimits
from kiosk.serving import EXPLAIN, refusal

from .readers import CardReaders
from .sle4442 import SLE4442_ATRS

logger = logging.getLogger(__name__)


@dataclass
class ReaderReport:
    name: str
    role: str  # "card", "sam" or "other"
    card_present: bool
    atr: str
    memory_cards: str  # "yes", "no", "unknown" (nothing to try it with), "n/a" (the SAM slot)


@dataclass
class SelftestReport:
    readers: list[ReaderReport] = field(default_factory=list)
    sam_ok: bool = False
    sam_id: str | None = None
    sam_quota_fen: int | None = None
    sam_counter: int | None = None
    serves: list[str] = field(default_factory=list)  # CardTech values served (server answering)
    serves_offline: list[str] = field(default_factory=list)  # ... while the server does not
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def memory_support(readers: CardReaders, name: str, role: str, present: bool, atr: bytes) -> str:
    if role == "sam":
        return "n/a"
    if not present or atr not in SLE4442_ATRS:
        return "unknown"
    answered = readers.probe_memory_dialect(name)
    return "unknown" if answered is None else "yes" if answered else "no"


def _sam(readers: CardReaders, report: SelftestReport) -> None:
    client = readers.sam()
    if client is None:
        report.problems.append("no SAM reader")
        return
    try:
        info = client.info()
    except KioskError as exc:
        report.problems.append(f"SAM does not answer: {exc}")
        return
    report.sam_ok = True
    report.sam_id, report.sam_quota_fen, report.sam_counter = info.sam_id, info.quota_fen, info.counter


def _served(report: SelftestReport, online_mac2: bool, min_fen: int) -> None:
    for tech in (CardTech.IC, CardTech.CPU):
        offline = refusal(tech, sam_answers=report.sam_ok, online=False,
                          sam_quota_fen=report.sam_quota_fen, min_fen=min_fen)
        online = refusal(tech, sam_answers=report.sam_ok, online=online_mac2,
                         sam_quota_fen=report.sam_quota_fen, min_fen=min_fen)
        if offline is None:
            report.serves_offline.append(tech.value)
        if online is None:
            report.serves.append(tech.value)
        why = online or offline
        if why is not None:
            when = "" if online is not None else " (while the server does not answer)"
            report.problems.append(f"{tech.value}: not served{when}: {EXPLAIN[why]}")


def run_selftest(readers: CardReaders, min_fen: int = AmountLimits().min_fen) -> SelftestReport:
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
        report.readers.append(ReaderReport(st.reader, role, st.present, st.atr.hex().upper(),
                                           memory_support(readers, st.reader, role, st.present, st.atr)))
    _sam(readers, report)
    card_report = next((r for r in report.readers if r.role == "card"), None)
    if card_report is None:
        report.problems.append("no reader left for the resident's card")
        return report
    _served(report, readers.online_mac2 is not None, min_fen)
    if card_report.memory_cards == "no":
        report.problems.append("ic: not served: the card reader does not speak the memory-card dialect")
        report.serves = [t for t in report.serves if t != CardTech.IC.value]
        report.serves_offline = [t for t in report.serves_offline if t != CardTech.IC.value]
    return report
