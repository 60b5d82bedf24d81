"""Credits paid elsewhere, loaded exactly once.

The server learns each card's counter (IC purchase sequence, CPU online ATC) from the
journals: any row whose body has `card_serial` and `counter_after`. An open pending credit
bound to a card is re-bound (a new version, re-signed on download) whenever that card's
counter moves, so the signed credit a kiosk holds is only good for the card as it is now.
Writing any credit moves the counter, so two offline kiosks cannot both load it: the second
sees another counter and refuses. Online, a kiosk claims the credit first (one live claim
per credit); the journal's pending_credit.applied row then marks it applied. When the
claiming transaction ends without loading it (its card write failed: purchase.refunded; or
it never got to pay: purchase.cancel), that row releases the claim (`release_claims`): the
credit is open again, bound to its card's counter as the server knows it, and any kiosk may
claim it anew. The pending credit's versions keep the history.
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.protocol import CreditClaimRequest, PendingCredit, PendingCreditStatus

from .db import CardCounter, CreditClaim, PendingCreditRow, utcnow
from .service import add_pending_credit_version, latest_pending_credit, raise_alert

logger = logging.getLogger(__name__)


class ClaimRefused(Exception):
    pass


def later(a: int, b: int) -> bool:
    """Serial-number arithmetic on 16-bit counters (gas-cards.md): a is later than b."""
    return 1 <= (a - b) % 65536 <= 32767


def observe_card(s: Session, kiosk_id: str, seq: int, body: Any) -> None:
    """Called for every newly stored journal row."""
    if not isinstance(body, dict):
        return
    serial, counter = body.get("card_serial"), body.get("counter_after")
    if not isinstance(serial, str) or not isinstance(counter, int) or isinstance(counter, bool):
        return
    known = s.get(CardCounter, serial)
    if known is None:
        s.add(CardCounter(serial=serial, counter=counter, kiosk_id=kiosk_id, seq=seq))
        s.flush()
    elif later(counter, known.counter):
        known.counter, known.kiosk_id, known.seq, known.updated_at = counter, kiosk_id, seq, utcnow()
    else:
        return
    rebind(s, serial, counter)


def open_credits_for_card(s: Session, serial: str) -> list[PendingCredit]:
    ids = set(s.scalars(select(PendingCreditRow.credit_id).where(PendingCreditRow.card_serial == serial)))
    out = []
    for credit_id in sorted(ids):
        c = latest_pending_credit(s, credit_id)
        if c is not None and c.card_serial == serial and c.status is PendingCreditStatus.OPEN:
            out.append(c)
    return out


def rebind(s: Session, serial: str, counter: int) -> None:
    for c in open_credits_for_card(s, serial):
        if c.card_counter != counter:
            add_pending_credit_version(s, c.model_copy(update={"card_counter": counter}))
            logger.info("credit %s re-bound to card %s counter %d", c.credit_id, serial, counter)


def bind_new(s: Session, credit: PendingCredit) -> PendingCredit:
    """A new credit for a known card is bound to the counter the server last saw."""
    if credit.card_serial is None or credit.card_counter is not None:
        return credit
    known = s.get(CardCounter, credit.card_serial)
    return credit if known is None else credit.model_copy(update={"card_counter": known.counter})


def claim(s: Session, kiosk_id: str, credit_id: str, req: CreditClaimRequest) -> PendingCredit:
    credit = latest_pending_credit(s, credit_id)
    if credit is None:
        raise KeyError(credit_id)
    existing = s.get(CreditClaim, credit_id)
    if existing is not None:
        if (existing.kiosk_id, existing.txn_id) == (kiosk_id, req.txn_id):
            return credit
        raise ClaimRefused(f"credit {credit_id} is taken by another transaction")
    if credit.status is not PendingCreditStatus.OPEN:
        raise ClaimRefused(f"credit {credit_id} is {credit.status.value}")
    if credit.card_serial is not None and credit.card_serial != req.card_serial:
        raise ClaimRefused(f"credit {credit_id} belongs to another card")
    if credit.card_counter is not None and credit.card_counter != req.card_counter:
        # the card had a load the server has not seen yet: it may be this very credit
        raise ClaimRefused(f"card counter {req.card_counter} is not the bound {credit.card_counter}: sync first")
    s.add(CreditClaim(credit_id=credit_id, kiosk_id=kiosk_id, txn_id=req.txn_id, seq=0))
    s.flush()
    claimed = credit.model_copy(update={
        "status": PendingCreditStatus.CLAIMED, "applied_by_kiosk": kiosk_id, "applied_txn_id": req.txn_id,
        "card_serial": req.card_serial, "card_counter": req.card_counter,
    })
    add_pending_credit_version(s, claimed)
    logger.info("credit %s claimed by kiosk %s txn %s", credit_id, kiosk_id, req.txn_id)
    return claimed


# journal kinds that end a purchase with nothing written onto the card (kiosk/purchase/ledger.py
# ENDS_WITHOUT_CREDIT); for a credit paid elsewhere their body names `credit_id`
RELEASING_KINDS = frozenset({"purchase.refunded", "purchase.cancel"})
ELSEWHERE = "elsewhere"


def release_claims(s: Session, kiosk_id: str, seq: int, txn_id: str, named: str | None) -> list[str]:
    """The purchase (kiosk_id, txn_id) ended without loading its credit paid elsewhere (the
    journal row `seq`, a RELEASING_KINDS row with method elsewhere naming `named`): the claim
    it holds is released. Rows of kiosks before credit_id was journalled name no credit: the
    claims this transaction holds are looked up. Changes nothing when the transaction holds no
    claim (an offline attempt, or another transaction has the credit); a claim the journal
    says was applied is not released and raises an alert. Returns the credits released."""
    if named is not None:
        claim = s.get(CreditClaim, named)
        if claim is None or (claim.kiosk_id, claim.txn_id) != (kiosk_id, txn_id):
            _not_held(s, kiosk_id, txn_id, named, claim)
            return []
        held = [claim]
    else:
        held = list(s.scalars(select(CreditClaim).where(
            CreditClaim.kiosk_id == kiosk_id, CreditClaim.txn_id == txn_id)))
    return [c.credit_id for c in held if _release(s, kiosk_id, seq, c)]


def _not_held(s: Session, kiosk_id: str, txn_id: str, credit_id: str, claim: CreditClaim | None) -> None:
    credit = latest_pending_credit(s, credit_id)
    status = "unknown" if credit is None else credit.status.value
    if claim is None:
        logger.info("credit %s (%s) not loaded by kiosk %s txn %s, which held no claim on it "
                    "(offline attempt): nothing to release", credit_id, status, kiosk_id, txn_id)
    else:
        logger.warning("credit %s (%s) not loaded by kiosk %s txn %s, but the claim is held by "
                       "kiosk %s txn %s: not released", credit_id, status, kiosk_id, txn_id,
                       claim.kiosk_id, claim.txn_id)


def _release(s: Session, kiosk_id: str, seq: int, claim: CreditClaim) -> bool:
    credit = latest_pending_credit(s, claim.credit_id)
    if (claim.seq != 0 or credit is None or credit.status is not PendingCreditStatus.CLAIMED
            or credit.applied_txn_id != claim.txn_id):
        status = "unknown" if credit is None else credit.status.value
        detail = (f"kiosk {kiosk_id} txn {claim.txn_id} ended without loading credit "
                  f"{claim.credit_id}, but the credit is {status} (applied at seq {claim.seq}): "
                  "claim not released")
        raise_alert(s, kiosk_id, "credit_release_refused", detail, seq)
        return False
    before = _last_open(s, claim.credit_id)
    serial = before.card_serial if before is not None else credit.card_serial
    counter = before.card_counter if before is not None else None
    known = None if serial is None else s.get(CardCounter, serial)
    if known is not None:
        counter = known.counter
    s.delete(claim)
    s.flush()
    add_pending_credit_version(s, credit.model_copy(update={
        "status": PendingCreditStatus.OPEN, "applied_by_kiosk": None, "applied_txn_id": None,
        "card_serial": serial, "card_counter": counter,
    }))
    logger.info("credit %s released by kiosk %s txn %s (journal seq %d): open again, card %s "
                "counter %s", claim.credit_id, kiosk_id, claim.txn_id, seq, serial, counter)
    return True


def _last_open(s: Session, credit_id: str) -> PendingCredit | None:
    """The credit as it was before it was claimed (its last open version)."""
    for data in s.scalars(select(PendingCreditRow.data).where(PendingCreditRow.credit_id == credit_id)
                          .order_by(PendingCreditRow.version.desc())):
        c = PendingCredit.model_validate_json(data)
        if c.status is PendingCreditStatus.OPEN:
            return c
    return None
