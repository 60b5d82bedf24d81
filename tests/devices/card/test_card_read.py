"""Reading both card types through pcscd, and the clear refusals (no write, no PSC)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from devices.card.ic_profile import PROBLEM_PSC_EC
from devices.card.readers import CardReaders
from devices.sim.emulator import CardEmulator
from devices.sim.harness import credit_for, insert_and_open
from kiosk.card import CardKind, CardTech, CreditOutcome
from kiosk.errors import CardDamaged, CardPulled, CardWriteFailed, MeterNotLoaded, UnknownCard

SERIAL = "0102030405060708"


def test_read_ic_card(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", SERIAL, customer_no="1234567890", meter_no="0987654321", utility="0571")
    with insert_and_open(emu, readers, "c") as s:
        assert s.profile == "GasCard-IC v1" and s.tech is CardTech.IC
        snap = s.read()
        assert s.offline_quota_fen() is None
    assert snap.serial == SERIAL and snap.kind is CardKind.USER
    assert (snap.customer_no, snap.meter_no, snap.utility_code) == ("1234567890", "0987654321", "0571")
    assert snap.record is not None and snap.record.seq == 0 and snap.record.volume_units == 0
    assert snap.meter is None and snap.problems == ()
    assert snap.counter == 0
    assert emu.dump("c")["psc_presentations"] == 0  # reading never presents a code


def test_read_cpu_card(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_cpu("p", "1122334455667788", balance=4321, online_atc=17)
    emu.meter_load("p", used_units=321, status=0b10, when="2026-11-20T08:00:00")
    with insert_and_open(emu, readers, "p") as s:
        assert s.profile == "GasCard-CPU v1" and s.tech is CardTech.CPU
        snap = s.read()
        assert s.offline_quota_fen() == 1_000_000
    assert snap.balance_fen == 4000 and snap.atc == 17 and snap.counter == 17
    assert snap.meter is not None and snap.meter.balance_fen == 4000
    assert snap.meter.status_bits == 0b10 and snap.meter.lifetime_used_units == 321


def test_unknown_atr_is_refused(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_unknown("x")
    emu.insert("x")
    assert readers.wait_for_card(5)
    with pytest.raises(UnknownCard):
        readers.open_session()


def test_foreign_layout_is_refused_without_write(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", SERIAL)
    emu.poke("c", 0x10, b"X7".hex())
    emu.insert("c")
    assert readers.wait_for_card(5)
    with pytest.raises(UnknownCard):
        readers.open_session()
    d = emu.dump("c")
    assert d["writes_applied"] == 0 and d["psc_presentations"] == 0


def test_blank_card_is_refused(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_blank("b")
    with insert_and_open(emu, readers, "b") as s, pytest.raises(UnknownCard) as info:
        s.read()
    assert info.value.data["reason"] == "blank"
    assert emu.dump("b")["psc_presentations"] == 0


@pytest.mark.parametrize("addr,reason", [(0x1E, "header_crc"), (0x3E, "customer_crc"), (0x14, "header_crc")])
def test_bad_crc_is_damaged(emu: CardEmulator, readers: CardReaders, addr: int, reason: str) -> None:
    emu.issue_ic("c", SERIAL)
    emu.poke("c", addr, "EE")
    with insert_and_open(emu, readers, "c") as s, pytest.raises(CardDamaged) as info:
        s.read()
    assert info.value.data["reason"] == reason


def test_bad_meter_zone_blocks_the_purchase(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", SERIAL)
    emu.meter_load("c")
    crc_lo = bytes.fromhex(emu.dump("c")["memory"])[0x9F]
    emu.poke("c", 0x9F, f"{crc_lo ^ 0xFF:02X}")  # break the meter zone CRC (whatever it was)
    with insert_and_open(emu, readers, "c") as s:
        snap = s.read()
        assert "meter_zone_crc" in snap.problems
        with pytest.raises(CardWriteFailed) as info:
            s.write_credit(credit_for(snap))
        assert info.value.data["cause"] == CardDamaged.code
    d = emu.dump("c")
    assert d["writes_applied"] == 0 and d["psc_presentations"] == 0


def test_meter_not_loaded_is_detected(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", SERIAL)
    with insert_and_open(emu, readers, "c") as s:
        snap = s.read()
        s.write_credit(credit_for(snap, volume_units=500))
        after = s.read()
        assert after.record is not None and after.record.seq == 1
        assert after.meter is None  # the card has not been in the meter since
        with pytest.raises(CardWriteFailed) as info:
            s.write_credit(credit_for(after, txn_id="T2"))
        assert info.value.data["cause"] == MeterNotLoaded.code
    emu.meter_load("c", used_units=100)
    with insert_and_open(emu, readers, "c") as s:
        snap = s.read()
        assert snap.meter is not None and snap.record is not None
        assert snap.meter.loaded_seq == snap.record.seq == 1
        assert snap.meter.remaining_units == 400
        proof = s.write_credit(credit_for(snap, txn_id="T2"))
        assert proof.counter_after == 2


def test_locked_card_reports_problem(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", SERIAL, ec=3)
    with insert_and_open(emu, readers, "c") as s:
        assert PROBLEM_PSC_EC in s.read().problems


def test_card_pulled_mid_session(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", SERIAL)
    s = insert_and_open(emu, readers, "c")
    snap = s.read()
    emu.remove()
    with pytest.raises(CardPulled):
        s.read()
    with pytest.raises(CardPulled):
        s.write_credit(credit_for(snap))
    s.close()
    with insert_and_open(emu, readers, "c") as s2:
        outcome, _ = s2.check_credit(credit_for(snap))
    assert outcome is CreditOutcome.NOT_APPLIED
    assert emu.dump("c")["writes_applied"] == 0


def test_newer_slot_with_valid_crc_and_bad_bcd_is_refused_as_damaged(emu: CardEmulator, readers: CardReaders) -> None:
    """A readable CRC over unreadable BCD in the newer slot: never 'empty' (that would make
    the older slot current and the next purchase overwrite the newer record)."""
    from devices.card.crypto import crc16

    emu.issue_ic("c", SERIAL)
    with insert_and_open(emu, readers, "c") as s:
        s.write_credit(credit_for(s.read(), volume_units=500))  # sequence 1 in slot B
    emu.meter_load("c")
    with insert_and_open(emu, readers, "c") as s:
        snap = s.read()  # sequence 1, loaded by the meter
    mem = bytes.fromhex(emu.dump("c")["memory"])
    body = mem[0x60:0x72] + bytes.fromhex("2026AB01") + mem[0x76:0x7E]  # tier-year date not BCD
    emu.poke("c", 0x60, (body + crc16(body).to_bytes(2, "big")).hex())
    before = emu.dump("c")
    with insert_and_open(emu, readers, "c") as s:
        with pytest.raises(CardDamaged) as info:
            s.read()
        assert info.value.data["reason"] == "record_bcd"
        for counter in (1, 0):  # neither the newer record nor the older slot is written over
            with pytest.raises(CardWriteFailed) as refused:
                s.write_credit(replace(credit_for(snap, txn_id=f"T{counter}"), counter_before=counter))
            assert refused.value.data["cause"] == CardDamaged.code
    after = emu.dump("c")
    assert after["memory"] == before["memory"] and after["writes_applied"] == before["writes_applied"]
    assert after["psc_presentations"] == before["psc_presentations"]


def test_cpu_card_pulled_mid_session(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_cpu("p", "1122334455667701", balance=100)
    s = insert_and_open(emu, readers, "p")
    snap = s.read()
    emu.remove()
    with pytest.raises(CardPulled):
        s.read()
    with pytest.raises(CardPulled):
        s.write_credit(credit_for(snap, amount_fen=500))
    s.close()
    with insert_and_open(emu, readers, "p") as s2:
        outcome, _ = s2.check_credit(credit_for(snap, amount_fen=500))
        assert s2.read().balance_fen == 100
    assert outcome is CreditOutcome.NOT_APPLIED
    assert emu.dump("p")["loads_applied"] == 0
