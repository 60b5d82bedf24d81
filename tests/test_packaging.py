"""The systemd units in packaging/systemd start what the project really has: every flag
their ExecStart passes is one the program accepts, and the paths agree with the README."""
from __future__ import annotations

import configparser
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "packaging" / "systemd"


def exec_start(unit: str) -> list[str]:
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read(UNITS / unit)
    return shlex.split(cp["Service"]["ExecStart"])


def flags(argv: list[str]) -> list[str]:
    return [a for a in argv if a.startswith("--")]


def test_the_kiosk_unit_runs_main_with_the_site_configuration() -> None:
    argv = exec_start("gas-kiosk.service")
    i = argv.index("--")  # cage -s -- PROGRAM...
    prog = argv[i + 1:]
    assert prog[1].endswith("/main.py") and prog[2:] == ["--config", "/etc/gas-kiosk/kiosk.toml"]
    # main.py takes exactly that: a missing file is a clear refusal, not a traceback
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "--config", "/nonexistent/kiosk.toml"],
                       capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 2 and "cannot start" in r.stderr and "Traceback" not in r.stderr


def test_the_server_unit_passes_only_flags_the_server_knows() -> None:
    argv = exec_start("gas-kiosk-sync-server.service")
    assert argv[1:3] == ["-m", "sync.server"]
    help_text = subprocess.run([sys.executable, "-m", "sync.server", "--help"], cwd=ROOT,
                               capture_output=True, text=True, timeout=60, check=True).stdout
    for f in flags(argv):
        assert f in help_text, f
