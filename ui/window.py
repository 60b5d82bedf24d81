"""The kiosk window: header (language, 长辈版, repeat, volume), the screen stack, the footer
with "call staff" on every screen; the flow between screens; the idle timeout."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from kiosk.errors import CardAbsent, CardPulled, CardWriteFailed, KioskError, PaperOut, PaymentError
from kiosk.ports import PaymentMethod
from kiosk.pricing import Tariff
from kiosk.purchase.states import S
from kiosk.repair import RepairTicket

from .i18n import DEFAULT, Languages, m3, tr
from .kiosk_service import KioskService
from .messages import describe
from .screens.buy import AmountScreen, CashScreen, DoneScreen, PayScreen, QrScreen, WritingScreen
from .screens.repair import (
    EmergencyScreen,
    RepairDoneScreen,
    RepairFormScreen,
    RepairScreen,
    RepairStatusScreen,
)
from .screens.service import (
    ErrorScreen,
    FaqScreen,
    IdleScreen,
    NoticesScreen,
    StaffScreen,
)
from .screens.start import AccountScreen, AttractScreen, InsertScreen, ReadingScreen
from .screens.technician import TechnicianScreen, TechPinScreen
from .session import AccountView, PurchaseSession, SettledView
from .technician import TechnicianOps
from .theme import ELDER, NORMAL, style_sheet
from .voice import Speaker
from .widgets import Screen, button, row

logger = logging.getLogger(__name__)

SCREENS = (AttractScreen, InsertScreen, ReadingScreen, AccountScreen, AmountScreen, PayScreen,
           CashScreen, QrScreen, WritingScreen, DoneScreen, RepairScreen, EmergencyScreen,
           RepairFormScreen, RepairDoneScreen, RepairStatusScreen, NoticesScreen, FaqScreen, StaffScreen, ErrorScreen,
           IdleScreen, TechPinScreen, TechnicianScreen)
TECH_SCREENS = ("tech_pin", "technician")
TECH_TAPS, TECH_TAP_WINDOW_S = 5, 4.0  # quick taps on the start screen's top-left corner
TOUCH = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress}


class KioskWindow(QWidget):
    def __init__(self, ks: KioskService, speaker: Speaker, langs: Languages | None = None,
                 idle_s: float = 60, elder_idle_s: float = 120, warn_s: int = 20) -> None:
        super().__init__()
        self.setObjectName("kiosk")
        self.ks = ks
        self.speaker = speaker
        self.langs = langs or Languages()
        self.elder = False
        self.idle_ms = int(idle_s * 1000)
        self.elder_idle_ms = int(elder_idle_s * 1000)
        self.warn_s = warn_s
        self.session: PurchaseSession | None = None
        self.method = "cash"
        self.credit: dict[str, object] | None = None  # the credit paid elsewhere being loaded
        self.no_receipt = False
        self.before_staff = "attract"
        self.before_idle = "attract"
        self.timeouts = 0
        ports = ks.devices.service
        self.tech = TechnicianOps(ks, ports) if ports is not None else None
        self.tech_taps: list[float] = []

        self.header = QWidget()
        self.header.setObjectName("header")
        self.header.setAutoFillBackground(True)
        self.header.setStyleSheet("")
        hl = QVBoxLayout(self.header)
        hl.setContentsMargins(24, 12, 24, 12)
        self.lang_btn = button(role="header", name="lang", on_click=self.toggle_lang)
        self.elder_btn = button(role="header", name="elder", on_click=self.toggle_elder)
        self.repeat_btn = button(role="header", name="repeat", on_click=self.repeat)
        self.volume_btn = button(role="header", name="volume", on_click=self.next_volume)
        hl.addLayout(row(self.lang_btn, self.elder_btn, self.repeat_btn, self.volume_btn, spacing=12))

        self.stack = QStackedWidget()
        self.screens: dict[str, Screen] = {}
        for cls in SCREENS:
            s = cls(self)
            self.screens[s.name] = s
            self.stack.addWidget(s)
        # the technician's way in: an invisible corner of the start screen, tapped 5 times
        self.tech_corner = QPushButton(self.screens["attract"])
        self.tech_corner.setObjectName("tech_corner")
        self.tech_corner.setFlat(True)
        self.tech_corner.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tech_corner.setStyleSheet("QPushButton#tech_corner { background: transparent; border: none;"
                                       " min-height: 0; min-width: 0; }")
        self.tech_corner.setGeometry(0, 0, 140, 140)
        self.tech_corner.clicked.connect(lambda _=False: self.tech_tap())
        self.tech_corner.raise_()

        self.footer = QWidget()
        fl = QVBoxLayout(self.footer)
        fl.setContentsMargins(30, 10, 30, 20)
        self.home_btn = button(name="home", on_click=self.go_home_pressed)
        self.call_btn = button(role="staff", name="call_staff", on_click=self.call_staff)
        fl.addLayout(row(self.home_btn, self.call_btn))

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.header)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.footer)

        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(self._idle_expired)
        self.warn_timer = QTimer(self)
        self.warn_timer.setInterval(1000)
        self.warn_timer.timeout.connect(self._warn_tick)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)

        # the start screen's online/offline line follows the network (a memory read, no I/O)
        self.status_timer = QTimer(self)
        self.status_timer.setInterval(2000)
        self.status_timer.timeout.connect(self._refresh_status)
        self.status_timer.start()
        ks.card_changed.connect(self.card_changed)
        ks.qr_payload.connect(self.qr_payload)
        ks.started.connect(lambda _exc: self.render_all())
        self.langs.set(DEFAULT)
        self.apply_style()
        self.go("attract")

    # --- looks ------------------------------------------------------------------------------
    def apply_style(self) -> None:
        self.setStyleSheet(style_sheet(ELDER if self.elder else NORMAL))

    def render_all(self) -> None:
        self.render_chrome()
        for s in self.screens.values():
            s.render()

    def render_chrome(self) -> None:
        self.lang_btn.setText("English" if self.langs.current == "zh_CN" else "中文")
        self.elder_btn.setText(tr("Senior") + (" ✔" if self.elder else ""))
        self.repeat_btn.setText(tr("Repeat"))
        self.volume_btn.setText(tr("Volume") + " " + "▮" * (self.speaker.volume_step + 1))
        self.home_btn.setText(tr("Back to start"))
        self.call_btn.setText(tr("Call staff"))

    @property
    def current(self) -> Screen:
        w = self.stack.currentWidget()
        assert isinstance(w, Screen)
        return w

    def go(self, name: str, speak: bool = True) -> None:
        if name == "attract" and self.session is not None:
            # the start screen means no visit: never leave one alive behind it (its cash
            # polling and the enabled acceptor would credit the next resident's notes to it)
            if self.session.busy() is not None:
                logger.error("start screen refused: the visit has money in (%s)", self.session.busy())
                return
            self.reset_visit()
            return
        if name not in TECH_SCREENS and self.current.name in TECH_SCREENS:
            for t in TECH_SCREENS:  # leaving the service screens ends the technician's session
                self.screens[t].clear()
        s = self.screens[name]
        self.stack.setCurrentWidget(s)
        s.entered()
        self.render_chrome()
        s.render()
        money_in = self.session is not None and self.session.busy() is not None
        self.home_btn.setVisible(name not in ("attract", "writing", "idle", *TECH_SCREENS) and not money_in)
        self.call_btn.setVisible(name not in TECH_SCREENS and not s.offers_call_staff())
        if speak:
            self.speak(s.prompt())
        self.restart_idle()

    def speak(self, text: str) -> None:
        self.speaker.say(text, self.langs.current)

    def present(self) -> bool:
        """A touch of the header on the idle warning: the resident is there, so it counts as
        'more time' (True when it did)."""
        if self.current.name != "idle":
            return False
        self.more_time()
        return True

    def repeat(self) -> None:
        self.present()
        self.speaker.repeat()

    def next_volume(self) -> None:
        self.present()
        self.speaker.next_volume()
        self.render_all()
        self.speaker.repeat()

    def toggle_lang(self) -> None:
        self.present()
        self.set_lang("en" if self.langs.current == "zh_CN" else "zh_CN")

    def set_lang(self, lang: str) -> None:
        self.langs.set(lang)
        self.render_all()
        self.speak(self.current.prompt())

    def toggle_elder(self) -> None:
        self.present()
        self.set_elder(not self.elder)
        self.speak(self.current.prompt())

    def set_elder(self, on: bool) -> None:
        self.elder = on
        self.apply_style()
        self.render_all()
        self.restart_idle()

    def status_text(self) -> str:
        if self.ks.out_of_service is not None:
            code = getattr(self.ks.out_of_service, "code", "E999")
            return tr("Out of service: please use the counter (code %1)").replace("%1", code)
        return tr("Online") if self.ks.online() else tr("Offline: cash only, limits apply")

    def _refresh_status(self) -> None:
        if self.current.name == "attract":
            self.screens["attract"].render()

    def tier_text(self, t: Tariff | None) -> str:
        """The tiers of the tariff in force (looked up on the core worker: the site's tariffs
        are read from the signed download cache)."""
        if t is None:
            return ""
        lines, low = [], 0
        for i, tier in enumerate(t.tiers, 1):
            hi = tier.up_to_units
            span = (tr("%1–%2 m³").replace("%1", m3(low)).replace("%2", m3(hi)) if hi is not None
                    else tr("above %1 m³").replace("%1", m3(low)))
            lines.append(tr("Tier %1 (%2 a year): %3 yuan per m³").replace("%1", str(i))
                         .replace("%2", span).replace("%3", str(tier.price)))
            low = hi or 0
        return "\n".join(lines)

    # --- idle -----------------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if ev.type() in TOUCH and self.current.name != "idle":
            self.restart_idle()
        return False

    def restart_idle(self) -> None:
        if self.current.name == "idle":
            return  # the warning counts down until "more time" (or a header button) is touched
        self.warn_timer.stop()
        if self.current.name == "attract":
            self.idle_timer.stop()
            return
        self.idle_timer.start(self.elder_idle_ms if self.elder else self.idle_ms)

    def busy(self) -> str | None:
        if self.current.busy_ok:
            return self.current.name
        return self.session.busy() if self.session is not None else None

    def _idle_expired(self) -> None:
        why = self.busy()
        if why is not None:
            logger.info("idle timeout postponed: %s", why)
            self.restart_idle()
            return
        self.before_idle = self.current.name
        idle = self.screens["idle"]
        assert isinstance(idle, IdleScreen)
        idle.set_left(self.warn_s)
        self.go("idle")
        self.warn_timer.start()

    def _warn_tick(self) -> None:
        idle = self.screens["idle"]
        assert isinstance(idle, IdleScreen)
        if self.session is not None and self.session.busy() is not None:
            self.more_time()
            return
        idle.set_left(idle.left - 1)
        if idle.left <= 0:
            self.warn_timer.stop()
            self.timeout_reset()

    def more_time(self) -> None:
        self.warn_timer.stop()
        self.go(self.before_idle)

    def timeout_reset(self) -> None:
        self.timeouts += 1
        self.reset_visit()

    def reset_visit(self) -> None:
        """Back to attract with every piece of personal data cleared, language and 长辈版
        back to the defaults."""
        s = self.session
        if s is not None:
            s.cancel(lambda _state: None)
            s.end()
        self.session = None
        self.ks.session = None
        self.no_receipt = False
        self.credit = None
        for sc in self.screens.values():
            sc.clear()
        if self.langs.current != DEFAULT:
            self.langs.set(DEFAULT)
        if self.elder:
            self.elder = False
            self.apply_style()
        self.render_all()  # every screen shows its empty state, not the last resident's
        self.go("attract")

    # --- technician ------------------------------------------------------------------------------
    def tech_tap(self) -> None:
        now = time.monotonic()
        self.tech_taps = [t for t in self.tech_taps if now - t < TECH_TAP_WINDOW_S] + [now]
        if len(self.tech_taps) >= TECH_TAPS and self.current.name == "attract" and self.tech is not None:
            self.tech_taps = []
            self.go("tech_pin", speak=False)

    def open_technician(self, who: str) -> None:
        tech = self.screens["technician"]
        assert isinstance(tech, TechnicianScreen)
        tech.start(who)
        self.go("technician", speak=False)

    # --- purchase flow -----------------------------------------------------------------------------
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

    # --- help, repair ------------------------------------------------------------------------------
    def call_staff(self) -> None:
        name = self.current.name
        if name != "staff":
            self.before_staff = name
        s = self.session
        staff = self.screens["staff"]
        assert isinstance(staff, StaffScreen)
        staff.call_no = None
        code = None
        if name == "error":
            err = self.screens["error"]
            assert isinstance(err, ErrorScreen)
            code = err.view.code if err.view else None

        def ok(call: object) -> None:
            staff.call_no = getattr(call, "seq", None)
            staff.render()

        customer = s.view.snapshot.customer_no if s is not None and s.view is not None else None
        self.ks.call_staff(name, s.txn if s else None, code, ok,
                           lambda exc: logger.error("help call not journalled: %r", exc), customer)
        self.go("staff")

    def back_from_staff(self) -> None:
        back = self.before_idle if self.before_staff == "idle" else self.before_staff
        self.go(back if back not in ("staff", "idle") else "attract")

    def repair_kind(self, kind: str) -> None:
        form = self.screens["repair_form"]
        assert isinstance(form, RepairFormScreen)
        form.start(kind)
        self.go("repair_form")

    def repair_done(self, ticket: RepairTicket) -> None:
        done = self.screens["repair_done"]
        assert isinstance(done, RepairDoneScreen)
        done.show_ticket(ticket, queued=not self.ks.online())
        self.go("repair_done")


__all__ = ["KioskError", "KioskWindow", "PaperOut"]
