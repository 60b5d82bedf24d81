"""The typed core and the lint rules hold for the whole tree (mypy --strict per pyproject)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_mypy_strict_on_kiosk_devices_sync() -> None:
    r = subprocess.run([sys.executable, "-m", "mypy", "kiosk", "devices", "sync"], cwd=ROOT,
                       capture_output=True, text=True, timeout=600, check=False)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_ruff() -> None:
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "kiosk", "devices", "sync", "ui",
                        "tests", "main.py", "benchmarks"], cwd=ROOT, capture_output=True,
                       text=True, timeout=300, check=False)
    assert r.returncode == 0, r.stdout[-4000:]
