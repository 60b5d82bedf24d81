"""Repair requests, the emergency screen, call staff, the idle warning, the language switch
and 长辈版."""
from __future__ import annotations

import json

from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from sync.protocol import HelpCallEvent, RepairRequestEvent, parse_event
from tests.ui.uikit import buy_until_screen, press, pump, rows, text, wait_screen, wait_until


def test_repair_request_journalled_numbered_printed(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    press(win, "to_repair")
    wait_screen(win, "repair")
    press(win, "kind_meter_fault")
    wait_screen(win, "repair_form")
    press(win, "repair_send")  # no phone yet: refused, stays on the form
    wait_until(lambda: win.findChild(QLabel, "form_error").isVisible(), what="form error")
    for d in "13812345678":
        press(win, f"key_{d}")
    press(win, "slot_afternoon")
    press(win, "detail_error_on_meter")  # the optional description, by touch
    press(win, "detail_cannot_cook")
    press(win, "detail_since_today")
    press(win, "detail_since_today")  # touched again: taken back
    press(win, "repair_send")
    wait_screen(win, "repair_done")
    no = text(win, "ticket_no")
    assert no.startswith("DEMO01-R")
    assert "138****5678" in text(win, "ticket_info")
    [row] = rows(rig, "repair.request")
    assert row == {"ticket_no": no, "category": "meter_fault", "contact_phone": "13812345678",
                   "preferred_slot": "afternoon", "description": "无法做饭，比较急；表上显示错误或报警",
                   "customer_no": None}
    server_view = parse_event("repair.request", json.dumps(row))  # what the server makes of it
    assert isinstance(server_view, RepairRequestEvent) and server_view.contact_phone == "13812345678"
    outbox = rig.journal.raw("SELECT o.sent FROM outbox o JOIN journal j ON j.seq = o.seq "
                             "WHERE j.kind = 'repair.request'")
    assert outbox == [(0,)]  # queued for the server through the outbox
    wait_until(lambda: any(no in line for line in rig.printer_sim.lines()), what="ticket printed")
    wait_until(lambda: "also on the printed slip" in text(win, "ticket_info"), what="slip confirmed")
    assert any("下午 afternoon" in line for line in rig.printer_sim.lines())


def test_repair_offline_is_queued_and_says_so(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    rig.online = False
    win.repair_kind("no_gas")
    for d in "02887654321":
        press(win, f"key_{d}")
    press(win, "repair_send")
    wait_screen(win, "repair_done")
    assert "offline" in text(win, "ticket_info")
    assert len(rows(rig, "repair.request")) == 1


def test_gas_smell_goes_straight_to_the_emergency_screen(kiosk) -> None:  # type: ignore[no-untyped-def]
    win = kiosk.win
    for kind in ("gas_smell", "leak"):
        win.home()
        press(win, "to_repair")
        press(win, f"kind_{kind}")
        wait_screen(win, "emergency")
        assert "96777" in text(win, "hotline")
        assert "开窗" in text(win, "emergency_steps") or "门窗" in text(win, "emergency_steps")
        assert not any(e.isVisible() for e in win.findChildren(QLineEdit))  # no form
        assert "9 6 7 7 7" in win.speaker.last[1]  # the prompt reads the hotline digit by digit


def test_call_staff_from_any_screen(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    buy_until_screen(kiosk, "ic", "amount", 0)
    press(win, "call_staff")
    wait_screen(win, "staff")
    wait_until(lambda: "…" not in text(win, "staff_info"), what="call journalled")
    [row] = rows(rig, "help.call")
    assert row == {"reason": "call staff", "screen": "pay", "customer_no": "1234567890",
                   "purchase_txn": None, "error_code": None}
    assert isinstance(parse_event("help.call", json.dumps(row)), HelpCallEvent)
    assert text(win, "staff_coming") == "工作人员马上过来帮助您"
    press(win, "staff_back")
    wait_screen(win, "pay")


def test_idle_warning_more_time_then_reset(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    assert win.idle_ms == 60_000 and win.elder_idle_ms == 120_000 and win.warn_s >= 20
    win.set_elder(True)
    win.set_lang("en")
    buy_until_screen(kiosk, "ic", "amount", 0)
    assert win.idle_timer.interval() == 120_000  # 长辈版
    win.set_elder(False)
    assert win.idle_timer.interval() == 60_000
    win.idle_ms, win.warn_s = 300, 2
    win.warn_timer.setInterval(100)
    press(win, "back_amount")
    wait_screen(win, "amount")
    wait_screen(win, "idle", timeout=3)
    assert "2" in text(win, "idle_count")
    press(win, "more_time")
    wait_screen(win, "amount")
    assert win.findChild(QLabel, "quote").text()  # nothing lost
    wait_screen(win, "idle", timeout=3)
    wait_screen(win, "attract", timeout=3)  # no touch: back to the start
    assert win.timeouts == 1
    assert win.langs.current == "zh_CN" and not win.elder
    acc = win.screens["account"]
    assert all(lab.text() == "" for lab in (acc.card, acc.meter, acc.account))  # type: ignore[attr-defined]
    assert win.screens["amount"].quote is None  # type: ignore[attr-defined]
    assert win.session is None
    # the purchase row, if any, was closed without money
    assert rig.journal.raw("SELECT count(*) FROM purchases WHERE paid_fen > 0") == [(0,)]


def test_no_timeout_while_writing_or_with_a_note_in(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    buy_until_screen(kiosk, "ic", "amount", 1)
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling)
    rig.cash_sim.insert_note(5000)
    wait_until(lambda: win.session.paid_fen == 5000)
    win.idle_ms, win.warn_s = 100, 1
    win.restart_idle()
    pump(600)
    assert win.current.name == "cash"  # money is in: never a timeout
    for busy in ("writing", "printing", "escrow"):
        win.session.busy_reason = busy
        assert win.busy() == busy
    win.session.busy_reason = None
    win.go("writing")
    win.idle_ms = 100
    win.restart_idle()
    pump(400)
    assert win.current.name == "writing"


def test_language_switch_at_runtime(kiosk) -> None:  # type: ignore[no-untyped-def]
    win = kiosk.win
    title = win.findChild(QLabel, "title")
    assert title.text() == "欢迎使用自助燃气缴费机"
    assert win.findChild(QPushButton, "lang").text() == "English"
    press(win, "lang")
    assert title.text() == "Welcome to the gas self-service kiosk"
    assert win.findChild(QPushButton, "call_staff").text() == "Call staff"
    assert win.speaker.spoken[-1] == ("en", "Welcome. Touch the screen to buy gas.")
    buy_until_screen(kiosk, "ic", "amount", 0)
    assert "You get" in text(win, "pay_summary") or "yuan" in text(win, "pay_summary")
    press(win, "lang")
    assert "元" in text(win, "pay_summary")
    assert win.speaker.spoken[-1][0] == "zh_CN"


def test_elder_mode_larger_text_and_targets_and_voice(kiosk) -> None:  # type: ignore[no-untyped-def]
    win = kiosk.win
    body = win.findChild(QLabel, "status")
    normal = QFontInfo(body.font()).pixelSize()
    assert normal >= 32
    press(win, "elder_toggle")
    assert win.elder
    size = QFontInfo(body.font()).pixelSize()
    assert 40 <= size <= 48 and size > normal
    assert win.speaker.enabled and win.speaker.spoken
    buy_until_screen(kiosk, "ic", "amount", 0)
    press(win, "back_amount")
    wait_screen(win, "amount")
    assert not win.screens["amount"].keypad.isVisible()  # type: ignore[attr-defined]  # one thing at a time
    press(win, "other_amount")
    assert win.screens["amount"].keypad.isVisible()  # type: ignore[attr-defined]
    for b in win.findChildren(QPushButton):
        if b.isVisible():
            assert b.height() >= 80, b.objectName()
    n = len(win.speaker.spoken)
    press(win, "repeat")
    assert len(win.speaker.spoken) == n + 1 and win.speaker.spoken[-1] == win.speaker.spoken[-2]
    step = win.speaker.volume_step
    press(win, "volume")
    assert win.speaker.volume_step != step
