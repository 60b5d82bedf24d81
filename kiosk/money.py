"""Money and volume units. Money is integer fen, volume integer 0.01 m3 units."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import NewType

Fen = NewType("Fen", int)
Units = NewType("Units", int)  # 0.01 m3

UNITS_PER_M3 = 100
FEN_PER_YUAN = 100


def yuan_str(fen: int) -> str:
    """12345 -> '123.45' (exact, no float)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def m3_str(units: int) -> str:
    """12345 -> '123.45' m3 (exact, no float)."""
    return yuan_str(units)


def m3_to_units(m3: Decimal) -> int:
    """Exact conversion; raises ValueError if not a multiple of 0.01 m3."""
    u = m3 * UNITS_PER_M3
    if u != u.to_integral_value():
        raise ValueError(f"{m3} m3 is not a multiple of 0.01 m3")
    return int(u)


def round_fen(yuan: Decimal) -> int:
    """Round a yuan amount once, half-up, to whole fen."""
    return int((yuan * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))
