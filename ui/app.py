"""The kiosk application. In this first cut: the attract screen, wired to a started core
(journal opened and recovered before any money). The full resident flow comes with the UI
issue."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget

logger = logging.getLogger(__name__)

CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


def load_cjk_font() -> str:
    for path in CJK_FONT_FILES:
        if Path(path).exists():
            fid = QFontDatabase.addApplicationFont(path)
            fams = QFontDatabase.applicationFontFamilies(fid)
            for fam in fams:
                if "SC" in fam or "Micro Hei" in fam:
                    return fam
            if fams:
                return fams[0]
    raise RuntimeError("no CJK font installed (fonts-noto-cjk): Chinese would show as boxes")


class AttractScreen(QWidget):
    def __init__(self, status: str) -> None:
        super().__init__()
        self.setObjectName("attract")
        self.setStyleSheet("background:#ffffff; color:#1a1a1a;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 120, 60, 60)
        title = QLabel("欢迎使用自助燃气缴费机")
        title.setObjectName("title")
        title.setStyleSheet("font-size:64px; font-weight:bold;")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        prompt = QLabel("请插入燃气卡\nPlease insert your gas card")
        prompt.setObjectName("prompt")
        prompt.setStyleSheet("font-size:44px;")
        prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = QLabel(status)
        self.status.setObjectName("status")
        self.status.setStyleSheet("font-size:28px; color:#333333;")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        call = QPushButton("呼叫工作人员  Call staff")
        call.setObjectName("call_staff")
        call.setMinimumHeight(120)
        call.setStyleSheet("font-size:40px; background:#0b5394; color:#ffffff; border-radius:16px;")
        lay.addWidget(title)
        lay.addStretch(1)
        lay.addWidget(prompt)
        lay.addStretch(1)
        lay.addWidget(self.status)
        lay.addWidget(call)


def start_core(var_dir: Path) -> str:
    """Open the journal and run recovery before the UI accepts anything. Returns a status line."""
    from kiosk.journal import Journal
    from kiosk.journal.store import verify_chain

    var_dir.mkdir(parents=True, exist_ok=True)
    journal = Journal(var_dir / "journal.db", os.environ.get("KIOSK_ID", "DEMO01"))
    journal.open()
    try:
        report = journal.call(verify_chain)
    finally:
        journal.close()
    return f"日志 {report.rows} 条，校验通过 · journal ok ({report.rows} rows)"


def run_app(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="main.py")
    parser.add_argument("--demo", action="store_true", help="simulated devices")
    parser.add_argument("--var", default="var/demo", help="data directory")
    parser.add_argument("--screenshot", help="write a PNG of the first screen, then quit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    app = QApplication(sys.argv[:1])
    app.setFont(QFont(load_cjk_font(), 32))
    try:
        status = start_core(Path(args.var))
    except Exception as exc:  # noqa: BLE001 - shown, the kiosk is out of service
        status = f"暂停服务 Out of service: {exc}"
    screen = AttractScreen(status)
    screen.resize(1080, 1920)
    screen.show()
    if args.screenshot:
        def shoot() -> None:
            screen.grab().save(args.screenshot)
            app.quit()

        QTimer.singleShot(300, shoot)
    return app.exec()
