"""Issuing emulated cards: the counter's job in the field, a fixture's job here.

The demo keys below are the emulator's SAM configuration (and the test fixtures'); kiosk code
never sees them: it asks the SAM."""
from __future__ import annotations

import logging
from datetime import datetime

from devices.card import crypto
from devices.card.ic_layout import (
    CHIP_HEADER,
    encode_customer,
    encode_header,
    encode_meter_zone,
    encode_record,
)
from kiosk.card import MeterZone, PurchaseRecord

from .cpu_card import CpuPurseCard
from .ic_card import Sle4442Card
from .sam_card import SamKeys, ic_psc

logger = logging.getLogger(__name__)

DEMO_KEYS = SamKeys(
    mlk=bytes.fromhex("3F013F013F013F0123456789ABCDEF01"),
    mtk=bytes.fromhex("5A5A5A5A01234567FEDCBA9876543210"),
    card_key=bytes.fromhex("C0FFEE00112233445566778899AABBCCDDEEFF0011223344556677889900AABB"),
    quota_key=bytes.fromhex("0F1E2D3C4B5A69788796A5B4C3D2E1F0"),
)
FACTORY_BYTES = bytes.fromhex("D2760000")
ISSUE_TIME = datetime(2026, 1, 1, 9, 0, 0)


def _serial(serial: str) -> bytes:
    raw = bytes.fromhex(serial)
    if len(raw) != 8:
        raise ValueError("serial is 8 bytes (16 hex digits)")
    return raw


def ic_memory(
    serial: str,
    customer_no: str,
    meter_no: str,
    utility: str = "0571",
    kind: int = 1,
    replacement_count: int = 0,
    layout: str = "G1",
    tier_year_start: str = "20260101",
) -> bytes:
    """An issued card: header, customer block, slot A = sequence 0 volume 0, slot B and the
    meter zone all FF."""
    mem = bytearray(b"\xff" * 256)
    mem[0:4] = CHIP_HEADER
    mem[4:8] = FACTORY_BYTES
    mem[0x08:0x20] = encode_header(_serial(serial), utility, kind, layout.encode("ascii"))
    mem[0x20:0x40] = encode_customer(customer_no, meter_no, replacement_count)
    first = PurchaseRecord(
        seq=0,
        volume_units=0,
        amount_fen=0,
        lifetime_units=0,
        tier_year_units=0,
        tier_year_start=datetime.strptime(tier_year_start, "%Y%m%d").date(),
        time=ISSUE_TIME,
        terminal=0,
    )
    mem[0x40:0x60] = encode_record(first)
    return bytes(mem)


def issue_ic(
    name: str,
    serial: str,
    customer_no: str = "1000000001",
    meter_no: str = "2000000001",
    card_key: bytes = DEMO_KEYS.card_key,
    ec: int = 0x07,
    **layout: object,
) -> Sle4442Card:
    mem = ic_memory(serial, customer_no, meter_no, **layout)  # type: ignore[arg-type]
    return Sle4442Card(mem, ic_psc(card_key, _serial(serial)), ec=ec, name=name)


def issue_blank_ic(name: str) -> Sle4442Card:
    mem = bytearray(b"\xff" * 256)
    mem[0:4] = CHIP_HEADER
    mem[4:8] = FACTORY_BYTES
    return Sle4442Card(bytes(mem), b"\xff\xff\xff", protected_upto=8, name=name)


def cpu_info(
    serial: str,
    customer_no: str,
    meter_no: str,
    utility: str = "0571",
    kind: int = 1,
    replacement_count: int = 0,
) -> bytes:
    return (
        _serial(serial)
        + bytes.fromhex(customer_no)
        + bytes.fromhex(meter_no)
        + bytes.fromhex(utility)
        + bytes([kind, replacement_count])
        + b"\xff" * 8
    )


def issue_cpu(
    name: str,
    serial: str,
    customer_no: str = "1000000002",
    meter_no: str = "2000000002",
    balance: int = 0,
    online_atc: int = 0,
    mlk: bytes = DEMO_KEYS.mlk,
    mtk: bytes = DEMO_KEYS.mtk,
    **info: object,
) -> CpuPurseCard:
    raw = _serial(serial)
    return CpuPurseCard(
        cpu_info(serial, customer_no, meter_no, **info),  # type: ignore[arg-type]
        dlk=crypto.diversify(mlk, raw),
        dtk=crypto.diversify(mtk, raw),
        balance=balance,
        online_atc=online_atc,
        name=name,
    )


def ic_meter_zone(loaded_seq: int, remaining: int, used: int, status: int, when: datetime) -> bytes:
    zone = MeterZone(
        loaded_seq=loaded_seq,
        remaining_units=remaining,
        balance_fen=None,
        lifetime_used_units=used,
        status_bits=status,
        written_at=when,
    )
    return encode_meter_zone(zone)


def cpu_meter_zone(balance: int, used: int, status: int, when: datetime) -> bytes:
    return (
        balance.to_bytes(4, "big")
        + used.to_bytes(4, "big")
        + bytes([status])
        + bytes.fromhex(when.strftime("%y%m%d%H%M%S"))
        + b"\xff"
    )
