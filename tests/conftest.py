"""Suite-wide settings. Tests that use the virtual card reader share one vpcd slot pair, so
under pytest-xdist they all run on one worker (the `pcsc` group); the rest spread out."""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PCSC_DIRS = ("tests/devices/card/", "tests/devices/sim/")
PCSC_FIXTURES = {"emu", "readers", "card_env"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook turns the group into the node id
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = str(config.rootpath) + "/"
    for item in items:
        rel = str(item.path).removeprefix(root)
        uses = set(getattr(item, "fixturenames", ()))
        if rel.startswith(PCSC_DIRS) or uses & PCSC_FIXTURES or "pcsc" in rel:
            item.add_marker(pytest.mark.xdist_group("pcsc"))


@pytest.fixture(autouse=True)
def _grouped(request: pytest.FixtureRequest) -> None:
    """Under `--dist loadgroup` pytest-xdist carries the group in the node id ("...@pcsc").
    pytest 9.2 ignores the id it writes (pytest-xdist issue #1386), and the card tests then
    run on both workers at once, each waiting for the other's emulator to let go of the
    virtual reader: each such test fails with the reason."""
    node = request.node
    if getattr(request.config.option, "loadgroup", False) and node.get_closest_marker("xdist_group") \
            and "@" not in node.nodeid:
        pytest.fail("pytest-xdist did not keep this card test in its group (the card tests would share the "
                    "virtual reader across workers): this pytest and pytest-xdist do not work together, "
                    "see pytest-xdist issue #1386 (pyproject.toml pins both)")


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    """A test that switched the UI to Chinese leaves no translator installed behind it: the
    next test on the worker (UI or not) finds the source language, English."""
    yield
    i18n = sys.modules.get("ui.i18n")
    if i18n is not None and i18n._installed:  # installed, so the application exists
        i18n.Languages().set("en")


@pytest.fixture
def card_env() -> Iterator[tuple[Any, Any]]:
    """The process's card emulator (SAM in slot 1) and card readers through the real pcscd;
    fails (never skips) without pcscd and vpcd. Gives the virtual reader back afterwards:
    another test process may be waiting for it."""
    from devices.sim import harness

    try:
        emu, readers = harness.shared()
    except (harness.PcscdMissing, TimeoutError, ConnectionError) as exc:
        pytest.fail(f"this test needs pcscd with the vpcd virtual reader: {exc}")
    harness.reset(emu)
    _wait_for_sam(readers)
    yield emu, readers
    harness.reset(emu)
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
