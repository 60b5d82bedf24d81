"""The simulator control window of the demo: cards, notes, paper, network. Its card buttons
drive the demo's card slot, the file-backed fakes (ui.demo.DemoCards) or the vpcd card
emulator through its control interface (ui.demo_emu.EmulatorCards, `--cards emulator`).
Every button has an object name (`ctl_...`) for the tests that drive the demo through it."""
from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QGridLayout, QLabel, QPushButton, QWidget

from .demo import DEMO_CARDS, DEMO_TECH_PIN, DemoRig
from .ops import on_gui

NOTES_YUAN = (5, 10, 20, 50, 100)


class ControlWindow(QWidget):
    """The simulator control window: cards, notes, paper, network."""

    def __init__(self, rig: DemoRig) -> None:
        super().__init__()
        self.rig = rig
        self.setWindowTitle("Simulators / 模拟器" + ("  · card emulator (pcscd)" if rig.emulator else ""))
        grid = QGridLayout(self)
        self.state = QLabel()
        self.state.setObjectName("ctl_state")
        r = 0

        def add(name: str, text: str, fn: Any, col: int) -> None:
            b = QPushButton(text)
            b.setObjectName(f"ctl_{name}")
            b.clicked.connect(lambda _=False: (fn(), self.refresh()))
            grid.addWidget(b, r, col)

        for i, card in enumerate(DEMO_CARDS):
            add(f"insert_{card}", f"insert card: {card}", lambda n=card: self._insert(n), i % 3)
            if i % 3 == 2:
                r += 1
        r += 1
        add("pull", "pull card", rig.cards.pull, 0)
        add("meter_load", "meter loads IC card", lambda: rig.cards.meter_load("ic"), 1)
        add("refuse_write", "card refuses next write", rig.cards.refuse_next_write, 2)
        r += 1
        add("tear_write", "card pulled mid-write", rig.cards.tear_next_write, 0)
        add("jam", "note jams", lambda: rig.cash_sim.jam("stacker"), 1)
        add("clear_jam", "clear jam", rig.cash_sim.clear_jam, 2)
        r += 1
        add("jam_transport", "next note sticks before escrow", lambda: rig.cash_sim.jam("transport"), 0)
        r += 1
        for i, yuan in enumerate(NOTES_YUAN):
            add(f"note_{yuan}", f"insert {yuan} yuan", lambda f=yuan * 100: self._note(f), i % 3)
            if i % 3 == 2:
                r += 1
        r += 1
        add("cassette_out", "cassette out (collection)", rig.cash_sim.remove_cassette, 0)
        add("cassette_in", "cassette back in", rig.cash_sim.replace_cassette, 1)
        add("false_note", "insert a false note", lambda: threading.Thread(
            target=rig.cash_sim.insert_counterfeit, args=(5000,), daemon=True).start(), 2)
        r += 1
        add("paper_out", "paper out", lambda: rig.printer_sim.set_paper("out"), 0)
        add("paper_ok", "paper ok", lambda: rig.printer_sim.set_paper("ok"), 1)
        add("network", "network on/off", self._toggle_net, 2)
        r += 1
        add("qr_pay", "QR: the payer pays", rig.qr.pay, 0)
        add("technician", f"technician screen (PIN {DEMO_TECH_PIN})", self._technician, 1)
        r += 1
        grid.addWidget(self.state, r, 0, 1, 3)
        if hasattr(rig.cards, "notify"):  # the emulator answers on a thread of its own
            rig.cards.notify = lambda: on_gui(self.refresh)
            self._link = QTimer(self, interval=1000)  # a torn card left the reader on its own
            self._link.timeout.connect(self._check_link)
            self._link.start()
        self.refresh()

    def _note(self, fen: int) -> None:
        # the simulator answers at once; the kiosk's cash worker polls and stacks it
        threading.Thread(target=self.rig.cash_sim.insert_note, args=(fen,), daemon=True).start()

    def _technician(self) -> None:
        """The same as five quick taps on the start screen's top-left corner."""
        for w in QApplication.topLevelWidgets():
            if hasattr(w, "tech_tap") and w.current.name == "attract":
                for _ in range(5):
                    w.tech_tap()

    def _insert(self, name: str) -> None:
        """A hand swapping cards pulls the first one out before the next goes in: the kiosk
        sees the removal (its presence poll runs every 200 ms) and then the new card."""
        if self.rig.cards.inserted is not None and self.rig.cards.inserted != name:
            self.rig.cards.pull()
            QTimer.singleShot(600, lambda: (self.rig.cards.insert(name), self.refresh()))
            return
        self.rig.cards.insert(name)

    def _check_link(self) -> None:
        cards = self.rig.cards
        if cards.inserted is not None and cards.idle():
            cards.check_link()

    def _toggle_net(self) -> None:
        self.rig.online = not self.rig.online

    def refresh(self) -> None:
        error = getattr(self.rig.cards, "error", None)
        self.state.setText(f"card: {self.rig.cards.inserted or '-'}   "
                           f"network: {'on' if self.rig.online else 'OFF'}   "
                           f"stacked: {self.rig.cash_sim.stacked_notes()}"
                           + (f"\ncard emulator: {error}" if error else ""))


__all__ = ["ControlWindow"]
