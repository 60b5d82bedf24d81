"""The purchase flow between the screens (a part of KioskWindow): card in, account, amount,
payment (cash, QR, a credit paid elsewhere), the card write, the receipt, and the error
screens with their actions. The window holds the state (session, method, credit); every
device or journal call goes through the session on a worker."""
from __future__ import annotations

import logging
from collections.abc import Callable

from kiosk.errors import CardAbsent, CardPulled, CardWriteFailed, PaymentError
from kiosk.ports import PaymentMethod
from kiosk.purchase.states import S

from .i18n import tr
from .messages import describe
from .screens.buy import CashScreen, DoneScreen, QrScreen, WritingScreen
from .screens.service import ErrorScreen
from .screens.start import AccountScreen, ReadingScreen
from .session import AccountView, SettledView

logger = logging.getLogger(__name__)


class PurchaseFlow:
    """Mixed into KioskWindow: `self` is the window."""

    def start_purchase(self) -> None:
        if self.ks.out_of_service is not None:
            self.show_error(self.ks.out_of_service, "start", 0)
            return
        self.session = self.ks.new_session()
        if self.ks.card_present:
            self.read_card()
        else:
            self.go("insert")

    def card_changed(self, present: bool) -> None:
        name = self.current.name
        cash = self.screens["cash"]
        assert isinstance(cash, CashScreen)
        if name == "cash" and self.session is not None and (cash.card_missing or (
                not present and self.session.paid_fen > 0)):
            self.card_left_during_payment(present)
            return
        if present:
            if name in ("attract", "insert") or (name == "error" and self._error_waits_card()):
                if self.session is None or name == "error":
                    self.session = self.ks.new_session()
                self.read_card()
            return
        if name in ("reading", "account", "amount", "pay") or (
                name == "cash" and self.session is not None and self.session.paid_fen == 0):
            s = self.session
            if s is not None:
                s.cancel(lambda _st: None)
            self.show_error(CardAbsent("card removed"), "read", 0)
        elif name == "done":
            pass  # the card was taken: the resident may still rate, the timeout goes home

    def card_left_during_payment(self, present: bool) -> None:
        """Money is in and the card went away: hold the payment until the same card is back."""
        s = self.session
        cash = self.screens["cash"]
        assert isinstance(cash, CashScreen) and s is not None
        if not present:
            cash.card_missing, cash.wrong_card = True, False
            cash.render()
            self.speak(tr("Your card was removed. Put it back in to get your gas."))
            return

        def back(_: None) -> None:
            cash.card_missing = cash.wrong_card = False
            cash.render()
            self.speak(cash.prompt())
            if s.paid_fen >= s.cash_target() > 0:
                self.finish_cash()

        def wrong(exc: Exception) -> None:
            cash.wrong_card = True
            cash.render()
            self.speak(tr("This is another card. Put back the card you started with."))

        s.reattach(back, wrong)

    def _error_waits_card(self) -> bool:
        sc = self.screens["error"]
        assert isinstance(sc, ErrorScreen)
        return sc.view is not None and sc.view.action == "insert_again"

    def read_card(self) -> None:
        s = self.session
        assert s is not None
        reading = self.screens["reading"]
        assert isinstance(reading, ReadingScreen)
        reading.clear()
        self.go("reading")

        def ok(v: AccountView | SettledView) -> None:
            if isinstance(v, SettledView):  # an earlier purchase of this card was finished
                self.printed(v.summary)
                return
            acc = self.screens["account"]
            assert isinstance(acc, AccountScreen)
            acc.show_view(v)
            self.go("account")

        s.read(reading.set_step, ok, lambda exc: self.show_error(exc, "read", 0))

    def begin_payment(self, method: str) -> None:
        s = self.session
        if s is None:
            return
        self.method = method

        def ok(_txn: str) -> None:
            if method == "cash":
                cash = self.screens["cash"]
                assert isinstance(cash, CashScreen)
                cash.set_total(0, 0)
                self.go("cash")
                s.on_note_refused = self.note_refused
                s.start_cash(self.cash_update, lambda exc: self.show_error(exc, "pay", s.paid_fen))
            else:
                qr = self.screens["qr"]
                assert isinstance(qr, QrScreen)
                qr.clear()
                self.go("qr")
                s.pay_qr(self.after_paid, lambda exc: self.show_error(exc, "pay", 0))

        s.begin(PaymentMethod(method), self.no_receipt, ok, lambda exc: self.show_error(exc, "pay", 0))

    def load_credit(self, credit: dict[str, object]) -> None:
        """A credit paid elsewhere goes onto the card: paid by the credit, then written."""
        s = self.session
        if s is None:
            return
        self.method, self.credit = "elsewhere", credit
        w = self.screens["writing"]
        assert isinstance(w, WritingScreen)
        w.set_step(0)
        self.go("writing")
        s.load_credit(credit, self.no_receipt, self.after_paid,
                      lambda exc: self.show_error(exc, "pay", 0))

    def cash_update(self, total: int, maximum: int) -> None:
        cash = self.screens["cash"]
        assert isinstance(cash, CashScreen)
        cash.refused = None
        cash.set_total(total, maximum)
        self.home_btn.setVisible(total == 0)  # money in: the purchase goes on
        s = self.session
        if cash.card_missing:
            return  # finished when the card is back
        if s is not None and total >= s.cash_target() > 0:
            self.finish_cash()  # the amount asked, or the price of the volume asked, is in
        elif total:
            self.speak(tr("%1 yuan inserted.").replace("%1", f"{total // 100}"))

    def note_refused(self, exc: Exception) -> None:
        cash = self.screens["cash"]
        assert isinstance(cash, CashScreen)
        cash.refused = exc
        cash.render()
        self.speak(describe(exc, 0, "pay").next_step)

    def finish_cash(self) -> None:
        s = self.session
        if s is None:
            return
        w = self.screens["writing"]
        assert isinstance(w, WritingScreen)
        w.set_step(0)
        self.go("writing")
        s.finish_cash(self.after_paid, lambda exc: self.show_error(exc, "pay", s.paid_fen))

    def qr_payload(self, payload: str) -> None:
        qr = self.screens["qr"]
        assert isinstance(qr, QrScreen)
        qr.show_payload(payload)

    def cancel_qr(self) -> None:
        """Cancel while the QR code shows: the provider stops waiting; the payment op then
        answers CANCELLED (nothing paid) or PAID (paid at the last moment)."""
        s = self.session
        if s is None or not s.cancel_qr():
            self.cancel_purchase()

    def cancel_purchase(self) -> None:
        s = self.session
        if s is None:
            self.home()
            return
        s.cancel(lambda _st: self.home())

    def after_paid(self, state: S) -> None:
        s = self.session
        if s is None:
            return
        if state is S.CANCELLED:
            if self.method == "elsewhere" and self.credit is not None:  # the credit was refused
                self.show_error(PaymentError("credit not loaded", credit_id=self.credit.get("credit_id")),
                                "pay", 0)
                return
            self.home()
            return
        w = self.screens["writing"]
        assert isinstance(w, WritingScreen)
        w.set_step(1)
        if self.current.name != "writing":
            self.go("writing")

        def written(st: S) -> None:
            if st is S.CARD_DONE:
                w.set_step(2)
                s.print_receipt(self.printed, lambda exc: self.show_error(exc, "print", s.paid_fen))
            elif st is S.CARD_FAILED:
                s.fail_without_credit(
                    lambda _st: self.show_error(CardWriteFailed(  # printed or not: the words differ
                        "card refused", txn_id=s.txn, voucher_printed=s.svc.voucher_printed(s.txn or "")),
                        "write", s.paid_fen),
                    lambda exc: self.show_error(exc, "write", s.paid_fen))
            else:  # MANUAL_REVIEW: pulled, outcome unknown
                self.show_error(CardPulled("card pulled during the write"), "write", s.paid_fen)

        s.write(written, lambda exc: self.show_error(
            CardPulled("card gone") if isinstance(exc, CardAbsent) else exc, "write", s.paid_fen))

    def printed(self, summary: dict[str, object]) -> None:
        done = self.screens["done"]
        assert isinstance(done, DoneScreen)
        done.show_summary(summary)
        self.go("done")

    def finish_visit(self) -> None:
        self.reset_visit()

    def home(self) -> None:
        self.reset_visit()

    def go_home_pressed(self) -> None:
        s = self.session
        if self.current.name == "qr":
            self.cancel_qr()
            return
        if s is not None and s.busy() is not None:
            return  # money in: finish the purchase first (the button is hidden then)
        self.cancel_purchase_then(self.reset_visit)

    # --- errors -----------------------------------------------------------------------------------
    def show_error(self, exc: Exception, stage: str, paid_fen: int) -> None:
        logger.info("error screen for %r at %s (paid %d)", exc, stage, paid_fen)
        sc = self.screens["error"]
        assert isinstance(sc, ErrorScreen)
        sc.present(lambda: describe(exc, paid_fen, stage))
        self.go("error")

    def error_action(self, action: str | None) -> None:
        s = self.session
        if action == "restart":
            self.cancel_purchase_then(self.start_purchase)
        elif action == "insert_again":
            self.session = self.ks.new_session()
            if self.ks.card_present:
                self.read_card()
            else:
                self.go("insert")
        elif action == "no_receipt":
            self.no_receipt = True
            if self.method == "elsewhere" and self.credit is not None:
                self.load_credit(self.credit)
            else:
                self.begin_payment(self.method)
        elif action == "finish_cash":
            self.finish_cash()
        elif action == "continue_cash" and s is not None:
            self.go("cash")
            s.start_cash(self.cash_update, lambda exc: self.show_error(exc, "pay", s.paid_fen))
        elif action == "call_staff":
            self.call_staff()
        else:
            self.cancel_purchase_then(self.home)

    def cancel_purchase_then(self, then: Callable[[], None]) -> None:
        s = self.session
        if s is None:
            then()
            return
        s.cancel(lambda _st: then())
