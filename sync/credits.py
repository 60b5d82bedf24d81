"""Kiosk side of credits paid elsewhere: may this cached credit be written onto this card
while offline? Only a credit the server signed, still open, bound to this card and to the
counter the card shows now (sync/server/credits.py explains why that makes a second load
impossible). Online, claim it first with HttpServer.claim_credit."""
from __future__ import annotations

import logging

from kiosk.card import CardSnapshot

from .protocol import PendingCredit, PendingCreditStatus
from .tariff_verify import CreditRejected, verify_pending_credit

logger = logging.getLogger(__name__)


def offline_refusal(credit: PendingCredit, card: CardSnapshot, public_key: bytes | str) -> str | None:
    """None when the credit may be loaded offline onto this card now, else why not."""
    try:
        verify_pending_credit(credit, public_key)
    except CreditRejected as exc:
        return f"not signed by the server ({exc})"
    if credit.status is not PendingCreditStatus.OPEN:
        return f"credit is {credit.status.value}"
    if credit.card_serial is None or credit.card_counter is None:
        return "credit is not bound to a card: online only"
    if credit.card_serial != card.serial:
        return "credit belongs to another card"
    if credit.card_counter != card.counter:
        return "the card had a load since the credit was issued: online only"
    return None


def applicable_offline(credit: PendingCredit, card: CardSnapshot, public_key: bytes | str) -> bool:
    reason = offline_refusal(credit, card, public_key)
    if reason is not None:
        logger.info("credit %s not loadable offline on card %s: %s", credit.credit_id, card.serial, reason)
    return reason is None
