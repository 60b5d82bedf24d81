"""Staff decide on a credit paid elsewhere that the server HELD.

A credit is held (card_loads.py) when its card shows a load no journal row the server holds
explains: it may have been this very credit, loaded offline by a kiosk that has not synced.
The journals may settle it by themselves; when they do not, staff check (the card's history
at that counter, the kiosks that served it, the payment) and decide on the console:

- *release*: the credit is open again, bound to the card's latest counter the server knows,
  so it can be loaded exactly once from there (the load moves the counter);
- *cancel*: the credit is cancelled; the refund is handled outside the kiosks.

Each decision is kept with who and why (`credit_decisions`, as `ticket_changes` keeps a
ticket's), resolves the credit's credit_held alerts, and is a new version of the credit, so
the kiosks' next pending-credits download says it: open at the new counter, or cancelled.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.protocol import PendingCredit, PendingCreditStatus

from .card_loads import held_subject, latest_counter
from .db import DOWNLOADS, CreditDecision, PendingCreditRow, VersionCounter
from .service import (
    SF,
    NotFound,
    add_pending_credit_version,
    latest_pending_credit,
    open_alerts_about,
    resolve_subject,
)

logger = logging.getLogger(__name__)

ACTIONS = ("release", "cancel")
STAFF_MAX = 64
REASON_MAX = 500


class DecisionRefused(Exception):
    """The decision cannot be made; the message says why, in words for staff. `status` is
    the HTTP status the console answers with (422 bad input, 409 not held any more)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class HeldCredit:
    credit: PendingCredit
    latest_counter: int | None  # the card's latest counter the server knows (a release binds it)
    why: tuple[str, ...]  # the open credit_held alerts' details


@dataclass(frozen=True)
class Decision:
    credit_id: str
    action: str
    staff: str
    reason: str
    card_serial: str | None
    card_counter: int | None
    version: int
    decided_at: datetime
    alerts_resolved: tuple[int, ...] = ()


def held_credits(sf: SF) -> list[HeldCredit]:
    """Every credit whose latest version is HELD, oldest first."""
    with sf() as s:
        ids = dict.fromkeys(s.scalars(select(PendingCreditRow.credit_id).order_by(PendingCreditRow.version)))
        out = []
        for credit_id in ids:
            c = latest_pending_credit(s, credit_id)
            if c is None or c.status is not PendingCreditStatus.HELD:
                continue
            latest = None if c.card_serial is None else latest_counter(s, c.card_serial)
            why = tuple(a.detail for a in open_alerts_about(s, "credit_held", held_subject(credit_id)))
            out.append(HeldCredit(c, latest, why))
        return out


def _clean(action: str, staff: str, reason: str, checked: bool) -> tuple[str, str, str]:
    action, staff, reason = action.strip(), " ".join(staff.split()), reason.strip()
    if action not in ACTIONS:
        raise DecisionRefused(f"choose release or cancel (got {action!r})")
    if not staff:
        raise DecisionRefused("say who decides: your name or staff number")
    if len(staff) > STAFF_MAX:
        raise DecisionRefused(f"the name is longer than {STAFF_MAX} characters")
    if not reason:
        raise DecisionRefused("say why: what you checked and what you found")
    if len(reason) > REASON_MAX:
        raise DecisionRefused(f"the reason is longer than {REASON_MAX} characters")
    if not checked:
        raise DecisionRefused("confirm that you checked the card, the kiosks' journals and the payment")
    return action, staff, reason


def _lock_versions(s: Session) -> None:
    """Take the download-version counter's row lock first (PostgreSQL; SQLite transactions
    begin IMMEDIATE), so two decisions, or a decision and an ingest that re-places the
    credit, take turns: the credit read below is the one the new version follows."""
    s.execute(select(VersionCounter.value).where(VersionCounter.name == DOWNLOADS).with_for_update())


def decide(sf: SF, credit_id: str, action: str, staff: str, reason: str, *, checked: bool) -> Decision:
    """Release or cancel the held credit `credit_id`. Raises NotFound, or DecisionRefused
    (bad input; the credit is not held now; a release with no known counter of its card)."""
    action, staff, reason = _clean(action, staff, reason, checked)
    with sf.begin() as s:
        _lock_versions(s)
        credit = latest_pending_credit(s, credit_id)
        if credit is None:
            raise NotFound(credit_id)
        if credit.status is not PendingCreditStatus.HELD:
            raise DecisionRefused(f"credit {credit_id} is {credit.status.value} now, not held: nothing to "
                                  "decide (reload the console)", status=409)
        if action == "release":
            counter = None if credit.card_serial is None else latest_counter(s, credit.card_serial)
            if counter is None:
                raise DecisionRefused(f"the server knows no counter of card {credit.card_serial}: "
                                      "it cannot bind the credit to one", status=409)
            new = credit.model_copy(update={"status": PendingCreditStatus.OPEN, "card_counter": counter,
                                            "applied_by_kiosk": None, "applied_txn_id": None})
        else:
            new = credit.model_copy(update={"status": PendingCreditStatus.CANCELLED})
        version = add_pending_credit_version(s, new)
        row = CreditDecision(credit_id=credit_id, action=action, staff=staff, reason=reason,
                             card_serial=new.card_serial, card_counter=new.card_counter, version=version)
        s.add(row)
        s.flush()
        resolved = resolve_subject(s, "credit_held", held_subject(credit_id))
        logger.warning("staff %s %s held credit %s (%d fen, card %s counter %s, version %d): %s", staff,
                       "released" if action == "release" else "cancelled", credit_id, credit.amount_fen,
                       new.card_serial, new.card_counter, version, reason)
        return Decision(credit_id, action, staff, reason, new.card_serial, new.card_counter, version,
                        row.decided_at, tuple(resolved))


def decisions(sf: SF, credit_id: str | None = None) -> list[Decision]:
    """The decisions made, oldest first (of one credit, or all)."""
    with sf() as s:
        q = select(CreditDecision).order_by(CreditDecision.id)
        if credit_id is not None:
            q = q.where(CreditDecision.credit_id == credit_id)
        return [Decision(r.credit_id, r.action, r.staff, r.reason, r.card_serial, r.card_counter,
                         int(r.version), r.decided_at) for r in s.scalars(q)]
