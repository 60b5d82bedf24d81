"""Suite-wide settings. Tests that use the virtual card reader share one vpcd slot pair, so
under pytest-xdist they all run on one worker (the `pcsc` group); the rest spread out."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PCSC_DIRS = ("tests/devices/card/", "tests/devices/sim/")
PCSC_FIXTURES = {"emu", "readers", "card_env"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = str(config.rootpath) + "/"
    for item in items:
        rel = str(item.path).removeprefix(root)
        uses = set(getattr(item, "fixturenames", ()))
        if rel.startswith(PCSC_DIRS) or uses & PCSC_FIXTURES or "pcsc" in rel:
            item.add_marker(pytest.mark.xdist_group("pcsc"))
