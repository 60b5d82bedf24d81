"""Languages through Qt Linguist: source strings are English, resources/translations/
kiosk_zh_CN.ts carries the Chinese (the default), `make translations` builds the .qm.
Switching installs or removes the translator and every screen re-renders."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

logger = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).resolve().parent.parent / "resources" / "translations"
LANGS = ("zh_CN", "en")
DEFAULT = "zh_CN"


def tr(text: str) -> str:
    """Marks and translates a UI string (pyside6-lupdate extracts every `tr("...")`)."""
    return QCoreApplication.translate("", text)


def qm_path(lang: str) -> Path:
    return TRANSLATIONS / f"kiosk_{lang}.qm"


_installed: list[QTranslator] = []  # one application, one kiosk translator at a time


class Languages:
    def __init__(self) -> None:
        self.current = "en"

    def set(self, lang: str) -> None:
        if lang not in LANGS:
            raise ValueError(lang)
        app = QCoreApplication.instance()
        assert app is not None
        while _installed:
            app.removeTranslator(_installed.pop())
        if lang != "en":
            t = QTranslator(app)
            path = qm_path(lang)
            if not t.load(str(path)):
                raise FileNotFoundError(f"{path} missing: run `make translations`")
            app.installTranslator(t)
            _installed.append(t)
        self.current = lang
        logger.info("language %s", lang)


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def m3(units: int) -> str:
    return f"{units // 100}.{units % 100:02d}"
