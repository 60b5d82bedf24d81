"""Imports point inward: kiosk/ imports no vendor or UI library."""
from __future__ import annotations

import pkgutil
import subprocess
import sys

import kiosk

FORBIDDEN = ("PySide6", "smartcard", "escpos", "serial", "fastapi", "devices", "ui", "sync")


def test_kiosk_imports_no_device_or_ui_library() -> None:
    mods = [m.name for m in pkgutil.walk_packages(kiosk.__path__, "kiosk.")
            if ".migrations" not in m.name]
    assert "kiosk.purchase.service" in mods and "kiosk.cli" in mods
    code = (
        "import sys, importlib\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"kiosk/ pulled in: {out.stdout.strip()}"
