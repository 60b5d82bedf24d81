"""Building blocks of the screens: the Screen base class (render in the current language,
a spoken prompt, clear personal data), labels and buttons with theme roles, the keypad."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .i18n import tr

if TYPE_CHECKING:
    from .window import KioskWindow


def label(text: str = "", role: str = "", name: str = "", wrap: bool = True,
          center: bool = False) -> QLabel:
    w = QLabel(text)
    if role:
        w.setProperty("role", role)
    if name:
        w.setObjectName(name)
    w.setWordWrap(wrap)
    if center:
        w.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return w


def button(text: str = "", role: str = "", name: str = "",
           on_click: Callable[[], None] | None = None) -> QPushButton:
    b = QPushButton(text)
    if role:
        b.setProperty("role", role)
    if name:
        b.setObjectName(name)
    b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if on_click is not None:
        b.clicked.connect(lambda _=False: on_click())
    return b


def row(*widgets: QWidget, spacing: int = 20) -> QHBoxLayout:
    lay = QHBoxLayout()
    lay.setSpacing(spacing)
    for w in widgets:
        lay.addWidget(w)
    return lay


class Screen(QWidget):
    """A page of the stack. Subclasses build widgets in __init__ and set every text in
    render() (called again on a language or 长辈版 switch)."""

    name = "screen"
    busy_ok = False  # True: the idle timeout does not apply on this screen

    def __init__(self, win: KioskWindow) -> None:
        super().__init__()
        self.win = win
        self.setObjectName(self.name)
        self.setProperty("screen", True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(40, 30, 40, 30)
        self.lay.setSpacing(16)

    def render(self) -> None:
        pass

    def prompt(self) -> str:
        return ""

    def offers_call_staff(self) -> bool:
        """True when the screen has its own call-staff button (the footer's is then hidden)."""
        return False

    def clear(self) -> None:
        """Forget personal data (timeout, end of visit)."""

    def entered(self) -> None:
        """Called when the screen is shown."""


class Keypad(QWidget):
    """Digits, clear and backspace; emits the text typed so far."""

    changed = Signal(str)

    def __init__(self, max_len: int = 6, leading_zero: bool = False) -> None:
        super().__init__()
        self.text = ""
        self.max_len = max_len
        self.leading_zero = leading_zero
        grid = QGridLayout(self)
        grid.setSpacing(10)
        grid.setContentsMargins(0, 0, 0, 0)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0", "<"]
        self.buttons: dict[str, QPushButton] = {}
        for i, k in enumerate(keys):
            b = button(k, "key", f"key_{k}", lambda k=k: self.press(k))
            self.buttons[k] = b
            grid.addWidget(b, i // 3, i % 3)

    def retranslate(self) -> None:
        self.buttons["C"].setText(tr("Clear"))
        self.buttons["<"].setText("⌫")

    def press(self, k: str) -> None:
        if k == "C":
            self.text = ""
        elif k == "<":
            self.text = self.text[:-1]
        elif len(self.text) < self.max_len and (self.leading_zero or not (k == "0" and self.text == "")):
            self.text += k
        self.changed.emit(self.text)

    def set_text(self, text: str) -> None:
        self.text = text
        self.changed.emit(text)
