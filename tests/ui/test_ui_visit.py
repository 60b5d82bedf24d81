"""One resident's visit and its end: the start screen never keeps a visit alive behind it,
the idle warning gives way to any touch of the header, every personal detail leaves the
widgets, a second repair request can be sent, buying gas by volume with cash stops at the
price, a meter's leak alarm leads to the emergency advice, and a receipt that could not be
printed is on screen as its QR code and can be printed later."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.masking import mask_customer, mask_serial
from kiosk.purchase.receipts import parse_code
from kiosk.purchase.states import S
from tests.ui.test_ui_purchase import decode_qr, purchase_states
from tests.ui.uikit import buy_until_screen, press, rows, text, wait_screen, wait_until


def start_cash(k) -> None:  # type: ignore[no-untyped-def]
    press(k.win, "pay_cash")
    wait_screen(k.win, "cash")
    wait_until(lambda: k.win.session._cash_polling, what="cash polling")


def test_staff_called_from_the_idle_warning_goes_back_to_the_visit(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    buy_until_screen(kiosk, "ic", "amount", 0)  # 50 yuan
    start_cash(kiosk)
    session = win.session
    win._idle_expired()
    wait_screen(win, "idle")
    press(win, "call_staff")
    wait_screen(win, "staff")
    press(win, "staff_back")
    wait_screen(win, "cash")  # back where the resident was, the same visit
    assert win.session is session
    assert rig.cash_sim.insert_note(5000) == "escrow"
    wait_screen(win, "done", timeout=15)
    assert purchase_states(rig) == [(S.OUTBOX.value, 5000, 4998, 2)]


def test_the_start_screen_ends_a_visit_without_money(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    buy_until_screen(kiosk, "ic", "amount", 0)
    start_cash(kiosk)
    win.go("attract")  # whatever leads there: the visit ends, the row is closed, no notes go in
    wait_until(lambda: rig.journal.raw("SELECT state FROM purchases") == [(S.OUTBOX.value,)],
               what="the begun purchase closed (CANCELLED)")
    assert win.session is None
    wait_until(lambda: rig.cash_sim.insert_note(5000) != "escrow", what="acceptor inhibited")
    assert rig.journal.raw("SELECT count(*) FROM cash_notes") == [(0,)]


def test_a_header_touch_on_the_idle_warning_is_more_time(kiosk) -> None:  # type: ignore[no-untyped-def]
    win = kiosk.win
    buy_until_screen(kiosk, "ic", "amount", 0)
    for button in ("elder", "lang", "volume", "repeat"):
        win._idle_expired()
        wait_screen(win, "idle")
        assert win.warn_timer.isActive()
        press(win, button)
        wait_screen(win, "pay")  # the resident is there: back to the visit, the clock restarted
        assert win.idle_timer.isActive() and not win.warn_timer.isActive()


def test_two_repair_requests_one_after_the_other(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    for phone in ("13812345678", "13987654321"):
        press(win, "to_repair")
        press(win, "kind_no_gas")
        wait_screen(win, "repair_form")
        for d in phone:
            press(win, f"key_{d}")
        press(win, "repair_send")
        wait_screen(win, "repair_done")
        press(win, "repair_home")
        wait_screen(win, "attract")
    assert [r["contact_phone"] for r in rows(rig, "repair.request")] == ["13812345678", "13987654321"]


def test_by_volume_with_cash_takes_notes_until_the_price_is_covered(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    buy_until_screen(kiosk, "ic", "volume", 0)  # 10 m3 = 26.10 yuan
    start_cash(kiosk)
    assert "26.10" in text(win, "cash_max") and "账户" in text(win, "cash_buys")  # over the price: credit
    assert rig.cash_sim.insert_note(10000) == "rejected"  # 100 yuan is more than a 50 covers
    wait_until(lambda: rig.cash_sim.insert_note(2000) == "escrow", what="20 yuan taken")
    wait_until(lambda: win.session.paid_fen == 2000, what="20 yuan counted")
    assert rig.cash_sim.insert_note(5000) == "rejected"  # 6.10 yuan due: a 10 covers it
    assert rig.cash_sim.insert_note(1000) == "escrow"
    wait_screen(win, "done", timeout=15)  # covered: on by itself, no further note
    assert purchase_states(rig) == [(S.OUTBOX.value, 3000, 2610, 390)]
    assert rig.cards.cards["ic"].dump()["volume"] == 1000
    assert rig.cash_sim.stacked_notes() == {2000: 1, 1000: 1}


def test_a_timeout_leaves_no_personal_data_in_any_widget(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    buy_until_screen(kiosk, "ic", "amount", 1)
    start_cash(kiosk)
    rig.cash_sim.insert_note(10000)
    wait_screen(win, "done", timeout=15)
    snap = rig.cards.cards["ic"].read()
    txn = win.session.txn
    seq = str(rig.svc.get(txn).created_seq)
    press(win, "rate_skip")
    wait_screen(win, "attract")
    win.repair_kind("no_gas")
    for d in "13812345678":
        press(win, f"key_{d}")
    win._idle_expired()
    for _ in range(win.warn_s):
        win._warn_tick()
    wait_screen(win, "attract")
    personal = [mask_customer(snap.customer_no), mask_serial(snap.serial), "13812345678", "138****5678",
                "38.31", "100.00", txn[:8]]
    left = [(w.objectName(), w.text()) for w in win.findChildren(QLabel) + win.findChildren(QPushButton)
            if any(p in w.text() for p in personal)]
    assert left == []
    assert seq not in text(win, "status")


def test_a_leak_alarm_on_the_meter_leads_to_the_emergency_advice(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    press(win, "start")
    wait_screen(win, "insert")
    rig.cards.insert("alarm")
    wait_screen(win, "account")
    assert "leak alarm" in text(win, "leak_alert")
    assert "leak alarm" in win.speaker.last[1]  # said first, not only shown
    assert "battery low" in text(win, "meter_facts")
    press(win, "leak_help")
    wait_screen(win, "emergency")


def test_no_paper_receipt_shows_its_qr_and_prints_later(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    rig.printer_sim.set_paper("out")
    win.set_lang("en")
    buy_until_screen(kiosk, "ic", "amount", 0)
    press(win, "pay_cash")
    wait_screen(win, "error")  # no paper: the resident chooses
    press(win, "error_action")  # continue without a paper receipt
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling, what="cash polling")
    rig.cash_sim.insert_note(5000)
    wait_screen(win, "done", timeout=15)
    pix = win.findChild(QLabel, "receipt_qr").pixmap()
    [payload] = decode_qr(pix)
    code = parse_code(payload)  # the receipt's own verification code, as the server checks it
    txn = win.session.txn
    assert code.txn_id == txn and code.kiosk_id == rig.svc.ctx.kiosk_id
    rig.printer_sim.set_paper("ok")
    before = len(rig.printer_sim.lines())
    press(win, "print_again")
    wait_until(lambda: "printed" in text(win, "receipt_summary") and
               not win.findChild(QPushButton, "print_again").isVisible(), timeout=15, what="late print")
    printed = rig.printer_sim.lines()[before:]
    assert any("补打" in line for line in printed) and not any("重打" in line for line in printed)
    assert rows(rig, "receipt.reprint")
