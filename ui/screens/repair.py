"""Repair request (kinds as big buttons, the form, the ticket, its status) and the
emergency screen a gas smell or leak goes straight to."""
from __future__ import annotations

import logging

from PySide6.QtWidgets import QWidget

from kiosk.repair import (
    REPAIR_DETAILS,
    REPAIR_KINDS,
    TIME_SLOTS,
    RepairRequest,
    RepairTicket,
    describe_details,
    ticket_number,
)

from ..i18n import tr
from ..ops import run_op
from ..widgets import Keypad, Screen, button, label, row
from .service import HOTLINE, ticket_progress

logger = logging.getLogger(__name__)

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
        self.check = button(name="to_repair_status", on_click=lambda: win.go("repair_status"))
        self.lay.addWidget(self.check)

    def render(self) -> None:
        self.title.setText(tr("What is the problem?"))
        for k, b in self.kinds.items():
            b.setText(kind_name(k))
        self.check.setText(tr("Check a repair request I made"))

    def prompt(self) -> str:
        return tr("Choose the problem. If you smell gas, touch the red button.")


class EmergencyScreen(Screen):
    name = "emergency"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="big", name="emergency_title", center=True)
        self.hotline = label(role="big", name="hotline", center=True)
        self.steps = label(role="panel", name="emergency_steps")
        for w in (self.title, self.hotline, self.steps):
            self.lay.addWidget(w)
        self.lay.addStretch(1)

    def render(self) -> None:
        self.title.setText(tr("Gas smell or leak: act now"))
        # the number on a line of its own: it never breaks
        self.hotline.setText(tr("Emergency hotline (24 hours, free)") + "\n" + HOTLINE)
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


class RepairStatusScreen(Screen):
    """A resident types the number of a repair ticket made at this kiosk and sees what the
    utility did with it (the server's ticket status, downloaded by the sync client)."""

    name = "repair_status"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="title")
        self.hint = label()
        self.number = label(role="big", name="status_no", center=True)
        self.pad = Keypad(6)
        self.pad.changed.connect(lambda _t: self.render())
        self.look = button(role="go", name="status_look_up", on_click=self.look_up)
        self.answer = label(role="panel", name="status_answer")
        self.asked: str | None = None
        self.found: dict[str, object] | None = None
        for w in (self.title, self.hint, self.number, self.pad, self.look, self.answer):
            self.lay.addWidget(w)
        self.lay.addStretch(1)

    def clear(self) -> None:
        self.pad.text, self.asked, self.found = "", None, None

    def entered(self) -> None:
        self.clear()
        self.render()

    def look_up(self) -> None:
        if not self.pad.text:
            return
        seq = int(self.pad.text)
        no, acc = ticket_number(self.win.ks.svc.ctx.kiosk_id, seq), self.win.ks.devices.accounts

        def ok(t: dict[str, object] | None) -> None:
            self.asked, self.found = no, t
            self.render()
            self.win.speak(self.answer.text())

        run_op(self.win.ks.workers["core"], lambda: acc.ticket(f"journal:{seq}"), ok, lambda exc: logger.warning("lookup failed: %r", exc))

    def render(self) -> None:
        self.title.setText(tr("Check a repair request"))
        self.hint.setText(tr("Type the digits at the end of your ticket number (after the R)."))
        self.number.setText(self.pad.text or "—")
        self.pad.retranslate()
        self.look.setText(tr("Look it up"))
        self.look.setEnabled(bool(self.pad.text))
        self.answer.setVisible(self.asked is not None)
        if self.asked is not None:
            if self.found is None:
                self.answer.setText(tr("Ticket %1: no news at this kiosk yet. A request made offline is sent "
                                       "when the kiosk is online; the counter can tell you more.")
                                    .replace("%1", self.asked))
            else:
                self.answer.setText(tr("Ticket %1: %2").replace("%1", self.asked)
                                    .replace("%2", ticket_progress(self.found, True)))

    def prompt(self) -> str:
        return tr("Type the number of your repair ticket, then touch Look it up.")
