"""The first screen, driven by pytest-qt with the real CJK font, on a started core."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QLabel, QPushButton

from ui.app import load_cjk_font, start_core


def test_attract_screen_with_cjk_font(kiosk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    family = load_cjk_font()  # fails (does not skip) without fonts-noto-cjk
    assert "CJK" in family or "Hei" in family
    status = start_core(tmp_path / "var")
    assert "journal ok (0 rows)" in status
    w = kiosk.win
    assert w.current.name == "attract"
    title = w.findChild(QLabel, "title")
    assert title is not None and title.text() == "欢迎使用自助燃气缴费机"
    call = w.findChild(QPushButton, "call_staff")
    assert call is not None and call.height() >= 80
    img = w.grab().toImage()
    assert img.width() == 1080 and img.height() == 1920
    assert QFontInfo(title.font()).pixelSize() >= 32
