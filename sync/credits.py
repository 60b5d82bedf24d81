"""Kiosk side of credits paid elsewhere: may this cached credit be written onto this card
while offline? Only a credit the server signed, still open, bound to this card and to the
counter the card shows now (sync/server/credits.py explains why that makes a second load
impossible). Online, claim it first with HttpServer.claim_credit."""
from __future__ import annotations

import logging

from kiosk.card import CardSnapshot
from kiosk.errors import PaymentError
from kiosk.ports import PaymentMethod

from .client import HttpServer, ServerRefused, ServerUnreachable
from .protocol import CreditClaimRequest, PendingCredit, PendingCreditStatus
from .tariff_verify import CreditRejected, verify_pending_credit

logger = logging.getLogger(__name__)


def offline_refusal(credit: PendingCredit, card: CardSnapshot, public_key: bytes | str) -> str | None:
    """None when the credit may be loaded offline onto this card now, else why not."""
    try:
        verify_pending_credit(credit, public_key)
    except CreditRejected as exc:
        return f"not signed by the server ({exc})"
    if credit.status is PendingCreditStatus.HELD:
        return "credit is held: the card had a load the server has no record of yet (staff are told)"
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


class CreditPayment:
    """A credit paid elsewhere as the payment of a kiosk purchase (kiosk.ports.ElectronicPayment,
    method ELSEWHERE). Online it is claimed on the server for the transaction (one claim per
    credit; the same txn may claim again); with the server out of reach it is loaded only when
    the signed cached credit is bound to this card and the counter the card shows now, so the
    load itself (which moves the counter) makes a second offline load impossible."""

    method = PaymentMethod.ELSEWHERE

    def __init__(self, credit: PendingCredit, card: CardSnapshot, public_key: bytes | str,
                 server: HttpServer | None) -> None:
        self.credit, self.card, self.public_key, self.server = credit, card, public_key, server

    def _authorise(self, txn_id: str) -> None:
        if self.server is not None:
            req = CreditClaimRequest(txn_id=txn_id, card_serial=self.card.serial,
                                     card_counter=self.card.counter)
            try:
                self.server.claim_credit(self.credit.credit_id, req)
                return
            except ServerRefused as exc:
                raise PaymentError(f"the server refused the credit: {exc}",
                                   credit_id=self.credit.credit_id) from exc
            except ServerUnreachable:
                logger.info("server out of reach: credit %s checked offline", self.credit.credit_id)
        reason = offline_refusal(self.credit, self.card, self.public_key)
        if reason is not None:
            raise PaymentError(f"credit cannot be loaded here now: {reason}",
                               credit_id=self.credit.credit_id, reason=reason)

    def charge(self, txn_id: str, amount_fen: int) -> str:
        if amount_fen != self.credit.amount_fen:
            raise PaymentError("a credit is loaded whole", credit_id=self.credit.credit_id)
        self._authorise(txn_id)
        return f"CREDIT-{self.credit.credit_id}"

    def charged_fen(self, txn_id: str) -> int:
        try:
            self._authorise(txn_id)
        except PaymentError:
            return 0
        return self.credit.amount_fen

    def refund(self, txn_id: str, amount_fen: int) -> str:
        # nothing was taken at the kiosk: the journal row (purchase.refunded, naming the
        # credit_id) tells the server, which releases this transaction's claim at ingest
        return f"CREDIT-NOT-LOADED-{self.credit.credit_id}"
