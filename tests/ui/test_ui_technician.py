"""The technician's service screen on the demo rig: the hidden way in and the PIN lockout,
the sync alert, printer paper near end, the cash box and a collection, reprints from the
journal, out of service, the journal check; nothing of it on the GUI thread."""
from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.technician import TechnicianGate, hash_pin
from tests.ui.conftest import boot
from tests.ui.uikit import buy_until_screen, press, rows, text, wait_screen, wait_until
from ui.demo import DEMO_TECH_PIN


def tap_corner(win, times: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(times):
        QTest.mouseClick(win.tech_corner, Qt.MouseButton.LeftButton)


def type_pin(win, pin: str) -> None:  # type: ignore[no-untyped-def]
    wait_until(lambda: not win.screens["tech_pin"].checking, what="the last PIN checked")
    for d in pin:
        press(win, f"key_{d}")
    press(win, "tech_pin_ok")


def open_service(win) -> None:  # type: ignore[no-untyped-def]
    tap_corner(win, 5)
    wait_screen(win, "tech_pin")
    type_pin(win, DEMO_TECH_PIN)
    wait_screen(win, "technician")


def seen_by_the_kiosk(rig, reads: int = 2) -> None:  # type: ignore[no-untyped-def]
    """Wait (Qt events running) until the kiosk has read the acceptor's event buffer ``reads``
    more times: what the acceptor did before this call has then been seen."""
    target = rig.cash_sim.event_reads + reads
    wait_until(lambda: rig.cash_sim.event_reads >= target, what=f"{reads} more event reads")


def body(win) -> str:  # type: ignore[no-untyped-def]
    return text(win, "tech_body")


def cash_purchase(kiosk) -> str:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    buy_until_screen(kiosk, "ic", "amount", 0)  # 50 yuan
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling, what="cash polling")
    assert rig.cash_sim.insert_note(5000) == "escrow"
    wait_screen(win, "done", timeout=15)
    txn = win.session.txn
    press(win, "rate_skip")
    wait_screen(win, "attract")
    return str(txn)


def test_hidden_entry_wrong_pins_lock_the_gate(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    tap_corner(win, 4)
    assert win.current.name == "attract"  # four taps are not enough
    tap_corner(win, 1)
    wait_screen(win, "tech_pin")
    type_pin(win, "111111")
    wait_until(lambda: "4" in text(win, "tech_pin_message"), what="wrong PIN told")
    assert text(win, "tech_pin_dots").strip() == ""  # the typed PIN is not left on screen
    for left in (3, 2, 1):
        type_pin(win, "111111")
        wait_until(lambda left=left: str(left) in text(win, "tech_pin_message"), what=f"{left} tries left")
    type_pin(win, "111111")
    wait_until(lambda: rig.gate.locked_until is not None, what="locked out")
    type_pin(win, DEMO_TECH_PIN)  # the right PIN is refused while locked
    wait_until(lambda: not win.screens["tech_pin"].checking, what="checked")
    assert win.current.name == "tech_pin"
    assert win.screens["tech_pin"].result.outcome.value == "locked"
    rig.gate.locked_until = rig.clock.now() - timedelta(seconds=1)  # the lockout has run out
    type_pin(win, DEMO_TECH_PIN)
    wait_screen(win, "technician")
    assert "DEMO" in text(win, "tech_title")
    press(win, "tech_exit")
    wait_screen(win, "attract")
    assert win.screens["technician"].who == ""  # leaving ends the technician's session
    assert kiosk.io_on_gui == []


def test_no_technician_configured_means_no_service_screen(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    rig.gate.staff.clear()
    tap_corner(win, 5)
    wait_screen(win, "tech_pin")
    type_pin(win, DEMO_TECH_PIN)
    wait_until(lambda: text(win, "tech_pin_message") != "", what="refused")
    assert win.current.name == "tech_pin"


def test_sync_alert_when_the_oldest_unsent_row_is_too_old(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    press(win, "call_staff")  # a help call: a journal row waiting in the outbox
    wait_until(lambda: len(rows(rig, "help.call")) == 1, what="help call journalled")
    press(win, "staff_back")
    wait_screen(win, "attract")
    open_service(win)
    wait_until(lambda: "1" in body(win) and win.screens["technician"].sync_known, what="sync status")
    assert not win.findChild(QLabel, "tech_alert").isVisible()  # younger than the threshold (1 h)
    press(win, "tech_exit")
    wait_screen(win, "attract")
    rig.sync_alert_after = timedelta(0)
    open_service(win)
    alert = win.findChild(QLabel, "tech_alert")
    wait_until(lambda: alert.isVisible() and "SYNC-LAG" in alert.text(), what="sync alert shown")
    assert "1" in alert.text()  # how many rows wait


def test_paper_near_end_and_test_print(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    rig.printer_sim.set_paper("near_end")
    open_service(win)
    wait_until(lambda: "PRN-NEAR-END" in body(win), what="paper near end reported")
    rig.printer_sim.clear()
    press(win, "tech_print_test")
    wait_until(lambda: rig.printer_sim.cut_pages(), what="test receipt printed")
    rig.printer_sim.set_paper("out")
    press(win, "tech_refresh")
    alert = win.findChild(QLabel, "tech_alert")
    wait_until(lambda: alert.isVisible() and "PRN-PAPER-OUT" in alert.text(), what="paper out is an alert")
    assert kiosk.io_on_gui == []


def test_reprint_from_the_journal_marked_duplicate(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    txn = cash_purchase(kiosk)
    rig.printer_sim.clear()
    open_service(win)
    press(win, "tech_tab_receipts")
    wait_until(lambda: "50.00" in body(win), what="recent purchase listed")
    press(win, "tech_reprint_0")
    wait_until(lambda: any("DUPLICATE" in line for line in rig.printer_sim.lines()), what="reprint printed")
    assert any("重打" in line for line in rig.printer_sim.lines())
    wait_until(lambda: "×2" in body(win), what="print count shown (the receipt and the reprint)")
    assert kiosk.io_on_gui == []
    assert rows(rig, "receipt.reprint") == [{"count": 2}]
    assert rig.journal.raw("SELECT txn_id FROM journal WHERE kind = 'receipt.reprint'") == [(txn,)]


def test_cash_box_collection_and_settlement(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    cash_purchase(kiosk)
    kiosk.io_on_gui.clear()
    open_service(win)
    tech = win.screens["technician"]
    press(win, "tech_tab_cash")
    wait_until(lambda: "50.00 × 1" in body(win), what="box counts")
    press(win, "tech_settlement")
    wait_until(lambda: tech.settled is not None, what="settlement")
    assert tech.settled["expected_cash_fen"] == 5000 and tech.settled["balanced"]
    rig.printer_sim.clear()
    win.set_lang("en")
    press(win, "tech_collect")  # the first touch only asks to confirm
    assert "Touch again" in win.current.findChild(QPushButton, "tech_collect").text()
    assert tech.confirm_collect and tech.box["total_fen"] == 5000
    press(win, "tech_collect")
    # the acceptor reports its cassette: nothing is recorded until it went out and came back
    wait_until(lambda: "Take the cassette out" in text(win, "tech_message"), what="asked to take it out")
    seen_by_the_kiosk(rig)
    assert rows(rig, "cash.collection") == [] and tech.box["total_fen"] == 5000
    rig.cash_sim.replace_cassette()  # put back before it was out: not this collection's
    seen_by_the_kiosk(rig)
    assert rows(rig, "cash.collection") == []
    rig.cash_sim.remove_cassette()
    wait_until(lambda: "The cassette is out" in text(win, "tech_message"), what="seen out")
    assert rows(rig, "cash.collection") == []
    kiosk.io_on_gui.clear()  # (the test's own journal reads above)
    rig.cash_sim.replace_cassette()
    wait_until(lambda: tech.box["total_fen"] == 0, what="box empty after the collection")
    wait_until(lambda: any("钞箱清点单" in line for line in rig.printer_sim.lines()), what="slip printed")
    assert kiosk.io_on_gui == []  # (the test's own journal reads come after this line)
    [c] = rows(rig, "cash.collection")
    assert c["total_fen"] == 5000 and c["collector_id"] == "DEMO" and c["notes"] == {"5000": 1}
    assert c["acceptor_counter"] == c["expected_counter"] and c["differences"] == []
    assert c["confirmed_by"] == "acceptor"
    # the slip again, from the journal row
    rig.printer_sim.clear()
    press(win, "tech_reprint_slip")
    wait_until(lambda: "Collection slip reprinted." in text(win, "tech_message"), what="slip reprinted")
    lines = rig.printer_sim.lines()
    assert "重打 / DUPLICATE 第1次" in lines and "合计 Total 50.00元" in lines
    assert rows(rig, "cash.collection_reprint") == [{"seq": c_seq(rig), "count": 1}]
    assert tech.box["since_seq"] == rig.journal.raw("SELECT max(seq) FROM journal WHERE kind = 'cash.collection'")[0][0]


def test_a_note_stuck_in_the_transport_is_an_alert_of_unknown_value(kiosk) -> None:  # type: ignore[no-untyped-def]
    """ccTalk 16 before escrow: the technician's alert names the purchase and says the note's
    value is unknown (never "0.00 yuan"); the day's settlement is not balanced."""
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    buy_until_screen(kiosk, "ic", "amount", 0)
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling, what="cash polling")
    rig.cash_sim.jam("transport")
    assert rig.cash_sim.insert_note(5000) == "jammed"
    wait_screen(win, "error", timeout=15)
    txn = str(win.session.txn)
    press(win, "error_second")  # call staff ...
    wait_screen(win, "staff")
    press(win, "staff_back")
    wait_until(lambda: win.current.name != "staff", what="back from the staff screen")
    win.go_home_pressed()
    wait_screen(win, "attract")
    open_service(win)
    alert = win.findChild(QLabel, "tech_alert")
    wait_until(lambda: alert.isVisible() and "CASH-NOTE-JAMMED" in alert.text(), what="jam alert shown")
    assert "一张面额不明的纸币卡在通道内" in alert.text() and txn in alert.text()  # (home: Chinese again)
    assert "元" not in alert.text()
    win.set_lang("en")
    wait_until(lambda: "a note of unknown value stuck in the transport" in alert.text(), what="in English")
    assert txn in alert.text() and "yuan" not in alert.text()
    tech = win.screens["technician"]
    press(win, "tech_tab_cash")
    press(win, "tech_settlement")
    wait_until(lambda: tech.settled is not None, what="settlement")
    assert tech.settled["jammed_unknown_notes"] == 1 and not tech.settled["balanced"]
    assert "NOT balanced" in body(win)


def test_collection_confirmed_by_the_technician_when_the_acceptor_cannot_tell(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    cash_purchase(kiosk)
    kiosk.ks.acceptor.reports_cassette = False  # a validator that sends no stacker events
    open_service(win)
    tech = win.screens["technician"]
    press(win, "tech_tab_cash")
    wait_until(lambda: tech.box is not None and tech.box["total_fen"] == 5000, what="box counts")
    press(win, "tech_collect")
    press(win, "tech_collect")  # the confirming touch is the confirmation
    wait_until(lambda: tech.box["total_fen"] == 0, what="box empty after the collection")
    [c] = rows(rig, "cash.collection")
    assert c["confirmed_by"] == "technician" and c["total_fen"] == 5000


def c_seq(rig) -> int:  # type: ignore[no-untyped-def]
    return int(rig.journal.raw("SELECT max(seq) FROM journal WHERE kind = 'cash.collection'")[0][0])


def test_out_of_service_and_back(kiosk) -> None:  # type: ignore[no-untyped-def]
    win = kiosk.win
    open_service(win)
    press(win, "tech_service_toggle")
    assert kiosk.ks.out_of_service is not None
    press(win, "tech_exit")
    wait_screen(win, "attract")
    press(win, "start")
    wait_screen(win, "error")
    assert "S001" in text(win, "error_code")
    press(win, "home")
    wait_screen(win, "attract")
    open_service(win)
    press(win, "tech_service_toggle")
    wait_until(lambda: kiosk.ks.out_of_service is None, what="back in service")
    press(win, "tech_exit")
    wait_screen(win, "attract")
    press(win, "start")
    wait_screen(win, "insert")


def test_out_of_service_survives_a_restart(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A technician stopped the kiosk; the power goes off and on: it must come back out of
    service (saying so, code S001), until a technician puts it back."""
    d = tmp_path / "kiosk"
    k = boot(qtbot, d)
    try:
        open_service(k.win)
        press(k.win, "tech_service_toggle")
        assert k.ks.out_of_service is not None  # at once, before the disk write
        held = "SELECT value FROM kiosk_meta WHERE key = 'service_hold'"
        wait_until(lambda: k.rig.journal.raw(held) != [], what="the hold on disk")
        [(hold,)] = k.rig.journal.raw(held)
        assert '"by": "DEMO"' in hold
        wait_until(lambda: text(k.win, "tech_message") != "", what="the technician told")
    finally:
        k.rig.close(k.ks)
    k = boot(qtbot, d)  # the restart
    try:
        assert k.ks.out_of_service is not None and "DEMO" in str(k.ks.out_of_service)
        reason = k.rig.devices.state.reason  # what the heartbeat tells the staff console
        assert reason is not None and reason.startswith("S001") and "DEMO" in reason
        assert "S001" in text(k.win, "status")
        press(k.win, "start")
        wait_screen(k.win, "error")
        assert "S001" in text(k.win, "error_code")
        press(k.win, "home")
        wait_screen(k.win, "attract")
        open_service(k.win)
        press(k.win, "tech_service_toggle")
        wait_until(lambda: k.ks.out_of_service is None, what="back in service")
        assert k.rig.devices.state.in_service
        assert k.io_on_gui == []  # (the test's own journal reads below run on the GUI thread)
        assert k.rig.journal.raw("SELECT value FROM kiosk_meta WHERE key = 'service_hold'") == []
    finally:
        k.rig.close(k.ks)
    k = boot(qtbot, d)  # and it stays in service after the next restart
    try:
        assert k.ks.out_of_service is None
        press(k.win, "start")
        wait_screen(k.win, "insert")
    finally:
        k.rig.close(k.ks)


def test_pin_lockout_survives_a_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Pulling the plug must not give a PIN guesser five fresh tries."""
    from kiosk.fakes import FixedClock
    from kiosk.journal import Journal

    clock = FixedClock()
    h = hash_pin("135790", iterations=1000)

    def gate_on_fresh_journal() -> tuple[Journal, TechnicianGate]:
        j = Journal(tmp_path / "journal.db", "K0001")
        j.open()
        return j, TechnicianGate({"T01": h}, clock, max_failures=3, lockout=timedelta(minutes=5),
                                 journal_call=j.call)

    j, gate = gate_on_fresh_journal()
    assert gate.check("000000").tries_left == 2
    j.close()
    j, gate = gate_on_fresh_journal()  # restart: the wrong try is remembered
    assert gate.check("000001").tries_left == 1
    assert gate.check("000002").outcome.value == "locked"
    j.close()
    j, gate = gate_on_fresh_journal()  # restart while locked: still locked, even the right PIN
    assert gate.check("135790").outcome.value == "locked"
    clock.t += timedelta(minutes=5, seconds=1)
    assert gate.check("135790").technician == "T01"
    assert j.raw("SELECT count(*) FROM kiosk_meta WHERE key = 'technician_gate'") == [(0,)]
    j.call(lambda s: s.connection().exec_driver_sql(
        "INSERT INTO kiosk_meta (key, value) VALUES ('technician_gate', 'not json')"))
    j.close()
    j, gate = gate_on_fresh_journal()  # an unreadable state locks, it does not reset
    try:
        assert gate.check("135790").outcome.value == "locked"
    finally:
        j.close()


def test_journal_check_finds_a_rewritten_row(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    cash_purchase(kiosk)
    open_service(win)
    press(win, "tech_check_journal")
    wait_until(lambda: "hash chain intact" in body(win), what="journal ok")
    rig.journal.call(lambda s: s.connection().exec_driver_sql(
        "UPDATE journal SET body = replace(body, '5000', '9000') WHERE seq = 3"))
    press(win, "tech_check_journal")
    alert = win.findChild(QLabel, "tech_alert")
    wait_until(lambda: alert.isVisible() and "JOURNAL" in alert.text(), what="broken journal is an alert")
    assert "row 3" in body(win)


def test_pin_hashes_never_hold_the_pin() -> None:
    from kiosk.fakes import FixedClock

    h = hash_pin("135790", iterations=1000)
    assert "135790" not in h and h.startswith("pbkdf2_sha256$1000$")
    gate = TechnicianGate({"T01": h}, FixedClock(), max_failures=2, lockout=timedelta(minutes=5))
    assert gate.check("135790").technician == "T01"
    assert gate.check("000000").tries_left == 1
    assert gate.check("000000").outcome.value == "locked"
    assert gate.check("135790").outcome.value == "locked"
