"""Credits paid elsewhere, loaded exactly once.

Offline, a credit is written only onto its card while the card shows the counter the credit
is bound to; the load moves the counter, so two offline kiosks cannot both load it. Where the
server places a credit on its card's counter, and when it holds one, is `card_loads`. A load
that wrote the credit marks it applied (`mark_applied`), from the purchase.card_done row
itself (it names the credit), so the credit is never open while a journal upload is half
through; the pending_credit.applied row that follows says the same again.

Online, a kiosk claims the credit first (one live claim per credit). When the claiming
transaction ends without loading it (its card write failed: purchase.refunded; or it never got
to pay: purchase.cancel), that row releases the claim (`release_claims`): the credit is open
again where the journals place it (or held) and any kiosk may claim it anew. The pending
credit's versions keep the history.
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.protocol import CreditClaimRequest, PendingCredit, PendingCreditStatus

from .card_loads import (
    ELSEWHERE,
    UNKNOWN_CREDIT,
    held_subject,
    latest_counter,
    settle_card,
    store_placed,
)
from .db import CardLoad, CreditClaim, PendingCreditRow
from .service import add_pending_credit_version, latest_pending_credit, raise_alert, resolve_subject

logger = logging.getLogger(__name__)

__all__ = ["ELSEWHERE", "RELEASING_KINDS", "ClaimRefused", "bind_new", "claim", "mark_applied",
           "release_claims"]


class ClaimRefused(Exception):
    pass


def bind_new(s: Session, credit: PendingCredit) -> PendingCredit:
    """A new credit for a known card is bound to the latest counter the server saw (a credit
    that did not exist cannot have been loaded before)."""
    if credit.card_serial is None or credit.card_counter is not None:
        return credit
    known = latest_counter(s, credit.card_serial)
    return credit if known is None else credit.model_copy(update={"card_counter": known})


def mark_applied(s: Session, kiosk_id: str, txn_id: str, seq: int, credit_id: str) -> None:
    """The journal row `seq` of (kiosk, txn) says the credit is on the card now."""
    claim = s.get(CreditClaim, credit_id)
    if claim is not None:
        if (claim.kiosk_id, claim.txn_id) != (kiosk_id, txn_id):
            detail = (f"credit {credit_id} applied again by {kiosk_id} txn {txn_id}; "
                      f"first by {claim.kiosk_id} txn {claim.txn_id}")
            raise_alert(s, kiosk_id, "double_credit", detail, seq)
            return
        if claim.seq == 0:
            claim.seq = seq  # claimed online before: now it is applied
    else:
        s.add(CreditClaim(credit_id=credit_id, kiosk_id=kiosk_id, txn_id=txn_id, seq=seq))
        s.flush()
    _name_load(s, kiosk_id, txn_id, seq, credit_id)
    credit = latest_pending_credit(s, credit_id)
    if credit is None:
        raise_alert(s, kiosk_id, "unknown_credit", f"credit {credit_id} is not known", seq)
        return
    if credit.status is PendingCreditStatus.APPLIED:
        return
    if credit.status is PendingCreditStatus.HELD:  # the load the server could not explain was it
        resolve_subject(s, "credit_held", held_subject(credit_id))
    add_pending_credit_version(s, credit.model_copy(update={
        "status": PendingCreditStatus.APPLIED, "applied_by_kiosk": kiosk_id, "applied_txn_id": txn_id}))
    logger.info("credit %s applied by kiosk %s txn %s (journal seq %d)", credit_id, kiosk_id, txn_id, seq)


def _name_load(s: Session, kiosk_id: str, txn_id: str, seq: int, credit_id: str) -> None:
    """A load of this transaction whose credit the server could not name is this one: the
    other credits of the card it held may move on."""
    for load in s.scalars(select(CardLoad).where(CardLoad.kiosk_id == kiosk_id, CardLoad.txn_id == txn_id,
                                                 CardLoad.credit_id == UNKNOWN_CREDIT)):
        load.credit_id = credit_id
        s.flush()
        settle_card(s, load.serial, kiosk_id, seq, skip=credit_id)


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
    s.delete(claim)
    s.flush()
    reopened = store_placed(s, credit.model_copy(update={
        "status": PendingCreditStatus.OPEN, "applied_by_kiosk": None, "applied_txn_id": None,
        "card_serial": serial, "card_counter": counter,
    }), kiosk_id, seq)
    logger.info("credit %s released by kiosk %s txn %s (journal seq %d): %s again, card %s "
                "counter %s", claim.credit_id, kiosk_id, claim.txn_id, seq, reopened.status.value,
                serial, reopened.card_counter)
    return True


def _last_open(s: Session, credit_id: str) -> PendingCredit | None:
    """The credit as it was before it was claimed (its last open version)."""
    for data in s.scalars(select(PendingCreditRow.data).where(PendingCreditRow.credit_id == credit_id)
                          .order_by(PendingCreditRow.version.desc())):
        c = PendingCredit.model_validate_json(data)
        if c.status is PendingCreditStatus.OPEN:
            return c
    return None
