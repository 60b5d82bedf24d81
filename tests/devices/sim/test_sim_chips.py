"""The emulated chips on their own (no pcscd): SLE4442 + ACS dialect, CPU purse, SAM."""
from __future__ import annotations

from datetime import datetime

from devices.card import crypto
from devices.sim.cpu_card import CpuPurseCard
from devices.sim.issue import DEMO_KEYS, issue_blank_ic, issue_cpu, issue_ic
from devices.sim.sam_card import SamCard, ic_psc

SERIAL = "0102030405060708"
PSC = ic_psc(DEMO_KEYS.card_key, bytes.fromhex(SERIAL))


def x(card: object, hexapdu: str, prefix: int | None = None) -> bytes:
    return card.process(bytes.fromhex(hexapdu.replace(" ", "")), prefix)  # type: ignore[attr-defined,no-any-return]


def test_sle4442_needs_select_card_type_each_power_cycle() -> None:
    card = issue_ic("c", SERIAL)
    assert x(card, "FFB0000004") == b"\x6d\x00"
    assert x(card, "FFA4000001 06") == b"\x90\x00"
    assert x(card, "FFB0000004") == bytes.fromhex("A2131091 9000")
    card.power_event()
    assert x(card, "FFB0000004") == b"\x6d\x00"
    assert x(card, "FFA4000001 06") == b"\x90\x00"
    assert x(card, "FFB000F020") == bytes.fromhex("6A86")  # 0xF0 + 0x20 > 256
    assert x(card, "FFEE000000") == b"\x6d\x00"


def test_sle4442_writes_silently_ignored_without_psc_or_on_protected_bytes() -> None:
    card = issue_ic("c", SERIAL)
    x(card, "FFA4000001 06")
    assert x(card, "FFD0004002 AAAA") == b"\x90\x00"
    assert card.mem[0x40:0x42] == bytes.fromhex("0000")  # no PSC: ignored
    assert x(card, "FF20000003" + PSC.hex()) == b"\x90\x07"
    x(card, "FFD0000802 EEEE")  # protected header
    assert card.mem[0x08:0x0A] == bytes.fromhex("0102")
    x(card, "FFD0004002 AAAA")
    assert card.mem[0x40:0x42] == bytes.fromhex("AAAA")
    x(card, "FFA4000001 06")  # select card type resets the unlock
    x(card, "FFD0004002 BBBB")
    assert card.mem[0x40:0x42] == bytes.fromhex("AAAA")


def test_sle4442_error_counter_and_prefix_write() -> None:
    card = issue_ic("c", SERIAL)
    x(card, "FFA4000001 06")
    assert x(card, "FFB1000004")[:1] == b"\x07"
    assert x(card, "FF20000003 000000") == b"\x90\x03"
    assert x(card, "FF20000003 000000") == b"\x90\x01"
    assert x(card, "FF20000003" + PSC.hex()) == b"\x90\x07"  # right code restores EC
    x(card, "FFD0006004 11223344", prefix=2)
    assert card.mem[0x60:0x64] == bytes.fromhex("1122FFFF")
    for expect in ("9003", "9001", "9000", "9000"):
        assert x(card, "FF20000003 000000").hex().upper() == expect
    assert x(card, "FF20000003" + PSC.hex()) == b"\x90\x00"  # locked for ever
    assert card.ec == 0


def test_blank_card_is_all_ff_after_the_chip_header() -> None:
    card = issue_blank_ic("b")
    assert card.mem[8:] == b"\xff" * 248


def _load(card: CpuPurseCard, amount: int, when: datetime = datetime(2026, 11, 22, 9, 30)) -> bytes:
    terminal = bytes.fromhex("000000000001")
    assert x(card, "00A4040008 F047415343505531")[-2:] == b"\x90\x00"
    r = card.process(bytes.fromhex("805000020B01") + amount.to_bytes(4, "big") + terminal + b"\x10")
    assert r[-2:] == b"\x90\x00"
    atc, random4, mac1 = int.from_bytes(r[4:6], "big"), r[8:12], r[12:16]
    seslk = crypto.session_key(crypto.diversify(DEMO_KEYS.mlk, card.serial), random4, atc)
    assert crypto.mac1(seslk, int.from_bytes(r[0:4], "big"), amount, terminal) == mac1
    d4, t3 = bytes.fromhex(when.strftime("%Y%m%d")), bytes.fromhex(when.strftime("%H%M%S"))
    mac2 = crypto.mac2(seslk, amount, terminal, d4, t3)
    return card.process(bytes.fromhex("805200000B") + d4 + t3 + mac2 + b"\x04")


def test_cpu_load_prove_and_session_rules() -> None:
    card = issue_cpu("p", "1122334455667788", balance=100)
    resp = _load(card, 250)
    assert resp[-2:] == b"\x90\x00" and card.balance == 350 and card.online_atc == 1
    prove = x(card, "805A000202 0000 08")
    assert prove[-2:] == b"\x90\x00" and prove[4:8] == resp[:4]
    assert x(card, "805A000202 0001 08") == b"\x94\x06"
    assert x(card, "805200000B 20261122093000 00000000 04") == b"\x69\x85"  # no session
    x(card, "805000020B 01 00000001 000000000001 10")
    assert x(card, "805200000B 20261122093000 00000000 04") == b"\x93\x02"  # bad MAC2
    assert x(card, "805200000B 20261122093000 00000000 04") == b"\x69\x85"  # session gone
    assert x(card, "805000020B 01 05F5E0FF 000000000001 10") == b"\x6a\x84"  # above max
    assert x(card, "805000020B 02 00000001 000000000001 10") == b"\x94\x03"
    assert card.balance == 350 and card.online_atc == 1


def test_sam_quota_and_mac1_check() -> None:
    sam = SamCard(DEMO_KEYS, bytes(6), quota=100)
    assert x(sam, "80CA00000E") == b"\x69\x85"
    x(sam, "00A4040008 F047415353414D31")
    body = bytes(8) + bytes(4) + (50).to_bytes(4, "big") + bytes(6) + bytes(4) + bytes(2) + bytes(4) + bytes(7)
    assert sam.process(b"\x80\x70\x00\x00\x27" + body + b"\x08") == b"\x93\x02"
    assert x(sam, "80CA00000E")[6:10] == (100).to_bytes(4, "big")
