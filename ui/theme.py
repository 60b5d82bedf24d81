"""Colours, sizes and the one style sheet. Every text/background pair is listed in PAIRS and
has a contrast ratio of at least 7:1 (WCAG AAA); tests check it. (White on WeChat green
#07c160 is only 2.4:1, so the QR button uses a dark green.)"""
from __future__ import annotations

from dataclasses import dataclass

# role -> (text, background)
PAIRS: dict[str, tuple[str, str]] = {
    "body": ("#1a1a1a", "#ffffff"),
    "muted": ("#333333", "#ffffff"),
    "header": ("#ffffff", "#0b3d6e"),
    "primary": ("#ffffff", "#0b4f8a"),
    "go": ("#ffffff", "#145a32"),
    "danger": ("#ffffff", "#9b0000"),
    "secondary": ("#1a1a1a", "#e3e9f0"),
    "selected": ("#ffffff", "#1a1a1a"),
    "warn": ("#1a1a1a", "#fff0b8"),
    "error": ("#5c0000", "#ffffff"),
    "staff": ("#1a1a1a", "#ffd24d"),
    "disabled": ("#333333", "#dcdcdc"),
    "panel": ("#1a1a1a", "#f2f5f8"),
}


def _lin(c: float) -> float:
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * _lin(r) + 0.7152 * _lin(g) + 0.0722 * _lin(b)


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@dataclass(frozen=True)
class Sizes:
    body: int
    title: int
    big: int
    button: int  # minimum target height
    keypad: int
    big_target: int = 240
    tech: int = 26


NORMAL = Sizes(body=34, title=48, big=60, button=96, keypad=88, big_target=240)
ELDER = Sizes(body=44, title=56, big=68, button=116, keypad=108, big_target=300)


def style_sheet(s: Sizes) -> str:
    """One sheet for the whole window; widgets pick a role with setProperty('role', ...)."""
    rules = [
        f"QWidget {{ font-size: {s.body}px; color: {PAIRS['body'][0]}; }}",
        f"QWidget#kiosk, QStackedWidget, QWidget[screen='true'] {{ background: {PAIRS['body'][1]}; }}",
        f"QLabel[role='title'] {{ font-size: {s.title}px; font-weight: bold; }}",
        f"QLabel[role='big'] {{ font-size: {s.big}px; font-weight: bold; }}",
        f"QLabel[role='muted'] {{ color: {PAIRS['muted'][0]}; }}",
        f"QLabel[role='error'] {{ color: {PAIRS['error'][0]}; font-weight: bold; }}",
        (f"QLabel[role='warn'] {{ color: {PAIRS['warn'][0]}; background: {PAIRS['warn'][1]};"
         " padding: 16px; border-radius: 12px; }"),
        (f"QLabel[role='alert'] {{ color: {PAIRS['danger'][0]}; background: {PAIRS['danger'][1]};"
         " padding: 16px; border-radius: 12px; font-weight: bold; }"),
        # the technician's dense service screen (not a resident's screen): smaller, same contrast
        (f"QLabel[role='tech'] {{ font-size: {s.tech}px; color: {PAIRS['panel'][0]};"
         f" background: {PAIRS['panel'][1]}; padding: 12px; }}"),
        (f"QLabel[role='panel'], QFrame[role='panel'] {{ color: {PAIRS['panel'][0]};"
         f" background: {PAIRS['panel'][1]}; padding: 16px; border-radius: 12px; }}"),
        f"QWidget#header {{ background: {PAIRS['header'][1]}; }}",
        f"QWidget#header QLabel {{ color: {PAIRS['header'][0]}; background: {PAIRS['header'][1]}; }}",
        (f"QPushButton {{ min-height: {s.button}px; min-width: 120px; border-radius: 16px;"
         f" padding: 8px 20px; color: {PAIRS['secondary'][0]}; background: {PAIRS['secondary'][1]};"
         " border: 3px solid #1a1a1a; }"),
        f"QPushButton[role='key'] {{ min-height: {s.keypad}px; font-size: {s.big}px; }}",
    ]
    for role in ("primary", "go", "danger", "staff", "selected", "header"):
        fg, bg = PAIRS[role]
        rules.append(f"QPushButton[role='{role}'] {{ color: {fg}; background: {bg}; }}")
    # the one big touch target of the start screen and of the idle warning (the sheet's
    # min-height would override setMinimumHeight, so they are sized here)
    rules.append(f"QPushButton#start, QPushButton#more_time {{ min-height: {s.big_target}px;"
                 f" font-size: {s.title}px; font-weight: bold; }}")
    rules.append("QPushButton[role='header'] { border: 3px solid #ffffff; padding: 4px 4px; min-width: 80px; }")
    fg, bg = PAIRS["disabled"]
    rules.append(f"QPushButton:disabled {{ color: {fg}; background: {bg}; }}")
    rules.append(f"QProgressBar {{ min-height: 60px; font-size: {s.body}px; color: {PAIRS['body'][0]};"
                 f" background: {PAIRS['secondary'][1]}; border: 2px solid #1a1a1a; border-radius: 10px;"
                 " text-align: center; }")
    rules.append(f"QProgressBar::chunk {{ background: {PAIRS['primary'][1]}; }}")
    rules.append(f"QLineEdit, QTextEdit {{ min-height: {s.button}px; font-size: {s.body}px;"
                 f" color: {PAIRS['body'][0]}; background: {PAIRS['body'][1]}; border: 3px solid #1a1a1a; }}")
    return "\n".join(rules)
