"""Emulator tests run through the real pcscd and vpcd (packaging/test-services/pcscd.sh)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from devices.card.readers import CardReaders
from devices.sim import harness
from devices.sim.emulator import CardEmulator


@pytest.fixture
def emu() -> Iterator[CardEmulator]:
    try:
        emulator, _readers = harness.shared()
    except (harness.PcscdMissing, TimeoutError, ConnectionError) as exc:
        pytest.fail(str(exc))
    harness.reset(emulator)
    yield emulator
    harness.reset(emulator)


@pytest.fixture
def readers(emu: CardEmulator) -> CardReaders:
    return harness.shared()[1]


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Give the virtual reader back as soon as the next test is elsewhere: another test run
    (or the other card test directory) may be waiting for it."""
    if nextitem is None or nextitem.path.parent != item.path.parent:
        harness.release_shared()
