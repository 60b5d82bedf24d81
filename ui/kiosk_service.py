"""The app-service layer between the screens and the core: the device workers, start-up
recovery, card presence, help calls, repair requests, and a new purchase session
(ui/session.py) per resident. Every core or device call runs on a worker (ui/ops.py);
results come back on the GUI thread."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.card import CardSnapshot
from kiosk.errors import CardError
from kiosk.help import HelpCall, HelpDesk
from kiosk.ports import CardSession, CashAcceptor, ElectronicPayment, PaymentMethod
from kiosk.purchase.recovery import Recovery
from kiosk.purchase.service import PurchaseService
from kiosk.purchase.states import S
from kiosk.repair import RepairDesk, RepairRequest, RepairTicket
from kiosk.technician import ServiceHold, ServiceState, load_service_hold

from .ops import Worker, run_op
from .session import PurchaseSession
from .technician import ServicePorts

logger = logging.getLogger(__name__)

SLIP_SLOTS = {"morning": "上午 morning", "afternoon": "下午 afternoon", "evening": "晚上 evening",
              "any": "任何时间 any time"}

Ok = Callable[[Any], None]
Err = Callable[[Exception], None]


class CardSource(Protocol):
    """The card reader as the UI sees it. Both calls run on the card worker."""

    def present(self) -> bool: ...

    def session(self) -> CardSession: ...


class AccountSource(Protocol):
    """The cached account data downloaded by the sync client (sync/cache.py)."""

    def account(self, customer_no: str) -> dict[str, Any] | None: ...

    def notices(self) -> list[dict[str, Any]]: ...

    def as_of(self) -> datetime | None: ...

    def credits(self, snap: CardSnapshot) -> list[dict[str, Any]]:
        """Credits paid elsewhere (app, bank) for this card's customer, each with `loadable`
        (and `why` not) now."""
        ...

    def ticket(self, client_ref: str) -> dict[str, Any] | None:
        """The server's ticket made from this kiosk's journal row `journal:SEQ`, if downloaded."""
        ...


@dataclass
class Devices:
    cards: CardSource
    open_acceptor: Callable[[], CashAcceptor]  # called once, on the cash worker
    payments: dict[str, ElectronicPayment]
    accounts: AccountSource
    is_online: Callable[[], bool]
    raise_ticket: Callable[[str, str], None] | None = None  # (kind, summary), when online
    print_lines: Callable[[list[str], str], None] | None = None  # printer worker
    extras: dict[str, Any] = field(default_factory=dict)
    service: ServicePorts | None = None  # the technician's screen; None: no service screen
    state: ServiceState = field(default_factory=ServiceState)  # in service or not (heartbeat)
    # a credit paid elsewhere as the payment that loads it (credit_id, card) -> payment
    credit_payment: Callable[[str, CardSnapshot], ElectronicPayment] | None = None


class KioskService(QObject):
    card_changed = Signal(bool)
    started = Signal(object)  # None or the exception that puts the kiosk out of service
    qr_payload = Signal(str)  # the QR code a payment provider wants shown (any thread emits)

    def __init__(self, svc: PurchaseService, devices: Devices, poll_ms: int = 200,
                 retry_payments_ms: int = 60_000) -> None:
        super().__init__()
        self.svc = svc
        self.devices = devices
        self.workers = {n: Worker(n) for n in ("card", "cash", "printer", "core")}
        self.acceptor: CashAcceptor | None = None
        self.card_present = False
        self._out_of_service: Exception | None = None
        self.service_hold: ServiceHold | None = None  # a technician took the kiosk out of service
        self.help = HelpDesk(svc.ctx.journal, svc.ctx.clock, svc.ctx.kiosk_id)
        self.repairs = RepairDesk(svc.ctx.journal, svc.ctx.clock, svc.ctx.kiosk_id)
        self._poll = QTimer(self)
        self._poll.setInterval(poll_ms)
        self._poll.timeout.connect(self._poll_card)
        # an electronic payment the provider could not confirm (P002) leaves its purchase open;
        # it is asked again while the kiosk runs, not only at the next start
        self._payments_timer = QTimer(self)
        self._payments_timer.setInterval(retry_payments_ms)
        self._payments_timer.timeout.connect(self.retry_open_payments)
        self.session: PurchaseSession | None = None

    @property
    def out_of_service(self) -> Exception | None:
        """None, or why the kiosk sells nothing (also in devices.state, for the heartbeat)."""
        return self._out_of_service

    @out_of_service.setter
    def out_of_service(self, exc: Exception | None) -> None:
        self._out_of_service = exc
        self.devices.state.set(None if exc is None else f"{getattr(exc, 'code', 'E999')} {exc}")

    # --- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        """Open the acceptor and run recovery (before any money), on the cash worker."""
        def job() -> ServiceHold | None:
            self.acceptor = self.devices.open_acceptor()
            self.acceptor.inhibit()
            Recovery(self.svc, self.acceptor, self.devices.payments, self._card_for).run()
            return self.svc.ctx.journal.call(load_service_hold)

        def ok(hold: ServiceHold | None) -> None:
            self._poll.start()
            self._payments_timer.start()
            if hold is not None:  # still out of service since a technician said so
                self.service_hold, self.out_of_service = hold, hold.as_error()
            self.started.emit(self.out_of_service)

        def failed(exc: Exception) -> None:
            self.out_of_service = exc
            self.started.emit(exc)

        run_op(self.workers["cash"], job, ok, failed)

    def retry_open_payments(self) -> None:
        """Between visits, ask the provider again about electronic purchases left open: paid
        late, the resident has gone, so the money goes back through the provider (journalled);
        never paid, the row closes CANCELLED. Not while a resident is at the kiosk."""
        if self.session is not None or self.out_of_service is not None:
            return
        run_op(self.workers["core"], self.settle_open_payments, None,
               lambda exc: logger.warning("open payments not settled: %r", exc))

    def settle_open_payments(self) -> list[str]:
        """On the core worker: the txns of the open electronic rows asked, each advanced by its
        provider's answer with no card (a card write needs the resident)."""
        electronic = {PaymentMethod.QR.value, PaymentMethod.BANK.value}
        rows = self.svc.ctx.journal.call(lambda s: self.svc.ledger.open_purchases(s, frozenset({S.INIT})))
        todo = [p.txn_id for p in rows if p.method in electronic]
        rec = Recovery(self.svc, None, self.devices.payments, lambda _serial: None)
        for txn in todo:
            logger.info("open %s purchase %s: asking the provider again -> %s", "electronic", txn,
                        rec.advance(txn).value)
        return todo

    def _card_for(self, serial: str) -> CardSession | None:
        try:
            s = self.devices.cards.session()
            return s if s.read().serial == serial else None
        except CardError:
            return None

    def stop(self) -> None:
        self._poll.stop()
        for w in self.workers.values():
            w.stop()

    def show_qr(self, payload: str, _order: object = None) -> None:
        """For QrPayment(show_qr=...): called on the core worker inside charge()."""
        self.qr_payload.emit(payload)

    def online(self) -> bool:
        try:
            return bool(self.devices.is_online())
        except Exception:  # noqa: BLE001
            return False

    def idle(self) -> bool:
        return all(w.pending == 0 for w in self.workers.values())

    # --- card presence ---------------------------------------------------------------------
    def _poll_card(self) -> None:
        w = self.workers["card"]
        if w.pending:
            return

        def ok(present: bool) -> None:
            if present != self.card_present:
                self.card_present = present
                self.card_changed.emit(present)

        run_op(w, self.devices.cards.present, ok, lambda exc: ok(False))

    # --- help, repair, rating ------------------------------------------------------------------
    def call_staff(self, screen: str, txn: str | None, code: str | None, ok: Ok, err: Err,
                   customer_no: str | None = None) -> None:
        def job() -> HelpCall:
            call = self.help.call(screen, txn, code, customer_no)
            if self.online() and self.devices.raise_ticket is not None:
                try:
                    self.devices.raise_ticket("help", f"help call at screen {screen}")
                except Exception:  # noqa: BLE001 - journalled: it reaches the server anyway
                    logger.warning("help ticket not raised online; journalled")
            return call

        run_op(self.workers["core"], job, ok, err)

    def submit_repair(self, req: RepairRequest, ok: Ok, err: Err,
                      slip: Callable[[bool], None] | None = None) -> None:
        """Journal the request (ok: the ticket), then print its slip; `slip(printed)` says
        whether the paper came out."""
        def job() -> RepairTicket:
            return self.repairs.submit(req)

        def printed(t: RepairTicket) -> None:
            ok(t)
            pl = self.devices.print_lines
            if pl is None:
                if slip is not None:
                    slip(False)
                return
            slot = SLIP_SLOTS.get(t.request.slot, t.request.slot)
            lines = [f"报修单号 Ticket: {t.ticket_no}", f"电话 Phone: {t.phone_masked}",
                     f"时段 Time: {slot}", "工作人员将尽快联系您", "Staff will call you back"]

            def failed(exc: Exception) -> None:
                logger.warning("repair ticket not printed: %r", exc)
                if slip is not None:
                    slip(False)

            run_op(self.workers["printer"], lambda: pl(lines, "报修 REPAIR"),
                   (lambda _r: slip(True)) if slip is not None else None, failed)

        run_op(self.workers["core"], job, printed, err)

    def new_session(self) -> PurchaseSession:
        if self.session is not None:
            self.session.end()
        self.session = PurchaseSession(self)
        return self.session
