"""The GUI event loop during a whole purchase (make bench): the longest stall between two
ticks of a 5 ms timer stays under 400 ms on the reference panel (1080x1920, software
rendering). The UI tests measure and print the same stall but assert only what is not
timing: no journal, card, printer, payment or cache call on the GUI thread."""
from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import boot
from tests.ui.uikit import Heartbeat, buy_until_screen, press, wait_screen, wait_until

STALL_BOUND_S = 0.4  # typical: 30-100 ms on an idle machine, ~150 ms with the CPU shared


def test_longest_gui_stall_during_an_ic_cash_purchase(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    k = boot(qtbot, tmp_path / "kiosk")
    try:
        beat = Heartbeat()
        beat.start()
        buy_until_screen(k, "ic", "amount", 1)  # 100 yuan
        press(k.win, "pay_cash")
        wait_screen(k.win, "cash")
        wait_until(lambda: k.win.session._cash_polling, what="cash polling")
        k.rig.cash_sim.insert_note(10000)
        wait_screen(k.win, "done", timeout=15)
        longest = beat.stop()
        print(f"\nlongest GUI event-loop stall {longest * 1000:.1f} ms over {beat.ticks} ticks")
        assert k.io_on_gui == []
        assert longest < STALL_BOUND_S
    finally:
        k.rig.close(k.ks)
