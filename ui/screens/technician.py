"""The technician's screens: the PIN pad, then the service screen (findings and the sync
alert first; sync, printer, cash box, card readers, journal; cash collection and the day's
settlement; reprints from the journal; recent log lines; out of service). Reached by five
quick taps on the top-left corner of the start screen; the idle timeout ends the session."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.technician import (
    Finding,
    GateOutcome,
    GateResult,
    RecentPurchase,
    Severity,
    SyncStatus,
    age_text,
    diagnose,
)

from ..i18n import tr, yuan
from ..widgets import Keypad, Screen, button, label, row

TABS = ("overview", "cash", "receipts", "logs")
REPRINT_ROWS = 6


def _hm(t: datetime | None) -> str:
    return t.astimezone().strftime("%m-%d %H:%M:%S") if t is not None else tr("never")


def finding_text(f: Finding) -> str:
    title = {
        "SYNC-LAG": tr("Sync alert"), "SYNC-OFFLINE": tr("Server not answering"),
        "SYNC-NONE": tr("No sync client"), "SAM-QUOTA": tr("SAM quota top-up failed"),
        "PRN-NEAR-END": tr("Paper near end"), "PRN-PAPER-OUT": tr("Printer out of paper"),
        "PRN-COVER-OPEN": tr("Printer cover open"), "PRN-OFFLINE": tr("Printer offline"),
        "PRN-UNKNOWN": tr("Printer status unknown"), "CASH-COUNTER-MISMATCH": tr("Cash counter mismatch"),
        "CASH-NOTE-IN-ESCROW": tr("Note in escrow"), "CASH-NOTE-JAMMED": tr("Note jammed, held for staff"), "CARD-NONE": tr("No card type can be served"),
        "CARD-PROBLEM": tr("Card reader problem"), "CARD-TAC": tr("CPU card TAC did not verify"),
        "JOURNAL": tr("Journal check failed"),
    }.get(f.code, f.code)
    a = f.args
    detail = {
        "SYNC-LAG": lambda: tr("%1 rows not uploaded, the oldest for %2 (alert after %3)")
        .replace("%1", a[0]).replace("%2", a[1]).replace("%3", a[2]),
        "SYNC-OFFLINE": lambda: tr("the server does not answer") + (f" ({a[0]})" if a and a[0] else ""),
        "PRN-NEAR-END": lambda: tr("load a new roll soon"),
        "PRN-PAPER-OUT": lambda: tr("residents get no paper receipt"),
        "PRN-COVER-OPEN": lambda: tr("residents get no paper receipt"),
        "PRN-OFFLINE": lambda: tr("residents get no paper receipt"),
        "CARD-NONE": lambda: tr("residents cannot buy gas: take the kiosk out of service"),
        "CARD-TAC": lambda: tr("load %1: the money is on the card, but its TAC does not verify (the server"
                               " alerts too): have the card checked at the counter").replace("%1", a[0]),
        "CASH-NOTE-JAMMED": lambda: (tr("%1 yuan, purchase %2, at %3: clear the jam, keep the note, settle it"
                                        " with the resident").replace("%1", yuan(int(a[0]))) if a[0] else
                                     tr("a note of unknown value stuck in the transport, purchase %2, at %3:"
                                        " clear the jam, see what the note is, settle it with the resident"))
        .replace("%2", a[1]).replace("%3", a[2][:19]),
    }.get(f.code)
    text = detail() if detail is not None and (a or f.code not in ("SYNC-LAG", "CASH-NOTE-JAMMED", "CARD-TAC")) else f.text
    mark = {Severity.ALERT: "‼", Severity.WARNING: "!", Severity.NOTE: "·", Severity.OK: "✓"}[f.severity]
    return f"{mark} {title} [{f.code}]: {text}"


class TechPinScreen(Screen):
    name = "tech_pin"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.title = label(role="title", center=True)
        self.dots = label(role="big", name="tech_pin_dots", center=True)
        self.message = label(role="error", name="tech_pin_message", center=True)
        self.keypad = Keypad(max_len=12, leading_zero=True)
        self.keypad.changed.connect(lambda t: self.dots.setText("●" * len(t) or " "))
        self.ok = button(role="go", name="tech_pin_ok", on_click=self.submit)
        self.cancel = button(name="tech_pin_cancel", on_click=win.home)
        self.checking = False
        self.result: GateResult | None = None
        for w in (self.title, self.dots, self.message):
            self.lay.addWidget(w)
        self.lay.addWidget(self.keypad)
        self.lay.addLayout(row(self.cancel, self.ok))
        self.lay.addStretch(1)

    def clear(self) -> None:
        self.keypad.set_text("")
        self.result = None
        self.message.setText("")

    def entered(self) -> None:
        self.clear()

    def submit(self) -> None:
        pin = self.keypad.text
        if self.checking or not pin:
            return
        self.checking = True
        self.keypad.set_text("")
        self.ok.setEnabled(False)

        def done(r: GateResult) -> None:
            self.checking = False
            self.ok.setEnabled(True)
            self.result = r
            if r.outcome is GateOutcome.OPEN and self.win.current is self:
                assert r.technician is not None
                self.win.open_technician(r.technician)
                return
            self.render()

        def failed(exc: Exception) -> None:
            self.checking = False
            self.ok.setEnabled(True)
            self.message.setText(str(exc))

        self.win.tech.unlock(pin, done, failed)

    def render(self) -> None:
        self.title.setText(tr("Technician PIN"))
        self.ok.setText(tr("Enter"))
        self.cancel.setText(tr("Cancel"))
        self.keypad.retranslate()
        r = self.result
        if r is None:
            self.message.setText("")
        elif r.outcome is GateOutcome.WRONG:
            self.message.setText(tr("Wrong PIN. %1 tries left before a lockout.").replace("%1", str(r.tries_left)))
        elif r.outcome is GateOutcome.LOCKED:
            until = r.locked_until.astimezone().strftime("%H:%M") if r.locked_until else "?"
            self.message.setText(tr("Too many wrong PINs: locked until %1.").replace("%1", until))
        elif r.outcome is GateOutcome.DISABLED:
            self.message.setText(tr("No technician is configured on this kiosk."))


class TechnicianScreen(Screen):
    name = "technician"

    def __init__(self, win) -> None:  # type: ignore[no-untyped-def]
        super().__init__(win)
        self.tab = "overview"
        self.who = ""
        self.title = label(role="title", name="tech_title")
        self.alert = label(role="alert", name="tech_alert")
        self.tabs = {t: button(name=f"tech_tab_{t}", on_click=lambda t=t: self.show_tab(t)) for t in TABS}
        self.body = label(role="tech", name="tech_body")
        self.message = label(role="warn", name="tech_message")
        self.actions = {
            "refresh": button(name="tech_refresh", on_click=self.refresh),
            "sync_now": button(name="tech_sync_now", on_click=self.sync_now),
            "print_test": button(name="tech_print_test", on_click=self.print_test),
            "selftest": button(name="tech_selftest", on_click=self.selftest),
            "check_journal": button(name="tech_check_journal", on_click=self.check_journal),
            "collect": button(role="danger", name="tech_collect", on_click=self.collect),
            "settlement": button(name="tech_settlement", on_click=self.settlement),
            "reprint_slip": button(name="tech_reprint_slip", on_click=self.reprint_slip),
        }
        self.reprints = [button(name=f"tech_reprint_{i}", on_click=lambda i=i: self.reprint(i))
                         for i in range(REPRINT_ROWS)]
        self.service_toggle = button(role="staff", name="tech_service_toggle", on_click=self.toggle_service)
        self.exit = button(role="primary", name="tech_exit", on_click=win.home)
        self.lay.addWidget(self.title)
        self.lay.addWidget(self.alert)
        self.lay.addLayout(row(*self.tabs.values(), spacing=10))
        self.lay.addWidget(self.body)
        self.lay.addWidget(self.message)
        a = list(self.actions.values())
        for i in range(0, len(a), 2):
            self.lay.addLayout(row(*a[i:i + 2], spacing=10))
        for i in range(0, REPRINT_ROWS, 2):
            self.lay.addLayout(row(*self.reprints[i:i + 2], spacing=10))
        self.lay.addStretch(1)
        self.lay.addLayout(row(self.service_toggle, self.exit))
        self.clear()

    # --- state ---------------------------------------------------------------------------------
    def clear(self) -> None:
        self.sync: SyncStatus | None = None
        self.sync_known = False
        self.printer: dict[str, Any] | None = None
        self.box: dict[str, Any] | None = None
        self.cards: dict[str, Any] | None = None
        self.journal_check: tuple[bool, str] | None = None
        self.tac_failed: list[str] = []  # from the journal at each refresh (CARD-TAC)
        self.recent: list[RecentPurchase] = []
        self.settled: dict[str, Any] | None = None
        self.confirm_collect = False
        if getattr(self.win, "tech", None) is not None:
            self.win.tech.cancel_collection()  # a collection left waiting records nothing
        self.note = ""
        self.tab = "overview"
        self.who = ""
        self.body.setText("")
        self.alert.setText("")
        self.message.setText("")

    def start(self, who: str) -> None:
        self.clear()
        self.who = who

    def entered(self) -> None:
        self.refresh()

    def findings(self) -> list[Finding]:
        journal_ok = None if self.journal_check is None else self.journal_check[0]
        return diagnose(self.sync if self.sync_known else None, self.printer, self.box, self.cards, journal_ok,
                        self.tac_failed)

    # --- reading ------------------------------------------------------------------------------
    def _store(self, attr: str) -> Any:
        def ok(value: Any) -> None:
            if not self.who:
                return  # the session ended while the answer was on its way
            setattr(self, attr, value)
            if attr == "sync":
                self.sync_known = value is not None
            self.render()
        return ok

    def _failed(self, what: str) -> Any:
        def err(exc: Exception) -> None:
            if self.who:
                self.note = f"{what}: {exc}"
                self.render()
        return err

    def refresh(self) -> None:
        t = self.win.tech
        t.sync_status(self._store("sync"), self._failed(tr("Sync")))
        t.printer_report(self._store("printer"), self._failed(tr("Printer")))
        t.box_report(self._store("box"), self._failed(tr("Cash box")))
        t.recent(self._store("recent"), self._failed(tr("Receipts")))
        t.tac_failures(self._store("tac_failed"), self._failed(tr("Journal")))
        if self.cards is None:  # the start-up self-test; "Card self-test" runs it again
            self.cards = self.win.ks.devices.extras.get("selftest")
            if self.cards is None:
                t.card_selftest(self._store("cards"), self._failed(tr("Card readers")))
        self.render()

    # --- actions ------------------------------------------------------------------------------
    def _done(self, text: str) -> Any:
        def ok(_: Any) -> None:
            if self.who:
                self.note = text
                self.refresh()
        return ok

    def sync_now(self) -> None:
        self.win.tech.sync_now(self._done(tr("Upload started.")), self._failed(tr("Sync")))

    def print_test(self) -> None:
        self.win.tech.print_test(self._done(tr("Test receipt printed.")), self._failed(tr("Printer")))

    def selftest(self) -> None:
        self.note = tr("Card self-test running…")
        self.render()
        self.win.tech.card_selftest(self._store("cards"), self._failed(tr("Card readers")))

    def check_journal(self) -> None:
        self.win.tech.check_journal(self._store("journal_check"), self._failed(tr("Journal")))

    def collect(self) -> None:
        if not self.confirm_collect:  # two steps: a stray touch never records a collection
            self.confirm_collect = True
            self.render()
            return
        self.confirm_collect = False

        def ok(rep: dict[str, Any]) -> None:
            if self.who:
                self.note = (tr("Collection recorded: %1 yuan in %2 notes; slip printing.")
                             .replace("%1", yuan(rep["total_fen"])).replace("%2", str(sum(rep["notes"].values()))))
                self.refresh()

        def waiting(state: str) -> None:
            if self.who:
                self.note = {"removal": tr("Take the cassette out, empty it and put it back in: the collection"
                                           " is recorded once the acceptor has seen it go out and come back."),
                             "insertion": tr("The cassette is out: empty it and put it back in.")}[state]
                self.render()

        self.win.tech.collect_cash(self.who, ok, self._failed(tr("Cash collection")), waiting)

    def reprint_slip(self) -> None:
        def ok(printed: bool) -> None:
            if self.who:
                self.note = (tr("Collection slip reprinted.") if printed
                             else tr("The collection slip did not print: check the printer."))
                self.render()

        self.win.tech.reprint_slip(ok, self._failed(tr("Collection slip")))

    def settlement(self) -> None:
        day = self.win.ks.svc.ctx.clock.now().date()
        self.win.tech.settlement(day, self._store("settled"), self._failed(tr("Settlement")))

    def reprint(self, i: int) -> None:
        rows = [p for p in self.recent if p.reprintable]
        if i >= len(rows):
            return
        p = rows[i]

        def ok(printed: bool) -> None:
            if self.who:
                self.note = (tr("Reprinted %1.") if printed else tr("Reprint of %1 failed: check the printer."))\
                    .replace("%1", p.txn_id)
                self.refresh()

        self.win.tech.reprint(p.txn_id, ok, self._failed(tr("Reprint")))

    def toggle_service(self) -> None:
        out = self.win.ks.out_of_service is None

        def ok(changed: bool) -> None:
            if changed:
                self.note = tr("The kiosk is out of service.") if out else tr("The kiosk is back in service.")
            else:
                self.note = tr("A fault found at start-up keeps the kiosk out of service: restart it after the repair.")
            if self.who:
                self.render()

        self.win.tech.set_out_of_service(self.who, out, ok, self._failed(tr("Out of service")))
        self.render()

    def show_tab(self, tab: str) -> None:
        self.tab = tab
        self.confirm_collect = False
        self.render()

    # --- text ---------------------------------------------------------------------------------
    def render(self) -> None:
        self.title.setText(tr("Service: technician %1").replace("%1", self.who))
        names = {"overview": tr("Overview"), "cash": tr("Cash"), "receipts": tr("Receipts"), "logs": tr("Logs")}
        for t, b in self.tabs.items():
            b.setText(names[t])
            b.setProperty("role", "selected" if t == self.tab else "")
            b.style().unpolish(b)
            b.style().polish(b)
        found = self.findings()
        alerts = [f for f in found if f.severity is Severity.ALERT]
        self.alert.setVisible(bool(alerts))
        self.alert.setText("\n".join(finding_text(f) for f in alerts))
        self.message.setVisible(bool(self.note))
        self.message.setText(self.note)
        texts = {
            "refresh": tr("Refresh"), "sync_now": tr("Upload now"), "print_test": tr("Print a test receipt"),
            "selftest": tr("Card self-test"), "check_journal": tr("Check the journal"),
            "collect": tr("Touch again: the cassette is emptied") if self.confirm_collect else tr("Collect cash"),
            "settlement": tr("Today's settlement"), "reprint_slip": tr("Reprint the collection slip"),
        }
        shown = {"overview": ("refresh", "sync_now", "print_test", "selftest", "check_journal"),
                 "cash": ("refresh", "collect", "settlement", "reprint_slip"), "receipts": ("refresh",), "logs": ("refresh",)}
        for k, b in self.actions.items():
            b.setText(texts[k])
            b.setVisible(k in shown[self.tab])
        reprintable = [p for p in self.recent if p.reprintable]
        for i, b in enumerate(self.reprints):
            p = reprintable[i] if i < len(reprintable) else None
            b.setVisible(self.tab == "receipts" and p is not None)
            if p is not None:
                b.setText(tr("Reprint %1").replace("%1", p.created_at[5:16]))
        out = self.win.ks.out_of_service is not None
        self.service_toggle.setText(tr("Back in service") if out else tr("Take out of service"))
        self.exit.setText(tr("Exit service"))
        self.body.setText("\n".join(getattr(self, f"_{self.tab}_lines")(found)))

    def _overview_lines(self, found: list[Finding]) -> list[str]:
        lines = [finding_text(f) for f in found if f.severity is not Severity.ALERT]
        if not found:
            lines.append("✓ " + tr("No problems found."))
        lines.append("")
        s = self.sync
        if not self.sync_known or s is None:
            lines.append(tr("Sync: no sync client on this kiosk."))
        else:
            state = {True: tr("online"), False: tr("offline"), None: tr("not asked yet")}[s.online]
            lines.append(tr("Sync: %1, last server answer %2").replace("%1", state).replace("%2", _hm(s.last_answer_at)))
            if s.unsent_rows:
                age = s.unsent_age
                lines.append(tr("Not uploaded: %1 rows, the oldest from %2 (%3 ago)")
                             .replace("%1", str(s.unsent_rows)).replace("%2", _hm(s.oldest_unsent_at))
                             .replace("%3", age_text(age) if age is not None else "?"))
            else:
                lines.append(tr("Not uploaded: none"))
            if s.sam_quota_fen is not None:
                lines.append(tr("SAM offline quota: %1 yuan").replace("%1", yuan(s.sam_quota_fen)))
        p = self.printer
        pstate = {"ok": tr("ready"), "paper_near_end": tr("paper near end"), "paper_out": tr("out of paper"),
                  "cover_open": tr("cover open"), "offline": tr("offline")}
        lines.append(tr("Printer: %1").replace("%1", pstate.get(str(p.get("state")), str(p.get("state")))
                                                     if p is not None else "…"))
        b = self.box
        if b is not None:
            lines.append(tr("Cash box: %1 notes, %2 yuan; acceptor counter %3, journal expects %4")
                         .replace("%1", str(sum(b["notes"].values()))).replace("%2", yuan(b["total_fen"]))
                         .replace("%3", str(b["acceptor_counter"])).replace("%4", str(b["expected_counter"])))
        c = self.cards
        if c is not None:
            serves = ", ".join(c.get("serves", [])) or tr("none")
            quota = c.get("sam_quota_fen")
            sam = (tr("not answering") if not c.get("sam_ok") else tr("answers") if quota is None
                   else tr("answers, quota %1 yuan").replace("%1", yuan(quota)))
            lines.append(tr("Cards served: %1; SAM %2").replace("%1", serves).replace("%2", sam))
        if self.journal_check is not None:
            lines.append(tr("Journal: %1").replace("%1", self.journal_check[1]))
        return lines

    def _cash_lines(self, _found: list[Finding]) -> list[str]:
        b = self.box
        if b is None:
            return ["…"]
        lines = [tr("Since the last collection (journal row %1):").replace("%1", str(b["since_seq"]))]
        for denom, n in b["notes"].items():
            lines.append(f"  {yuan(int(denom))} × {n} = {yuan(int(denom) * n)}")
        lines.append(tr("Total %1 yuan").replace("%1", yuan(b["total_fen"])))
        lines.append(tr("Acceptor counter %1, journal expects %2")
                     .replace("%1", str(b["acceptor_counter"])).replace("%2", str(b["expected_counter"])))
        for d in b["differences"]:
            lines.append(f"! {d['kind']}: {d['explanation']}")
        st = self.settled
        if st is not None:
            lines.append("")
            lines.append(tr("Settlement %1: expected cash %2 yuan")
                         .replace("%1", str(st["day"])).replace("%2", yuan(st["expected_cash_fen"])))
            lines.append(tr("Gas credited %1, kept as account credit %2, held for review %3, not settled %4")
                         .replace("%1", yuan(st["credited_fen"])).replace("%2", yuan(st["remainder_fen"]))
                         .replace("%3", yuan(st["review_fen"])).replace("%4", yuan(st["unsettled_fen"])))
            lines.append(tr("Balanced") if st["balanced"] else tr("NOT balanced: see the differences"))
            for d in st.get("differences", []):
                lines.append(f"! {d.get('kind')}: {d.get('explanation', '')}")
        return lines

    def _receipts_lines(self, _found: list[Finding]) -> list[str]:
        if not self.recent:
            return [tr("No purchases yet.")]
        head = tr("time, card, paid, gas, method, state, prints")
        return [head] + [f"{p.created_at[5:16]}  {p.card}  {yuan(p.paid_fen)}  {yuan(p.cost_fen)}  {p.method}"
                         f"  {p.state}  ×{p.receipt_prints}" for p in self.recent]

    def _logs_lines(self, _found: list[Finding]) -> list[str]:
        return self.win.tech.logs(25) or [tr("No warnings logged since start.")]
