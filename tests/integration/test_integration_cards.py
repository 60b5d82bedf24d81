"""The purchase core driving the real card profiles through pcscd and the vpcd emulator:
read, validate, write, verify, record; tears followed by a kiosk restart and recovery."""
from __future__ import annotations

from pathlib import Path

import pytest

from devices.card.ic_layout import current_slot, decode_record
from devices.card.readers import CardSessionHandle
from devices.sim import harness
from devices.sim.emulator import CardEmulator
from kiosk.errors import AmountError, MeterNotLoaded, SamQuotaExceeded
from kiosk.fakes import FakePayment, FakePrinter, FixedClock
from kiosk.journal import Journal
from kiosk.ports import PaymentMethod
from kiosk.pricing import parse_tariff
from kiosk.purchase.recovery import Recovery
from kiosk.purchase.service import KioskContext, PurchaseService
from kiosk.purchase.states import S
from tests.kiosk.world import TARIFF

IC_SERIAL = "11223344556677AA"
CPU_SERIAL = "11223344556677BB"


class Core:
    def __init__(self, d: Path, online: bool = True) -> None:
        d.mkdir(parents=True, exist_ok=True)
        self.d = d
        self.journal = Journal(d / "journal.db", "KC01")
        self.journal.open()
        self.payment = FakePayment(d / "payment.json")
        self.svc = PurchaseService(KioskContext(
            kiosk_id="KC01", terminal_no=12, journal=self.journal, clock=FixedClock(),
            printer=FakePrinter(d / "printer.json"), tariffs=[parse_tariff(TARIFF)],
            is_online=lambda: online))

    def pay(self, s: CardSessionHandle, amount: int) -> str:
        check = self.svc.check_card(s.read(), s.offline_quota_fen())
        txn = self.svc.begin(check, "amount", amount, PaymentMethod.QR)
        assert self.svc.pay_electronic(txn, self.payment) is S.PAID
        return txn

    def buy(self, s: CardSessionHandle, amount: int) -> tuple[str, S]:
        txn = self.pay(s, amount)
        return txn, self.svc.write_card(txn, s)

    def finish(self, txn: str) -> None:
        self.svc.print_receipt(txn)
        self.svc.close(txn)

    def close(self) -> None:
        self.journal.close()


def test_ic_purchase_through_pcscd(card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu, readers = card_env
    emu.issue_ic("c", IC_SERIAL)
    core = Core(tmp_path)
    try:
        with harness.insert_and_open(emu, readers, "c") as s:
            txn, state = core.buy(s, 5000)
            assert state is S.CARD_DONE
            core.finish(txn)
        p = core.svc.get(txn)
        with harness.insert_and_open(emu, readers, "c") as s:
            snap = s.read()
        assert snap.record is not None and snap.record.seq == 1 == p.counter_after
        assert snap.record.volume_units == p.volume_units == 1915
        assert snap.record.amount_fen == p.cost_fen == 4998 and p.remainder_fen == 2
        assert snap.record.terminal == 12
        # the meter has not loaded this purchase: no money for the next one
        with harness.insert_and_open(emu, readers, "c") as s, pytest.raises(MeterNotLoaded):
            core.svc.check_card(s.read())
        emu.meter_load("c")
        with harness.insert_and_open(emu, readers, "c") as s:
            txn2, state2 = core.buy(s, 2000)
        assert state2 is S.CARD_DONE and core.svc.get(txn2).counter_after == 2
    finally:
        core.close()


def test_cpu_purchase_through_pcscd_with_the_sam(card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu, readers = card_env
    emu.issue_cpu("p", CPU_SERIAL, balance=300)
    core = Core(tmp_path)
    try:
        quota_before = emu.dump("sam")["quota"]
        with harness.insert_and_open(emu, readers, "p") as s:
            txn, state = core.buy(s, 10000)
            assert state is S.CARD_DONE
        p = core.svc.get(txn)
        with harness.insert_and_open(emu, readers, "p") as s:
            snap = s.read()
        assert snap.balance_fen == 10300 and snap.atc == 1 == p.counter_after
        assert p.proof is not None and '"tac"' in p.proof
        assert emu.dump("sam")["quota"] == quota_before - 10000
    finally:
        core.close()


def test_offline_load_above_the_sam_quota_refused_before_money(card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu, readers = card_env
    emu.issue_cpu("p", CPU_SERIAL, balance=0)
    emu.set_quota(3000)
    core = Core(tmp_path, online=False)
    try:
        with harness.insert_and_open(emu, readers, "p") as s:
            check = core.svc.check_card(s.read(), s.offline_quota_fen())
            assert check.max_fen == 3000
            with pytest.raises(AmountError):
                core.svc.begin(check, "amount", 5000, PaymentMethod.CASH)
        emu.set_quota(50)
        with harness.insert_and_open(emu, readers, "p") as s, pytest.raises(SamQuotaExceeded):
            core.svc.check_card(s.read(), s.offline_quota_fen())
        assert core.journal.raw("SELECT count(*) FROM purchases") == [(0,)]
        assert emu.dump("p")["loads_applied"] == 0
    finally:
        core.close()


def _card_changes(emu: CardEmulator, name: str, tech: str) -> int:
    """How many purchases the card itself shows (from the chip, not through the kiosk)."""
    d = emu.dump(name)
    if tech == "cpu":
        return int(d["loads_applied"])
    mem = bytes.fromhex(d["memory"])
    slots = (mem[0x40:0x60], mem[0x60:0x80])
    rec = decode_record(slots[current_slot(slots)])
    assert rec is not None
    return rec.seq


@pytest.mark.parametrize("tech", ["ic", "cpu"])
def test_tear_at_every_write_apdu_then_restart_and_recover(card_env, tmp_path: Path, tech: str) -> None:  # type: ignore[no-untyped-def]
    """INV-2 with the journal: whatever APDU the card is pulled at, after a kiosk restart and
    recovery the card carries the credit exactly once and the journal agrees."""
    emu, readers = card_env
    n_apdus = 5 if tech == "ic" else 6
    for i, (mode, nth) in enumerate((m, n) for m in ("before", "after") for n in range(n_apdus)):
        name, serial = f"{tech}{i}", f"{'AB' if tech == 'ic' else 'CD'}0000000000{i:04X}"
        if tech == "ic":
            emu.issue_ic(name, serial)
        else:
            emu.issue_cpu(name, serial, balance=0)
        core = Core(tmp_path / name)
        try:
            with harness.insert_and_open(emu, readers, name) as s:
                txn = core.pay(s, 3000)
                emu.tear(nth=nth, mode=mode)
                state = core.svc.write_card(txn, s)
                emu.disarm()
        finally:
            core.close()  # the kiosk goes down here, whatever state the row is in
        assert state in (S.CARD_DONE, S.MANUAL_REVIEW, S.CARD_FAILED), (mode, nth, state)
        core = Core(tmp_path / name)  # restart
        try:
            with harness.insert_and_open(emu, readers, name) as s:
                Recovery(core.svc, None, {"qr": core.payment}, lambda _serial: s).run()
            p = core.svc.get(txn)
            assert p.state == S.OUTBOX.value, (mode, nth, p.state, p.review_reason)
            assert _card_changes(emu, name, tech) == 1, (mode, nth)
            assert p.counter_after == 1
            assert core.payment.charged_fen(txn) == p.paid_fen == 3000
        finally:
            core.close()
