"""Journal operations of a purchase: every change is one journal row (with its outbox
entry) plus the projection update, in one SQLite transaction."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..card import CardCredit, CardTech, CreditProof
from ..journal.models import AccountCredit, CashNote, OutboxRow, Purchase
from ..journal.store import append
from .states import Ev, S, next_state

# The events that end a purchase with nothing written onto the card (money given back, or
# none taken). Their rows name the purchase's credit paid elsewhere, if any (`credit_id`).
ENDS_WITHOUT_CREDIT = frozenset({Ev.REFUNDED, Ev.CANCEL})
# how a note in escrow ends: journal kind cash.note_<outcome>
NOTE_OUTCOMES = ("stacked", "returned", "jammed")


class Ledger:
    def __init__(self, kiosk_id: str) -> None:
        self.kiosk_id = kiosk_id

    def _append(self, s: Session, txn: str, kind: str, body: dict[str, Any], now: datetime) -> int:
        return append(s, self.kiosk_id, txn, kind, body, now).seq

    def create(self, s: Session, now: datetime, txn: str, data: dict[str, Any]) -> Purchase:
        seq = self._append(s, txn, "purchase.created", {"state": S.INIT.value, **data}, now)
        p = Purchase(
            txn_id=txn, state=S.INIT.value, method=data["method"], mode=data["mode"],
            requested=data["requested"], card_serial=data["card_serial"],
            card_tech=data["card_tech"], customer_no=data["customer_no"],
            counter_before=data["counter_before"], paid_fen=0, credit_applied_fen=0,
            cost_fen=0, remainder_fen=0, review_fen=0, refunded_fen=0, volume_units=0,
            offline=int(data["offline"]), quote=json.dumps(data["quote"]), receipt_prints=0,
            created_seq=seq, created_at=now.isoformat(timespec="milliseconds"), updated_seq=seq,
        )
        s.add(p)
        s.flush()
        return p

    def get(self, s: Session, txn: str) -> Purchase:
        p = s.get(Purchase, txn)
        if p is None:
            raise KeyError(f"no purchase {txn}")
        return p

    def transition(
        self, s: Session, now: datetime, txn: str, ev: Ev, data: dict[str, Any] | None = None,
        **updates: Any,
    ) -> Purchase:
        """Move a purchase along the state table; `updates` set projection columns."""
        p = self.get(s, txn)
        old = p.state
        new = next_state(S(old), ev)
        for k, v in updates.items():
            setattr(p, k, v)
        p.state = new.value
        body = {"state": new.value, "from": old, **(data or {}), **_summary(p)}
        if ev in ENDS_WITHOUT_CREDIT or ev is Ev.CARD_DONE:
            credit_id = json.loads(p.quote).get("credit_id")
            if credit_id:  # a credit paid elsewhere: loaded (the server marks it applied from
                body["credit_id"] = credit_id  # this one row), or not (it releases the claim)
        if ev is not Ev.ACKED:
            p.updated_seq = self._append(s, txn, f"purchase.{ev.value}", body, now)
        s.flush()
        return p

    # --- cash notes ------------------------------------------------------------------
    def note_escrow(self, s: Session, now: datetime, txn: str, denom: int, counter: int) -> int:
        seq = self._append(s, txn, "cash.note_escrow", {"denom_fen": denom, "counter_before": counter}, now)
        note = CashNote(txn_id=txn, denom_fen=denom, counter_before=counter, state="escrow",
                        escrow_seq=seq)
        s.add(note)
        s.flush()
        return note.id

    def note_settled(self, s: Session, now: datetime, note_id: int, outcome: str,
                     counter_after: int) -> int:
        """outcome: stacked (money taken), returned (back to the resident), jammed (stuck in
        the acceptor, not counted: held for the technician)."""
        assert outcome in NOTE_OUTCOMES
        note = s.get(CashNote, note_id)
        assert note is not None and note.state == "escrow"
        note.state = outcome
        stacked = outcome == "stacked"
        kind = f"cash.note_{outcome}"
        self._append(s, note.txn_id, kind, {"denom_fen": note.denom_fen, "note_id": note_id,
                                            "counter_after": counter_after}, now)
        p = self.get(s, note.txn_id)
        if stacked:
            p.paid_fen += note.denom_fen
        s.flush()
        return p.paid_fen

    def note_jammed_unknown(self, s: Session, now: datetime, txn: str, facts: dict[str, Any]) -> int:
        """A note of this purchase stuck in the acceptor's transport before escrow: its value
        was never known, it is not money taken (not paid_fen), and it is held for staff
        (kiosk.cashbox.jammed_notes lists it). No cash_notes row: that table holds the notes
        of known value that reached escrow. `facts`: what the acceptor said (stage,
        cctalk_code, acceptor_event) or that recovery found it. Returns the row's seq."""
        self.get(s, txn)  # attached to a purchase that exists
        return self._append(s, txn, "cash.note_jammed_unknown", {"value_known": False, **facts}, now)

    def open_notes(self, s: Session) -> list[CashNote]:
        return list(s.scalars(select(CashNote).where(CashNote.state == "escrow")))

    def stacked_total(self, s: Session, txn: str) -> int:
        total = s.scalar(select(func.coalesce(func.sum(CashNote.denom_fen), 0)).where(
            CashNote.txn_id == txn, CashNote.state == "stacked"))
        return int(total or 0)

    # --- account credit (remainder) -------------------------------------------------------
    def record_remainder(self, s: Session, now: datetime, p: Purchase) -> None:
        if p.remainder_fen > 0 and s.get(AccountCredit, p.txn_id) is None:
            s.add(AccountCredit(txn_id=p.txn_id, customer_no=p.customer_no,
                                amount_fen=p.remainder_fen))
            self._append(s, p.txn_id, "credit.remainder",
                         {"customer_no": p.customer_no, "amount_fen": p.remainder_fen}, now)

    def record_credit_applied(self, s: Session, now: datetime, p: Purchase) -> None:
        """A credit paid elsewhere is now on the card: tell the server (it closes the credit)."""
        credit_id = json.loads(p.quote).get("credit_id")
        if credit_id:
            self._append(s, p.txn_id, "pending_credit.applied", {
                "credit_id": credit_id, "customer_no": p.customer_no, "amount_fen": p.paid_fen,
                "card_serial": p.card_serial, "counter_after": p.counter_after}, now)

    def reprinted(self, s: Session, now: datetime, txn: str) -> None:
        p = self.get(s, txn)
        p.receipt_prints += 1
        self._append(s, txn, "receipt.reprint", {"count": p.receipt_prints}, now)

    def reprint_count(self, s: Session, txn: str) -> int:
        from ..journal.models import JournalRow

        return int(s.scalar(select(func.count()).select_from(JournalRow).where(
            JournalRow.txn_id == txn, JournalRow.kind == "receipt.reprint")) or 0)

    # --- queries ----------------------------------------------------------------------
    def open_purchases(self, s: Session, states: frozenset[S]) -> list[Purchase]:
        return list(s.scalars(select(Purchase).where(Purchase.state.in_([x.value for x in states]))
                              .order_by(Purchase.created_seq)))

    def for_card(self, s: Session, serial: str, states: frozenset[S]) -> list[Purchase]:
        return list(s.scalars(select(Purchase).where(
            Purchase.card_serial == serial, Purchase.state.in_([x.value for x in states]))))

    def all_rows_acked(self, s: Session, txn: str) -> bool:
        from ..journal.models import JournalRow

        unsent = s.scalar(select(func.count()).select_from(OutboxRow).join(
            JournalRow, JournalRow.seq == OutboxRow.seq).where(
            JournalRow.txn_id == txn, OutboxRow.sent == 0))
        return not unsent

    def paid_today_offline(self, s: Session, serial: str, day_prefix: str) -> int:
        total = s.scalar(select(func.coalesce(func.sum(Purchase.paid_fen), 0)).where(
            Purchase.card_serial == serial, Purchase.offline == 1,
            Purchase.created_at.like(f"{day_prefix}%")))
        return int(total or 0)

    def paid_unacked(self, s: Session) -> int:
        total = s.scalar(select(func.coalesce(func.sum(Purchase.paid_fen), 0)).where(
            Purchase.state != S.ACKED.value))
        return int(total or 0)


def credit_json(c: CardCredit) -> str:
    d = asdict(c)
    d["tech"] = c.tech.value
    d["tier_year_start"] = c.tier_year_start.isoformat()
    d["when"] = c.when.isoformat()
    return json.dumps(d, sort_keys=True)


def credit_from_json(text: str) -> CardCredit:
    from datetime import date

    d = json.loads(text)
    d["tech"] = CardTech(d["tech"])
    d["tier_year_start"] = date.fromisoformat(d["tier_year_start"])
    d["when"] = datetime.fromisoformat(d["when"])
    return CardCredit(**d)


def proof_json(p: CreditProof) -> str:
    return json.dumps(asdict(p), sort_keys=True)


def proof_from_json(text: str) -> CreditProof:
    return CreditProof(**json.loads(text))


def _summary(p: Purchase) -> dict[str, Any]:
    return {
        "paid_fen": p.paid_fen, "cost_fen": p.cost_fen, "remainder_fen": p.remainder_fen,
        "review_fen": p.review_fen, "refunded_fen": p.refunded_fen,
        "volume_units": p.volume_units, "card_serial": p.card_serial,
        "counter_before": p.counter_before, "counter_after": p.counter_after,
        "method": p.method,
    }
