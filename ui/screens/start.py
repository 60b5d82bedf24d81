"""Attract, insert card, reading (named steps), account."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel

from kiosk.card import LEAK_ALARM, LOW_BATTERY, METER_FAULT, TAMPER, VALVE_CLOSED, CardTech
from kiosk.masking import mask_customer, mask_serial

from ..i18n import m3, tr, yuan
from ..widgets import Screen, button, label, row

if TYPE_CHECKING:
    from ..session import AccountView


class AttractScreen(Screen):
    name = "attract"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="big", name="title", center=True)
        self.sub = label(role="muted", center=True)
        self.start = button(role="go", name="start", on_click=win.start_purchase)
        self.elder = button(role="primary", name="elder_toggle", on_click=win.toggle_elder)
        self.repair = button(name="to_repair", on_click=lambda: win.go("repair"))
        self.notices = button(name="to_notices", on_click=lambda: win.go("notices"))
        self.faq = button(name="to_faq", on_click=lambda: win.go("faq"))
        self.status = label(role="muted", name="status", center=True)
        self.lay.addWidget(self.title)
        self.lay.addWidget(self.sub)
        self.lay.addStretch(1)
        self.lay.addWidget(self.start)
        self.lay.addWidget(self.elder)
        self.lay.addStretch(1)
        self.lay.addWidget(self.repair)
        self.lay.addLayout(row(self.notices, self.faq))
        self.lay.addWidget(self.status)

    def render(self) -> None:
        self.title.setText(tr("Welcome to the gas self-service kiosk"))
        self.sub.setText(tr("Buy gas for your card, report a repair, read notices"))
        self.start.setText(tr("Touch here to buy gas"))
        self.elder.setText(tr("Senior mode: OFF (touch for large text and voice)") if not self.win.elder
                           else tr("Senior mode: ON (touch to turn off)"))
        self.repair.setText(tr("Report a repair"))
        self.notices.setText(tr("Notices"))
        self.faq.setText(tr("Common questions"))
        self.status.setText(self.win.status_text())

    def prompt(self) -> str:
        return tr("Welcome. Touch the screen to buy gas.")


class InsertScreen(Screen):
    name = "insert"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="title", center=True)
        self.pic = label(role="big", center=True)
        self.hint = label(center=True)
        self.lay.addWidget(self.title)
        self.lay.addStretch(1)
        self.lay.addWidget(self.pic)
        self.lay.addWidget(self.hint)
        self.lay.addStretch(1)

    def render(self) -> None:
        self.title.setText(tr("Please insert your gas card"))
        self.pic.setText("▭ ➜ ▮")
        self.hint.setText(tr("Chip facing up, chip end first, into the slot below the screen."))

    def prompt(self) -> str:
        return tr("Please insert your gas card, chip facing up.")


STEPS = ("detect", "read", "verify", "account", "limits")


def step_name(s: str) -> str:
    return {"detect": tr("Finding the card"), "read": tr("Reading the card"),
            "verify": tr("Checking earlier purchases"), "account": tr("Looking up the account"),
            "limits": tr("Checking what can be bought")}[s]


class ReadingScreen(Screen):
    name = "reading"
    busy_ok = True

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="title", center=True)
        self.keep = label(role="warn", center=True)
        self.lay.addWidget(self.title)
        self.lay.addWidget(self.keep)
        self.step_labels: dict[str, QLabel] = {}
        for s in STEPS:
            lab = label(name=f"step_{s}")
            self.step_labels[s] = lab
            self.lay.addWidget(lab)
        self.lay.addStretch(1)
        self.current = ""

    def set_step(self, s: str) -> None:
        self.current = s
        self.render()

    def clear(self) -> None:
        self.current = ""

    def render(self) -> None:
        self.title.setText(tr("Reading your card"))
        self.keep.setText(tr("Please do not remove the card"))
        idx = STEPS.index(self.current) if self.current in STEPS else -1
        for i, s in enumerate(STEPS):
            mark = "✔" if i < idx else ("➜" if i == idx else "○")
            self.step_labels[s].setText(f"{mark}  {step_name(s)}")

    def prompt(self) -> str:
        return tr("Reading your card. Please wait and do not remove it.")


def status_words(bits: int) -> list[str]:
    out = []
    if bits & VALVE_CLOSED:
        out.append(tr("Valve: closed"))
    if bits & LOW_BATTERY:
        out.append(tr("Meter battery low: replace it soon"))
    if bits & LEAK_ALARM:
        out.append(tr("Leak alarm recorded by the meter"))
    if bits & TAMPER:
        out.append(tr("Tamper alarm recorded by the meter"))
    if bits & METER_FAULT:
        out.append(tr("Meter fault recorded"))
    return out


class AccountScreen(Screen):
    name = "account"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="title")
        self.card = label(role="panel", name="card_facts")
        self.meter = label(role="panel", name="meter_facts")
        self.account = label(role="panel", name="account_facts")
        self.notice = label(role="warn", name="account_notice")
        self.leak = label(role="alert", name="leak_alert")
        self.leak_btn = button(role="danger", name="leak_help", on_click=lambda: win.go("emergency"))
        self.buy = button(role="go", name="buy", on_click=lambda: win.go("amount"))
        self.credit = label(role="warn", name="credit_info")
        self.credit_btn = button(role="primary", name="load_credit", on_click=self.load_credit)
        for w in (self.title, self.leak, self.leak_btn, self.card, self.meter, self.account, self.notice,
                  self.credit, self.credit_btn):
            self.lay.addWidget(w)
        self.lay.addStretch(1)
        self.lay.addWidget(self.buy)
        self.view: AccountView | None = None

    def show_view(self, v: AccountView) -> None:
        self.view = v
        self.render()

    def clear(self) -> None:
        self.view = None
        for w in (self.card, self.meter, self.account, self.notice, self.credit):
            w.setText("")

    def first_credit(self) -> dict[str, object] | None:
        v = self.view
        return v.credits[0] if v is not None and v.credits else None

    def load_credit(self) -> None:
        c = self.first_credit()
        if c is not None and c.get("loadable"):
            self.win.load_credit(c)

    def leak_alarm(self) -> bool:
        v = self.view
        return v is not None and v.snapshot.meter is not None and bool(v.snapshot.meter.status_bits & LEAK_ALARM)

    def render(self) -> None:
        self.title.setText(tr("Your card"))
        self.buy.setText(tr("Buy gas"))
        leak = self.leak_alarm()
        self.leak.setVisible(leak)
        self.leak_btn.setVisible(leak)
        self.leak.setText(tr("Your meter recorded a gas leak alarm. If you smell gas at home, act now."))
        self.leak_btn.setText(tr("What to do about a gas leak"))
        v = self.view
        c = self.first_credit()
        self.credit.setVisible(c is not None)
        self.credit_btn.setVisible(c is not None and bool(c.get("loadable")))
        if c is not None:
            amount = yuan(int(str(c["amount_fen"])))
            paid = str(c.get("paid_at", ""))[:10]
            where = tr("in the app") if c.get("source") == "app" else tr("at a bank or counter")
            line = tr("You paid %1 yuan %2 on %3: it can be loaded onto this card now.")
            if not c.get("loadable"):
                line = (tr("You paid %1 yuan %2 on %3. It is being checked: please ask staff.")
                        if c.get("why") == "held" else
                        tr("You paid %1 yuan %2 on %3. This kiosk is offline: load it when it is "
                           "online again, or at the counter."))
            self.credit.setText(line.replace("%1", amount).replace("%2", where).replace("%3", paid))
            self.credit_btn.setText(tr("Load the %1 yuan onto my card").replace("%1", amount))
        if v is None:
            return
        elder = self.win.elder
        s = v.snapshot
        kind = tr("IC card") if s.tech is CardTech.IC else tr("CPU card")
        lines = [tr("Customer no.: %1").replace("%1", mask_customer(s.customer_no))]
        if not elder:  # 长辈版: one thing per screen, only what the resident needs
            lines.append(tr("Card: %1 (%2)").replace("%1", mask_serial(s.serial)).replace("%2", kind))
        if s.tech is CardTech.CPU and s.balance_fen is not None:
            lines.append(tr("Money on the card: %1 yuan").replace("%1", yuan(s.balance_fen)))
        if s.record is not None and not elder:
            lines.append(tr("Last purchase on the card: %1 m³").replace("%1", m3(s.record.volume_units)))
        self.card.setText("\n".join(lines))
        mz = s.meter
        mlines = [tr("What the meter reported:")]
        if mz is None:
            mlines.append(tr("The card has not been in the meter yet."))
        else:
            if s.tech is CardTech.IC and mz.remaining_units is not None:
                mlines.append(tr("Gas remaining in the meter: %1 m³").replace("%1", m3(mz.remaining_units)))
            if s.tech is CardTech.CPU and mz.balance_fen is not None:
                mlines.append(tr("Money remaining in the meter: %1 yuan").replace("%1", yuan(mz.balance_fen)))
            if not mz.status_bits & VALVE_CLOSED and not elder:
                mlines.append(tr("Valve: open"))
            mlines += status_words(mz.status_bits)
            if not mz.status_bits & (LOW_BATTERY | LEAK_ALARM | TAMPER | METER_FAULT) and not elder:
                mlines.append(tr("Battery and alarms: normal"))
        self.meter.setText("\n".join(mlines))
        alines = []
        acc = v.account
        asof = v.as_of.strftime("%Y-%m-%d %H:%M") if v.as_of else tr("unknown")
        if acc is None:
            alines.append(tr("No account data on this kiosk yet."))
        else:
            if acc.get("arrears_fen"):
                alines.append(tr("Arrears: %1 yuan, please pay them at the counter")
                              .replace("%1", yuan(int(acc["arrears_fen"]))))
            elif not elder:
                alines.append(tr("No arrears"))
            if acc.get("credit_fen"):
                alines.append(tr("Account credit: %1 yuan").replace("%1", yuan(int(acc["credit_fen"]))))
            if acc.get("status") not in (None, "active"):
                alines.append(tr("Account suspended: please go to the counter"))
        alines.append(tr("Account data as of %1").replace("%1", asof))
        limit = tr("Most you can buy now: %1 yuan").replace("%1", yuan(v.check.max_fen))
        if v.check.offline:
            limit += " " + tr("(offline limit)")
        alines.append(limit)
        self.account.setText("\n".join(alines))
        notes = [] if elder else [str(n.get("title", "")) for n in v.notices][:2]
        self.notice.setVisible(bool(notes))
        self.notice.setText("\n".join(notes))

    def prompt(self) -> str:
        if self.leak_alarm():
            return (tr("Your meter recorded a gas leak alarm. If you smell gas at home, act now.") + " "
                    + tr("This is your card. Check the details, then touch Buy gas."))
        return tr("This is your card. Check the details, then touch Buy gas.")
