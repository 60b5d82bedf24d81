"""The purchase core driving the real card profiles through pcscd and the vpcd emulator:
read, validate, write, verify, record; tears (at every APDU of the write, at every byte
prefix of the IC slot write) followed by a kiosk restart and recovery, checking INV-2: the
card changed 0 or 1 times and the journal agrees with the card."""
from __future__ import annotations

from pathlib import Path

import pytest

from devices.card.ic_layout import current_slot, decode_record, encode_record
from devices.card.ic_profile import record_for
from devices.card.readers import CardSessionHandle
from devices.sim import harness
from devices.sim.emulator import CardEmulator
from kiosk.errors import AmountError, CardBlocked, MeterNotLoaded, SamQuotaExceeded
from kiosk.fakes import FakePayment, FakePrinter, FixedClock
from kiosk.journal import Journal
from kiosk.ports import PaymentMethod
from kiosk.pricing import parse_tariff
from kiosk.purchase.ledger import credit_from_json
from kiosk.purchase.recovery import Recovery
from kiosk.purchase.service import KioskContext, PurchaseService
from kiosk.purchase.states import S
from tests.kiosk.world import TARIFF

IC_SERIAL = "11223344556677AA"
CPU_SERIAL = "11223344556677BB"


class Core:
    """The kiosk's core on its own journal directory; a new Core on the same directory is a
    kiosk restart."""

    def __init__(self, d: Path, online: bool = True, blocked: frozenset[str] = frozenset(),
                 kiosk_id: str = "KC01") -> None:
        d.mkdir(parents=True, exist_ok=True)
        self.d = d
        self.journal = Journal(d / "journal.db", kiosk_id)
        self.journal.open()
        self.payment = FakePayment(d / "payment.json")
        self.svc = PurchaseService(KioskContext(
            kiosk_id=kiosk_id, terminal_no=12, journal=self.journal, clock=FixedClock(),
            printer=FakePrinter(d / "printer.json"), tariffs=[parse_tariff(TARIFF)],
            is_online=lambda: online, is_blocked=lambda serial: serial in blocked))

    def rows(self, txn: str, kind: str) -> int:
        return int(self.journal.raw(
            f"SELECT count(*) FROM journal WHERE txn_id = '{txn}' AND kind = '{kind}'")[0][0])

    def recover(self, s: CardSessionHandle) -> None:
        Recovery(self.svc, None, {"qr": self.payment}, lambda _serial: s).run()

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
                assert emu.disarm()["fired"], (mode, nth)
        finally:
            core.close()  # the kiosk goes down here, whatever state the row is in
        assert state in (S.CARD_DONE, S.MANUAL_REVIEW, S.CARD_FAILED), (mode, nth, state)
        core = Core(tmp_path / name)  # restart
        try:
            with harness.insert_and_open(emu, readers, name) as s:
                core.recover(s)
            p = core.svc.get(txn)
            assert p.state == S.OUTBOX.value, (mode, nth, p.state, p.review_reason)
            assert _card_changes(emu, name, tech) == 1, (mode, nth)
            assert p.counter_after == 1 and core.rows(txn, "purchase.card_done") == 1
            assert core.payment.charged_fen(txn) == p.paid_fen == 3000
        finally:
            core.close()


def _ic_current(emu: CardEmulator, name: str) -> bytes:
    mem = bytes.fromhex(emu.dump(name)["memory"])
    slots = (mem[0x40:0x60], mem[0x60:0x80])
    return slots[current_slot(slots)]


def test_ic_tear_at_every_byte_prefix_of_the_slot_write_then_restart_and_recover(card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Each of the 33 prefixes (0..32 bytes of the 32-byte record landed) of the slot write:
    the kiosk goes down with the row CARD_PENDING -> MANUAL_REVIEW, restarts on the same
    journal, the card comes back (a new insertion), and recovery finishes the transaction:
    the card changed exactly once (a torn slot is never current: its CRC is wrong), the
    journal's row is closed with the card's new sequence, and one card_done row says so."""
    emu, readers = card_env
    emu.issue_ic("c", IC_SERIAL)
    d = tmp_path / "kiosk"
    s = harness.insert_and_open(emu, readers, "c")
    try:
        for k in range(33):
            core = Core(d)
            try:
                seq_before = s.read().counter
                before = _ic_current(emu, "c")
                txn = core.pay(s, 1000)
                emu.tear(mode="prefix", match="FFD0", prefix=k)
                state = core.svc.write_card(txn, s)
                assert emu.disarm()["fired"], k
                p = core.svc.get(txn)
                assert p.credit is not None
                new = encode_record(record_for(credit_from_json(p.credit)))
            finally:
                core.close()  # the kiosk goes down with the torn write
            s.close()
            assert state is S.MANUAL_REVIEW, (k, state)
            torn = _ic_current(emu, "c")
            assert torn == (new if k == 32 else before), k  # 0 or 1 changes, never a third thing
            core = Core(d)  # restart, then the card is inserted again
            try:
                s = harness.insert_and_open(emu, readers, "c")
                core.recover(s)
                p = core.svc.get(txn)
                assert p.state == S.OUTBOX.value, (k, p.state, p.review_reason)
                assert _card_changes(emu, "c", "ic") == seq_before + 1 == p.counter_after, k
                assert _ic_current(emu, "c") == new, k
                assert core.rows(txn, "purchase.card_done") == 1, k
                assert core.payment.charged_fen(txn) == p.paid_fen == 1000
            finally:
                core.close()
            emu.meter_load("c")  # the resident takes the card to the meter before buying again
    finally:
        s.close()
    assert emu.dump("c")["ec"] == 7


def test_blocked_card_is_refused_through_pcscd(card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu, readers = card_env
    emu.issue_ic("c", IC_SERIAL)
    emu.issue_cpu("p", CPU_SERIAL, balance=0)
    core = Core(tmp_path, blocked=frozenset({IC_SERIAL, CPU_SERIAL}))
    try:
        for name in ("c", "p"):
            with harness.insert_and_open(emu, readers, name) as s, pytest.raises(CardBlocked):
                core.svc.check_card(s.read(), s.offline_quota_fen())
        assert core.journal.raw("SELECT count(*) FROM purchases") == [(0,)]
    finally:
        core.close()
    assert emu.dump("c")["writes_applied"] == 0 and emu.dump("c")["psc_presentations"] == 0
    assert emu.dump("p")["loads_applied"] == 0
