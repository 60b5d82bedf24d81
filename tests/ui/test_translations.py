"""Every `tr("...")` of the UI has its Chinese in the .ts file in git: lupdate, run on a copy,
finds no new or unfinished string."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_ui_string_is_translated(tmp_path: Path) -> None:
    ts = tmp_path / "kiosk_zh_CN.ts"
    shutil.copy(ROOT / "resources" / "translations" / "kiosk_zh_CN.ts", ts)
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    sources = sorted(str(p) for p in [*ROOT.glob("ui/*.py"), *ROOT.glob("ui/screens/*.py")])
    r = subprocess.run([str(lupdate), "-no-obsolete", *sources, "-ts", str(ts)], capture_output=True, text=True,
                       check=True)
    assert " 0 new " in r.stdout + r.stderr or "(0 new" in r.stdout + r.stderr, r.stdout + r.stderr
    assert 'type="unfinished"' not in ts.read_text(), "untranslated UI strings: run lupdate and translate them"
