"""GasCard-IC v1 codec: byte positions, CRCs, current-record choice (no pcscd needed)."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from devices.card.crypto import crc16
from devices.card.ic_layout import (
    LayoutError,
    current_slot,
    decode_image,
    decode_record,
    encode_record,
    seq_later,
)
from devices.sim.issue import ic_memory
from kiosk.card import CardKind, PurchaseRecord


def rec(seq: int, volume: int = 0) -> bytes:
    return encode_record(
        PurchaseRecord(seq, volume, 0, 0, 0, date(2026, 1, 1), datetime(2026, 1, 2, 3, 4, 5), 9)
    )


def test_issued_image_bytes() -> None:
    mem = ic_memory("0102030405060708", "1234567890", "0000000042", utility="0571", kind=1)
    assert mem[0:4] == bytes.fromhex("A2131091")
    assert mem[0x08:0x10] == bytes.fromhex("0102030405060708")
    assert mem[0x10:0x12] == b"G1" and mem[0x12:0x14] == bytes.fromhex("0571") and mem[0x14] == 1
    assert mem[0x15:0x1E] == b"\xff" * 9
    assert int.from_bytes(mem[0x1E:0x20], "big") == crc16(mem[0x08:0x1E])
    assert mem[0x20:0x25] == bytes.fromhex("1234567890") and mem[0x25:0x2A] == bytes.fromhex("0000000042")
    assert int.from_bytes(mem[0x3E:0x40], "big") == crc16(mem[0x20:0x3E])
    assert mem[0x60:0xA0] == b"\xff" * 64  # slot B and the meter zone
    img = decode_image(mem)
    assert img.current == 0 and img.record.seq == 0 and img.meter is None
    assert img.kind is CardKind.USER and img.customer_no == "1234567890"


def test_record_layout() -> None:
    r = rec(0x1234, 0x01020304)
    assert r[0:2] == bytes.fromhex("1234") and r[2:6] == bytes.fromhex("01020304")
    assert r[0x12:0x16] == bytes.fromhex("20260101") and r[0x16:0x1C] == bytes.fromhex("260102030405")
    assert r[0x1C:0x1E] == bytes.fromhex("0009")
    assert int.from_bytes(r[0x1E:], "big") == crc16(r[:0x1E])
    assert decode_record(r) is not None
    assert decode_record(b"\xff" * 32) is None
    assert decode_record(r[:-1] + bytes([r[-1] ^ 1])) is None


def test_serial_number_arithmetic() -> None:
    assert seq_later(1, 0) and not seq_later(0, 1)
    assert seq_later(0, 0xFFFF)  # wraps
    assert not seq_later(32768, 0) and not seq_later(0, 32768)


def test_current_slot_choice() -> None:
    assert current_slot((rec(5), rec(6))) == 1
    assert current_slot((rec(0), rec(0xFFFF))) == 0
    assert current_slot((rec(5), b"\xff" * 32)) == 0
    assert current_slot((rec(7)[:-2] + b"\x00\x00", rec(6))) == 1  # torn slot A
    with pytest.raises(LayoutError):
        current_slot((rec(5, 1), rec(5, 2)))  # same sequence, different contents
    with pytest.raises(LayoutError):
        current_slot((rec(0), rec(32768)))
    with pytest.raises(LayoutError):
        current_slot((b"\xff" * 32, b"\xff" * 32))


def test_layout_errors() -> None:
    mem = bytearray(ic_memory("0102030405060708", "1234567890", "0000000042"))
    bad = bytearray(mem)
    bad[0x10:0x12] = b"Z9"
    with pytest.raises(LayoutError, match="layout"):
        decode_image(bytes(bad))
    bad = bytearray(mem)
    bad[0x14] = 0x09
    bad[0x1E:0x20] = crc16(bytes(bad[0x08:0x1E])).to_bytes(2, "big")
    with pytest.raises(LayoutError, match="card_kind"):
        decode_image(bytes(bad))
    bad = bytearray(mem)
    bad[0:4] = b"\x00" * 4
    with pytest.raises(LayoutError, match="chip_header"):
        decode_image(bytes(bad))


def bad_bcd(record: bytes) -> bytes:
    """The record with its tier-year date made non-BCD, CRC recomputed: valid but unreadable."""
    body = record[:0x12] + bytes.fromhex("20AB0101") + record[0x16:0x1E]
    return body + crc16(body).to_bytes(2, "big")


def test_valid_crc_with_bad_bcd_is_damage_not_an_empty_slot() -> None:
    newer = bad_bcd(rec(6))
    assert crc16(newer[:-2]) == int.from_bytes(newer[-2:], "big")
    with pytest.raises(LayoutError) as info:
        decode_record(newer)
    assert info.value.reason == "record_bcd"
    # were it "empty", slot A (older, sequence 5) would become current and be overwritten
    with pytest.raises(LayoutError) as info:
        current_slot((rec(5), newer))
    assert info.value.reason == "record_bcd"
