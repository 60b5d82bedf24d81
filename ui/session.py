"""The purchase session the screens drive: one resident's visit from card insertion to
'take your card'. Each step runs on its device's worker (ui/ops.py) and answers on the GUI
thread; the session itself holds what the screens show."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer

from kiosk.card import CardSnapshot
from kiosk.errors import CardAbsent, KioskError, NoteJammed, NoteRejected, NoteSuspect, WrongCard
from kiosk.ports import CardSession, ElectronicPayment, PaymentMethod
from kiosk.pricing import Quote
from kiosk.purchase.receipts import verify_code
from kiosk.purchase.recovery import Recovery
from kiosk.purchase.service import CardCheck, PurchaseService
from kiosk.purchase.states import S

from .ops import on_gui, run_op

if TYPE_CHECKING:
    from .kiosk_service import KioskService

logger = logging.getLogger(__name__)

FINISHED = frozenset({S.CARD_DONE.value, S.RECEIPT_DONE.value, S.RECEIPT_FAILED.value, S.OUTBOX.value,
                      S.ACKED.value})

Ok = Callable[[Any], None]
Err = Callable[[Exception], None]


@dataclass
class AccountView:
    """What the account screen shows: masked, plus the cached account data."""

    snapshot: CardSnapshot
    check: CardCheck
    account: dict[str, Any] | None
    notices: list[dict[str, Any]]
    as_of: datetime | None
    credits: list[dict[str, Any]] = field(default_factory=list)  # paid elsewhere, to load here


@dataclass
class SettledView:
    """The card came back and finished an earlier purchase (pulled mid-write): its summary."""

    summary: dict[str, Any]


def purchase_summary(svc: PurchaseService, txn: str) -> dict[str, Any]:
    p = svc.get(txn)
    final = json.loads(p.quote).get("final") or {}
    ctx = svc.ctx
    return {"printed": p.receipt_prints > 0, "paid_fen": p.paid_fen, "cost_fen": p.cost_fen,
            "volume_units": p.volume_units, "remainder_fen": p.remainder_fen,
            "tiers": final.get("tiers", []), "seq": p.created_seq, "txn": txn, "state": p.state,
            # the receipt's verification code: shown as a QR when no paper came out
            "code": verify_code(ctx.kiosk_id, ctx.receipt_key, p)}


class PurchaseSession:
    """One resident's visit, from card insertion to 'take your card'. Screens call these
    methods; each runs on the right worker and answers on the GUI thread. After end() late
    answers are dropped."""

    def __init__(self, ks: KioskService) -> None:
        self.ks = ks
        self.svc = ks.svc
        self._alive = True
        self.card: CardSession | None = None
        self.view: AccountView | None = None
        self.mode = "amount"
        self.value = 0
        self.quote: Quote | None = None
        self.method = PaymentMethod.CASH
        self.electronic: ElectronicPayment | None = None  # a credit paid elsewhere, as payment
        self.txn: str | None = None
        self.paid_fen = 0
        self.cash_max_fen = 0
        self.state: S | None = None
        self.no_receipt = False
        self.busy_reason: str | None = None  # writing | printing | escrow | cash
        self._cash_polling = False
        self._cash_timer: QTimer | None = None
        self.on_cash: Callable[[int, int], None] | None = None
        self.on_cash_error: Err | None = None
        self.on_note_refused: Err | None = None
        self.summary: dict[str, Any] = {}

    def alive(self) -> bool:
        return self._alive

    def end(self) -> None:
        """Forget everything (timeout, card gone, purchase done)."""
        self._alive = False
        self.stop_cash_polling()
        self.card = self.view = self.quote = None
        self.summary = {}

    def _run(self, worker: str, fn: Callable[[], Any], ok: Ok, err: Err) -> None:
        run_op(self.ks.workers[worker], fn, ok, err, self.alive)

    # --- 1. read and check ----------------------------------------------------------------------
    def read(self, on_step: Callable[[str], None], ok: Callable[[AccountView | SettledView], None],
             err: Err) -> None:
        alive = self.alive

        def step(name: str) -> None:
            on_gui(lambda: on_step(name) if alive() else None)

        def job() -> AccountView | SettledView:
            step("detect")
            card = self.ks.devices.cards.session()
            step("read")
            snap = card.read()
            step("verify")
            settled = Recovery(self.svc, None, self.ks.devices.payments, lambda s: None).reconcile_card(
                snap.serial, card)
            if settled:
                summary = purchase_summary(self.svc, settled[-1])
                if summary["state"] in FINISHED:
                    self.txn = settled[-1]
                    return SettledView(summary)
            step("account")
            acc = self.ks.devices.accounts.account(snap.customer_no)
            notices = self.ks.devices.accounts.notices()
            step("limits")
            quota = card.offline_quota_fen()
            check = self.svc.check_card(snap, quota)
            credits = self.ks.devices.accounts.credits(snap) if self.ks.devices.credit_payment else []
            self.card = card
            return AccountView(snap, check, acc, notices, self.ks.devices.accounts.as_of(), credits)

        def done(v: AccountView | SettledView) -> None:
            if isinstance(v, AccountView):
                self.view = v
            ok(v)

        self._run("card", job, done, err)

    def reattach(self, ok: Callable[[None], None], err: Err) -> None:
        """The card came back during payment: it must be the same card; take its new session
        (a reader gives one session per insertion)."""
        assert self.view is not None
        serial = self.view.snapshot.serial

        def job() -> None:
            card = self.ks.devices.cards.session()
            if card.read().serial != serial:
                raise WrongCard("another card was inserted", serial=serial)
            self.card = card

        self._run("card", job, ok, err)

    # --- 2. price ---------------------------------------------------------------------------------
    def price(self, mode: str, value: int, ok: Callable[[Quote], None], err: Err) -> None:
        assert self.view is not None
        check = self.view.check

        def done(q: Quote) -> None:
            self.mode, self.value, self.quote = mode, value, q
            ok(q)

        self._run("core", lambda: self.svc.quote(check, mode, value), done, err)

    # --- 3. pay -------------------------------------------------------------------------------------
    def begin(self, method: PaymentMethod, no_receipt: bool, ok: Callable[[str], None], err: Err) -> None:
        assert self.view is not None
        check, mode, value = self.view.check, self.mode, self.value

        def done(txn: str) -> None:
            self.txn, self.method, self.no_receipt, self.paid_fen = txn, method, no_receipt, 0
            ok(txn)

        # begin asks the printer for its status: the printer's worker
        self._run("printer", lambda: self.svc.begin(check, mode, value, method, no_receipt), done, err)

    def start_cash(self, on_total: Callable[[int, int], None], err: Err, poll_ms: int = 120) -> None:
        assert self.txn is not None
        txn = self.txn
        self.on_cash, self.on_cash_error = on_total, err

        def job() -> tuple[int, int]:
            assert self.ks.acceptor is not None
            self.svc.cash_enable(txn, self.ks.acceptor)
            return 0, self.svc.cash_limit(txn)

        def ok(r: tuple[int, int]) -> None:
            self.paid_fen, self.cash_max_fen = r
            on_total(*r)
            self._cash_timer = QTimer()
            self._cash_timer.setInterval(poll_ms)
            self._cash_timer.timeout.connect(self._poll_cash)
            self._cash_polling = True
            self._cash_timer.start()

        self._run("cash", job, ok, err)

    def stop_cash_polling(self) -> None:
        self._cash_polling = False
        if self._cash_timer is not None:
            self._cash_timer.stop()
            self._cash_timer = None

    def _poll_cash(self) -> None:
        w = self.ks.workers["cash"]
        if not self._cash_polling or w.pending or self.txn is None:
            return
        txn, acc = self.txn, self.ks.acceptor
        assert acc is not None
        alive = self.alive

        def job() -> tuple[int, Exception | None]:
            if self.svc.note_waiting(txn, acc) is not None:  # a transport jam is journalled there
                on_gui(lambda: self._set_busy("escrow") if alive() else None)
            total = self.svc.take_note(txn, acc)
            # notes given back (not valid, suspect): news for the resident, not a failure.
            # take_events is the ccTalk driver's event queue (not part of the CashAcceptor port)
            events = getattr(acc, "take_events", list)()
            refused = [ev.error for ev in events
                       if isinstance(getattr(ev, "error", None), (NoteRejected, NoteSuspect))]
            return total, (refused[-1] if refused else None)

        def ok(r: tuple[int, Exception | None]) -> None:
            total, refused = r
            if self.busy_reason == "escrow":
                self.busy_reason = None
            if refused is not None and self.on_note_refused is not None:
                self.on_note_refused(refused)
            if total != self.paid_fen:
                self.paid_fen = total
                if self.on_cash is not None:
                    self.on_cash(total, self.cash_max_fen)

        def failed(exc: Exception) -> None:
            if self.busy_reason == "escrow":
                self.busy_reason = None
            self.stop_cash_polling()
            self.paid_fen = self.svc_paid_cached()
            if self.on_cash_error is not None:
                self.on_cash_error(exc)

        self._run("cash", job, ok, failed)

    def svc_paid_cached(self) -> int:
        return self.paid_fen

    def _set_busy(self, why: str | None) -> None:
        self.busy_reason = why

    def finish_cash(self, ok: Callable[[S], None], err: Err) -> None:
        """The resident is done inserting notes (or the maximum was reached)."""
        assert self.txn is not None
        self.stop_cash_polling()
        txn = self.txn

        def job() -> tuple[S, int]:
            acc = self.ks.acceptor
            assert acc is not None
            acc.inhibit()
            waiting = self.svc.note_waiting(txn, acc)
            total = self.svc.take_note(txn, acc) if waiting is not None else self.svc.get(txn).paid_fen
            acc.inhibit()
            return self.svc.finish_payment(txn), total

        def done(r: tuple[S, int]) -> None:
            self.state, self.paid_fen = r
            ok(r[0])

        self._run("cash", job, done, err)

    def cancel(self, ok: Callable[[S | None], None]) -> None:
        """Leave before any money: close the row (CANCELLED) if one was begun."""
        txn = self.txn
        self.stop_cash_polling()
        if txn is None:
            ok(None)
            return

        def job() -> S | None:
            acc = self.ks.acceptor
            if acc is not None:
                acc.inhibit()
                try:
                    if self.svc.note_waiting(txn, acc) is not None:
                        acc.return_escrow()
                except NoteJammed:
                    pass  # journalled for this purchase (note_waiting): its jam slip says so
            p = self.svc.get(txn)
            if p.state == S.INIT.value and p.paid_fen == 0:
                return self.svc.finish_payment(txn)  # CANCELLED: no money
            if p.state == S.INIT.value:
                logger.warning("purchase %s has %d fen in: not cancelled", txn, p.paid_fen)
            return None

        run_op(self.ks.workers["cash"], job, ok, lambda exc: ok(None))

    def payment(self) -> ElectronicPayment | None:
        """The electronic payment of this purchase: the credit being loaded, or the provider
        of the method chosen."""
        return self.electronic or self.ks.devices.payments.get(self.method.value)

    def load_credit(self, credit: dict[str, Any], no_receipt: bool, ok: Callable[[S], None], err: Err) -> None:
        """Load a credit paid elsewhere (app, bank): a purchase of exactly its amount, paid by
        the credit (online the server's claim, offline the signed cached credit bound to this
        card's counter). Begun on the printer worker (it asks the printer), paid on core."""
        assert self.view is not None
        factory = self.ks.devices.credit_payment
        if factory is None:
            err(KioskError("this kiosk does not load credits paid elsewhere"))
            return
        check, cid, amount = self.view.check, str(credit["credit_id"]), int(credit["amount_fen"])

        def begun(r: tuple[Quote, str]) -> None:
            self.quote, (self.mode, self.value) = r[0], ("amount", amount)
            self.txn, self.method, self.no_receipt, self.paid_fen = r[1], PaymentMethod.ELSEWHERE, no_receipt, 0
            pay = self.electronic = factory(cid, check.snapshot)
            txn = r[1]

            def paid(state: S) -> None:
                self.state = state
                if state is S.PAID:
                    self.paid_fen = amount
                ok(state)

            self._run("core", lambda: self.svc.pay_electronic(txn, pay), paid, err)

        def begin() -> tuple[Quote, str]:
            q = self.svc.quote(check, "amount", amount)
            return q, self.svc.begin(check, "amount", amount, PaymentMethod.ELSEWHERE, no_receipt, credit_id=cid)

        self._run("printer", begin, begun, err)

    def cancel_qr(self) -> bool:
        """The resident cancels a pending QR payment: the provider stops waiting and charge()
        ends (CANCELLED when nothing was paid). Only sets an event: safe on the GUI thread."""
        pay = self.ks.devices.payments.get(self.method.value)
        cancel = getattr(pay, "cancel", None)
        if cancel is None:
            return False
        cancel()
        return True

    def pay_qr(self, ok: Callable[[S], None], err: Err) -> None:
        assert self.txn is not None
        txn = self.txn
        pay = self.ks.devices.payments.get(self.method.value)
        if pay is None:
            err(KioskError("no payment provider"))
            return

        def done(state: S) -> None:
            self.state = state
            if state is S.PAID:
                self.paid_fen = self.quote.paid_fen if self.quote else 0
            ok(state)

        self._run("core", lambda: self.svc.pay_electronic(txn, pay), done, err)

    # --- 4. write, 5. receipt ----------------------------------------------------------------------
    def _run_busy(self, worker: str, why: str, fn: Callable[[], Any], ok: Ok, err: Err) -> None:
        """A step no timeout may interrupt (`busy()` says `why` until it answered)."""
        self.busy_reason = why

        def done(r: Any) -> None:
            self.busy_reason = None
            ok(r)

        def failed(exc: Exception) -> None:
            self.busy_reason = None
            err(exc)

        self._run(worker, fn, done, failed)

    def _set_state(self, ok: Callable[[S], None]) -> Callable[[S], None]:
        def done(state: S) -> None:
            self.state = state
            ok(state)

        return done

    def write(self, ok: Callable[[S], None], err: Err) -> None:
        assert self.txn is not None
        txn, card = self.txn, self.card

        def job() -> S:
            if card is None:
                raise CardAbsent("no card session")
            return self.svc.write_card(txn, card)

        self._run_busy("card", "writing", job, self._set_state(ok), err)

    def fail_without_credit(self, ok: Callable[[S], None], err: Err) -> None:
        assert self.txn is not None
        txn, pay = self.txn, self.payment()
        self._run_busy("printer", "printing", lambda: self.svc.fail_without_credit(txn, pay),
                       self._set_state(ok), err)

    def print_receipt(self, ok: Callable[[dict[str, Any]], None], err: Err) -> None:
        assert self.txn is not None
        txn = self.txn

        def job() -> dict[str, Any]:
            state = self.svc.print_receipt(txn)
            self.svc.close(txn)
            summary = purchase_summary(self.svc, txn)
            summary["printed"] = state is S.RECEIPT_DONE
            return summary

        def done(summary: dict[str, Any]) -> None:
            self.summary = summary
            ok(summary)

        self._run_busy("printer", "printing", job, done, err)

    def print_again(self, ok: Callable[[bool], None], err: Err) -> None:
        """The resident asks for the paper receipt that did not come out (the printer has
        paper again): printed from the same journal row, marked as a late print."""
        assert self.txn is not None
        txn = self.txn
        self._run_busy("printer", "printing", lambda: self.svc.reprint(txn), ok, err)

    def rate(self, level: int) -> None:
        txn = self.txn
        j, clock, kid = self.svc.ctx.journal, self.svc.ctx.clock, self.svc.ctx.kiosk_id

        def job() -> None:
            from kiosk.help import record_rating

            record_rating(j, clock, kid, txn, level)

        run_op(self.ks.workers["core"], job, None, lambda exc: logger.warning("rating: %r", exc))

    def cash_target(self) -> int:
        """The cash that completes the purchase: the amount asked (by money) or the price of
        the volume asked (by gas); 0 before a quote."""
        q = self.quote
        if q is None:
            return 0
        return q.paid_fen if self.mode == "amount" else q.cost_fen

    def busy(self) -> str | None:
        """Why a timeout must not interrupt now (None: it may)."""
        if self.busy_reason is not None:
            return self.busy_reason
        if self.txn is not None and self.paid_fen > 0 and self.state is None:
            return "cash"
        return None
