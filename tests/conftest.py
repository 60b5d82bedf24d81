"""Suite-wide settings. Tests that use the virtual card reader share one vpcd slot pair, so
under pytest-xdist they all run on one worker (the `pcsc` group); the rest spread out."""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

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


@pytest.fixture
def emu() -> Iterator[Any]:
    """The process's card emulator (SAM in slot 1) on the real pcscd, emptied before and
    after the test; fails (never skips) without pcscd and the vpcd virtual reader."""
    from devices.sim import harness

    try:
        emulator, _readers = harness.shared()
    except (harness.PcscdMissing, TimeoutError, ConnectionError) as exc:
        pytest.fail(f"this test needs pcscd with the vpcd virtual reader: {exc}")
    harness.reset(emulator)
    yield emulator
    harness.reset(emulator)


@pytest.fixture
def readers(emu: Any) -> Any:
    from devices.sim import harness

    return harness.shared()[1]


@pytest.fixture
def card_env(emu: Any, readers: Any) -> tuple[Any, Any]:
    """Both, once pcscd sees the SAM (as after the emulator was started afresh)."""
    _wait_for_sam(readers)
    return emu, readers


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Give the virtual reader back as soon as the next test is elsewhere: another test run,
    or a test starting the emulator as a subprocess, may be waiting for it."""
    if not set(getattr(item, "fixturenames", ())) & PCSC_FIXTURES:
        return
    if nextitem is None or nextitem.path.parent != item.path.parent:
        from devices.sim import harness

        harness.release_shared()


def _wait_for_sam(readers: Any, timeout_s: float = 10.0) -> None:
    """pcscd polls presence about every 400 ms: a freshly started emulator's SAM is not there
    at once."""
    import time

    _card, sam_reader = readers.names()
    end = time.monotonic() + timeout_s
    while sam_reader is None or not readers.status([sam_reader])[0].present:
        if time.monotonic() > end:
            pytest.fail("pcscd did not see the SAM in the virtual reader's slot 1")
        time.sleep(0.05)
        _card, sam_reader = readers.names()
