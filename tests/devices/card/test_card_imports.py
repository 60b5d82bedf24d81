"""pyscard is imported in exactly one module: devices/card/pcsc.py."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _imports_smartcard(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "smartcard" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "smartcard":
            return True
    return False


def test_only_the_transport_imports_pyscard() -> None:
    found = set()
    for top in ("kiosk", "devices", "sync", "ui"):
        for path in (ROOT / top).rglob("*.py"):
            if _imports_smartcard(path):
                found.add(path.relative_to(ROOT).as_posix())
    if (ROOT / "main.py").exists() and _imports_smartcard(ROOT / "main.py"):
        found.add("main.py")
    assert found == {"devices/card/pcsc.py"}
