"""Helpers for the UI tests: press buttons by object name, wait for screens, read the journal."""
from __future__ import annotations

import json
import time
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from ui.walk import wait_screen, wait_until
from ui.window import KioskWindow

__all__ = ["Heartbeat", "buy_until_screen", "press", "rows", "text", "wait_screen", "wait_until"]


def press(win: KioskWindow, name: str) -> None:
    """Press a button of the current screen, or of the header/footer."""
    b = win.current.findChild(QPushButton, name) or win.findChild(QPushButton, name)
    assert b is not None, name
    assert b.isVisible() and b.isEnabled(), f"{name} not pressable on {win.current.name}"
    QTest.mouseClick(b, Qt.MouseButton.LeftButton)


def text(win: KioskWindow, name: str) -> str:
    w = win.current.findChild(QLabel, name) or win.findChild(QLabel, name)
    assert w is not None, name
    return w.text()


def rows(rig: Any, kind: str) -> list[dict[str, Any]]:
    got = rig.journal.raw(f"SELECT body FROM journal WHERE kind = '{kind}' ORDER BY seq")
    return [json.loads(r[0]) for r in got]


def pump(ms: int = 50) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
        time.sleep(0.002)


class Heartbeat(QObject):
    """A 5 ms QTimer on the GUI thread; the longest gap between two ticks is the longest
    stall of the event loop."""

    def __init__(self, interval_ms: int = 5) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.longest = 0.0
        self.ticks = 0

    def start(self) -> None:
        self.last = time.monotonic()
        self.timer.start()

    def _tick(self) -> None:
        now = time.monotonic()
        self.longest = max(self.longest, now - self.last)
        self.last = now
        self.ticks += 1

    def stop(self) -> float:
        self.timer.stop()
        return self.longest


def buy_until_screen(k: Any, card: str, mode: str, preset: int) -> None:
    """attract -> insert -> account -> amount (a preset) -> pay."""
    win = k.win
    press(win, "start")
    wait_screen(win, "insert")
    k.rig.cards.insert(card)
    wait_screen(win, "account")
    press(win, "buy")
    wait_screen(win, "amount")
    if mode == "volume":
        press(win, "mode_volume")
    press(win, f"preset_{preset}")
    amount = win.screens["amount"]
    wait_until(lambda: amount.quote is not None, what="quote")  # type: ignore[attr-defined]
    press(win, "to_pay")
    wait_screen(win, "pay")


def visible(w: QWidget) -> bool:
    return w.isVisibleTo(w.window())
