"""The oracles never guess: NOT_APPLIED only when the card verifiably lacks the credit."""
from __future__ import annotations

from dataclasses import replace

import pytest

from devices.card.readers import CardReaders
from devices.sim.emulator import CardEmulator
from devices.sim.harness import credit_for, insert_and_open
from kiosk.card import CreditOutcome
from kiosk.errors import CardOracleUnavailable, CardOutcomeUnknown, CardWriteFailed


def test_other_load_on_top_is_not_mistaken(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_cpu("p", "3344556677889900", balance=50)
    with insert_and_open(emu, readers, "p") as s:
        snap = s.read()
        ours = credit_for(snap, txn_id="ours", amount_fen=10)
        other = credit_for(snap, txn_id="other", amount_fen=20)
        s.write_credit(other)  # another transaction took the ATC
        with pytest.raises(CardOracleUnavailable):
            s.check_credit(ours)
        with pytest.raises(CardOutcomeUnknown):  # ours is never written on top of it
            s.write_credit(ours)
        outcome, proof = s.check_credit(other)
        assert outcome is CreditOutcome.APPLIED and proof is not None and proof.balance_after_fen == 70
    assert emu.dump("p")["loads_applied"] == 1


def test_bad_tac_still_records_the_load(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_cpu("p", "3344556677889911", balance=0, mtk="22" * 16)
    with insert_and_open(emu, readers, "p") as s:
        credit = credit_for(s.read(), amount_fen=30)
        proof = s.write_credit(credit)  # the money is on the card: never reported as failed
        assert proof.counter_after == 1 and proof.balance_after_fen == 30
        outcome, again = s.check_credit(credit)
        assert outcome is CreditOutcome.APPLIED and again is not None and again.tac == proof.tac
        # a later look after the meter debited: ATC moved, TAC bad, balance differs -> unknown
        emu.meter_load("p", used_units=5)
        with pytest.raises(CardOracleUnavailable):
            s.check_credit(replace(credit))


def test_wrong_serial_is_refused(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_cpu("p", "3344556677889922", balance=0)
    with insert_and_open(emu, readers, "p") as s:
        credit = replace(credit_for(s.read(), amount_fen=30), serial="0000000000000001")
        with pytest.raises(CardWriteFailed):
            s.write_credit(credit)
    assert emu.dump("p")["loads_applied"] == 0


def test_ic_other_record_with_our_sequence(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", "3344556677889933")
    with insert_and_open(emu, readers, "c") as s:
        snap = s.read()
        ours = credit_for(snap, txn_id="ours", volume_units=10)
        other = credit_for(snap, txn_id="other", volume_units=20)
        s.write_credit(other)
        assert s.check_credit(ours)[0] is CreditOutcome.NOT_APPLIED
        with pytest.raises(CardWriteFailed) as info:
            s.write_credit(ours)
        assert info.value.data["reason"] == "counter_moved"
        emu.meter_load("c")
        s.write_credit(credit_for(s.read(), txn_id="third"))
        emu.meter_load("c")
        s.write_credit(credit_for(s.read(), txn_id="fourth"))
        with pytest.raises(CardOracleUnavailable):  # its slot was overwritten since: unknown
            s.check_credit(ours)
        with pytest.raises(CardOutcomeUnknown):
            s.write_credit(ours)
    assert emu.dump("c")["writes_applied"] == 3
