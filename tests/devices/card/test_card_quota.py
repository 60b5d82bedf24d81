"""Offline CPU loads are capped by the SAM quota; above it nothing changes anywhere."""
from __future__ import annotations

import pytest

from devices.card import crypto
from devices.card.readers import CardReaders
from devices.sim.emulator import CardEmulator
from devices.sim.harness import credit_for, insert_and_open
from devices.sim.issue import DEMO_KEYS
from kiosk.errors import CardWriteFailed, SamQuotaExceeded


def test_load_above_quota_refused(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_cpu("p", "2233445566778899", balance=100)
    emu.set_quota(5000)
    with insert_and_open(emu, readers, "p") as s:
        snap = s.read()
        quota = s.offline_quota_fen()
        assert quota == 5000
        credit = credit_for(snap, amount_fen=6000)
        assert credit.amount_fen > quota  # what the core checks before taking money
        with pytest.raises(CardWriteFailed) as info:  # refused before the card was touched
            s.write_credit(credit)
        assert info.value.data["cause"] == SamQuotaExceeded.code
        after = s.read()
        assert (after.balance_fen, after.atc) == (100, 0)
        assert s.offline_quota_fen() == 5000
        proof = s.write_credit(credit_for(after, amount_fen=5000))
        assert proof.balance_after_fen == 5100 and proof.counter_after == 1
        assert s.offline_quota_fen() == 0
    assert emu.dump("p")["loads_applied"] == 1


def test_card_with_foreign_keys_refused_by_sam(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_cpu("p", "2233445566778800", balance=0, mlk="11" * 16)
    with insert_and_open(emu, readers, "p") as s:
        snap = s.read()
        with pytest.raises(CardWriteFailed) as info:
            s.write_credit(credit_for(snap, amount_fen=100))
    assert info.value.data["reason"] == "mac1"
    assert emu.dump("p")["loads_applied"] == 0
    assert emu.dump("sam")["quota"] == 1_000_000


def test_replenish_quota_accepts_fresh_counter_only(emu: CardEmulator, readers: CardReaders) -> None:
    sam = readers.sam()
    assert sam is not None
    info = sam.info()
    mac = crypto.quota_mac(DEMO_KEYS.quota_key, 777, info.counter)
    assert sam.replenish_quota(777, info.counter, mac)
    assert sam.info().quota_fen == 777
    assert not sam.replenish_quota(777, info.counter, mac)  # replayed
    assert not sam.replenish_quota(9999, info.counter + 1, b"\x00" * 4)  # bad MAC
    assert sam.info().quota_fen == 777
