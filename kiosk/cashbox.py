"""The cash box: what the journal says was stacked, matched against the acceptor's own
counter; collections (cassette emptied, counts start again, a slip printed and reprintable
from its journal row); the end-of-day settlement with every difference listed and explained.

A note that jammed in the acceptor is money a resident handed over that was not counted:
it is held for review (INV-1: money taken = credit written + account remainder + held for
review, where "held" is the review_fen of purchases plus the jammed notes). A note that stuck
in the transport before the acceptor validated it has no known value: it is no money taken,
but it is held for staff just the same. Either is an open item on the box report (until the
next collection, whose row and slip carry it), on the settlement of its day, in the
technician's findings, and on the server (an alert)."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from .journal import Journal
from .journal.models import CashNote, JournalRow
from .journal.store import append
from .money import yuan_str
from .ports import Clock
from .settlement import settlement


class SlipPrinter(Protocol):
    def print_lines(self, lines: list[str], title: str | None = None) -> None: ...


COLLECTION_TXN = "cashbox"
SLIP_TITLE = "钞箱清点单 CASH COLLECTION"


JAM_KINDS = ("cash.note_jammed", "cash.note_jammed_unknown")  # of known value / of unknown value


@dataclass(frozen=True)
class JammedNote:
    """A note that jammed in the acceptor: not counted. Either a note of known value that
    jammed after escrow (journal row cash.note_jammed, `note_id` its cash_notes row), or one
    that stuck in the transport before the acceptor validated it (cash.note_jammed_unknown):
    its value is unknown (`denom_fen` None) and it is no money the journal took, but it is a
    resident's note held for staff all the same."""

    note_id: int | None
    txn_id: str
    denom_fen: int | None  # None: stuck before validation, value unknown
    at: str  # when the jam was journalled (ISO, kiosk local time)
    seq: int  # the cash.note_jammed / cash.note_jammed_unknown row
    recovered: bool = False  # found by start-up recovery, not reported while it happened

    @property
    def value_known(self) -> bool:
        return self.denom_fen is not None

    def words(self) -> str:
        """What the note is, for staff: its value, or that nobody knows it."""
        if self.denom_fen is None:
            return "a note of unknown value stuck in the transport"
        return f"a {yuan_str(self.denom_fen)} yuan note jammed in the acceptor"

    def difference(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": "note_jammed", "txn_id": self.txn_id, "amount_fen": self.denom_fen,
                             "value_known": self.value_known, "at": self.at, "seq": self.seq}
        if self.denom_fen is not None:
            d["explanation"] = (f"{self.words()} at {self.at} during purchase {self.txn_id}: not counted"
                                " as paid, held for review; the resident was told staff will settle it."
                                " Clear the jam, keep the note and settle it with the resident (give it"
                                " back or credit it)")
            return d
        found = (" (found at start-up: the kiosk stopped while this purchase took cash and the"
                 " acceptor reported a jam no row recorded; if an earlier jam was never cleared it"
                 " may be that note)") if self.recovered else ""
        d["explanation"] = (f"{self.words()} at {self.at} during purchase {self.txn_id}{found}: it jammed"
                            " before the acceptor validated it, so its value is not known; not counted"
                            " as paid and not in the money of the day, held for staff. Clear the jam,"
                            " take the note out, see what it is and settle it with the resident (give"
                            " it back or credit it)")
        return d


def jammed_notes(s: Session, *, txn: str | None = None, since_seq: int = 0,
                 day: str | None = None) -> list[JammedNote]:
    """The jammed notes, oldest first: of one purchase, after a journal row, or of a day;
    those of unknown value too."""
    q = select(JournalRow).where(JournalRow.kind.in_(JAM_KINDS), JournalRow.seq > since_seq)
    if txn is not None:
        q = q.where(JournalRow.txn_id == txn)
    if day is not None:
        q = q.where(JournalRow.created_at.like(f"{day}%"))
    out = []
    for r in s.scalars(q.order_by(JournalRow.seq)):
        body = json.loads(r.body)
        if r.kind == "cash.note_jammed":
            out.append(JammedNote(int(body["note_id"]), r.txn_id, int(body["denom_fen"]), r.created_at, r.seq))
        else:
            out.append(JammedNote(None, r.txn_id, None, r.created_at, r.seq, bool(body.get("recovered"))))
    return out


def known_jammed_fen(jams: list[JammedNote]) -> int:
    """The money of the jammed notes whose value is known (the others are no money taken)."""
    return sum(j.denom_fen for j in jams if j.denom_fen is not None)


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

    @classmethod
    def from_json(cls, d: dict[str, Any], since_seq: int) -> BoxReport:
        return cls(since_seq, {int(k): int(v) for k, v in d.get("notes", {}).items()},
                   int(d.get("total_fen", 0)), d.get("acceptor_counter"), d.get("expected_counter"),
                   list(d.get("differences", [])))

    @property
    def counter_mismatch(self) -> bool:
        return any(d["kind"] == "counter_mismatch" for d in self.differences)


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
    rep.differences.extend(j.difference() for j in jammed_notes(s, since_seq=since))
    if acceptor_counter is not None and expected is not None and acceptor_counter != expected:
        rep.differences.append({
            "kind": "counter_mismatch", "notes": acceptor_counter - expected,
            "acceptor_counter": acceptor_counter, "expected_counter": expected,
            "explanation": f"the acceptor counts {acceptor_counter} notes stacked, the journal"
                           f" {expected} ({acceptor_counter - expected:+d}); count the cassette by"
                           " hand and check the acceptor log"})
    return rep


class CassetteWatch:
    """A collection waits for the cassette to go out and come back in, as the acceptor
    reports it (ccTalk bill validator events 11 stacker removed, 12 stacker inserted):
    `feed` the acceptor's cassette events ("removed" / "inserted"), oldest first; `state` is
    what the technician is waiting for: "removal", "insertion", then "done". An insertion
    seen before a removal is not the collection's (the cassette was put back from before)."""

    def __init__(self) -> None:
        self.state = "removal"

    def feed(self, events: list[str]) -> str:
        for ev in events:
            if ev == "removed" and self.state == "removal":
                self.state = "insertion"
            elif ev == "inserted" and self.state == "insertion":
                self.state = "done"
        return self.state


class CashBox:
    def __init__(self, journal: Journal, clock: Clock) -> None:
        self.journal = journal
        self.clock = clock

    def status(self, acceptor_counter: int | None) -> BoxReport:
        rep: BoxReport = self.journal.call(lambda s: box_report(s, acceptor_counter))
        return rep

    def collect(self, acceptor_counter: int, printer: SlipPrinter | None, who: str,
                confirmed_by: str = "technician") -> BoxReport:
        """The cassette was removed and emptied: record what the journal says it held and
        start counting again (the row is the server's CashCollectionEvent: `collector_id`,
        `notes`, `total_fen`, plus the counters and the differences, and how the removal
        was confirmed: "acceptor" saw it taken out and put back, or the "technician" said
        so). The slip prints after the commit; a failed slip is reprinted from the row."""
        now = self.clock.now()

        def record(s: Session) -> BoxReport:
            rep = box_report(s, acceptor_counter)
            row = append(s, self.journal.kiosk_id, COLLECTION_TXN, "cash.collection", {
                **rep.to_json(), "acceptor_counter": acceptor_counter, "collector_id": who,
                "confirmed_by": confirmed_by, "at": now.isoformat(timespec="seconds")}, now)
            rep.since_seq = row.seq
            return rep

        rep: BoxReport = self.journal.call(record)
        if printer is not None:
            printer.print_lines(collection_slip(rep, now.isoformat(timespec="seconds"), who),
                                title=SLIP_TITLE)
        return rep

    def slip_reprint(self, seq: int | None = None) -> tuple[list[str], str]:
        """The slip of a collection (the last one, or the row `seq`), rebuilt from its
        journal row and marked as a reprint with its count; journalled as
        cash.collection_reprint. Returns (lines, title) for the printer worker."""
        now = self.clock.now()

        def job(s: Session) -> tuple[list[str], str]:
            row = _last_collection(s) if seq is None else s.get(JournalRow, seq)
            if row is None or row.kind != "cash.collection":
                raise LookupError("no cash collection to reprint" if seq is None
                                  else f"journal row {seq} is not a cash collection")
            body = json.loads(row.body)
            count = 1 + len([r for r in s.scalars(select(JournalRow).where(
                JournalRow.kind == "cash.collection_reprint")) if json.loads(r.body).get("seq") == row.seq])
            append(s, self.journal.kiosk_id, COLLECTION_TXN, "cash.collection_reprint",
                   {"seq": row.seq, "count": count}, now)
            lines = collection_slip(BoxReport.from_json(body, row.seq), str(body.get("at", row.created_at)),
                                    str(body.get("collector_id", "?")))
            return [f"重打 / DUPLICATE 第{count}次", *lines], SLIP_TITLE

        out: tuple[list[str], str] = self.journal.call(job)
        return out

    def settlement(self, day: date, acceptor_counter: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = self.journal.call(
            lambda s: settlement(s, day, box_report(s, acceptor_counter), jammed_notes(s, day=day.isoformat())))
        return data


def collection_slip(rep: BoxReport, at: str, who: str) -> list[str]:
    lines = [f"时间 {at}", f"操作员 {who}", f"日志序号 {rep.since_seq}"]
    for denom, n in sorted(rep.notes.items()):
        lines.append(f"{yuan_str(denom)}元 x {n} = {yuan_str(denom * n)}元")
    lines.append(f"合计 Total {yuan_str(rep.total_fen)}元")
    lines.append(f"识别器计数 Counter {rep.acceptor_counter}")
    for d in rep.differences:
        if d["kind"] == "note_jammed":
            value = "面额不明" if d.get("amount_fen") is None else f"{yuan_str(d['amount_fen'])}元"
            lines.append(f"卡钞 {value} 交易号 {d['txn_id']} {d['at']}")
        lines.append(f"差异 {d['kind']}: {d['explanation']}")
    return lines
