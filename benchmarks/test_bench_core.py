"""Speed targets of the core (make bench). Not run by make test."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from kiosk.journal import Journal, append
from kiosk.pricing import parse_tariff, quote_amount
from tests.kiosk.world import TARIFF

T = parse_tariff(TARIFF)


def test_quote_amount_speed(benchmark) -> None:  # type: ignore[no-untyped-def]
    q = benchmark(quote_amount, T, 34900, 200000)
    assert q.cost_fen <= 200000
    assert benchmark.stats["mean"] < 0.005  # 5 ms per quote on the kiosk PC


def test_journal_commit_rate(benchmark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    with Journal(tmp_path / "j.db", "B1") as j:
        benchmark(lambda: j.call(lambda s: append(s, "B1", "t", "bench", {"x": 1}, now)))
    # synchronous=FULL: every commit is an fsync; a purchase makes ~15 commits
    assert benchmark.stats["mean"] < 0.05
