"""Cash and receipts through the real drivers and simulators: the ccTalk acceptor over a
pyserial socket:// URL, the ESC/POS printer over TCP, the journal on a real SQLite file."""
from __future__ import annotations

import json
import os
import signal
from collections import Counter
from pathlib import Path

import pytest

from devices.cash.acceptor import BillAcceptor
from devices.printer import EscposReceiptPrinter
from devices.sim.cash_sim import CashSimulator
from kiosk import crashpoints
from kiosk.cashbox import CashBox
from kiosk.errors import NoteJammed, PaperOut
from kiosk.fakes import FakeCard, FakeServer, FixedClock
from kiosk.journal import Journal
from kiosk.outbox import drain
from kiosk.ports import PaymentMethod
from kiosk.pricing import parse_tariff
from kiosk.purchase.recovery import Recovery
from kiosk.purchase.service import KioskContext, PurchaseService
from kiosk.purchase.states import S
from tests.kiosk.world import TARIFF


class Kiosk:
    """One kiosk process's worth of core, on real device drivers."""

    def __init__(self, d: Path, cash_url: str, printer_url: str, *, online: bool = True,
                 clock: FixedClock | None = None, model: str = "80",
                 card_kw: dict[str, object] | None = None) -> None:
        d.mkdir(parents=True, exist_ok=True)
        self.journal = Journal(d / "journal.db", "KI01")
        self.journal.open()
        self.acceptor = BillAcceptor.open(cash_url, stack_timeout=3.0, poll_interval=0.01)
        self.printer = EscposReceiptPrinter.from_config(printer_url, model)
        self.card = FakeCard(d / "card.json", **(card_kw or {}))  # type: ignore[arg-type]
        self.server = FakeServer(d / "server.db")
        self.svc = PurchaseService(KioskContext(
            kiosk_id="KI01", terminal_no=3, journal=self.journal, clock=clock or FixedClock(),
            printer=self.printer, tariffs=[parse_tariff(TARIFF)], is_online=lambda: online))
        self.box = CashBox(self.journal, self.svc.ctx.clock)

    def recover(self) -> None:
        Recovery(self.svc, self.acceptor, {}, lambda serial: self.card).run()

    def close(self) -> None:
        self.acceptor.close()
        self.journal.close()
        self.server.close()


def begin_cash(k: Kiosk, amount: int) -> str:
    check = k.svc.check_card(k.card.read())
    txn = k.svc.begin(check, "amount", amount, PaymentMethod.CASH)
    k.svc.cash_enable(txn, k.acceptor)
    return txn


def insert(k: Kiosk, sim: CashSimulator, txn: str, *notes: int) -> int:
    total = 0
    for fen in notes:
        assert sim.insert_note(fen) == "escrow", f"{fen} not taken into escrow"
        total = k.svc.take_note(txn, k.acceptor)
    return total


def finish(k: Kiosk, txn: str) -> S:
    k.acceptor.inhibit()
    assert k.svc.finish_payment(txn) is S.PAID
    assert k.svc.write_card(txn, k.card) is S.CARD_DONE
    state = k.svc.print_receipt(txn)
    k.svc.close(txn)
    return state


def test_cash_purchase_with_a_printed_chinese_receipt(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    cash, printer = sims
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        txn = begin_cash(k, 15000)
        assert insert(k, cash, txn, 10000, 5000) == 15000
        # the maximum is reached: the acceptor takes nothing more
        assert cash.insert_note(1000) in ("rejected", "refused")
        assert finish(k, txn) is S.RECEIPT_DONE
        assert cash.stacked_notes() == {10000: 1, 5000: 1}
        text = "\n".join(printer.lines())
        assert "150.00" in text and k.svc.get(txn).txn_id[:8] in text.replace(" ", "")
        assert any(txn in q for q in printer.qr_payloads())
        drain(k.journal, k.server, k.svc.ctx.clock)
        assert k.svc.get(txn).state == S.ACKED.value
    finally:
        k.close()


def test_jammed_note_is_not_counted_and_is_listed(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    """A note jams while stacking: not counted, held for review, and an open item wherever a
    person looks: the receipt, the box report, the settlement, the technician's findings."""
    from datetime import date

    from kiosk.technician import Severity, diagnose

    cash, printer = sims
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        txn = begin_cash(k, 7000)
        insert(k, cash, txn, 5000)
        cash.jam("stacker")
        assert cash.insert_note(2000) == "escrow"
        with pytest.raises(NoteJammed) as e:
            k.svc.take_note(txn, k.acceptor)
        assert e.value.code == "N005"
        # what the resident's screen is given: the note, not counted, the number
        assert e.value.data["txn_id"] == txn and e.value.data["note_fen"] == 2000
        assert e.value.data["counted"] is False
        assert k.svc.get(txn).paid_fen == 5000
        notes = k.journal.raw("SELECT denom_fen, state FROM cash_notes ORDER BY id")
        assert notes == [(5000, "stacked"), (2000, "jammed")]
        assert finish(k, txn) is S.RECEIPT_DONE
        # the receipt: paid 50, and the 20 yuan note jammed and held for staff, with the txn
        lines = printer.lines()
        assert any(ln.startswith("实付金额") and ln.endswith("￥50.00") for ln in lines)
        text = "".join(lines)
        assert "卡钞：一张20.00元纸币卡在机内，未计入实付金额" in text
        assert f"Note jammed: 20.00 yuan held for staff, txn {txn}" in text
        assert f"请凭交易号 {txn} 联系工作人员" in text
        day = date.fromisoformat(k.svc.get(txn).created_at[:10])
        jam_at = k.journal.raw("SELECT created_at FROM journal WHERE kind = 'cash.note_jammed'")[0][0]
        # the box report: an open difference with txn, denomination and time
        box = k.box.status(k.acceptor.stacked_counter())
        [jam] = [d for d in box.differences if d["kind"] == "note_jammed"]
        assert (jam["txn_id"], jam["amount_fen"], jam["at"]) == (txn, 2000, jam_at)
        assert box.total_fen == 5000 == sum(f * n for f, n in cash.stacked_notes().items())
        # the technician: an alert naming it
        found = diagnose(None, {"state": "ok"}, box.to_json(), {"serves": ["ic"]})
        [f] = [f for f in found if f.code == "CASH-NOTE-JAMMED"]
        assert f.severity is Severity.ALERT and f.args == ("2000", txn, jam_at)
        # the settlement: the cassette balances, the jam is listed and is money taken
        report = k.box.settlement(day, k.acceptor.stacked_counter())
        assert report["expected_cash_fen"] == 5000 == sum(f * n for f, n in cash.stacked_notes().items())
        assert report["balanced"]
        assert report["jammed_fen"] == 2000 and report["taken_fen"] == 7000
        [d] = [d for d in report["differences"] if d["kind"] == "note_jammed"]
        assert (d["txn_id"], d["amount_fen"], d["at"]) == (txn, 2000, jam_at)
        assert "held for review" in d["explanation"]
        assert cash.clear_jam() == [2000]  # the technician finds exactly that note
        # the next collection carries it on its row and its slip; the box report starts again
        printer.clear()
        cash.remove_cassette()
        rep = k.box.collect(k.acceptor.stacked_counter(), k.printer, who="tech01")
        assert [x["txn_id"] for x in rep.differences if x["kind"] == "note_jammed"] == [txn]
        assert any(ln.startswith("卡钞 20.00元 交易号") for ln in printer.lines())
        cash.replace_cassette()
        assert not [x for x in k.box.status(k.acceptor.stacked_counter()).differences
                    if x["kind"] == "note_jammed"]
    finally:
        k.close()


def test_only_note_jams_the_purchase_ends_with_a_jam_slip(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    cash, printer = sims
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        txn = begin_cash(k, 5000)
        cash.jam("stacker")
        assert cash.insert_note(5000) == "escrow"
        with pytest.raises(NoteJammed):
            k.svc.take_note(txn, k.acceptor)
        k.acceptor.inhibit()
        assert k.svc.finish_payment(txn) is S.CANCELLED  # no credit: nothing was counted
        text = "".join(printer.lines())
        assert "卡钞凭证 JAMMED NOTE" in text and "卡钞：一张50.00元纸币卡在机内" in text
        assert f"请凭交易号 {txn} 联系工作人员" in text
        assert any(ln.startswith("实付金额") and ln.endswith("￥0.00") for ln in printer.lines())
        body = k.journal.raw("SELECT body FROM journal WHERE kind = 'purchase.cancel'")[0][0]
        assert json.loads(body)["jammed_fen"] == 5000
        assert k.card.dump()["amount"] == 0
    finally:
        k.close()


def test_power_cut_after_a_jam_before_it_was_journalled(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    """The kiosk dies between the jam and its journal row; the acceptor keeps running.
    Recovery asks the acceptor (its buffered events say it is jammed): the note is held for
    review, not "given back" (the resident does not have it)."""
    cash, printer = sims
    k = Kiosk(tmp_path, cash.url, printer.url)
    txn = begin_cash(k, 7000)
    insert(k, cash, txn, 5000)
    cash.jam("stacker")
    assert cash.insert_note(2000) == "escrow"
    k.close()
    pid = os.fork()
    if pid == 0:
        os.environ["KIOSK_CRASH_AT"] = "before:note_jammed"
        crashpoints.configure_from_env()
        child = Kiosk(tmp_path, cash.url, printer.url)
        child.svc.take_note(txn, child.acceptor)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        k.recover()
        assert k.journal.raw("SELECT denom_fen, state FROM cash_notes ORDER BY id") == [
            (5000, "stacked"), (2000, "jammed")]
        assert 2000 not in cash.returned_notes and cash.jammed_notes == [2000]
        p = k.svc.get(txn)
        assert p.paid_fen == 5000 and p.cost_fen + p.remainder_fen == 5000
    finally:
        k.close()


UNKNOWN_EN = "a note of unknown value stuck in the transport"


def test_a_note_jammed_in_the_transport_before_escrow_is_held_as_of_unknown_value(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    """ccTalk 16 (jammed in transport) comes before escrow: the acceptor never validated the
    note. It is journalled for the purchase as a jammed note of unknown value (no money
    taken) and every list of jammed notes says so honestly: the receipt, the box report and
    its collection slip, the settlement (a difference; the day does not balance), the
    technician's finding, the row the server gets. Never "0.00 yuan"."""
    from datetime import date

    from kiosk.cashbox import collection_slip
    from kiosk.technician import Severity, diagnose
    from sync.protocol import CashJamUnknownEvent, parse_event

    cash, printer = sims
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        txn = begin_cash(k, 7000)
        insert(k, cash, txn, 5000)
        cash.jam("transport")
        assert cash.insert_note(2000) == "jammed"  # stuck on its way in: no escrow event
        with pytest.raises(NoteJammed) as e:
            k.svc.take_note(txn, k.acceptor)
        # what the resident's screen is given: under which number, not counted, value unknown
        assert e.value.data["stage"] == "transport" and e.value.data["txn_id"] == txn
        assert e.value.data["note_fen"] is None and e.value.data["value_known"] is False
        assert e.value.data["counted"] is False
        assert k.svc.get(txn).paid_fen == 5000  # not money taken
        assert k.journal.raw("SELECT denom_fen, state FROM cash_notes ORDER BY id") == [(5000, "stacked")]
        [(row_txn, body, jam_at)] = k.journal.raw(
            "SELECT txn_id, body, created_at FROM journal WHERE kind = 'cash.note_jammed_unknown'")
        assert row_txn == txn
        ev = parse_event("cash.note_jammed_unknown", body)  # the server's model of the row
        assert isinstance(ev, CashJamUnknownEvent) and ev.stage == "transport" and ev.cctalk_code == 16
        assert not ev.recovered and ev.value_known is False
        assert finish(k, txn) is S.RECEIPT_DONE
        lines = printer.lines()
        assert any(ln.startswith("实付金额") and ln.endswith("￥50.00") for ln in lines)
        text = "".join(lines)
        assert "卡钞：一张面额不明的纸币卡在机内（未经识别），未计入实付金额" in text
        assert f"Note jammed: {UNKNOWN_EN}, held for staff, txn {txn}" in text
        assert f"请凭交易号 {txn} 联系工作人员" in text and "0.00元纸币" not in text
        # the box report: an open difference, of unknown value, with txn and time
        box = k.box.status(k.acceptor.stacked_counter())
        [jam] = [d for d in box.differences if d["kind"] == "note_jammed"]
        assert (jam["txn_id"], jam["amount_fen"], jam["value_known"], jam["at"]) == (txn, None, False, jam_at)
        assert UNKNOWN_EN in jam["explanation"] and "0.00 yuan" not in jam["explanation"]
        assert box.total_fen == 5000 == sum(f * n for f, n in cash.stacked_notes().items())
        assert not box.counter_mismatch
        slip = collection_slip(box, "2026-01-01T10:00:00", "tech01")
        assert any(ln.startswith(f"卡钞 面额不明 交易号 {txn}") for ln in slip)
        assert not any("0.00元 交易号" in ln for ln in slip)
        # the technician: an alert naming the purchase, with no amount
        found = diagnose(None, {"state": "ok"}, box.to_json(), {"serves": ["ic"]})
        [f] = [f for f in found if f.code == "CASH-NOTE-JAMMED"]
        assert f.severity is Severity.ALERT and f.args == ("", txn, jam_at) and UNKNOWN_EN in f.text
        # the settlement: the cassette's money adds up, but a note of unknown value is held
        report = k.box.settlement(date.fromisoformat(jam_at[:10]), k.acceptor.stacked_counter())
        assert report["expected_cash_fen"] == 5000 and report["credited_fen"] + report["remainder_fen"] == 5000
        assert report["jammed_fen"] == 0 and report["taken_fen"] == 5000
        assert report["jammed_unknown_notes"] == 1 and report["balanced"] is False
        [d] = [d for d in report["differences"] if d["kind"] == "note_jammed"]
        assert d["amount_fen"] is None and UNKNOWN_EN in d["explanation"] and "held for staff" in d["explanation"]
        # the outbox takes it to the server like every other row
        drain(k.journal, k.server, k.svc.ctx.clock)
        assert "cash.note_jammed_unknown" in [r[3] for r in k.server.rows()]
        assert cash.clear_jam() == [2000]  # what the technician takes out
    finally:
        k.close()


def test_a_first_note_jammed_in_the_transport_ends_with_a_jam_slip(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    cash, printer = sims
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        txn = begin_cash(k, 5000)
        cash.jam("transport")
        assert cash.insert_note(5000) == "jammed"
        with pytest.raises(NoteJammed):
            k.svc.take_note(txn, k.acceptor)
        k.acceptor.inhibit()
        assert k.svc.finish_payment(txn) is S.CANCELLED  # nothing was counted, no gas
        text = "".join(printer.lines())
        assert "卡钞凭证 JAMMED NOTE" in text and "一张面额不明的纸币卡在机内" in text
        assert f"请凭交易号 {txn} 联系工作人员" in text and "0.00元纸币" not in text
        body = json.loads(k.journal.raw("SELECT body FROM journal WHERE kind = 'purchase.cancel'")[0][0])
        assert (body["jammed_fen"], body["jammed_notes"]) == (0, 1)
        assert k.card.dump()["amount"] == 0
    finally:
        k.close()


def test_power_cut_after_a_transport_jam_before_it_was_journalled(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    """The kiosk dies between the acceptor's transport-jam report and its journal row. At the
    restart the acceptor's buffered events say it is jammed and no row of the open purchase
    says so: recovery journals a jammed note of unknown value for it (found at start-up)."""
    cash, printer = sims
    k = Kiosk(tmp_path, cash.url, printer.url)
    txn = begin_cash(k, 7000)
    insert(k, cash, txn, 5000)
    k.close()
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the kiosk process that dies at the crash point (and never returns to pytest)
        try:
            os.close(ready_r)
            os.close(go_w)
            os.environ["KIOSK_CRASH_AT"] = "before:note_jammed_unknown"
            crashpoints.configure_from_env()
            child = Kiosk(tmp_path, cash.url, printer.url)
            child.svc.cash_enable(txn, child.acceptor)
            os.write(ready_w, b"r")
            os.read(go_r, 1)
            child.svc.take_note(txn, child.acceptor)
        finally:
            os._exit(1)
    os.close(ready_w)
    os.close(go_r)
    assert os.read(ready_r, 1) == b"r"
    cash.jam("transport")
    assert cash.insert_note(2000) == "jammed"
    os.write(go_w, b"g")
    os.close(go_w)
    _, status = os.waitpid(pid, 0)
    os.close(ready_r)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        assert k.journal.raw("SELECT count(*) FROM journal WHERE kind = 'cash.note_jammed_unknown'") == [(0,)]
        k.recover()
        [(row_txn, body)] = k.journal.raw(
            "SELECT txn_id, body FROM journal WHERE kind = 'cash.note_jammed_unknown'")
        assert row_txn == txn and json.loads(body)["recovered"] is True
        p = k.svc.get(txn)
        assert p.paid_fen == 5000 and p.cost_fen + p.remainder_fen == 5000
        [d] = [d for d in k.box.status(k.acceptor.stacked_counter()).differences if d["kind"] == "note_jammed"]
        assert d["amount_fen"] is None and "found at start-up" in d["explanation"]
        assert cash.jammed_notes == [2000] and 2000 not in cash.returned_notes
    finally:
        k.close()


@pytest.mark.parametrize("point, stacked", [("before:note_escrow", False),
                                            ("effect:stack:before", False),
                                            ("effect:stack:after", True)])
def test_power_cut_between_escrow_and_stack(tmp_path: Path, sims, point: str, stacked: bool) -> None:  # type: ignore[no-untyped-def]
    """The kiosk process dies with a note committed to the journal but not (or not known to
    be) stacked; the acceptor is power-cycled; recovery settles by the accept counter."""
    cash, printer = sims
    k = Kiosk(tmp_path, cash.url, printer.url)
    txn = begin_cash(k, 7000)
    insert(k, cash, txn, 5000)
    assert cash.insert_note(2000) == "escrow"
    k.close()  # the note stays held in escrow
    pid = os.fork()
    if pid == 0:  # the kiosk process that dies
        os.environ["KIOSK_CRASH_AT"] = point
        crashpoints.configure_from_env()
        child = Kiosk(tmp_path, cash.url, printer.url)
        child.svc.take_note(txn, child.acceptor)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    if point != "before:note_escrow":
        cash.power_cycle()  # a note left in escrow comes back out
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        k.recover()
        taken = sum(f * n for f, n in cash.stacked_notes().items())
        assert taken == (7000 if stacked else 5000)
        assert (2000 in cash.returned_notes) is not stacked  # back to the resident
        assert cash.escrow_note is None  # never left for the next resident's purchase
        p = k.svc.get(txn)
        assert p.paid_fen == taken  # the journal agrees with the cassette: nothing lost or invented
        assert p.state in (S.OUTBOX.value, S.ACKED.value)
        assert p.cost_fen + p.remainder_fen == taken
    finally:
        k.close()


def test_paper_out_before_payment_offers_no_receipt(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    cash, printer = sims
    printer.set_paper("out")
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        check = k.svc.check_card(k.card.read())
        with pytest.raises(PaperOut):
            k.svc.begin(check, "amount", 5000, PaymentMethod.CASH)
        assert cash.stacked_notes() == {}  # no money taken before the resident chose
        txn = k.svc.begin(check, "amount", 5000, PaymentMethod.CASH, accept_no_receipt=True)
        k.svc.cash_enable(txn, k.acceptor)
        insert(k, cash, txn, 5000)
        assert finish(k, txn) is S.RECEIPT_FAILED
        p = k.svc.get(txn)  # the credit stands: 50 yuan buys 19.15 m3 for 49.98 + 0.02 credit
        assert k.card.dump()["amount"] == p.cost_fen == 4998 and p.remainder_fen == 2
        printer.set_paper("ok")
        assert k.svc.reprint(txn)
        # no original ever came out: a late print, counted, that claims no printed original
        assert any(line.startswith("补打 / LATE PRINT 第1次") for line in printer.lines())
        assert not any("重打" in line for line in printer.lines())
    finally:
        k.close()


def test_paper_runs_out_at_every_point_of_the_receipt(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    cash, printer = sims
    k = Kiosk(tmp_path / "size", cash.url, printer.url)
    try:  # measure one receipt
        txn = begin_cash(k, 5000)
        insert(k, cash, txn, 5000)
        finish(k, txn)
        size = len(printer.received())
    finally:
        k.close()
    assert size > 300
    for i, cut_at in enumerate(range(20, size, max(size // 12, 1))):
        printer.clear()
        printer.set_paper("ok")
        printer.run_out_of_paper_after(cut_at)
        k = Kiosk(tmp_path / f"k{i}", cash.url, printer.url)
        try:
            txn = begin_cash(k, 5000)
            insert(k, cash, txn, 5000)
            assert finish(k, txn) is S.RECEIPT_FAILED, cut_at
            assert k.card.dump()["amount"] == 4998  # a printer fault never undoes a credit
            printer.run_out_of_paper_after(None)
            printer.set_paper("ok")
            printer.clear()
            assert k.svc.reprint(txn), cut_at
            assert any(line.startswith("补打 / LATE PRINT 第1次") for line in printer.lines()), cut_at
        finally:
            k.close()


def test_end_of_day_settlement_and_collection_equal_the_journal(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    cash, printer = sims
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        for notes in ((10000,), (5000, 2000), (2000, 1000, 500)):
            txn = begin_cash(k, sum(notes))
            insert(k, cash, txn, *notes)
            finish(k, txn)
            k.card.meter_load()  # the resident loads the meter before the next purchase
        k.card.set(refuse_writes=True)  # the last one cannot be written: voucher + review
        txn = begin_cash(k, 2000)
        insert(k, cash, txn, 2000)
        k.acceptor.inhibit()
        k.svc.finish_payment(txn)
        assert k.svc.write_card(txn, k.card) is S.CARD_FAILED
        assert k.svc.fail_without_credit(txn, None) is S.MANUAL_REVIEW
        assert any("现金凭证" in line for line in printer.lines())
        from datetime import date

        report = k.box.settlement(date.fromisoformat(k.svc.get(txn).created_at[:10]))
        in_box = cash.stacked_notes()
        assert report["expected_cash_fen"] == sum(f * n for f, n in in_box.items()) == 22500
        assert report["notes"] == {str(f): n for f, n in sorted(in_box.items())}
        assert report["review_fen"] == 2000 and report["balanced"]
        assert [d["kind"] for d in report["differences"]] == ["manual_review"]
        status = k.box.status(k.acceptor.stacked_counter())
        assert status.total_fen == 22500 and status.differences == []
        removed = cash.remove_cassette()
        rep = k.box.collect(k.acceptor.stacked_counter(), k.printer, who="tech01")
        assert Counter(rep.notes) == Counter(removed)
        assert any("合计" in line for line in printer.lines())
        cash.replace_cassette()
        assert k.box.status(k.acceptor.stacked_counter()).total_fen == 0
        row = k.journal.raw("SELECT body FROM journal WHERE kind = 'cash.collection'")
        assert json.loads(row[0][0])["total_fen"] == 22500
    finally:
        k.close()
