"""A kiosk must never be the thing that locks a card: EC read first, PSC from the SAM,
presented at most once per insertion and only when EC is 07."""
from __future__ import annotations

import pytest

from devices.card.readers import CardReaders
from devices.sim.emulator import CardEmulator
from devices.sim.harness import credit_for, insert_and_open
from kiosk.card import CreditOutcome
from kiosk.errors import CardLocked, CardWriteFailed, PscRejected

SERIAL = "0A0B0C0D0E0F1011"
WRONG_KEY = "00" * 32


def test_right_key_writes_once(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", SERIAL)
    with insert_and_open(emu, readers, "c") as s:
        snap = s.read()
        proof = s.write_credit(credit_for(snap))
        proof2 = s.write_credit(credit_for(snap))  # same credit again: already there, no write
    assert proof.counter_after == proof2.counter_after == 1
    d = emu.dump("c")
    assert d["psc_presentations"] == 1 and d["writes_applied"] == 1 and d["ec"] == 7


def test_wrong_card_key_never_locks(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", SERIAL, card_key=WRONG_KEY)
    with insert_and_open(emu, readers, "c") as s:
        snap = s.read()
        with pytest.raises(CardWriteFailed) as info:  # refused before any write
            s.write_credit(credit_for(snap))
        assert info.value.data["cause"] == PscRejected.code
        assert isinstance(info.value.__cause__, PscRejected)
        assert info.value.__cause__.data["ec_after"] == 3
        with pytest.raises(CardWriteFailed) as again:  # same insertion: never a second presentation
            s.write_credit(credit_for(snap))
        assert again.value.data["cause"] == PscRejected.code
    d = emu.dump("c")
    assert d["psc_presentations"] == 1 and d["ec"] == 3 and d["writes_applied"] == 0
    for _ in range(2):  # later insertions: EC is 03, the kiosk does not present at all
        with insert_and_open(emu, readers, "c") as s:
            snap = s.read()
            with pytest.raises(CardWriteFailed) as locked:
                s.write_credit(credit_for(snap))
            assert locked.value.data["cause"] == CardLocked.code
            assert s.check_credit(credit_for(snap))[0] is CreditOutcome.NOT_APPLIED
    d = emu.dump("c")
    assert d["psc_presentations"] == 1 and d["ec"] == 3


@pytest.mark.parametrize("ec", [3, 1, 0])
def test_ec_not_07_is_untouched(emu: CardEmulator, readers: CardReaders, ec: int) -> None:
    emu.issue_ic("c", SERIAL, ec=ec)
    with insert_and_open(emu, readers, "c") as s:
        snap = s.read()
        with pytest.raises(CardWriteFailed) as info:
            s.write_credit(credit_for(snap))
        assert info.value.data["cause"] == CardLocked.code
    d = emu.dump("c")
    assert d["ec"] == ec and d["psc_presentations"] == 0 and d["writes_applied"] == 0


def test_silently_ignored_write_is_caught_by_read_back(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", SERIAL)
    emu.freeze("c")
    with insert_and_open(emu, readers, "c") as s:
        snap = s.read()
        with pytest.raises(CardWriteFailed) as info:
            s.write_credit(credit_for(snap))
        assert info.value.data["reason"] == "readback"
        assert s.check_credit(credit_for(snap))[0] is CreditOutcome.NOT_APPLIED
    assert emu.dump("c")["writes_applied"] == 0


def test_a_refused_write_is_verified_not_written_and_the_next_one_works(emu: CardEmulator,
                                                                        readers: CardReaders) -> None:
    """The emulator's `refuse_write` (the demo's "card refuses the next write"): the chip
    ignores one memory write and answers 90 00; the read-back tells, nothing is guessed."""
    emu.issue_ic("c", SERIAL)
    assert emu.refuse_write("c")["refuse_writes"] == 1
    with insert_and_open(emu, readers, "c") as s:
        snap = s.read()
        with pytest.raises(CardWriteFailed) as info:
            s.write_credit(credit_for(snap))
        assert info.value.data["reason"] == "readback"
        assert s.check_credit(credit_for(snap))[0] is CreditOutcome.NOT_APPLIED
        assert s.write_credit(credit_for(snap, txn_id="T2")).counter_after == 1
    d = emu.dump("c")
    assert d["writes_applied"] == 1 and d["refuse_writes"] == 0 and d["psc_presentations"] == 1
