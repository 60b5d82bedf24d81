"""The kiosk window on the demo rig (real journal, ccTalk and ESC/POS simulators through the
real drivers, file-backed card fakes, the sync download cache), with Qt's mock speech engine."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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


@pytest.fixture()
def kiosk(qtbot, tmp_path: Path) -> Iterator[Kiosk]:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    assert app is not None
    setup_app(app)  # type: ignore[arg-type]
    rig = DemoRig(tmp_path / "kiosk")
    ks = rig.service()
    win = KioskWindow(ks, Speaker("mock"))
    win.setFixedSize(*PANEL)
    qtbot.addWidget(win)
    ks.start()
    win.show()
    wait_until(lambda: rig.acceptor is not None, what="acceptor opened and recovery run")
    try:
        yield Kiosk(rig, ks, win)
    finally:
        rig.close(ks)
