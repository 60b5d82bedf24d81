"""Start-up recovery, before any new money: every open purchase moves forward by asking the
oracle of its effect (the acceptor's stacked counter, the provider's charge, the card's
purchase sequence or ATC), never by repeating an effect blindly."""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from ..card import CreditOutcome
from ..cashbox import jammed_notes
from ..crashpoints import crash_point, planted
from ..errors import CardError, NoteJammed, OutOfService, PaymentUnsettled, TacUnverifiable
from ..ports import CardSession, CashAcceptor, ElectronicPayment, PaymentMethod
from .ledger import credit_from_json
from .service import PurchaseService
from .states import OPEN, Ev, S

logger = logging.getLogger(__name__)

CardFor = Callable[[str], CardSession | None]


@dataclass
class RecoveryReport:
    notes_stacked: int = 0
    notes_returned: int = 0
    notes_jammed: int = 0
    acceptor_jammed: bool = False  # a jam the acceptor reported during recovery
    advanced: dict[str, str] = field(default_factory=dict)  # txn -> final state

    @property
    def review(self) -> list[str]:
        return [t for t, s in self.advanced.items() if s == S.MANUAL_REVIEW.value]


class Recovery:
    def __init__(self, service: PurchaseService, acceptor: CashAcceptor | None,
                 payments: Mapping[str, ElectronicPayment], card_for: CardFor) -> None:
        self.svc = service
        self.acceptor = acceptor
        self.payments = payments
        self.card_for = card_for
        self._unknown: dict[str, CardError] = {}  # txn -> why its card outcome stays unknown

    def run(self) -> RecoveryReport:
        report = RecoveryReport()
        self._settle_notes(report)
        # MANUAL_REVIEW rows whose card outcome is unknown are asked again: the card may be back
        opened = self.svc._tx(
            lambda s: self.svc.ledger.open_purchases(s, OPEN | {S.MANUAL_REVIEW}))
        for p in opened:
            report.advanced[p.txn_id] = self.advance(p.txn_id).value
        return report

    def reconcile_card(self, serial: str, session: CardSession) -> list[str]:
        """A card came in: settle every row of it whose card outcome is not yet known. When one
        stays unknown only because nobody can verify the card's TAC now (no SAM, server out of
        reach), TacUnverifiable is raised after all rows were tried: the resident is told that
        the last purchase is not confirmed yet (the money stays held, MANUAL_REVIEW)."""
        waiting = frozenset({S.CARD_PENDING, S.CARD_FAILED, S.MANUAL_REVIEW, S.PAID})
        rows = self.svc._tx(lambda s: self.svc.ledger.for_card(s, serial, waiting))
        done = []
        self._unknown.clear()
        for p in rows:
            if p.state == S.MANUAL_REVIEW.value and p.review_reason != "card_outcome_unknown":
                continue
            self.advance(p.txn_id, lambda _serial: session)
            done.append(p.txn_id)
        pending = [exc for exc in self._unknown.values() if isinstance(exc, TacUnverifiable)]
        if pending:
            raise pending[0]
        return done

    def _settle_notes(self, report: RecoveryReport) -> None:
        notes = self.svc._tx(self.svc.ledger.open_notes)
        if not notes:
            self._return_stray_escrow(report)
            return
        if self.acceptor is None:
            raise OutOfService("a note was in escrow and the bill acceptor does not answer")
        for note in notes:
            counter = self.acceptor.stacked_counter()
            stacked = counter > note.counter_before
            # not stacked: jammed inside (held for review), else given back; an acceptor that
            # reset cannot tell, and gives an escrowed note back on power-up
            jammed = not stacked and self.acceptor.jammed() is True
            self.svc._settle_note(note.id, "stacked" if stacked else "jammed" if jammed else "returned",
                                  counter)
            if stacked:
                report.notes_stacked += 1
            elif jammed:
                report.notes_jammed += 1
            else:
                report.notes_returned += 1
        self._return_stray_escrow(report)

    def _return_stray_escrow(self, report: RecoveryReport) -> None:
        """A note held in escrow that the journal does not know (the kiosk died before it
        committed it) belongs to nobody the kiosk can name: give it back, never let the
        next resident's purchase take it."""
        if self.acceptor is None:
            return
        try:
            denom = self.acceptor.escrow()
        except NoteJammed as exc:
            # a note stuck in the transport, reported now (it went in while the kiosk was down,
            # or its report was not journalled before the kill): no value, nothing to give
            # back; the open cash purchase it belongs to gets its row below (_unrecorded_jam),
            # and the acceptor stays jammed (the technician's finding) until staff clear it
            logger.warning("the bill acceptor reports a jammed note at start-up: %s", exc)
            report.acceptor_jammed = True
            return
        if denom is not None:
            logger.warning("returning a %d fen note found in escrow at start-up", denom)
            self.acceptor.return_escrow()
            report.notes_returned += 1

    def _unrecorded_jam(self, txn: str) -> None:
        """The kiosk stopped while this purchase took cash. If the acceptor reports a jammed
        note now and no row of this purchase records one, the jam came between the acceptor's
        report and its journal row (a note stuck in the transport before escrow, whose value
        nobody knows): it is journalled for this purchase, as found by recovery, so staff see
        it. (A jam of an earlier purchase never cleared looks the same; the row says so.)"""
        if self.acceptor is None or self.acceptor.jammed() is not True:
            return
        if self.svc._tx(lambda s: jammed_notes(s, txn=txn)):
            return
        logger.warning("the acceptor holds a jammed note no row records: held for staff under %s", txn)
        self.svc.jammed_unknown(txn, {"stage": "unknown", "recovered": True})

    def _payment(self, method: str) -> ElectronicPayment | None:
        if method == PaymentMethod.ELSEWHERE.value:
            return self.payments.get(method) or _CreditNotLoaded()
        return None if method == PaymentMethod.CASH.value else self.payments.get(method)

    def advance(self, txn: str, card_for: CardFor | None = None) -> S:
        card_for = card_for or self.card_for
        retried = False
        while True:
            p = self.svc.get(txn)
            state = S(p.state)
            pay = self._payment(p.method)
            if state is S.INIT:
                if p.method == PaymentMethod.CASH.value:
                    self._unrecorded_jam(txn)
                    self.svc.finish_payment(txn)
                elif p.method == PaymentMethod.ELSEWHERE.value:
                    # nothing was taken here and the card was not written: the credit stays
                    # the resident's (the journal row tells the server it was not loaded)
                    self.svc._move(txn, Ev.CANCEL, {"recovered": True, "reason": "credit_not_loaded"})
                else:
                    if pay is None:
                        raise OutOfService(f"payment provider {p.method} unavailable for recovery")
                    try:
                        charged = pay.charged_fen(txn)  # final: a payable order is cancelled first
                    except PaymentUnsettled as exc:  # the order may still be paid: stay open
                        logger.warning("purchase %s left open: %s", txn, exc)
                        return state
                    if charged > 0:
                        self.svc._paid(txn, charged, {"recovered": True})
                    else:
                        self.svc._move(txn, Ev.CANCEL, {"recovered": True})
            elif state is S.PAID:
                session = card_for(p.card_serial)
                if session is not None:
                    self.svc.write_card(txn, session)
                else:
                    self.svc.fail_without_credit(txn, pay)
            elif state in (S.CARD_PENDING, S.MANUAL_REVIEW):
                if state is S.MANUAL_REVIEW and p.review_reason != "card_outcome_unknown":
                    return state
                session = card_for(p.card_serial)
                if session is None:
                    if state is S.CARD_PENDING:
                        self.svc._move(txn, Ev.CARD_UNKNOWN, {"recovered": True},
                                       review_fen=p.paid_fen, review_reason="card_outcome_unknown")
                    return S.MANUAL_REVIEW
                if not self._settle_card(txn, session, state):
                    return S(self.svc.get(txn).state)
            elif state is S.CARD_FAILED:
                session = card_for(p.card_serial)
                if session is not None and not retried:
                    retried = True
                    self.svc.write_card(txn, session)
                else:
                    self.svc.fail_without_credit(txn, pay)
            elif state is S.REFUND_PENDING:
                self.svc.fail_without_credit(txn, pay)
            elif state is S.CARD_DONE:
                self.svc.print_receipt(txn)
            elif state in (S.RECEIPT_DONE, S.RECEIPT_FAILED, S.REFUNDED, S.CANCELLED):
                self.svc.close(txn)
            else:
                return state

    def _settle_card(self, txn: str, session: CardSession, state: S) -> bool:
        """Ask the card. Returns False when the outcome stays unknown."""
        p = self.svc.get(txn)
        assert p.credit is not None
        credit = credit_from_json(p.credit)
        if planted("recovery_blind_rewrite"):
            snap = session.read()
            blind = session.write_credit(replace(credit, counter_before=snap.counter))
            crash_point("effect:card_write:after")
            self.svc.card_done(txn, blind)
            return True
        try:
            outcome, proof = session.check_credit(credit)
        except CardError as exc:  # StatusError of devices/card is one too
            logger.warning("card outcome of %s still unknown: %s", txn, exc)
            self._unknown[txn] = exc
            if state is S.CARD_PENDING:
                self.svc._move(txn, Ev.CARD_UNKNOWN, {"recovered": True, "reason": exc.code},
                               review_fen=p.paid_fen, review_reason="card_outcome_unknown")
            return False
        if outcome is CreditOutcome.APPLIED:
            assert proof is not None
            self.svc.card_done(txn, proof)
        else:
            self.svc._move(txn, Ev.CARD_FAILED, {"recovered": True, "reason": "not_applied"},
                           review_fen=0, review_reason=None)
        return True


class _CreditNotLoaded:
    """The payment side of a credit paid elsewhere during recovery: no money moved at the
    kiosk, so 'refunding' it only records that the credit was not loaded."""

    method = PaymentMethod.ELSEWHERE

    def charge(self, txn_id: str, amount_fen: int) -> str:
        raise OutOfService("a credit paid elsewhere is not claimed again during recovery")

    def charged_fen(self, txn_id: str) -> int:
        return 0

    def refund(self, txn_id: str, amount_fen: int) -> str:
        return f"CREDIT-NOT-LOADED-{txn_id[:8]}"
