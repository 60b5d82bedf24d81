"""Every screen, in Chinese and English, each normal and 长辈版: font sizes, target sizes, contrast of the
theme's colour pairs, call staff present, a spoken prompt. The screens are walked through
the real flow (ui/walk.py, the same walk as `main.py --screenshot-all`)."""
from __future__ import annotations

import subprocess
import sys

from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QLabel, QPushButton

from ui.theme import PAIRS, contrast
from ui.walk import ALL_SCREENS, walk_all

BODY_ROLES = ("", "muted", "panel", "warn", "error")


def test_theme_pairs_have_7_to_1_contrast() -> None:
    assert contrast("#ffffff", "#07c160") < 2.5  # the trap the theme avoids
    for role, (fg, bg) in PAIRS.items():
        assert contrast(fg, bg) >= 7.0, (role, fg, bg, contrast(fg, bg))


def check_screen(win, name: str, elder: bool, problems: list[str]) -> None:  # type: ignore[no-untyped-def]
    def visible(w) -> bool:  # type: ignore[no-untyped-def]
        return w.isVisibleTo(win)

    lo = 40 if elder else 32
    for lab in win.findChildren(QLabel):
        if not visible(lab) or not lab.text():
            continue
        role = str(lab.property("role") or "")
        px = QFontInfo(lab.font()).pixelSize()
        if px < lo:
            problems.append(f"{name}: label {lab.objectName() or lab.text()[:20]!r} {px}px < {lo}")
        if elder and role in BODY_ROLES and not 40 <= px <= 48:
            problems.append(f"{name}: body label {lab.text()[:20]!r} {px}px not 40-48")
        if role not in PAIRS and role not in ("", "title", "big"):
            problems.append(f"{name}: label role {role!r} not in the theme")
    for b in win.findChildren(QPushButton):
        if not visible(b):
            continue
        px = QFontInfo(b.font()).pixelSize()
        if px < lo:
            problems.append(f"{name}: button {b.objectName()} {px}px < {lo}")
        if b.height() < 80 or b.width() < 80:
            problems.append(f"{name}: button {b.objectName()} {b.width()}x{b.height()} < 80")
        role = str(b.property("role") or "")
        if role not in PAIRS and role not in ("", "key"):
            problems.append(f"{name}: button role {role!r} not in the theme")
    call = win.findChild(QPushButton, "call_staff")
    own = win.current.offers_call_staff()  # the error screen's own button, or the staff screen
    if not (call and visible(call)) and not own:
        problems.append(f"{name}: no call staff button")
    if own and call and visible(call):
        problems.append(f"{name}: two call staff buttons")
    prompt = win.current.prompt()
    if not prompt:
        problems.append(f"{name}: no spoken prompt")
    elif (win.langs.current, prompt) not in win.speaker.spoken:
        problems.append(f"{name}: prompt not spoken")


def test_every_screen_in_both_languages_and_elder_mode(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    problems: list[str] = []
    for lang, elder in (("zh_CN", False), ("en", False), ("zh_CN", True), ("en", True)):
        def visit(name: str, lang: str = lang, elder: bool = elder) -> None:
            if win.langs.current != lang:
                win.set_lang(lang)
            if win.elder != elder:
                win.set_elder(elder)
            assert win.width() == 1080 and win.height() == 1920
            check_screen(win, name, elder, problems)

        seen = walk_all(win, rig, visit)
        assert sorted(seen) == sorted(ALL_SCREENS)
    assert problems == []


def test_screens_import_no_device_or_sync_module() -> None:
    code = ("import sys, importlib\n"
            "for m in ('ui.window', 'ui.kiosk_service', 'ui.session', 'ui.ops', 'ui.messages'): importlib.import_module(m)\n"
            "print(','.join(sorted(n for n in sys.modules if n.split('.')[0] in ('devices', 'sync'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
