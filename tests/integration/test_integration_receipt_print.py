"""Receipts from the journal row through the real drivers and simulators: every field of a
receipt decoded back from the printer simulator, the purchase's own time on originals
printed by recovery and on reprints, the offline mark as it is true when the paper comes
out, and the printer failing at each step (paper out during cash intake or the voucher,
the cover opened mid-print, not ready at begin)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.errors import PaperOut, PrinterCoverOpen, PrinterError, PrinterOffline
from kiosk.fakes import FixedClock
from kiosk.outbox import drain
from kiosk.ports import PaymentMethod, PrinterState
from kiosk.purchase.states import S

from .test_integration_cash_printer import Kiosk, begin_cash, finish, insert


@pytest.mark.parametrize("model, cols", [("80", 48), ("58", 32)])
def test_receipt_from_a_real_journal_row_field_by_field(tmp_path: Path, sims, model: str, cols: int) -> None:  # type: ignore[no-untyped-def]
    """An offline cash purchase across two tiers with a remainder: every field of the
    receipt, decoded back from what the printer simulator received, against the journal."""
    from datetime import timedelta

    from devices.printer.gbtext import width

    cash, printer = sims
    clock = FixedClock(step=timedelta(seconds=7))
    k = Kiosk(tmp_path, cash.url, printer.url, online=False, clock=clock, model=model,
              card_kw={"tier_units": 34900})
    try:
        txn = begin_cash(k, 10000)
        insert(k, cash, txn, 5000, 5000)
        assert finish(k, txn) is S.RECEIPT_DONE
        p = k.svc.get(txn)
        final = json.loads(p.quote)["final"]
        credit_when = json.loads(p.credit)["when"]
        lines = printer.lines()
        assert all(width(ln) <= cols for ln in lines)

        def value(label: str) -> str:
            """The value printed for a label: on the label's line, or right-aligned below."""
            i = next(i for i, ln in enumerate(lines) if ln.split(" ")[0] == label)
            rest = lines[i][len(label):].strip()
            return rest or lines[i + 1].strip()

        assert value("终端号") == "KI01"
        assert value("交易号") == txn
        assert value("流水号") == str(p.created_seq)
        assert value("时间") == credit_when[:10] + " " + credit_when[11:19]  # when the card was credited
        assert value("卡号") == "0102********0708"
        assert value("用户") == "12*****890"
        assert p.volume_units == final["volume"] and len(final["tiers"]) == 2
        assert value("购气量") == f"{p.volume_units // 100}.{p.volume_units % 100:02d} 立方米"
        assert value("购气金额") == f"￥{p.cost_fen // 100}.{p.cost_fen % 100:02d}"
        assert value("实付金额") == "￥100.00"
        assert p.remainder_fen > 0 and p.remainder_fen == 10000 - p.cost_fen
        assert value("余额存入账户") == f"￥{p.remainder_fen // 100}.{p.remainder_fen % 100:02d}"
        assert value("支付方式") == "现金"
        assert f"阶梯明细 (价格版本 v{final['tariff_version']})" in lines
        for t in final["tiers"]:
            vol = f"{t['volume'] // 100}.{t['volume'] % 100:02d}"
            row = [ln for ln in lines if ln.startswith(f"第{t['tier']}阶梯 {vol}×{t['price']}")]
            assert len(row) == 1 and row[0].endswith(f"￥{t['cost_fen'] // 100}.{t['cost_fen'] % 100:02d}")
        assert sum(t["cost_fen"] for t in final["tiers"]) == p.cost_fen
        assert "离线交易，待上传" in lines and "离线交易，已上传" not in lines
        assert not any("重打" in ln or "补打" in ln for ln in lines)
        [code] = printer.qr_payloads() or [None]  # native on 80 mm; raster on 58 mm
        at = lines.index("验证码")
        assert "".join(lines[at + 1:]) == (code or "".join(lines[at + 1:]))
        assert "".join(lines[at + 1:]).startswith(f"KI01:{p.created_seq}:{txn}:")
        # uploaded and acknowledged, then reprinted: the same row, the same time, and an
        # offline mark that says what is true now
        drain(k.journal, k.server, k.svc.ctx.clock)
        assert k.svc.get(txn).state == S.ACKED.value
        printer.clear()
        assert k.svc.reprint(txn)
        again = printer.lines()
        assert again[2] == "重打 / DUPLICATE 第1次"
        assert [ln for ln in again if ln.startswith("时间")] == [ln for ln in lines if ln.startswith("时间")]
        assert any(ln.startswith("打印时间") for ln in again)
        assert "离线交易，已上传" in again and "离线交易，待上传" not in again
        assert again[again.index("验证码"):] == lines[at:]  # the same code
    finally:
        k.close()


def test_original_printed_by_recovery_shows_the_purchase_time(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    """The kiosk dies after the card was credited, before the receipt; recovery prints the
    original at start-up: it shows when the card was credited, not when it restarted."""
    from datetime import timedelta

    cash, printer = sims
    k = Kiosk(tmp_path, cash.url, printer.url)
    txn = begin_cash(k, 5000)
    insert(k, cash, txn, 5000)
    k.acceptor.inhibit()
    assert k.svc.finish_payment(txn) is S.PAID
    assert k.svc.write_card(txn, k.card) is S.CARD_DONE
    when = json.loads(k.svc.get(txn).credit)["when"]
    k.close()
    later = FixedClock(start=FixedClock().t + timedelta(hours=3))
    k = Kiosk(tmp_path, cash.url, printer.url, clock=later)
    try:
        k.recover()
        assert k.svc.get(txn).state == S.OUTBOX.value
        times = [ln for ln in printer.lines() if ln.startswith("时间")]
        assert times == ["时间" + " " * (48 - 2 * 2 - 19) + when[:10] + " " + when[11:19]]
        assert not any(ln.startswith("打印时间") for ln in printer.lines())  # an original
    finally:
        k.close()


def test_paper_runs_out_during_cash_intake(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    """The printer was ready at begin; the roll ends while notes go in. The purchase goes on,
    the card is credited, the receipt fails (RECEIPT_FAILED) and a late print is offered."""
    cash, printer = sims
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        txn = begin_cash(k, 7000)
        insert(k, cash, txn, 5000)
        printer.set_paper("out")  # between two notes
        assert k.svc.printer_ready() is PrinterState.PAPER_OUT
        insert(k, cash, txn, 2000)
        assert finish(k, txn) is S.RECEIPT_FAILED
        p = k.svc.get(txn)
        assert p.paid_fen == 7000 and k.card.dump()["amount"] == p.cost_fen > 0  # the credit stands
        row = k.journal.raw("SELECT body FROM journal WHERE kind = 'purchase.receipt_failed'")[0][0]
        assert json.loads(row)["reason"] == "printer"
        assert printer.cut_pages() == []
        printer.set_paper("ok")
        assert k.svc.reprint(txn)
        assert any(ln.startswith("补打 / LATE PRINT 第1次") for ln in printer.lines())
    finally:
        k.close()


def test_paper_runs_out_during_the_voucher(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    """The card refuses the write, and the voucher cannot be printed whole: the cash is held
    for review all the same, the row says no voucher came out, the settlement says so."""
    from datetime import date

    cash, printer = sims
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        k.card.set(refuse_writes=True)
        txn = begin_cash(k, 5000)
        insert(k, cash, txn, 5000)
        k.acceptor.inhibit()
        assert k.svc.finish_payment(txn) is S.PAID
        assert k.svc.write_card(txn, k.card) is S.CARD_FAILED
        printer.run_out_of_paper_after(120)
        assert k.svc.fail_without_credit(txn, None) is S.MANUAL_REVIEW
        assert k.svc.voucher_printed(txn) is False
        p = k.svc.get(txn)
        assert p.review_fen == 5000 and p.cost_fen == 0
        row = k.journal.raw("SELECT body FROM journal WHERE kind = 'purchase.voucher'")[0][0]
        assert json.loads(row)["voucher_printed"] is False
        assert printer.cut_pages() == []
        report = k.box.settlement(date.fromisoformat(p.created_at[:10]), k.acceptor.stacked_counter())
        [d] = [d for d in report["differences"] if d["kind"] == "manual_review"]
        assert "NO voucher could be printed" in d["explanation"] and report["review_fen"] == 5000
    finally:
        k.close()


def test_cover_opens_mid_print(tmp_path: Path, sims) -> None:  # type: ignore[no-untyped-def]
    cash, printer = sims
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        txn = begin_cash(k, 5000)
        insert(k, cash, txn, 5000)
        printer.open_cover_after(300)
        assert finish(k, txn) is S.RECEIPT_FAILED
        assert k.svc.printer_ready() is PrinterState.COVER_OPEN
        assert k.card.dump()["amount"] == 4998  # the credit stands
        assert printer.cut_pages() == []
        printer.set_cover_open(False)
        printer.clear()
        assert k.svc.reprint(txn)
        assert printer.lines()[2].startswith("补打 / LATE PRINT 第1次")
        assert len(printer.cut_pages()) == 1
    finally:
        k.close()


@pytest.mark.parametrize("fault, error", [("paper", PaperOut), ("cover", PrinterCoverOpen),
                                          ("offline", PrinterOffline)])
def test_printer_not_ready_at_begin_names_its_cause(tmp_path: Path, sims, fault: str, error: type) -> None:  # type: ignore[no-untyped-def]
    cash, printer = sims
    {"paper": lambda: printer.set_paper("out"), "cover": lambda: printer.set_cover_open(True),
     "offline": lambda: printer.set_offline(True)}[fault]()
    k = Kiosk(tmp_path, cash.url, printer.url)
    try:
        check = k.svc.check_card(k.card.read())
        with pytest.raises(PrinterError) as e:
            k.svc.begin(check, "amount", 5000, PaymentMethod.CASH)
        assert type(e.value) is error
        # the resident may still go on without a paper receipt
        txn = k.svc.begin(check, "amount", 5000, PaymentMethod.CASH, accept_no_receipt=True)
        assert json.loads(k.svc.get(txn).quote)["no_receipt"] is True
    finally:
        k.close()
