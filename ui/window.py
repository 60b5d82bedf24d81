"""The kiosk window: header (language, 长辈版, repeat, volume), the screen stack, the footer
with "call staff" on every screen; the flow between screens; the idle timeout."""
from __future__ import annotations

import logging
import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from kiosk.errors import KioskError, PaperOut
from kiosk.pricing import Tariff
from kiosk.repair import RepairTicket

from .flow import PurchaseFlow
from .i18n import DEFAULT, Languages, m3, tr
from .kiosk_service import KioskService
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
from .session import PurchaseSession
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


class KioskWindow(PurchaseFlow, QWidget):
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
        online = self.ks.online()
        net = tr("Online") if online else tr("Offline: cash only, limits apply")
        served = self.cards_served(online)
        return net if served is None else f"{net}\n{served}"

    def cards_served(self, online: bool) -> str | None:
        """What the start-up card self-test says this kiosk can serve today, when it is not
        every card type (None: all of them, or no self-test)."""
        test = self.ks.devices.extras.get("selftest")
        if not isinstance(test, dict) or "serves" not in test:
            return None
        serves = set(test["serves"] if online else test.get("serves_offline", test["serves"]))
        if serves >= {"ic", "cpu"}:
            return None
        if not serves:
            return tr("Gas cards cannot be topped up here today; repairs, notices and help still work.")
        if serves == {"ic"}:
            return tr("Today this kiosk tops up IC memory cards only; CPU cards at the counter.")
        return tr("Today this kiosk tops up CPU cards only; IC memory cards at the counter.")

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
