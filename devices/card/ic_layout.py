"""GasCard-IC v1 memory layout (gas-cards.md section 2.2): pure encode/decode with CRCs.

No I/O here: the profile (ic_profile.py) reads and writes, this module only turns the
256-byte image into model types and records into 32 bytes."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.card import CardKind, MeterZone, PurchaseRecord

from .crypto import crc16

logger = logging.getLogger(__name__)

CHIP_HEADER = bytes.fromhex("A2131091")
LAYOUT_ID = b"G1"
HEADER = slice(0x08, 0x20)
CUSTOMER = slice(0x20, 0x40)
SLOT_ADDR = (0x40, 0x60)
METER_ADDR = 0x80
IMAGE_LEN = 0xA0  # what the kiosk reads: everything up to the vendor area
RECORD_LEN = 32


class LayoutError(Exception):
    """The image is not a readable GasCard-IC v1 card; `reason` is a short code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


# --- BCD ----------------------------------------------------------------------------
def bcd_encode(digits: str, nbytes: int) -> bytes:
    if not digits.isdigit() or len(digits) != 2 * nbytes:
        raise ValueError(f"need {2 * nbytes} decimal digits, got {digits!r}")
    return bytes.fromhex(digits)


def bcd_decode(data: bytes) -> str:
    text = data.hex()
    if not text.isdigit():
        raise ValueError(f"not BCD: {data.hex()}")
    return text


def bcd_date(value: date) -> bytes:
    return bcd_encode(value.strftime("%Y%m%d"), 4)


def bcd_time12(value: datetime) -> bytes:
    return bcd_encode(value.strftime("%y%m%d%H%M%S"), 6)


def parse_date8(data: bytes) -> date:
    return datetime.strptime(bcd_decode(data), "%Y%m%d").date()


def parse_time12(data: bytes) -> datetime | None:
    if data == b"\xff" * len(data):
        return None
    return datetime.strptime(bcd_decode(data), "%y%m%d%H%M%S")


def with_crc(body: bytes) -> bytes:
    return body + crc16(body).to_bytes(2, "big")


def crc_ok(block: bytes) -> bool:
    return crc16(block[:-2]) == int.from_bytes(block[-2:], "big")


# --- records ------------------------------------------------------------------------
def encode_record(rec: PurchaseRecord) -> bytes:
    when = rec.time
    body = (
        (rec.seq & 0xFFFF).to_bytes(2, "big")
        + rec.volume_units.to_bytes(4, "big")
        + rec.amount_fen.to_bytes(4, "big")
        + rec.lifetime_units.to_bytes(4, "big")
        + rec.tier_year_units.to_bytes(4, "big")
        + bcd_date(rec.tier_year_start)
        + (bcd_time12(when) if when is not None else b"\xff" * 6)
        + rec.terminal.to_bytes(2, "big")
    )
    return with_crc(body)


def decode_record(block: bytes) -> PurchaseRecord | None:
    """None when the slot holds no record (all FF or a bad CRC: never written, or torn).
    LayoutError("record_bcd") when the CRC is right but a date is not BCD: a record the
    card carries and nobody can read, so the card is damaged (treating the slot as empty
    would make the older record current and the next purchase overwrite the newer one)."""
    if len(block) != RECORD_LEN or block == b"\xff" * RECORD_LEN or not crc_ok(block):
        return None
    try:
        return PurchaseRecord(
            seq=int.from_bytes(block[0:2], "big"),
            volume_units=int.from_bytes(block[2:6], "big"),
            amount_fen=int.from_bytes(block[6:10], "big"),
            lifetime_units=int.from_bytes(block[10:14], "big"),
            tier_year_units=int.from_bytes(block[14:18], "big"),
            tier_year_start=parse_date8(block[18:22]),
            time=parse_time12(block[22:28]),
            terminal=int.from_bytes(block[28:30], "big"),
        )
    except ValueError as exc:
        raise LayoutError("record_bcd", f"a purchase record with a valid CRC is not BCD: {exc}") from exc


def seq_later(a: int, b: int) -> bool:
    """Serial-number arithmetic: a is later than b when (a - b) mod 65536 is in 1..32767."""
    return 1 <= (a - b) % 65536 <= 32767


def current_slot(slots: tuple[bytes, bytes]) -> int:
    """Index (0 = A, 1 = B) of the current record; LayoutError when there is none, when the
    two disagree at one sequence number, or when a slot is valid but unreadable."""
    recs = [decode_record(s) for s in slots]
    a, b = recs
    if a is None and b is None:
        raise LayoutError("no_record", "no purchase record slot is valid")
    if a is None:
        return 1
    if b is None:
        return 0
    if seq_later(a.seq, b.seq):
        return 0
    if seq_later(b.seq, a.seq):
        return 1
    if slots[0] == slots[1]:
        return 0
    raise LayoutError("record_conflict", f"two valid slots with sequence {a.seq}/{b.seq}")


def encode_meter_zone(zone: MeterZone) -> bytes:
    when = zone.written_at
    body = (
        (zone.loaded_seq or 0).to_bytes(2, "big")
        + (zone.remaining_units or 0).to_bytes(4, "big")
        + zone.lifetime_used_units.to_bytes(4, "big")
        + bytes([zone.status_bits & 0xFF])
        + (bcd_time12(when) if when is not None else b"\xff" * 6)
        + b"\xff" * 13
    )
    return with_crc(body)


def decode_meter_zone(block: bytes) -> MeterZone | None:
    """None when all FF (never in a meter); LayoutError on a bad CRC or bad BCD."""
    if block == b"\xff" * RECORD_LEN:
        return None
    if not crc_ok(block):
        raise LayoutError("meter_zone_crc", "meter write-back zone CRC is wrong")
    try:
        written = parse_time12(block[11:17])
    except ValueError as exc:
        raise LayoutError("meter_zone_bcd", str(exc)) from exc
    return MeterZone(
        loaded_seq=int.from_bytes(block[0:2], "big"),
        remaining_units=int.from_bytes(block[2:6], "big"),
        balance_fen=None,
        lifetime_used_units=int.from_bytes(block[6:10], "big"),
        status_bits=block[10],
        written_at=written,
    )


# --- the whole image -----------------------------------------------------------------
@dataclass(frozen=True)
class IcImage:
    serial: bytes
    utility_code: str
    kind: CardKind
    customer_no: str
    meter_no: str
    replacement_count: int
    current: int  # slot index of the current record
    record: PurchaseRecord
    slots: tuple[bytes, bytes]
    meter: MeterZone | None
    problems: tuple[str, ...]


def decode_image(mem: bytes) -> IcImage:
    """Decode bytes 0x00..0x9F. LayoutError(reason) for: blank, chip_header, layout,
    header_crc, customer_crc, card_kind, bcd, no_record, record_conflict, record_bcd. A bad meter zone is
    reported in `problems` (it blocks a purchase but the card is still shown)."""
    if len(mem) < IMAGE_LEN:
        raise LayoutError("short_read", f"{len(mem)} bytes")
    if mem[0:4] != CHIP_HEADER:
        raise LayoutError("chip_header", mem[0:4].hex())
    if mem[0x08:0xA0] == b"\xff" * (0xA0 - 0x08):
        raise LayoutError("blank", "card carries no issuer data")
    if mem[0x10:0x12] != LAYOUT_ID:
        raise LayoutError("layout", f"layout id {mem[0x10:0x12]!r}")
    header, customer = mem[HEADER], mem[CUSTOMER]
    if not crc_ok(header):
        raise LayoutError("header_crc", "card header CRC is wrong")
    if not crc_ok(customer):
        raise LayoutError("customer_crc", "customer block CRC is wrong")
    try:
        kind = CardKind(mem[0x14])
    except ValueError as exc:
        raise LayoutError("card_kind", f"kind {mem[0x14]:02X}") from exc
    try:
        utility = bcd_decode(mem[0x12:0x14])
        customer_no = bcd_decode(mem[0x20:0x25])
        meter_no = bcd_decode(mem[0x25:0x2A])
    except ValueError as exc:
        raise LayoutError("bcd", str(exc)) from exc
    slots = (bytes(mem[0x40:0x60]), bytes(mem[0x60:0x80]))
    cur = current_slot(slots)
    record = decode_record(slots[cur])
    assert record is not None
    problems: list[str] = []
    meter: MeterZone | None = None
    try:
        meter = decode_meter_zone(bytes(mem[0x80:0xA0]))
    except LayoutError as exc:
        problems.append(exc.reason)
    return IcImage(
        serial=bytes(mem[0x08:0x10]),
        utility_code=utility,
        kind=kind,
        customer_no=customer_no,
        meter_no=meter_no,
        replacement_count=mem[0x2A],
        current=cur,
        record=record,
        slots=slots,
        meter=meter,
        problems=tuple(problems),
    )


def encode_header(serial: bytes, utility: str, kind: int, layout: bytes = LAYOUT_ID) -> bytes:
    return with_crc(serial + layout + bcd_encode(utility, 2) + bytes([kind]) + b"\xff" * 9)


def encode_customer(customer_no: str, meter_no: str, replacement_count: int) -> bytes:
    body = bcd_encode(customer_no, 5) + bcd_encode(meter_no, 5) + bytes([replacement_count])
    return with_crc(body + b"\xff" * 19)
