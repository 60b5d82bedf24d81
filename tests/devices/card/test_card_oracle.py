"""The oracles never guess: NOT_APPLIED only when the card verifiably lacks the credit."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

import pytest

from devices.card.readers import CardReaders
from devices.card.traffic import TRAFFIC
from devices.sim.emulator import CardEmulator
from devices.sim.harness import credit_for, insert_and_open, sam_removed
from kiosk.card import CardCredit, CardSnapshot, CreditOutcome
from kiosk.errors import CardOracleUnavailable, CardOutcomeUnknown, CardWriteFailed, TacUnverifiable


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


def test_bad_tac_still_records_the_load(emu: CardEmulator, readers: CardReaders,
                                       caplog: pytest.LogCaptureFixture) -> None:
    emu.issue_cpu("p", "3344556677889911", balance=0, mtk="22" * 16)
    caplog.set_level(TRAFFIC)
    with insert_and_open(emu, readers, "p") as s:
        credit = credit_for(s.read(), amount_fen=30)
        proof = s.write_credit(credit)  # the money is on the card: never reported as failed
        assert proof.counter_after == 1 and proof.balance_after_fen == 30
        assert proof.tac_verified is False  # recorded with the proof: the journal row carries it
        # a later look cannot prove it was this transaction (only the TAC could): unknown
        with pytest.raises(CardOracleUnavailable) as info:
            s.check_credit(credit)
        assert info.value.data["reason"] == "tac_mismatch"
    assert proof.tac is not None
    spaced = " ".join(proof.tac[i:i + 2] for i in range(0, 8, 2))
    for r in caplog.records:  # at no level, in no form
        assert proof.tac not in r.getMessage() and spaced not in r.getMessage()
    assert any("TAC" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)


def _same_amount_two_terminals(snap: CardSnapshot) -> tuple[CardCredit, CardCredit]:
    ours = credit_for(snap, txn_id="ours", amount_fen=3000, terminal=12, when=datetime(2026, 11, 22, 9, 0, 0))
    other = credit_for(snap, txn_id="other", amount_fen=3000, terminal=7, when=datetime(2026, 11, 22, 9, 5, 0))
    return ours, other


def test_same_amount_at_the_same_atc_by_another_kiosk_is_not_ours(emu: CardEmulator, readers: CardReaders) -> None:
    """Our load never reached the card; another kiosk then loaded the same amount at the same
    ATC: the balance grew by our amount and the ATC moved by one, yet the TAC (for our
    terminal and time) does not verify, so the card does not carry OUR credit."""
    emu.issue_cpu("p", "3344556677889944", balance=50)
    with insert_and_open(emu, readers, "p") as s:
        ours, other = _same_amount_two_terminals(s.read())
        s.write_credit(other)
        with pytest.raises(CardOracleUnavailable) as info:
            s.check_credit(ours)
        assert info.value.data["reason"] == "tac_mismatch"
        outcome, proof = s.check_credit(other)
        assert outcome is CreditOutcome.APPLIED and proof is not None and proof.tac_verified is True
        assert proof.balance_after_fen == 3050
    assert emu.dump("p")["loads_applied"] == 1


def test_with_no_sam_and_no_server_nobody_guesses(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_cpu("p", "3344556677889955", balance=50)
    with insert_and_open(emu, readers, "p") as s:
        ours, other = _same_amount_two_terminals(s.read())
        s.write_credit(other)
    with sam_removed(emu, readers), insert_and_open(emu, readers, "p") as s:
        assert readers.online_tac is None
        for credit in (ours, other):  # neither can be told from the card alone
            with pytest.raises(TacUnverifiable):
                s.check_credit(credit)
        assert s.check_credit(credit_for(s.read(), txn_id="next"))[0] is CreditOutcome.NOT_APPLIED
    assert emu.dump("p")["loads_applied"] == 1


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


def test_a_refused_credit_changes_nothing_and_the_next_one_loads(emu: CardEmulator, readers: CardReaders) -> None:
    """The emulator's `refuse_write` on a CPU card: CREDIT FOR LOAD answers 93 02 once."""
    emu.issue_cpu("p", "3344556677889977", balance=50)
    emu.refuse_write("p")
    with insert_and_open(emu, readers, "p") as s:
        snap = s.read()
        with pytest.raises(CardWriteFailed) as info:
            s.write_credit(credit_for(snap, amount_fen=30))
        assert info.value.data["reason"] == "credit"
        assert s.check_credit(credit_for(snap, amount_fen=30))[0] is CreditOutcome.NOT_APPLIED
        proof = s.write_credit(credit_for(snap, txn_id="T2", amount_fen=30))
        assert proof.balance_after_fen == 80 and proof.tac_verified is True
    d = emu.dump("p")
    assert d["loads_applied"] == 1 and d["balance"] == 80 and d["refuse_credits"] == 0
