"""The cash box: what the journal says was stacked, matched against the acceptor's own
counter; collections (cassette emptied, counts start again, a slip printed); the end-of-day
settlement with every difference listed and explained."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from .journal import Journal
from .journal.models import CashNote, JournalRow, Purchase
from .journal.store import append
from .money import yuan_str
from .ports import Clock


class SlipPrinter(Protocol):
    def print_lines(self, lines: list[str], title: str | None = None) -> None: ...


COLLECTION_TXN = "cashbox"


@dataclass
class BoxReport:
    since_seq: int  # the journal row of the last collection (0: never collected)
    notes: dict[int, int]  # denomination fen -> count
    total_fen: int
    acceptor_counter: int | None
    expected_counter: int | None
    differences: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "since_seq": self.since_seq, "notes": {str(k): v for k, v in sorted(self.notes.items())},
            "total_fen": self.total_fen, "acceptor_counter": self.acceptor_counter,
            "expected_counter": self.expected_counter, "differences": self.differences,
        }


def _last_collection(s: Session) -> JournalRow | None:
    return s.scalars(select(JournalRow).where(JournalRow.kind == "cash.collection")
                     .order_by(JournalRow.seq.desc()).limit(1)).first()


def _stacked_since(s: Session, since_seq: int) -> list[CashNote]:
    return list(s.scalars(select(CashNote).where(CashNote.state == "stacked",
                                                 CashNote.escrow_seq > since_seq)))


def box_report(s: Session, acceptor_counter: int | None) -> BoxReport:
    last = _last_collection(s)
    since = last.seq if last else 0
    base_counter = json.loads(last.body)["acceptor_counter"] if last else None
    notes = _stacked_since(s, since)
    counts = Counter(n.denom_fen for n in notes)
    expected = None
    if notes:
        # the counter before the first note since the collection, plus every note stacked
        first = min(notes, key=lambda n: n.escrow_seq)
        expected = first.counter_before + len(notes)
    elif base_counter is not None:
        expected = base_counter
    rep = BoxReport(since, dict(counts), sum(n.denom_fen for n in notes), acceptor_counter, expected)
    pending = list(s.scalars(select(CashNote).where(CashNote.state == "escrow")))
    for n in pending:
        rep.differences.append({"kind": "note_in_escrow", "amount_fen": n.denom_fen,
                                "txn_id": n.txn_id, "explanation":
                                "a note was committed before stacking and is not settled yet;"
                                " start-up recovery settles it by the acceptor's counter"})
    if acceptor_counter is not None and expected is not None and acceptor_counter != expected:
        rep.differences.append({
            "kind": "counter_mismatch", "notes": acceptor_counter - expected,
            "explanation": "the acceptor counted a different number of stacked notes than the"
                           " journal; count the cassette by hand and check the acceptor log"})
    return rep


class CashBox:
    def __init__(self, journal: Journal, clock: Clock) -> None:
        self.journal = journal
        self.clock = clock

    def status(self, acceptor_counter: int | None) -> BoxReport:
        rep: BoxReport = self.journal.call(lambda s: box_report(s, acceptor_counter))
        return rep

    def collect(self, acceptor_counter: int, printer: SlipPrinter | None, who: str) -> BoxReport:
        """The cassette was removed and emptied: record what the journal says it held and
        start counting again (the row is the server's CashCollectionEvent: `collector_id`,
        `notes`, `total_fen`, plus the counters and the differences). The slip prints after the commit; a failed slip can be reprinted
        from the journal row."""
        now = self.clock.now()

        def record(s: Session) -> BoxReport:
            rep = box_report(s, acceptor_counter)
            row = append(s, self.journal.kiosk_id, COLLECTION_TXN, "cash.collection", {
                **rep.to_json(), "acceptor_counter": acceptor_counter, "collector_id": who,
                "at": now.isoformat(timespec="seconds")}, now)
            rep.since_seq = row.seq
            return rep

        rep: BoxReport = self.journal.call(record)
        if printer is not None:
            printer.print_lines(collection_slip(rep, now.isoformat(timespec="seconds"), who),
                                title="钞箱清点单 CASH COLLECTION")
        return rep

    def settlement(self, day: date) -> dict[str, Any]:
        data: dict[str, Any] = self.journal.call(lambda s: settlement(s, day))
        return data


def collection_slip(rep: BoxReport, at: str, who: str) -> list[str]:
    lines = [f"时间 {at}", f"操作员 {who}", f"日志序号 {rep.since_seq}"]
    for denom, n in sorted(rep.notes.items()):
        lines.append(f"{yuan_str(denom)}元 x {n} = {yuan_str(denom * n)}元")
    lines.append(f"合计 Total {yuan_str(rep.total_fen)}元")
    lines.append(f"识别器计数 Counter {rep.acceptor_counter}")
    for d in rep.differences:
        lines.append(f"差异 {d['kind']}: {d['explanation']}")
    return lines


def settlement(s: Session, day: date) -> dict[str, Any]:
    """End of day: expected cash = what the journal says was stacked that day, and where that
    money went (gas credited, account credit, held for review, not yet settled)."""
    prefix = day.isoformat()
    rows = {r.seq: r for r in s.scalars(select(JournalRow).where(
        JournalRow.created_at.like(f"{prefix}%"), JournalRow.kind.like("cash.%")))}
    notes = [n for n in s.scalars(select(CashNote)) if n.escrow_seq in rows]
    stacked = [n for n in notes if n.state == "stacked"]
    by_txn: dict[str, int] = {}
    for n in stacked:
        by_txn[n.txn_id] = by_txn.get(n.txn_id, 0) + n.denom_fen
    credited = remainder = review = unsettled = 0
    differences: list[dict[str, Any]] = []
    for txn, cash in sorted(by_txn.items()):
        p = s.get(Purchase, txn)
        assert p is not None
        if p.state == "MANUAL_REVIEW":
            review += cash
            differences.append({"kind": "manual_review", "txn_id": txn, "amount_fen": cash,
                                "explanation": f"cash not turned into credit ({p.review_reason});"
                                               " a voucher was printed, staff must settle it"})
        elif p.state in ("INIT", "PAID", "CARD_PENDING", "CARD_FAILED"):
            unsettled += cash
            differences.append({"kind": "open_purchase", "txn_id": txn, "amount_fen": cash,
                                "explanation": f"purchase still {p.state}; recovery settles it"})
        else:
            credited += p.cost_fen
            remainder += p.remainder_fen
            if p.cost_fen + p.remainder_fen != cash:
                differences.append({"kind": "amount_mismatch", "txn_id": txn,
                                    "explanation": "credited + remainder differs from the cash"})
    for n in notes:
        if n.state == "returned":
            differences.append({"kind": "note_returned", "txn_id": n.txn_id,
                                "amount_fen": n.denom_fen, "explanation":
                                "a note committed before stacking came back to the resident"
                                " (power cut or fault between escrow and stack): not money taken"})
        elif n.state == "escrow":
            differences.append({"kind": "note_in_escrow", "txn_id": n.txn_id,
                                "amount_fen": n.denom_fen, "explanation": "not settled yet"})
    counts = Counter(n.denom_fen for n in stacked)
    expected = sum(n.denom_fen for n in stacked)
    return {
        "day": prefix, "expected_cash_fen": expected,
        "notes": {str(k): v for k, v in sorted(counts.items())},
        "credited_fen": credited, "remainder_fen": remainder, "review_fen": review,
        "unsettled_fen": unsettled,
        "balanced": expected == credited + remainder + review + unsettled,
        "differences": differences,
    }
