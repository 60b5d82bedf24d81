"""The kiosk window on the demo rig (real journal, ccTalk and ESC/POS simulators through the
real drivers, file-backed card fakes, the sync download cache), with Qt's mock speech engine."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from ui.app import PANEL, setup_app
from ui.demo import DemoRig
from ui.kiosk_service import KioskService
from ui.voice import Speaker
from ui.walk import wait_until
from ui.window import KioskWindow


@dataclass
class Kiosk:
    rig: DemoRig
    ks: KioskService
    win: KioskWindow
    io_on_gui: list[str]


def guard(obj: Any, names: tuple[str, ...], label: str, seen: list[str]) -> None:
    """Record in `seen` every call of obj.<name> made on the GUI thread."""
    gui = threading.main_thread()
    for name in names:
        fn = getattr(obj, name)

        def guarded(*a: Any, _fn: Any = fn, _name: str = name, **kw: Any) -> Any:
            if threading.current_thread() is gui:
                seen.append(f"{label}.{_name}")
            return _fn(*a, **kw)

        setattr(obj, name, guarded)


def guard_io(rig: DemoRig, seen: list[str]) -> None:
    """Record every journal, card, printer or payment call made on the GUI thread."""

    def wrap(obj: Any, name: str, label: str) -> None:
        guard(obj, (name,), label.rsplit(".", 1)[0], seen)

    wrap(rig.journal, "call", "journal.call")
    for n in ("status", "print_receipt", "print_lines"):
        wrap(rig.printer, n, f"printer.{n}")
    for n in ("present", "session"):
        wrap(rig.cards, n, f"cards.{n}")
    for name, card in getattr(rig.cards, "cards", {}).items():  # the demo's fake cards
        for n in ("read", "write_credit", "check_credit"):
            wrap(card, n, f"card[{name}].{n}")
    for n in ("account", "notices", "credits", "ticket"):
        wrap(rig.accounts, n, f"accounts.{n}")
    for n in ("charge", "refund", "charged_fen"):
        wrap(rig.payment, n, f"payment.{n}")


def boot(qtbot, d: Path) -> Kiosk:  # type: ignore[no-untyped-def]
    """A kiosk started on the demo rig in `d` (a second boot on the same `d` is a restart)."""
    app = QApplication.instance()
    assert app is not None
    setup_app(app)  # type: ignore[arg-type]
    rig = DemoRig(d)
    io_on_gui: list[str] = []
    guard_io(rig, io_on_gui)
    ks = rig.service()
    win = KioskWindow(ks, Speaker("mock"))
    win.setFixedSize(*PANEL)
    qtbot.addWidget(win)
    started: list[object] = []
    ks.started.connect(started.append)
    ks.start()
    win.show()
    wait_until(lambda: bool(started), what="acceptor opened and recovery run")
    return Kiosk(rig, ks, win, io_on_gui)


@pytest.fixture()
def kiosk(qtbot, tmp_path: Path) -> Iterator[Kiosk]:  # type: ignore[no-untyped-def]
    k = boot(qtbot, tmp_path / "kiosk")
    try:
        yield k
    finally:
        k.rig.close(k.ks)
