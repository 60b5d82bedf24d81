"""The end-of-day settlement lists every difference: the acceptor's counter against the
journal, and a purchase whose notes went in on both sides of midnight (each day balances)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from kiosk.cashbox import CashBox
from kiosk.fakes import FixedClock
from kiosk.ports import PaymentMethod
from kiosk.purchase.states import S

from .world import World

CST = timezone(timedelta(hours=8))


def _buy(w: World, amount: int) -> str:
    svc = w.svc
    txn = svc.begin(svc.check_card(w.card.read()), "amount", amount, PaymentMethod.CASH)
    w.acceptor.enable(10000)
    while w.acceptor.dump()["queue"]:
        svc.take_note(txn, w.acceptor)
    assert svc.finish_payment(txn) is S.PAID
    assert svc.write_card(txn, w.card) is S.CARD_DONE
    svc.print_receipt(txn)
    svc.close(txn)
    return txn


def test_counter_mismatch_is_listed_and_unbalances_the_day(tmp_path: Path) -> None:
    w = World.open(tmp_path / "k", notes=(5000, 2000))
    try:
        _buy(w, 7000)
        box = CashBox(w.journal, w.svc.ctx.clock)
        day = date(2026, 11, 22)
        good = box.settlement(day, w.acceptor.stacked_counter())
        assert good["balanced"] and good["differences"] == [] and good["expected_cash_fen"] == 7000
        bad = box.settlement(day, w.acceptor.stacked_counter() + 1)  # the acceptor counted one more
        [d] = bad["differences"]
        assert d["kind"] == "counter_mismatch" and d["notes"] == 1
        assert (d["acceptor_counter"], d["expected_counter"]) == (3, 2)
        assert not bad["balanced"]
        # the money itself still adds up: only the counter disagrees
        assert bad["credited_fen"] + bad["remainder_fen"] == bad["expected_cash_fen"] == 7000
    finally:
        w.close()


def test_a_purchase_across_midnight_balances_both_days(tmp_path: Path) -> None:
    w = World.open(tmp_path / "k", notes=(5000, 2000, 1000))
    # each clock reading 20 s later, starting just before midnight: the notes straddle it
    w.svc.ctx.clock = FixedClock(datetime(2026, 11, 22, 23, 59, 0, tzinfo=CST), timedelta(seconds=20))
    try:
        txn = _buy(w, 8000)
        days = sorted({r[0][:10] for r in w.journal.raw(
            "SELECT created_at FROM journal WHERE kind = 'cash.note_escrow'")})
        assert days == ["2026-11-22", "2026-11-23"], days  # the notes went in on both days
        box = CashBox(w.journal, w.svc.ctx.clock)
        first = box.settlement(date(2026, 11, 22))
        second = box.settlement(date(2026, 11, 23))
        p = w.svc.get(txn)
        for rep in (first, second):
            assert rep["balanced"], rep
            assert not [d for d in rep["differences"] if d["kind"] == "amount_mismatch"], rep
        assert first["expected_cash_fen"] + second["expected_cash_fen"] == 8000
        [carried] = [d for d in first["differences"] if d["kind"] == "carried_forward"]
        assert carried["txn_id"] == txn and carried["settled_on"] == "2026-11-23"
        assert first["carried_forward_fen"] == first["expected_cash_fen"] and first["credited_fen"] == 0
        [brought] = [d for d in second["differences"] if d["kind"] == "brought_forward"]
        assert brought["amount_fen"] == second["brought_forward_fen"] == first["expected_cash_fen"]
        assert (second["credited_fen"], second["remainder_fen"]) == (p.cost_fen, p.remainder_fen)
    finally:
        w.close()
