"""Repair request, emergency, notices, common questions, staff called, errors, idle."""
from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QWidget

from kiosk.errors import TariffError
from kiosk.pricing import Tariff, select_tariff
from kiosk.repair import (
    REPAIR_DETAILS,
    REPAIR_KINDS,
    TIME_SLOTS,
    RepairRequest,
    RepairTicket,
    describe_details,
)

from ..i18n import tr
from ..messages import ErrorView
from ..ops import run_op
from ..widgets import Keypad, Screen, button, label, row

HOTLINE = "96777"


def kind_name(k: str) -> str:
    return {"gas_smell": tr("I smell gas"), "leak": tr("Gas is leaking"), "no_gas": tr("No gas"),
            "meter_fault": tr("Meter problem"), "valve": tr("Valve problem"),
            "low_flame": tr("Weak flame"), "card_fault": tr("Card problem"), "other": tr("Something else")}[k]


def slot_name(s: str) -> str:
    return {"morning": tr("Morning"), "afternoon": tr("Afternoon"), "evening": tr("Evening"),
            "any": tr("Any time")}[s]


def detail_names() -> dict[str, str]:
    return {"since_today": tr("It started today"), "several_days": tr("For several days"),
            "cannot_cook": tr("I cannot cook: urgent"), "error_on_meter": tr("The meter shows an error"),
            "elderly_alone": tr("An elderly person lives alone"), "home_all_day": tr("Someone is home all day")}


class RepairScreen(Screen):
    name = "repair"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="title")
        self.lay.addWidget(self.title)
        self.kinds = {}
        for k in ("gas_smell", "leak"):
            b = button(role="danger", name=f"kind_{k}", on_click=lambda: win.go("emergency"))
            self.kinds[k] = b
            self.lay.addWidget(b)
        for i in range(0, len(REPAIR_KINDS), 2):
            bs = []
            for k in REPAIR_KINDS[i:i + 2]:
                b = button(role="primary", name=f"kind_{k}", on_click=lambda k=k: win.repair_kind(k))
                self.kinds[k] = b
                bs.append(b)
            self.lay.addLayout(row(*bs))
        self.lay.addStretch(1)

    def render(self) -> None:
        self.title.setText(tr("What is the problem?"))
        for k, b in self.kinds.items():
            b.setText(kind_name(k))

    def prompt(self) -> str:
        return tr("Choose the problem. If you smell gas, touch the red button.")


class EmergencyScreen(Screen):
    name = "emergency"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="big", name="emergency_title")
        self.hotline = label(role="big", name="hotline", center=True)
        self.steps = label(role="panel", name="emergency_steps")
        for w in (self.title, self.hotline, self.steps):
            self.lay.addWidget(w)
        self.lay.addStretch(1)

    def render(self) -> None:
        self.title.setText(tr("Gas smell or leak: act now"))
        self.hotline.setText(tr("Emergency hotline %1 (24 hours, free)").replace("%1", HOTLINE))
        self.steps.setText("\n".join([
            tr("1. Do not switch lights or appliances on or off. No fire, no smoking."),
            tr("2. Open doors and windows."),
            tr("3. Close the gas valve in front of the meter, if you can reach it safely."),
            tr("4. Leave the home. Call the hotline from outside, not from inside."),
            tr("5. Wait outside for the repair team."),
        ]))

    def prompt(self) -> str:
        return tr("Gas smell or leak. Do not switch anything. Open the windows, leave, "
                  "and call %1 from outside.").replace("%1", " ".join(HOTLINE))


class RepairFormScreen(Screen):
    name = "repair_form"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.kind = "other"
        self.slot = "any"
        self.problem = ""
        self.title = label(role="title")
        self.phone_label = label()
        self.phone = label(role="big", name="phone", center=True)
        self.pad = Keypad(12, leading_zero=True)
        self.pad.changed.connect(lambda _t: self.render())
        self.slot_label = label()
        self.slots = {s: button(name=f"slot_{s}", on_click=lambda s=s: self.set_slot(s)) for s in TIME_SLOTS}
        self.desc_label = label()
        self.details: set[str] = set()
        self.detail_btns = {d: button(name=f"detail_{d}", on_click=lambda d=d: self.toggle_detail(d))
                            for d in REPAIR_DETAILS}
        self.err = label(role="error", name="form_error")
        self.send = button(role="go", name="repair_send", on_click=self.submit)
        self.lay.addWidget(self.title)
        self.lay.addWidget(self.phone_label)
        self.lay.addWidget(self.phone)
        self.lay.addWidget(self.pad)
        self.lay.addWidget(self.slot_label)
        self.lay.addLayout(row(*self.slots.values(), spacing=10))
        self.lay.addWidget(self.desc_label)
        btns = list(self.detail_btns.values())
        self.detail_rows = []
        for i in range(0, len(btns), 2):
            r = QWidget()
            r.setLayout(row(*btns[i:i + 2], spacing=10))
            self.detail_rows.append(r)
            self.lay.addWidget(r)
        self.lay.addWidget(self.err)
        self.lay.addStretch(1)
        self.lay.addWidget(self.send)
        self.pad.max_len = 12

    def start(self, kind: str) -> None:
        self.clear()
        self.kind = kind
        self.render()

    def clear(self) -> None:
        self.slot, self.problem = "any", ""
        self.pad.text = ""
        self.details = set()
        self.send.setEnabled(True)

    def set_slot(self, s: str) -> None:
        self.slot = s
        self.render()

    def toggle_detail(self, d: str) -> None:
        self.details ^= {d}
        self.render()

    def submit(self) -> None:
        req = RepairRequest(self.kind, self.pad.text, self.slot, describe_details(sorted(self.details)))
        self.send.setEnabled(False)

        def failed(exc: Exception) -> None:
            self.problem = tr("Please enter a phone number we can call (for example 13812345678).")
            self.send.setEnabled(True)
            self.render()

        done = self.win.screens["repair_done"]
        self.win.ks.submit_repair(req, self.win.repair_done, failed, done.slip_printed)

    def render(self) -> None:
        self.title.setText(tr("Repair: %1").replace("%1", kind_name(self.kind)))
        self.phone_label.setText(tr("Your phone number:"))
        self.phone.setText(self.pad.text or "—")
        self.pad.retranslate()
        # the keypad types phone numbers: a leading 0 is allowed
        self.slot_label.setText(tr("When may the technician come?"))
        for s, b in self.slots.items():
            b.setText(slot_name(s))
            b.setProperty("role", "selected" if s == self.slot else "")
            b.style().unpolish(b)
            b.style().polish(b)
        self.desc_label.setText(tr("Anything else? (optional, touch what fits)"))
        names = detail_names()
        for d, b in self.detail_btns.items():
            b.setText(names[d])
            b.setProperty("role", "selected" if d in self.details else "")
            b.style().unpolish(b)
            b.style().polish(b)
        for r in self.detail_rows:  # 长辈版: one thing per screen, the optional part left out
            r.setVisible(not self.win.elder)
        self.desc_label.setVisible(not self.win.elder)
        self.err.setText(self.problem)
        self.err.setVisible(bool(self.problem))
        self.send.setText(tr("Send the repair request"))

    def prompt(self) -> str:
        return tr("Enter your phone number and choose a time, then touch Send.")


class RepairDoneScreen(Screen):
    name = "repair_done"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.ticket: RepairTicket | None = None
        self.queued = False
        self.slip: bool | None = None  # None: printing; True: printed; False: no slip
        self.title = label(role="title")
        self.number = label(role="big", name="ticket_no", center=True)
        self.info = label(role="panel", name="ticket_info")
        self.home = button(role="primary", name="repair_home", on_click=win.home)
        for w in (self.title, self.number, self.info):
            self.lay.addWidget(w)
        self.lay.addStretch(1)
        self.lay.addWidget(self.home)

    def show_ticket(self, t: RepairTicket, queued: bool) -> None:
        self.ticket, self.queued, self.slip = t, queued, None
        self.render()

    def slip_printed(self, printed: bool) -> None:
        self.slip = printed
        self.render()

    def clear(self) -> None:
        self.ticket, self.slip = None, None
        self.number.setText("")
        self.info.setText("")

    def render(self) -> None:
        self.title.setText(tr("Your repair request is registered"))
        self.home.setText(tr("Finish"))
        t = self.ticket
        if t is None:
            return
        self.number.setText(t.ticket_no)
        slip = (tr("Printing the slip with this number…") if self.slip is None
                else tr("The number is also on the printed slip.") if self.slip
                else tr("No slip could be printed: please write the number down."))
        lines = [tr("Ticket number: %1").replace("%1", t.ticket_no), slip,
                 tr("We will call %1.").replace("%1", t.phone_masked),
                 tr("Time: %1").replace("%1", slot_name(t.request.slot))]
        if self.queued:
            lines.append(tr("The kiosk is offline: the request is saved and will be sent automatically."))
        self.info.setText("\n".join(lines))

    def prompt(self) -> str:
        return tr("Your repair request is registered. Keep the ticket number.")


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

        run_op(self.win.ks.workers["core"], job, ok, lambda exc: None)

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


class StaffScreen(Screen):
    name = "staff"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="big", name="staff_coming", center=True)
        self.info = label(center=True, name="staff_info")
        self.back = button(role="primary", name="staff_back", on_click=win.back_from_staff)
        self.lay.addStretch(1)
        self.lay.addWidget(self.title)
        self.lay.addWidget(self.info)
        self.lay.addStretch(1)
        self.lay.addWidget(self.back)
        self.call_no: int | None = None

    def offers_call_staff(self) -> bool:
        return True  # staff are already called

    def render(self) -> None:
        self.title.setText(tr("Staff are coming to help you"))
        self.info.setText(tr("Please wait here. Call number %1.").replace("%1", str(self.call_no or "…")))
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
