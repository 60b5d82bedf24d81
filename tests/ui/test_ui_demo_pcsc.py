"""The demo on the real card stack (`python main.py --demo --cards emulator`), driven through
the simulator control window as a person at the demo would: its card buttons go to the card
emulator's control interface, the kiosk reads and writes the emulated cards through pyscard
and pcscd. The demo cards are the fakes' people, issued in the formats of gas-cards.md.
Needs pcscd with the vpcd reader (packaging/run-tests.sh starts it); fails, never skips."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from devices.card.ic_layout import current_slot, decode_record
from devices.sim import harness
from devices.sim.vpcd import VpcdLock
from kiosk.purchase.states import S
from tests.ui.uikit import press, text, wait_screen, wait_until
from ui.app import build_demo, setup_app
from ui.demo import DEMO_TECH_PIN, DemoRig
from ui.demo_control import ControlWindow
from ui.window import KioskWindow

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CardDemo:
    rig: DemoRig
    win: KioskWindow
    control: ControlWindow
    io_on_gui: list[str]

    def dump(self, name: str) -> dict[str, Any]:
        return dict(self.rig.emulator.emu.dump(name))


def _guard(rig: DemoRig, seen: list[str]) -> None:
    """Record every emulator control request, card and journal call made on the GUI thread."""
    gui = threading.main_thread()

    def wrap(obj: Any, name: str, label: str) -> None:
        fn = getattr(obj, name)

        def guarded(*a: Any, **kw: Any) -> Any:
            if threading.current_thread() is gui:
                seen.append(label)
            return fn(*a, **kw)

        setattr(obj, name, guarded)

    wrap(rig.cards.control, "call", "emulator control")
    wrap(rig.card_source, "present", "cards.present")
    wrap(rig.card_source, "session", "cards.session")
    wrap(rig.journal, "call", "journal.call")


@pytest.fixture()
def card_demo(qtbot, tmp_path: Path) -> Iterator[CardDemo]:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    assert app is not None
    setup_app(app)  # type: ignore[arg-type]
    harness.release_shared()  # the demo starts an emulator of its own on the virtual reader
    try:
        rig, ks, win = build_demo(tmp_path / "kiosk", engine="mock", cards="emulator", control_port=0,
                                  lock_timeout_s=harness.LOCK_WAIT_S)
    except (harness.PcscdMissing, TimeoutError, ConnectionError) as exc:
        pytest.fail(f"the card demo needs pcscd with the vpcd virtual reader: {exc}")
    seen: list[str] = []
    _guard(rig, seen)
    qtbot.addWidget(win)
    control = ControlWindow(rig)
    qtbot.addWidget(control)
    win.show()
    control.show()
    try:
        wait_until(lambda: rig.acceptor is not None, what="acceptor")
        win.set_lang("en")
        yield CardDemo(rig, win, control, seen)
    finally:
        rig.close(ks)


def click(d: CardDemo, name: str) -> None:
    """Press a button of the simulator control window."""
    b = d.control.findChild(QPushButton, f"ctl_{name}")
    assert b is not None, name
    QTest.mouseClick(b, Qt.MouseButton.LeftButton)


def to_account(d: CardDemo, card: str) -> None:
    press(d.win, "start")
    wait_screen(d.win, "insert")
    click(d, f"insert_{card}")
    wait_screen(d.win, "account", timeout=20)


def to_pay(d: CardDemo, card: str, mode: str, preset: int, account: bool = False) -> None:
    win = d.win
    if not account:
        to_account(d, card)
    press(win, "buy")
    wait_screen(win, "amount")
    if mode == "volume":
        press(win, "mode_volume")
    press(win, f"preset_{preset}")
    wait_until(lambda: win.screens["amount"].quote is not None, what="quote")  # type: ignore[attr-defined]
    press(win, "to_pay")
    wait_screen(win, "pay")


def pay_cash(d: CardDemo, *yuan: int) -> None:
    win = d.win
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling, what="cash polling")
    paid = 0
    for y in yuan:
        click(d, f"note_{y}")
        paid += y * 100
        wait_until(lambda p=paid: win.session is None or win.session.paid_fen >= p or win.current.name != "cash",
                   what="note counted")


def ic_record(d: CardDemo, name: str) -> Any:
    mem = bytes.fromhex(d.dump(name)["memory"])
    slots = (mem[0x40:0x60], mem[0x60:0x80])
    return decode_record(slots[current_slot(slots)])


def test_ic_cash_purchase_through_the_control_window(card_demo: CardDemo) -> None:
    d = card_demo
    win, rig = d.win, d.rig
    before = ic_record(d, "ic")  # the fake's history, issued in the card's format
    assert (before.seq, before.volume_units, before.tier_year_units) == (4, 3000, 12000)
    to_account(d, "ic")
    assert "12.34" in text(win, "meter_facts")  # the meter zone the fake's meter wrote
    to_pay(d, "ic", "amount", 0, account=True)  # 50 yuan
    pay_cash(d, 50)
    wait_screen(win, "done", timeout=30)
    assert d.io_on_gui == []  # (the test's own journal reads below run on this thread)
    assert "19.15" in text(win, "receipt_summary")  # 50 yuan bought 19.15 m3 at 2.61
    assert rig.journal.raw("SELECT state, paid_fen, cost_fen, volume_units FROM purchases") == [
        (S.OUTBOX.value, 5000, 4998, 1915)]
    after = ic_record(d, "ic")  # on the emulated chip, written by the IC profile through pcscd
    assert (after.seq, after.volume_units, after.amount_fen) == (5, 1915, 4998)
    assert after.tier_year_units == 12000 + 1915
    assert d.dump("ic")["psc_presentations"] == 1 and d.dump("ic")["ec"] == 7
    assert rig.cash_sim.stacked_notes() == {5000: 1}


def test_cpu_qr_purchase_through_the_control_window(card_demo: CardDemo) -> None:
    d = card_demo
    win, rig = d.win, d.rig
    assert d.dump("cpu")["balance"] == 3500
    to_account(d, "cpu")
    assert "35.00" in text(win, "card_facts")  # the money on the purse, read through pcscd
    to_pay(d, "cpu", "amount", 0, account=True)  # 50 yuan
    press(win, "pay_qr")
    wait_screen(win, "qr")
    wait_until(rig.qr.waiting.is_set, what="QR provider waiting")
    click(d, "qr_pay")  # the payer scans and pays
    wait_screen(win, "done", timeout=30)
    assert d.io_on_gui == []
    cpu = d.dump("cpu")
    assert cpu["balance"] == 3500 + 5000 and cpu["loads_applied"] == 1 and cpu["atc"] == 1
    assert rig.journal.raw("SELECT state, method, paid_fen FROM purchases") == [(S.OUTBOX.value, "qr", 5000)]
    assert d.dump("sam")["authorisations"] == 1  # the demo has no server: MAC2 from the SAM


def test_the_other_demo_people_on_the_emulator(card_demo: CardDemo) -> None:
    """Blocked, unknown, meter not loaded: refused before money, as with the fakes; the leak
    alarm recorded by the meter is shown first."""
    d = card_demo
    win = d.win
    press(win, "start")
    for card, code in (("blocked", "K005"), ("unknown", "K003"), ("meter_not_loaded", "K006")):
        wait_until(lambda: win.current.name in ("insert", "attract"), what="ready for a card")
        win.set_lang("en")  # each visit ends with the language back at zh_CN
        if win.current.name == "attract":
            press(win, "start")
        click(d, f"insert_{card}")
        wait_screen(win, "error", timeout=20)
        assert code in text(win, "error_code"), (card, text(win, "error_code"))
        assert text(win, "error_money") == "No money was taken."
        click(d, "pull")
        wait_until(lambda: not win.ks.card_present, timeout=10, what="card out")
        press(win, "error_action")
    wait_until(lambda: win.current.name in ("insert", "attract"), what="ready for a card")
    win.set_lang("en")
    if win.current.name == "attract":
        press(win, "start")
    click(d, "insert_alarm")
    wait_screen(win, "account", timeout=20)
    assert "leak alarm" in text(win, "leak_alert")
    assert "battery low" in text(win, "meter_facts") and "0.80" in text(win, "meter_facts")
    assert d.io_on_gui == []
    assert d.rig.journal.raw("SELECT count(*) FROM purchases") == [(0,)]


def test_the_card_refuses_the_next_write(card_demo: CardDemo) -> None:
    d = card_demo
    win, rig = d.win, d.rig
    to_pay(d, "ic", "amount", 0)
    click(d, "refuse_write")
    wait_until(lambda: d.dump("ic")["refuse_writes"] == 1, what="emulator armed")
    pay_cash(d, 50)
    wait_screen(win, "error", timeout=30)
    assert "K008" in text(win, "error_code") and "voucher" in text(win, "error_money")
    assert rig.journal.raw("SELECT state, review_fen FROM purchases") == [(S.MANUAL_REVIEW.value, 5000)]
    assert ic_record(d, "ic").seq == 4  # verified not written: the card keeps its record
    assert d.dump("ic")["refuse_writes"] == 0


def test_the_card_pulled_mid_write_then_put_back(card_demo: CardDemo) -> None:
    d = card_demo
    win, rig = d.win, d.rig
    to_pay(d, "cpu", "amount", 0)
    click(d, "tear_write")
    wait_until(lambda: rig.emulator.emu.slots[0].tear_armed, what="tear armed")
    pay_cash(d, 50)
    wait_screen(win, "error", timeout=30)
    assert "K002" in text(win, "error_code")
    assert rig.journal.raw("SELECT state FROM purchases") == [(S.MANUAL_REVIEW.value,)]
    assert d.dump("cpu")["loads_applied"] == 1  # the card took the load before the link dropped
    # the control window sees the torn card out of the reader
    wait_until(lambda: rig.cards.inserted is None and "card: -" in d.control.state.text(), what="torn card shown out")
    click(d, "insert_cpu")  # the same card again: the card's ATC and TAC settle the row
    wait_screen(win, "done", timeout=30)
    assert rig.journal.raw("SELECT state FROM purchases")[0][0] in (S.OUTBOX.value, S.RECEIPT_DONE.value)
    cpu = d.dump("cpu")
    assert cpu["balance"] == 3500 + 5000 and cpu["loads_applied"] == 1  # loaded once


def run_demo_cards(tmp_path: Path, shot: Path) -> subprocess.CompletedProcess[str]:
    """`main.py --demo --cards emulator`, offscreen and silent; it quits after its screenshot.
    --control-port 0: 35990 lies in Linux's ephemeral port range, and a test run's own
    outgoing connections (the server, PostgreSQL) may hold it at that moment."""
    return subprocess.run([sys.executable, "main.py", "--demo", "--cards", "emulator", "--var", str(tmp_path / "var"),
                           "--control-port", "0", "--voice", "mock", "--screenshot", str(shot)],
                          cwd=ROOT, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True,
                          text=True, timeout=120, check=False)


def test_main_demo_cards_emulator_starts_and_stops(tmp_path: Path) -> None:
    """The command of the README, offscreen with a screenshot (it quits after 1.5 s), gives
    the virtual reader back when it ends."""
    harness.release_shared()
    shot = tmp_path / "screen.png"
    r = run_demo_cards(tmp_path, shot)
    assert r.returncode == 0, f"(this test runs in pid {os.getpid()})\n{r.stderr[-3000:]}"
    assert shot.stat().st_size > 0
    assert "demo cards ['alarm', 'blocked', 'cpu', 'ic', 'meter_not_loaded', 'unknown'] issued" in r.stderr
    [run] = list((tmp_path / "var").iterdir())
    assert run.name.startswith("cards-run-") and (run / "journal.db").exists()
    emu, _readers = harness.shared()  # the reader is free again
    harness.release_shared()
    assert emu is not None


def test_main_demo_cards_emulator_names_who_holds_the_reader(tmp_path: Path) -> None:
    """Another emulator on the virtual reader: the demo says who holds it and what to do,
    exits 2, no traceback, and starts nothing."""
    harness.release_shared()
    lock = VpcdLock()
    lock.acquire(harness.LOCK_WAIT_S)
    try:
        r = run_demo_cards(tmp_path, tmp_path / "s.png")
    finally:
        lock.release()
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-3000:]
    assert f"vpcd is in use by another emulator (pid {os.getpid()}: " in r.stderr
    assert "stop that emulator" in r.stderr and "make demo-cards" not in r.stderr
    assert not (tmp_path / "s.png").exists()


def open_technician(d: CardDemo) -> str:
    """The control window's technician button (five taps on the corner), the demo PIN; the
    findings' alerts once the screen has its reports."""
    win = d.win
    click(d, "technician")
    wait_screen(win, "tech_pin")
    for k in DEMO_TECH_PIN:
        press(win, f"key_{k}")
    press(win, "tech_pin_ok")
    wait_screen(win, "technician")
    screen = win.screens["technician"]
    wait_until(lambda: screen.printer is not None and screen.box is not None, what="reports")  # type: ignore[attr-defined]
    return text(win, "tech_alert")


def test_a_bad_tac_after_start_is_found_without_a_new_self_test(card_demo: CardDemo) -> None:
    """A site keeps the card self-test of its start (Devices.extras["selftest"]); a CPU load
    whose TAC does not verify, made after that, is a CARD-TAC alert the next time the
    technician looks: the finding comes from the journal, not from that snapshot."""
    d = card_demo
    win, rig = d.win, d.rig
    rig.devices.extras["selftest"] = rig._card_selftest()  # what main.build_site keeps from its start
    assert "CARD-TAC" not in open_technician(d)
    press(win, "tech_exit")
    wait_screen(win, "attract")
    # a card whose TAC key is nobody's: the SAM's verdict is False, the load stays on the card
    rig.emulator.emu.issue_cpu("badtac", "2233445566778899", customer_no="2233445566", balance=0, mtk="22" * 16)
    win.set_lang("en")
    press(win, "start")
    wait_screen(win, "insert")
    rig.cards.insert("badtac")
    wait_screen(win, "account", timeout=20)
    to_pay(d, "badtac", "amount", 0, account=True)
    pay_cash(d, 50)
    wait_screen(win, "done", timeout=30)
    txn = str(win.session.txn)
    press(win, "rate_skip")
    wait_screen(win, "attract")
    rig.cards.pull()
    wait_until(lambda: not win.ks.card_present, timeout=10, what="card out")
    win.set_lang("en")
    alerts = open_technician(d)
    assert "CARD-TAC" in alerts and txn[:8] in alerts, alerts
    assert "2233********8899" in alerts  # the card, masked
    assert win.screens["technician"].cards is rig.devices.extras["selftest"]  # no new self-test ran
    assert d.io_on_gui == []
