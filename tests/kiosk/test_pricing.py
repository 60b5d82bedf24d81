"""Pricing exactly as shared/specs/pricing.md, with property tests."""
from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.errors import AmountError, TariffError
from kiosk.pricing import (
    AmountLimits,
    cost_fen,
    parse_tariff,
    quote_amount,
    quote_volume,
    select_tariff,
    split,
    tier_year_start_for,
    tier_year_usage,
)

from .world import TARIFF

T = parse_tariff(TARIFF)


def test_example_tiers_from_the_spec() -> None:
    # 0-350 m3 at 2.61, 350-500 at 2.83, above 500 at 4.23
    assert cost_fen(T, 0, 35000) == 91350
    assert cost_fen(T, 35000, 15000) == 42450
    assert cost_fen(T, 50000, 100) == 423
    # 349 -> 351 m3: 1 m3 at 2.61 + 1 m3 at 2.83
    q = quote_volume(T, 34900, 200)
    assert [(p.tier, p.volume_units) for p in q.pieces] == [(1, 100), (2, 100)]
    assert q.cost_fen == 261 + 283


def test_round_once_half_up_on_the_sum() -> None:
    t = parse_tariff({**TARIFF, "tiers": [{"up_to_m3": "1", "price": "0.005"},
                                          {"up_to_m3": None, "price": "0.0050"}]})
    # 1 m3 at 0.005 = 0.005 yuan = 0.5 fen per tier: rounded per piece this would be 1+1 = 2 fen;
    # the spec adds exactly first: 0.01 yuan = 1 fen.
    assert cost_fen(t, 0, 200) == 1
    assert cost_fen(t, 0, 100) == 1  # 0.5 fen rounds half-up to 1


def test_buy_by_amount_largest_volume_and_remainder() -> None:
    q = quote_amount(T, 0, 10000)  # 100 yuan at 2.61: 38.31 m3 costs 99.99
    assert q.volume_units == 3831 and q.cost_fen == 9999 and q.remainder_fen == 1
    assert cost_fen(T, 0, 3832) > 10000


def test_piece_costs_add_up_to_the_total() -> None:
    q = quote_amount(T, 34900, 100000)
    assert sum(q.piece_costs_fen()) == q.cost_fen


@settings(max_examples=300, deadline=None)
@given(used=st.integers(0, 80000), amount=st.integers(0, 300000))
def test_amount_property(used: int, amount: int) -> None:
    q = quote_amount(T, used, amount)
    assert q.cost_fen <= amount
    assert cost_fen(T, used, q.volume_units + 1) > amount  # largest such volume
    assert q.remainder_fen == amount - q.cost_fen >= 0
    assert sum(q.piece_costs_fen()) == q.cost_fen


@settings(max_examples=300, deadline=None)
@given(used=st.integers(0, 80000), a=st.integers(0, 60000), b=st.integers(0, 60000))
def test_cost_is_monotone_and_splits_cover_the_range(used: int, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert cost_fen(T, used, lo) <= cost_fen(T, used, hi)
    pieces = split(T, used, hi)
    assert sum(p.volume_units for p in pieces) == hi
    exact = sum((Decimal(p.volume_units) / 100 * p.price for p in pieces), Decimal(0))
    assert abs(exact * 100 - cost_fen(T, used, hi)) <= Decimal("0.5")


@settings(max_examples=200, deadline=None)
@given(used=st.integers(0, 80000), v1=st.integers(0, 30000), v2=st.integers(0, 30000))
def test_buying_in_two_steps_costs_the_same_exact_amount(used: int, v1: int, v2: int) -> None:
    whole = sum((p.cost_exact for p in split(T, used, v1 + v2)), Decimal(0))
    parts = sum((p.cost_exact for p in split(T, used, v1) + split(T, used + v1, v2)), Decimal(0))
    assert whole == parts


def test_tier_year_rollover() -> None:
    t = parse_tariff({**TARIFF, "tier_year_start": "07-01"})
    assert tier_year_start_for(t, date(2026, 6, 30)) == date(2025, 7, 1)
    assert tier_year_start_for(t, date(2026, 7, 1)) == date(2026, 7, 1)
    # the card counts from 2025-07-01; on 2026-07-02 the year restarted: counts from zero
    assert tier_year_usage(t, date(2026, 7, 2), date(2025, 7, 1), 40000) == (date(2026, 7, 1), 0)
    assert tier_year_usage(t, date(2026, 6, 2), date(2025, 7, 1), 40000) == (date(2025, 7, 1), 40000)


def test_tariff_versions_in_force() -> None:
    v3 = T
    v4 = parse_tariff({**TARIFF, "version": 4, "valid_from": "2027-01-01"})
    assert select_tariff([v3, v4], date(2026, 12, 31)).version == 3
    assert select_tariff([v3, v4], date(2027, 1, 1)).version == 4
    with pytest.raises(TariffError):
        select_tariff([v4], date(2026, 1, 1))
    other = parse_tariff({**TARIFF, "tariff_id": "commercial", "version": 9})
    assert select_tariff([v3, v4, other], date(2027, 1, 1), "residential").version == 4


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.pop("tiers"), "tiers"),
    (lambda d: d.__setitem__("version", "3"), "version"),
    (lambda d: d.__setitem__("valid_from", "2026-13-01"), "valid_from"),
    (lambda d: d.__setitem__("tier_year_start", "02-29"), "tier_year_start"),
    (lambda d: d["tiers"][0].__setitem__("price", 2.61), "tiers[0].price"),
    (lambda d: d["tiers"][0].__setitem__("price", "2.61005"), "tiers[0].price"),
    (lambda d: d["tiers"][0].__setitem__("price", "-1"), "tiers[0].price"),
    (lambda d: d["tiers"][1].__setitem__("up_to_m3", "300"), "tiers[1].up_to_m3"),
    (lambda d: d["tiers"][0].__setitem__("up_to_m3", "350.001"), "tiers[0].up_to_m3"),
    (lambda d: d["tiers"][0].__setitem__("up_to_m3", None), "tiers[0].up_to_m3"),
    (lambda d: d["tiers"][2].__setitem__("up_to_m3", "900"), "tiers[2].up_to_m3"),
    (lambda d: d["tiers"][1].__setitem__("extra", 1), "tiers[1]"),
])
def test_malformed_tariff_refused_naming_the_field(mutate, field) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(TARIFF)
    mutate(doc)
    with pytest.raises(TariffError) as e:
        parse_tariff(doc)
    assert e.value.data["field"] == field
    assert field in str(e.value)


def test_amount_limits() -> None:
    lim = AmountLimits()
    lim.check(100)
    lim.check(200000)
    for bad in (99, 200001):
        with pytest.raises(AmountError):
            lim.check(bad)
