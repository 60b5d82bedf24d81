"""Notices, common questions, staff called, errors, idle (the repair screens: repair.py)."""
from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QTimer

from kiosk.errors import TariffError
from kiosk.pricing import Tariff, select_tariff

from ..i18n import tr
from ..messages import ErrorView
from ..ops import run_op
from ..widgets import Screen, button, label, row

logger = logging.getLogger(__name__)

HOTLINE = "96777"


class NoticesScreen(Screen):
    name = "notices"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="title")
        self.body = label(role="panel", name="notice_list")
        self.asof = label(role="muted")
        self.lay.addWidget(self.title)
        self.lay.addWidget(self.body)
        self.lay.addWidget(self.asof)
        self.lay.addStretch(1)

        self.notes: list[dict[str, object]] = []
        self.fetched: datetime | None = None

    def entered(self) -> None:
        """The notices come from the download cache (SQLite): read on the core worker."""
        acc = self.win.ks.devices.accounts

        def ok(r: tuple[list[dict[str, object]], datetime | None]) -> None:
            self.notes, self.fetched = r
            self.render()

        run_op(self.win.ks.workers["core"], lambda: (acc.notices(), acc.as_of()), ok,
               lambda exc: None)

    def render(self) -> None:
        self.title.setText(tr("Notices"))
        self.body.setText("\n\n".join(f"■ {n.get('title', '')}\n{n.get('text', '')}" for n in self.notes)
                          or tr("No notices at the moment."))
        asof = self.fetched
        self.asof.setText(tr("As of %1").replace("%1", asof.strftime("%Y-%m-%d %H:%M") if asof else tr("unknown")))

    def prompt(self) -> str:
        return tr("Notices from the gas company.")


class FaqScreen(Screen):
    name = "faq"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="title")
        self.topics = {k: button(name=f"faq_{k}", on_click=lambda k=k: self.pick(k))
                       for k in ("fees", "tiers", "pay", "safety")}
        self.answer = label(role="panel", name="faq_answer")
        self.topic = "fees"
        self.tariff: Tariff | None = None
        self.lay.addWidget(self.title)
        self.lay.addLayout(row(self.topics["fees"], self.topics["tiers"]))
        self.lay.addLayout(row(self.topics["pay"], self.topics["safety"]))
        self.lay.addWidget(self.answer)
        self.lay.addStretch(1)

    def entered(self) -> None:
        """The tariff in force today, from the core worker (the site reads it from its cache)."""
        ctx = self.win.ks.svc.ctx

        def job() -> Tariff | None:
            try:
                return select_tariff(ctx.tariffs, ctx.clock.now().date(), ctx.tariff_id)
            except TariffError:
                return None

        def ok(t: Tariff | None) -> None:
            self.tariff = t
            self.render()

        run_op(self.win.ks.workers["core"], job, ok, lambda exc: logger.warning("lookup failed: %r", exc))

    def pick(self, k: str) -> None:
        self.topic = k
        self.render()
        self.win.speak(self.answer.text())

    def render(self) -> None:
        self.title.setText(tr("Common questions"))
        names = {"fees": tr("Fees"), "tiers": tr("Tier prices"), "pay": tr("Ways to pay"),
                 "safety": tr("Gas safety")}
        for k, b in self.topics.items():
            b.setText(names[k])
            b.setProperty("role", "selected" if k == self.topic else "")
            b.style().unpolish(b)
            b.style().polish(b)
        answers = {
            "fees": tr("The kiosk charges no fee. You pay only for the gas, at the tariff price."),
            "tiers": self.win.tier_text(self.tariff) or tr("The prices are not available right now."),
            "pay": tr("Cash notes work at any time. QR payment (WeChat, Alipay) works when the kiosk is "
                      "online. No change is given: money left over stays as account credit."),
            "safety": tr("If you smell gas: no switches, no fire, open the windows, leave, "
                         "call the hotline %1 from outside.").replace("%1", HOTLINE),
        }
        self.answer.setText(answers[self.topic])

    def prompt(self) -> str:
        return tr("Common questions. Touch a topic.")


def ticket_progress(t: dict[str, object] | None, online: bool) -> str:
    """What the resident is told of a help call or repair ticket, from the server's status."""
    if t is None:
        return (tr("Your call is on its way to the staff.") if online
                else tr("The kiosk is offline: please also wave to the staff in the hall."))
    status = str(t.get("status"))
    words = {"open": tr("The staff have your call."),
             "acknowledged": tr("A staff member has seen it and is coming."),
             "in_progress": tr("A staff member is working on it."),
             "resolved": tr("The staff marked it as done."),
             "closed": tr("The staff marked it as done.")}.get(status, tr("The staff have your call."))
    note = str(t.get("note") or "")
    return f"{words} {note}".strip()


class StaffScreen(Screen):
    name = "staff"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="big", name="staff_coming", center=True)
        self.info = label(center=True, name="staff_info")
        self.progress = label(role="panel", name="staff_progress", center=True)
        self.back = button(role="primary", name="staff_back", on_click=win.back_from_staff)
        self.ticket: dict[str, object] | None = None
        # the help call's ticket on the server, as staff answer it in the console (downloaded
        # by the sync client): looked up on the core worker while this screen shows
        self.poll = QTimer(self)
        self.poll.setInterval(3000)
        self.poll.timeout.connect(self.look_up)
        self.lay.addStretch(1)
        self.lay.addWidget(self.title)
        self.lay.addWidget(self.info)
        self.lay.addWidget(self.progress)
        self.lay.addStretch(1)
        self.lay.addWidget(self.back)
        self.call_no: int | None = None

    def offers_call_staff(self) -> bool:
        return True  # staff are already called

    def entered(self) -> None:
        self.ticket = None
        self.poll.start()

    def clear(self) -> None:
        self.ticket = None
        self.poll.stop()

    def look_up(self) -> None:
        if self.win.current is not self:
            self.poll.stop()
            return
        if self.call_no is None:
            return
        ref, acc = f"journal:{self.call_no}", self.win.ks.devices.accounts

        def ok(t: dict[str, object] | None) -> None:
            if t != self.ticket and self.win.current is self:
                self.ticket = t
                self.render()
                if t is not None:
                    self.win.speak(self.progress.text())

        run_op(self.win.ks.workers["core"], lambda: acc.ticket(ref), ok, lambda exc: logger.warning("lookup failed: %r", exc))

    def render(self) -> None:
        self.title.setText(tr("Staff are coming to help you"))
        self.info.setText(tr("Please wait here. Call number %1.").replace("%1", str(self.call_no or "…")))
        self.progress.setText(ticket_progress(self.ticket, self.win.ks.online()))
        self.back.setText(tr("Back"))

    def prompt(self) -> str:
        return tr("Staff are coming to help you. Please wait here.")


class ErrorScreen(Screen):
    name = "error"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.view: ErrorView | None = None
        self.make_view = None
        self.title = label(role="big", name="error_title")
        self.what = label(name="error_what")
        self.money = label(role="warn", name="error_money")
        self.next = label(role="panel", name="error_next")
        self.action = button(role="primary", name="error_action", on_click=self.act)
        self.second = button(name="error_second", on_click=lambda: self.act(second=True))
        self.code = label(role="muted", name="error_code")
        for w in (self.title, self.what, self.money, self.next):
            self.lay.addWidget(w)
        self.lay.addStretch(1)
        self.lay.addWidget(self.action)
        self.lay.addWidget(self.second)
        self.lay.addWidget(self.code)

    def present(self, make_view) -> None:  # type: ignore[no-untyped-def]
        self.make_view = make_view  # re-made on a language switch
        self.render()

    def clear(self) -> None:
        self.make_view = None
        self.view = None
        for w in (self.title, self.what, self.money, self.next, self.code):
            w.setText("")

    def offers_call_staff(self) -> bool:
        v = self.view
        return v is not None and "call_staff" in (v.action, v.second_action)

    def act(self, second: bool = False) -> None:
        v = self.view
        if v is not None:
            self.win.error_action(v.second_action if second else v.action)

    def render(self) -> None:
        if self.make_view is None:
            return
        v = self.view = self.make_view()
        self.title.setText(v.title)
        self.what.setText(v.what)
        self.money.setText(v.money)
        self.next.setText(v.next_step)
        self.action.setText(v.button)
        self.second.setVisible(v.second_action is not None)
        self.second.setText(v.second_button or "")
        self.code.setText(tr("Code for staff: %1").replace("%1", v.code))

    def prompt(self) -> str:
        v = self.view
        return f"{v.title}. {v.money} {v.next_step}" if v else ""


class IdleScreen(Screen):
    name = "idle"
    busy_ok = True

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.left = 0
        self.title = label(role="big", name="idle_title", center=True)
        self.count = label(role="big", name="idle_count", center=True)
        self.more = button(role="go", name="more_time", on_click=win.more_time)
        self.lay.addStretch(1)
        self.lay.addWidget(self.title)
        self.lay.addWidget(self.count)
        self.lay.addWidget(self.more)
        self.lay.addStretch(1)

    def set_left(self, s: int) -> None:
        self.left = s
        self.render()

    def render(self) -> None:
        self.title.setText(tr("Do you need more time?"))
        self.count.setText(tr("Back to the start in %1 seconds").replace("%1", str(self.left)))
        self.more.setText(tr("Yes, more time"))

    def prompt(self) -> str:
        return tr("Do you need more time? Touch the green button.")
