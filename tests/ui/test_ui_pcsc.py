"""Whole purchases through the screens with the real card stack: the IC and CPU profiles
(devices/card over pyscard) talking through pcscd to the card emulator on the vpcd virtual
reader, the SAM in the second slot; cash through the ccTalk driver and simulator. Needs
pcscd (packaging/run-tests.sh starts it); fails, never skips, without it."""
from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devices.sim import harness
from devices.sim.emulator import CardEmulator
from kiosk.purchase.states import S
from tests.ui.conftest import guard_io
from tests.ui.uikit import Heartbeat, press, text, wait_screen, wait_until
from ui.app import PANEL, setup_app
from ui.demo import DemoRig, ReaderCards
from ui.voice import Speaker
from ui.window import KioskWindow


@dataclass
class PcscKiosk:
    emu: CardEmulator
    rig: DemoRig
    win: KioskWindow
    io_on_gui: list[str]


@pytest.fixture()
def pcsc_kiosk(qtbot, tmp_path: Path) -> Iterator[PcscKiosk]:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    try:
        emu, readers = harness.shared()
    except (harness.PcscdMissing, TimeoutError, ConnectionError) as exc:
        pytest.fail(str(exc))
    harness.reset(emu)
    setup_app(QApplication.instance())  # type: ignore[arg-type]
    rig = DemoRig(tmp_path / "kiosk", card_source=ReaderCards(readers))
    io_on_gui: list[str] = []
    guard_io(rig, io_on_gui)  # the journal, printer, payment, cache and the real readers
    ks = rig.service()
    win = KioskWindow(ks, Speaker("mock"))
    win.setFixedSize(*PANEL)
    qtbot.addWidget(win)
    ks.start()
    win.show()
    wait_until(lambda: rig.acceptor is not None, what="acceptor")
    try:
        yield PcscKiosk(emu, rig, win, io_on_gui)
    finally:
        rig.close(ks)
        harness.reset(emu)
        harness.release_shared()


def buy(k: PcscKiosk, card: str, notes: tuple[int, ...], mode: str = "amount", preset: int = 0) -> float:
    """The notes cover what is due (the amount, or the price of the volume): the purchase
    goes on by itself to the card write and the receipt."""
    win, rig = k.win, k.rig
    beat = Heartbeat()
    beat.start()
    k.stalls = []  # type: ignore[attr-defined]
    gui = threading.get_ident()
    stop = threading.Event()

    def watch() -> None:  # where the GUI thread is when the heartbeat is late
        while not stop.is_set():
            time.sleep(0.01)
            if time.monotonic() - beat.last > 0.05:
                f = sys._current_frames().get(gui)
                k.stalls.append("".join(traceback.format_stack(f)[-4:]))  # type: ignore[attr-defined]
                time.sleep(0.1)

    threading.Thread(target=watch, daemon=True).start()
    press(win, "start")
    wait_screen(win, "insert")
    # the resident's hand, not the kiosk: the emulator is driven from another thread so that
    # the heartbeat measures the kiosk's GUI thread only
    threading.Thread(target=k.emu.insert, args=(card,), daemon=True).start()
    wait_screen(win, "account", timeout=20)
    press(win, "buy")
    if mode == "volume":
        press(win, "mode_volume")
    press(win, f"preset_{preset}")
    wait_until(lambda: win.screens["amount"].quote is not None)  # type: ignore[attr-defined]
    press(win, "to_pay")
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling)
    paid = 0
    for fen in notes:
        threading.Thread(target=rig.cash_sim.insert_note, args=(fen,), daemon=True).start()
        paid += fen
        wait_until(lambda p=paid: win.session is None or win.session.paid_fen >= p or
                   win.current.name != "cash", what="note counted")
    wait_screen(win, "done", timeout=30)
    stop.set()
    return beat.stop()


def test_ic_card_through_pcscd(pcsc_kiosk, capsys) -> None:  # type: ignore[no-untyped-def]
    k = pcsc_kiosk
    k.emu.issue_ic("ic1", "1000000000000101", customer_no="1234567890")
    longest = buy(k, "ic1", (5000,))  # 50 yuan by amount
    assert k.io_on_gui == []  # no card (pyscard), journal, printer or payment call on the GUI thread
    rec = k.rig.journal.raw("SELECT state, paid_fen, cost_fen, volume_units FROM purchases")
    assert rec == [(S.OUTBOX.value, 5000, 4998, 1915)]
    assert "19.15" in text(k.win, "receipt_summary")
    with capsys.disabled():
        print(f"\n[IC via pcscd] longest event-loop stall {longest * 1000:.1f} ms")


def test_cpu_card_through_pcscd(pcsc_kiosk, capsys) -> None:  # type: ignore[no-untyped-def]
    k = pcsc_kiosk
    k.emu.issue_cpu("cpu1", "3344556677880101", customer_no="2233445566", balance=1200)
    longest = buy(k, "cpu1", (2000, 1000), mode="volume", preset=0)  # 30 yuan covers the price
    assert k.io_on_gui == []
    rec = k.rig.journal.raw("SELECT state, paid_fen, cost_fen FROM purchases")
    assert rec == [(S.OUTBOX.value, 3000, 3000)]
    assert k.emu.dump("cpu1")["balance"] == 1200 + 3000
    with capsys.disabled():
        print(f"\n[CPU via pcscd] longest event-loop stall {longest * 1000:.1f} ms")
