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
    except harness.PcscdMissing as exc:
        pytest.fail(str(exc))
    harness.reset(emulator)
    yield emulator
    harness.reset(emulator)


@pytest.fixture
def readers(emu: CardEmulator) -> CardReaders:
    return harness.shared()[1]
