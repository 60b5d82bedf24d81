"""Tiered tariff pricing, exactly as shared/specs/pricing.md. Decimal only, no float."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from .errors import AmountError, TariffError
from .money import round_fen

MAX_PRICE_DECIMALS = 4


@dataclass(frozen=True)
class Tier:
    up_to_units: int | None  # upper bound on tier-year volume, 0.01 m3 units; None = no bound
    price: Decimal  # yuan per m3


@dataclass(frozen=True)
class Tariff:
    tariff_id: str
    version: int
    valid_from: date
    tier_year_start: tuple[int, int]  # (month, day)
    tiers: tuple[Tier, ...]

    def to_document(self) -> dict[str, Any]:
        return {
            "tariff_id": self.tariff_id,
            "version": self.version,
            "valid_from": self.valid_from.isoformat(),
            "tier_year_start": f"{self.tier_year_start[0]:02d}-{self.tier_year_start[1]:02d}",
            "tiers": [
                {
                    "up_to_m3": None if t.up_to_units is None else _units_to_m3_str(t.up_to_units),
                    "price": str(t.price),
                }
                for t in self.tiers
            ],
        }


def _units_to_m3_str(units: int) -> str:
    return f"{units // 100}.{units % 100:02d}"


# --- parsing ---------------------------------------------------------------------
def _decimal_field(value: object, field: str) -> Decimal:
    if not isinstance(value, str):
        raise TariffError(f"{field}: must be a string holding a decimal number", field=field)
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise TariffError(f"{field}: {value!r} is not a decimal number", field=field) from None
    if not d.is_finite():
        raise TariffError(f"{field}: {value!r} is not a finite number", field=field)
    return d


def parse_tariff(doc: object) -> Tariff:
    """Validate a tariff document; refuse it whole with a message naming the field."""
    if not isinstance(doc, dict):
        raise TariffError("tariff: the document must be a JSON object", field="tariff")
    for key in ("tariff_id", "version", "valid_from", "tier_year_start", "tiers"):
        if key not in doc:
            raise TariffError(f"{key}: missing", field=key)
    tariff_id = doc["tariff_id"]
    if not isinstance(tariff_id, str) or not tariff_id.strip():
        raise TariffError("tariff_id: must be a non-empty string", field="tariff_id")
    version = doc["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TariffError("version: must be a whole number >= 1", field="version")
    try:
        valid_from = date.fromisoformat(str(doc["valid_from"]))
    except ValueError:
        raise TariffError("valid_from: must be a date YYYY-MM-DD", field="valid_from") from None
    if not isinstance(doc["valid_from"], str) or len(doc["valid_from"]) != 10:
        raise TariffError("valid_from: must be a date YYYY-MM-DD", field="valid_from")
    tys = doc["tier_year_start"]
    try:
        if not isinstance(tys, str) or len(tys) != 5 or tys[2] != "-":
            raise ValueError
        month, day = int(tys[:2]), int(tys[3:])
        date(2001, month, day)  # a non-leap year: 02-29 is refused (not every year has it)
    except ValueError:
        raise TariffError(
            "tier_year_start: must be MM-DD of a day every year has", field="tier_year_start"
        ) from None
    tiers_doc = doc["tiers"]
    if not isinstance(tiers_doc, list) or not tiers_doc:
        raise TariffError("tiers: must be a non-empty list", field="tiers")
    tiers: list[Tier] = []
    prev: int = 0
    for i, t in enumerate(tiers_doc):
        where = f"tiers[{i}]"
        if not isinstance(t, dict) or set(t) != {"up_to_m3", "price"}:
            raise TariffError(f"{where}: must have exactly up_to_m3 and price", field=where)
        price = _decimal_field(t["price"], f"{where}.price")
        exp = price.as_tuple().exponent
        if price <= 0 or (isinstance(exp, int) and exp < -MAX_PRICE_DECIMALS):
            raise TariffError(
                f"{where}.price: must be > 0 with at most {MAX_PRICE_DECIMALS} decimals",
                field=f"{where}.price",
            )
        last = i == len(tiers_doc) - 1
        bound = t["up_to_m3"]
        if bound is None:
            if not last:
                raise TariffError(
                    f"{where}.up_to_m3: null is allowed only on the last tier",
                    field=f"{where}.up_to_m3",
                )
            tiers.append(Tier(None, price))
            continue
        if last:
            raise TariffError(
                f"{where}.up_to_m3: the last tier must be null (no upper bound)",
                field=f"{where}.up_to_m3",
            )
        m3 = _decimal_field(bound, f"{where}.up_to_m3")
        units = m3 * 100
        if units != units.to_integral_value():
            raise TariffError(
                f"{where}.up_to_m3: must be a multiple of 0.01 m3", field=f"{where}.up_to_m3"
            )
        if int(units) <= prev:
            raise TariffError(
                f"{where}.up_to_m3: bounds must be strictly increasing and > 0",
                field=f"{where}.up_to_m3",
            )
        prev = int(units)
        tiers.append(Tier(prev, price))
    return Tariff(tariff_id, version, valid_from, (month, day), tuple(tiers))


def load_tariff_file(path: str) -> Tariff:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f, parse_float=Decimal)
    except FileNotFoundError:
        raise TariffError(f"tariff file not found: {path}", field="file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TariffError(f"tariff file is not valid JSON: {exc}", field="file") from None
    return parse_tariff(doc)


# --- pricing ---------------------------------------------------------------------
@dataclass(frozen=True)
class TierPiece:
    tier: int  # 1-based
    volume_units: int
    price: Decimal
    cost_exact: Decimal  # yuan, unrounded


@dataclass(frozen=True)
class Quote:
    tariff_id: str
    tariff_version: int
    used_before_units: int
    volume_units: int
    cost_fen: int
    paid_fen: int
    pieces: tuple[TierPiece, ...]

    @property
    def remainder_fen(self) -> int:
        return self.paid_fen - self.cost_fen

    def piece_costs_fen(self) -> list[int]:
        """Per-tier costs in fen that add up to cost_fen (largest-remainder rounding), for
        display. The charged total is always the once-rounded exact sum."""
        floors = [int((p.cost_exact * 100).to_integral_value(ROUND_FLOOR)) for p in self.pieces]
        short = self.cost_fen - sum(floors)
        order = sorted(
            range(len(self.pieces)),
            key=lambda i: (self.pieces[i].cost_exact * 100 - floors[i]),
            reverse=True,
        )
        for i in order[: max(short, 0)]:
            floors[i] += 1
        return floors

    def to_json(self) -> dict[str, Any]:
        return {
            "tariff_id": self.tariff_id,
            "tariff_version": self.tariff_version,
            "used_before": self.used_before_units,
            "volume": self.volume_units,
            "cost_fen": self.cost_fen,
            "paid_fen": self.paid_fen,
            "remainder_fen": self.remainder_fen,
            "tiers": [
                {
                    "tier": p.tier,
                    "volume": p.volume_units,
                    "price": str(p.price),
                    "cost_exact_yuan": str(p.cost_exact),
                    "cost_fen": c,
                }
                for p, c in zip(self.pieces, self.piece_costs_fen())
            ],
        }


def split(tariff: Tariff, used_units: int, volume_units: int) -> tuple[TierPiece, ...]:
    """Split [used, used+volume) at the tier bounds."""
    if used_units < 0 or volume_units < 0:
        raise AmountError("volumes must not be negative")
    pieces: list[TierPiece] = []
    lo_bound = 0
    start, end = used_units, used_units + volume_units
    for i, tier in enumerate(tariff.tiers):
        hi_bound = tier.up_to_units
        a = max(start, lo_bound)
        b = end if hi_bound is None else min(end, hi_bound)
        if b > a:
            units = b - a
            pieces.append(TierPiece(i + 1, units, tier.price, Decimal(units) / 100 * tier.price))
        if hi_bound is None or end <= hi_bound:
            break
        lo_bound = hi_bound
    return tuple(pieces)


def cost_fen(tariff: Tariff, used_units: int, volume_units: int) -> int:
    pieces = split(tariff, used_units, volume_units)
    return round_fen(sum((p.cost_exact for p in pieces), Decimal(0)))


def quote_volume(tariff: Tariff, used_units: int, volume_units: int) -> Quote:
    """Buying by volume: charges cost(v) exactly."""
    pieces = split(tariff, used_units, volume_units)
    cost = round_fen(sum((p.cost_exact for p in pieces), Decimal(0)))
    return Quote(tariff.tariff_id, tariff.version, used_units, volume_units, cost, cost, pieces)


def quote_amount(tariff: Tariff, used_units: int, amount_fen: int) -> Quote:
    """Buying by amount: the largest volume whose cost is not above the amount; the
    remainder is kept as account credit."""
    if amount_fen < 0:
        raise AmountError("amount must not be negative")
    pmin = min(t.price for t in tariff.tiers)
    # cost_fen(v) >= v*pmin - 0.5, so hi costs more than amount_fen.
    hi = int((Decimal(amount_fen + 1) / pmin).to_integral_value(ROUND_FLOOR)) + 1
    lo = 0  # cost(lo) <= amount always holds; cost(hi) > amount
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if cost_fen(tariff, used_units, mid) <= amount_fen:
            lo = mid
        else:
            hi = mid
    q = quote_volume(tariff, used_units, lo)
    return Quote(q.tariff_id, q.tariff_version, used_units, lo, q.cost_fen, amount_fen, q.pieces)


# --- tier year and versions ------------------------------------------------------------
def tier_year_start_for(tariff: Tariff, day: date) -> date:
    """The start of the tier year that `day` falls in."""
    month, dom = tariff.tier_year_start
    this_year = date(day.year, month, dom)
    return this_year if this_year <= day else date(day.year - 1, month, dom)


def tier_year_usage(
    tariff: Tariff, day: date, card_start: date | None, card_units: int
) -> tuple[date, int]:
    """What counts as already bought this tier year: the card's count when it counts from
    the current tier-year start, else zero from the new start (rollover)."""
    start = tier_year_start_for(tariff, day)
    if card_start is not None and card_start >= start:
        return card_start, card_units
    return start, 0


def select_tariff(tariffs: Iterable[Tariff], day: date, tariff_id: str | None = None) -> Tariff:
    """The highest version in force on `day` among the tariffs the kiosk has."""
    candidates: Sequence[Tariff] = [
        t for t in tariffs if t.valid_from <= day and (tariff_id is None or t.tariff_id == tariff_id)
    ]
    if not candidates:
        raise TariffError(f"no tariff in force on {day.isoformat()}", field="valid_from")
    return max(candidates, key=lambda t: (t.version, t.valid_from))


@dataclass(frozen=True)
class AmountLimits:
    min_fen: int = 100
    max_fen: int = 200_000
    offline_per_card_day_fen: int = 50_000
    offline_per_kiosk_fen: int = 2_000_000

    def check(self, amount_fen: int) -> None:
        if amount_fen < self.min_fen:
            raise AmountError(f"amount below the minimum of {self.min_fen} fen", limit=self.min_fen)
        if amount_fen > self.max_fen:
            raise AmountError(f"amount above the maximum of {self.max_fen} fen", limit=self.max_fen)
