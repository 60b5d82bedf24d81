"""The end-of-day settlement: expected cash = what the journal says was stacked that day, and
where that money went (gas credited, account credit, held for review, not yet settled), with
every difference listed and explained: notes that came back or wait in escrow, notes that
jammed (held for review, outside the cassette; one stuck in the transport before validation
has no known value, so the day does not balance until staff have taken it out and settled
it), the acceptor's counter against the journal, and purchases whose notes went in on both
sides of midnight.

A purchase is settled on the day of its last stacked note. On an earlier day its notes are
in the box but its outcome is not known yet: they are *carried forward*; on its last day the
cash it took before is *brought forward*. So every day balances:

    expected = credited + remainder + review + unsettled + carried_forward - brought_forward
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .journal.models import CashNote, JournalRow, Purchase
from .money import yuan_str

if TYPE_CHECKING:
    from .cashbox import BoxReport, JammedNote

OPEN_STATES = ("INIT", "PAID", "CARD_PENDING", "CARD_FAILED")


def _escrow_days(s: Session, seqs: set[int]) -> dict[int, str]:
    rows = s.execute(select(JournalRow.seq, JournalRow.created_at).where(JournalRow.seq.in_(seqs)))
    return {seq: at[:10] for seq, at in rows}


def _voucher_printed(s: Session, txn: str) -> bool | None:
    row = s.scalars(select(JournalRow).where(JournalRow.txn_id == txn, JournalRow.kind == "purchase.voucher")
                    .order_by(JournalRow.seq.desc()).limit(1)).first()
    return None if row is None else bool(json.loads(row.body).get("voucher_printed"))


class _Day:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.sums: Counter[str] = Counter()
        self.differences: list[dict[str, Any]] = []

    def diff(self, kind: str, explanation: str, **data: Any) -> None:
        self.differences.append({"kind": kind, **data, "explanation": explanation})


def _review_words(s: Session, p: Purchase) -> str:
    if p.review_reason == "card_outcome_unknown":
        return ("the card left during the write: whether it holds the gas is settled when the"
                " same card is inserted again")
    printed = _voucher_printed(s, p.txn_id)
    slip = {True: "a voucher was printed", False: "NO voucher could be printed",
            None: "no voucher row"}[printed]
    return f"cash not turned into credit ({p.review_reason}); {slip}: staff must settle it"


def _purchase(s: Session, day: _Day, txn: str, notes: list[tuple[CashNote, str]]) -> None:
    """One purchase with notes stacked on `day`: where its money went, or that it goes on."""
    today = sum(n.denom_fen for n, d in notes if d == day.prefix)
    total = sum(n.denom_fen for n, _ in notes)
    last = max(d for _, d in notes)
    if last > day.prefix:
        day.sums["carried_forward"] += today
        day.diff("carried_forward", f"the purchase took more notes on {last} (after midnight): its"
                 f" {yuan_str(today)} yuan of today are settled with it on {last}",
                 txn_id=txn, amount_fen=today, settled_on=last)
        return
    if total > today:
        day.sums["brought_forward"] += total - today
        day.diff("brought_forward", f"{yuan_str(total - today)} yuan of this purchase were stacked"
                 " before midnight (on the previous day's report as carried forward)",
                 txn_id=txn, amount_fen=total - today)
    p = s.get(Purchase, txn)
    assert p is not None
    if p.state == "MANUAL_REVIEW":
        day.sums["review"] += total
        day.diff("manual_review", _review_words(s, p), txn_id=txn, amount_fen=total)
    elif p.state in OPEN_STATES:
        day.sums["unsettled"] += total
        day.diff("open_purchase", f"purchase still {p.state}; recovery settles it",
                 txn_id=txn, amount_fen=total)
    else:
        day.sums["credited"] += p.cost_fen
        day.sums["remainder"] += p.remainder_fen
        if p.cost_fen + p.remainder_fen != total:
            day.diff("amount_mismatch", f"credited {yuan_str(p.cost_fen)} + remainder"
                     f" {yuan_str(p.remainder_fen)} differs from the {yuan_str(total)} yuan stacked",
                     txn_id=txn, amount_fen=total)


def settlement(s: Session, day: date, box: BoxReport, jams: list[JammedNote]) -> dict[str, Any]:
    d = _Day(day.isoformat())
    today_seqs = set(s.scalars(select(JournalRow.seq).where(
        JournalRow.created_at.like(f"{d.prefix}%"), JournalRow.kind == "cash.note_escrow")))
    notes = list(s.scalars(select(CashNote).where(CashNote.escrow_seq.in_(today_seqs))))
    stacked = [n for n in notes if n.state == "stacked"]
    txns = sorted({n.txn_id for n in stacked})
    theirs = list(s.scalars(select(CashNote).where(CashNote.txn_id.in_(txns), CashNote.state == "stacked")))
    days = _escrow_days(s, {n.escrow_seq for n in theirs})
    by_txn: dict[str, list[tuple[CashNote, str]]] = defaultdict(list)
    for n in theirs:
        by_txn[n.txn_id].append((n, days[n.escrow_seq]))
    for txn in txns:
        _purchase(s, d, txn, by_txn[txn])
    for n in notes:
        if n.state == "returned":
            d.diff("note_returned", "a note committed before stacking came back to the resident"
                   " (power cut or fault between escrow and stack): not money taken",
                   txn_id=n.txn_id, amount_fen=n.denom_fen)
        elif n.state == "escrow":
            d.diff("note_in_escrow", "not settled yet", txn_id=n.txn_id, amount_fen=n.denom_fen)
    d.differences.extend(j.difference() for j in jams)
    d.differences.extend(x for x in box.differences if x["kind"] == "counter_mismatch")
    counts = Counter(n.denom_fen for n in stacked)
    expected = sum(n.denom_fen for n in stacked)
    m = d.sums
    went = (m["credited"] + m["remainder"] + m["review"] + m["unsettled"] + m["carried_forward"]
            - m["brought_forward"])
    jammed = sum(j.denom_fen for j in jams if j.denom_fen is not None)
    unknown = sum(1 for j in jams if j.denom_fen is None)
    return {
        "day": d.prefix, "expected_cash_fen": expected,
        "notes": {str(k): v for k, v in sorted(counts.items())},
        "credited_fen": m["credited"], "remainder_fen": m["remainder"], "review_fen": m["review"],
        "unsettled_fen": m["unsettled"], "carried_forward_fen": m["carried_forward"],
        "brought_forward_fen": m["brought_forward"],
        # notes held in the acceptor for review, outside the cassette: money taken is
        # expected cash + jammed
        "jammed_fen": jammed, "taken_fen": expected + jammed,
        # notes stuck in the transport before validation: no money the journal took, of a
        # value nobody knows yet, so the day's cash is not known until staff take them out
        "jammed_unknown_notes": unknown,
        "acceptor_counter": box.acceptor_counter, "expected_counter": box.expected_counter,
        # the money adds up, the acceptor's counter agrees with the journal, and no note of
        # unknown value is held
        "balanced": expected == went and not box.counter_mismatch and not unknown,
        "differences": d.differences,
    }
