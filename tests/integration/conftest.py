"""Fixtures of the integration tests: the cash and printer simulators on ephemeral ports."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from devices.sim.cash_sim import CashSimulator
from devices.sim.printer_sim import PrinterSim


@pytest.fixture()
def sims() -> Iterator[tuple[CashSimulator, PrinterSim]]:
    cash = CashSimulator()
    cash.start()
    printer = PrinterSim().start()
    yield cash, printer
    printer.stop()
    cash.stop()
