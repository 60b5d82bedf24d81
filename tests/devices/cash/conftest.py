"""Fixtures: a real simulator on an ephemeral TCP port, reached through pyserial socket://."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from devices.cash.acceptor import BillAcceptor
from devices.sim.cash_sim import CashSimulator

OpenAcceptor = Callable[[str], BillAcceptor]


@pytest.fixture
def sim() -> Iterator[CashSimulator]:
    with CashSimulator() as s:
        yield s


@pytest.fixture
def open_acceptor() -> Iterator[OpenAcceptor]:
    """Opens acceptors with short timeouts; closes them after the test."""
    opened: list[BillAcceptor] = []

    def _open(url: str) -> BillAcceptor:
        a = BillAcceptor.open(url, timeout=0.1, poll_interval=0.005, stack_timeout=1.0)
        opened.append(a)
        return a

    yield _open
    for a in opened:
        # pyserial's socket:// close() sleeps 0.3 s; do it off the test's clock.
        threading.Thread(target=a.close, daemon=True).start()


@pytest.fixture
def acc(sim: CashSimulator, open_acceptor: OpenAcceptor) -> BillAcceptor:
    return open_acceptor(sim.url)
