"""Receipt content, built from a journal row. Pure data: the printer adapter lays it out."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class TierLine:
    tier: int  # 1-based
    volume_units: int
    price: str  # Decimal as string, yuan per m3
    cost_fen: int


@dataclass(frozen=True)
class Receipt:
    utility_name: str
    kiosk_id: str
    txn_id: str
    seq: int  # journal sequence number of the purchase
    time: datetime
    card_serial_masked: str
    customer_masked: str
    volume_units: int
    amount_paid_fen: int
    cost_fen: int
    remainder_fen: int  # kept as account credit
    tiers: tuple[TierLine, ...]
    payment_method: str  # "cash" | "qr" | "bank"
    tariff_version: int
    offline: bool  # sold while the server did not answer (the offline caps applied)
    verify_code: str  # carried in the QR; the server can check it (sync/server/receipts.py)
    reprint_count: int = 0  # > 0: printed again from the journal row, with its count
    extra_lines: tuple[str, ...] = field(default=())
    # the server had acknowledged every row of the purchase when this was printed: an
    # offline purchase then reads "offline, uploaded", else "offline, to be uploaded"
    synced: bool = False
    # a reprint: whether an original ever came out (False after RECEIPT_FAILED or "no paper"
    # chosen: the print is then marked 补打 / LATE PRINT, not 重打 / DUPLICATE)
    original_printed: bool = True
    printed_at: datetime | None = None  # a reprint: when it was printed (`time` stays the purchase's)
