"""Walks every screen with real data (the demo rig), for --screenshot-all and the tests."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEventLoop

from kiosk.errors import PaperOut

from .demo import DemoRig
from .ops import run_op
from .screens.buy import AmountScreen, WritingScreen
from .screens.start import ReadingScreen
from .window import KioskWindow


def wait_until(cond: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError(f"timed out waiting for {what or cond}")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def wait_screen(win: KioskWindow, name: str, timeout: float = 10.0) -> None:
    try:
        wait_until(lambda: win.current.name == name, timeout)
    except TimeoutError:
        raise TimeoutError(f"timed out waiting for screen {name} (at {win.current.name})") from None


ALL_SCREENS = ("attract", "insert", "reading", "account", "amount", "pay", "cash", "qr", "writing",
               "done", "repair", "emergency", "repair_form", "repair_done", "repair_status", "notices", "faq",
               "staff", "error", "idle")


def walk_all(win: KioskWindow, rig: DemoRig, visit: Callable[[str], None]) -> list[str]:
    """Visit every screen once, through the real flow where it stops on its own; the
    transient screens (reading, writing, QR, idle) are shown with the state they have
    during a purchase. `visit(name)` is called with the screen on show."""
    seen: list[str] = []

    def at(name: str) -> None:
        wait_screen(win, name)
        QCoreApplication.processEvents()
        seen.append(name)
        visit(name)

    win.home()
    wait_until(lambda: rig.acceptor is not None, what="acceptor")
    at("attract")
    rig.cards.pull()
    rig.cards.meter_load("ic")  # a purchase of an earlier walk reached the meter
    wait_until(lambda: not win.ks.card_present, what="card out")
    win.start_purchase()
    at("insert")
    reading = win.screens["reading"]
    assert isinstance(reading, ReadingScreen)
    rig.cards.insert("ic")
    at("account")
    win.go("reading")
    reading.set_step("account")
    at("reading")
    win.go("account")
    win.go("amount")
    amount = win.screens["amount"]
    assert isinstance(amount, AmountScreen)
    amount.preset(1)
    wait_until(lambda: amount.quote is not None, what="quote")
    at("amount")
    amount.confirm()
    at("pay")
    win.go("qr")
    win.qr_payload("https://pay.example.com/kiosk/DEMO01/demo?fen=10000")
    at("qr")
    win.go("pay")
    win.begin_payment("cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session is not None and win.session._cash_polling, what="cash polling")
    rig.cash_sim.insert_note(5000)
    wait_until(lambda: win.session is not None and win.session.paid_fen == 5000, what="note")
    at("cash")
    writing = win.screens["writing"]
    assert isinstance(writing, WritingScreen)
    gate = threading.Event()  # hold the card write while the writing screen is looked at
    run_op(win.ks.workers["card"], lambda: gate.wait(30), None, lambda _exc: None)
    rig.cash_sim.insert_note(5000)
    wait_screen(win, "writing")
    wait_until(lambda: writing.step == 1, what="payment recorded, card write next")
    seen.append("writing")
    visit("writing")
    gate.set()
    at("done")
    win.finish_visit()
    win.go("repair")
    at("repair")
    win.go("emergency")
    at("emergency")
    win.repair_kind("no_gas")
    at("repair_form")
    form = win.screens["repair_form"]
    for k in "13812345678":
        form.pad.press(k)  # type: ignore[attr-defined]
    form.set_slot("morning")  # type: ignore[attr-defined]
    form.submit()  # type: ignore[attr-defined]
    at("repair_done")
    ticket = win.screens["repair_done"].ticket  # type: ignore[attr-defined]
    # what the staff console did with it (the demo's download cache plays the server)
    rig.accounts.set_ticket(f"journal:{ticket.seq}", "acknowledged", "王师傅 14:00 上门")
    win.go("repair_status")
    status = win.screens["repair_status"]
    for k in str(ticket.seq):
        status.pad.press(k)  # type: ignore[attr-defined]
    status.look_up()  # type: ignore[attr-defined]
    wait_until(lambda: status.found is not None, what="ticket status")  # type: ignore[attr-defined]
    at("repair_status")
    win.go("notices")
    wait_until(lambda: bool(win.screens["notices"].notes), what="notices")  # type: ignore[attr-defined]
    at("notices")
    win.go("faq")
    at("faq")
    win.call_staff()
    wait_until(lambda: win.screens["staff"].call_no is not None, what="help call")  # type: ignore[attr-defined]
    at("staff")
    win.show_error(PaperOut("printer not ready"), "pay", 0)
    at("error")
    win.go("amount")
    win.idle_timer.stop()
    win._idle_expired()
    at("idle")
    win.warn_timer.stop()
    win.home()
    return seen
