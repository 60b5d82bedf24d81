"""Error screens: what happened, whether money was taken, what to do next (a button), and
the technician's code, for the failures the core and devices report."""
from __future__ import annotations

from kiosk.pricing import AmountLimits
from kiosk.purchase.states import S
from tests.ui.uikit import buy_until_screen, press, text, wait_screen, wait_until


def insert_and_expect_error(kiosk, card: str) -> None:  # type: ignore[no-untyped-def]
    press(kiosk.win, "start")
    wait_screen(kiosk.win, "insert")
    kiosk.rig.cards.insert(card)
    wait_screen(kiosk.win, "error")


def error_parts(win) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {n: text(win, f"error_{n}") for n in ("title", "what", "money", "next", "code")}


def test_blocked_unknown_and_meter_not_loaded_cards(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    for card, code, title in (("blocked", "K005", "blocked"), ("unknown", "K003", "not recognised"),
                              ("meter_not_loaded", "K006", "meter has not loaded")):
        win.set_lang("en")  # each visit ends with the language back at zh_CN
        insert_and_expect_error(kiosk, card)
        e = error_parts(win)
        assert code in e["code"] and title in e["title"], e
        assert e["money"] == "No money was taken." and e["next"]
        # exactly one way to call staff: the footer's, or the error screen's own button
        own = win.current.offers_call_staff()
        assert win.findChild(type(win.call_btn), "call_staff").isVisible() is not own
        rig.cards.pull()
        wait_until(lambda: not kiosk.ks.card_present)
        press(win, "error_action")
        wait_until(lambda: win.current.name in ("attract", "insert"))
        win.home()
    assert rig.journal.raw("SELECT count(*) FROM purchases") == [(0,)]


def test_card_pulled_before_payment(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    buy_until_screen(kiosk, "ic", "amount", 0)
    rig.cards.pull()
    wait_screen(win, "error")
    assert "K001" in text(win, "error_code")
    assert text(win, "error_money") == "没有收取任何费用。"


def test_card_pulled_during_the_write_then_reinserted(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    buy_until_screen(kiosk, "ic", "amount", 0)  # 50 yuan
    rig.cards.cards["ic"].set(pull_on_write="apply")  # the write lands, the answer never comes
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling)
    rig.cash_sim.insert_note(5000)
    wait_screen(win, "error", timeout=15)
    e = error_parts(win)
    assert "removed while" in e["title"] and "K002" in e["code"]
    assert "50.00" in e["money"] and "not lost" in e["money"]
    assert rig.journal.raw("SELECT state FROM purchases") == [(S.MANUAL_REVIEW.value,)]
    press(win, "error_action")  # insert the card again: the oracle settles the row
    wait_screen(win, "done", timeout=15)
    assert "19.15" in text(win, "receipt_summary")  # 50 yuan bought 19.15 m3
    assert rig.journal.raw("SELECT state FROM purchases")[0][0] in (S.OUTBOX.value, S.RECEIPT_DONE.value)
    card = rig.cards.cards["ic"].dump()
    assert card["amount"] == 4998 and len(card["writes"]) == 1  # written once


def test_card_refuses_the_write_prints_a_voucher(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    buy_until_screen(kiosk, "ic", "amount", 0)
    rig.cards.cards["ic"].set(refuse_writes=True)
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling)
    rig.cash_sim.insert_note(5000)
    wait_screen(win, "error", timeout=15)
    e = error_parts(win)
    assert "K008" in e["code"] and "voucher" in e["money"] and "50.00" in e["money"]
    assert any("现金凭证" in line for line in rig.printer_sim.lines())
    assert rig.journal.raw("SELECT state, review_fen FROM purchases") == [(S.MANUAL_REVIEW.value, 5000)]


def test_card_refuses_and_the_voucher_does_not_print(kiosk) -> None:  # type: ignore[no-untyped-def]
    """The voucher fails too (the roll ends after begin): the screen must not say a voucher
    was printed; it gives the transaction number and calls staff first."""
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    buy_until_screen(kiosk, "ic", "amount", 0)
    rig.cards.cards["ic"].set(refuse_writes=True)
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling)
    rig.printer_sim.set_paper("out")
    rig.cash_sim.insert_note(5000)
    wait_screen(win, "error", timeout=15)
    txn = win.session.txn
    e = error_parts(win)
    assert "K008" in e["code"] and "50.00" in e["money"]
    assert "voucher was printed" not in e["money"] and "no voucher could be printed" in e["money"]
    assert f"transaction number {txn}" in e["money"]
    from PySide6.QtWidgets import QPushButton

    assert win.current.findChild(QPushButton, "error_action").text() == "Call staff"
    assert not any("现金凭证" in line for line in rig.printer_sim.lines())
    assert rig.journal.raw("SELECT state, review_fen FROM purchases") == [(S.MANUAL_REVIEW.value, 5000)]


def test_paper_out_offers_no_receipt_and_the_purchase_goes_on(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    rig.printer_sim.set_paper("out")
    buy_until_screen(kiosk, "ic", "amount", 0)
    press(win, "pay_cash")
    wait_screen(win, "error")
    assert "R002" in text(win, "error_code") and text(win, "error_money") == "No money was taken."
    assert rig.cash_sim.stacked_notes() == {}
    press(win, "error_action")  # continue without a paper receipt
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling)
    rig.cash_sim.insert_note(5000)
    wait_screen(win, "done", timeout=15)
    assert "No paper receipt" in text(win, "receipt_summary")
    assert rig.cards.cards["ic"].dump()["amount"] == 4998


def test_jammed_note_then_buy_with_the_money_counted(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    buy_until_screen(kiosk, "ic", "amount", 1)  # 100 yuan
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling)
    rig.cash_sim.insert_note(5000)
    wait_until(lambda: win.session.paid_fen == 5000)
    rig.cash_sim.jam("stacker")
    rig.cash_sim.insert_note(2000)
    wait_screen(win, "error", timeout=15)
    e = error_parts(win)
    assert "N005" in e["code"] and "50.00" in e["money"]
    # which note, not counted, under which number: what the resident tells staff
    assert "20.00 yuan" in e["what"] and f"transaction number {win.session.txn}" in e["what"]
    press(win, "error_action")  # buy with the 50 yuan counted
    wait_screen(win, "done", timeout=15)
    assert rig.cards.cards["ic"].dump()["amount"] == 4998
    assert rig.journal.raw("SELECT denom_fen, state FROM cash_notes ORDER BY id") == [
        (5000, "stacked"), (2000, "jammed")]
    assert any("卡钞：一张20.00元纸币卡在机内" in line for line in rig.printer_sim.lines())


def test_note_jammed_in_the_transport_is_recorded_of_unknown_value(kiosk) -> None:  # type: ignore[no-untyped-def]
    """ccTalk 16 before escrow: the screen says the note is recorded under the purchase's
    number with its value unknown (true: the journal row is there), never an amount it does
    not know; buying with the money counted prints the jam on the receipt."""
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    buy_until_screen(kiosk, "ic", "amount", 1)  # 100 yuan
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling)
    rig.cash_sim.insert_note(5000)
    wait_until(lambda: win.session.paid_fen == 5000)
    rig.cash_sim.jam("transport")
    assert rig.cash_sim.insert_note(2000) == "jammed"
    wait_screen(win, "error", timeout=15)
    txn = win.session.txn
    e = error_parts(win)
    assert "N005" in e["code"] and "50.00" in e["money"]
    assert "does not know its value" in e["what"] and f"transaction number {txn}" in e["what"]
    assert "yuan" not in e["what"]  # no amount it cannot know
    # what the screen says is recorded, is: the row of the purchase it names
    assert rig.journal.raw("SELECT txn_id FROM journal WHERE kind = 'cash.note_jammed_unknown'") == [(txn,)]
    press(win, "error_action")  # buy with the 50 yuan counted
    wait_screen(win, "done", timeout=15)
    assert rig.cards.cards["ic"].dump()["amount"] == 4998
    assert rig.journal.raw("SELECT denom_fen, state FROM cash_notes ORDER BY id") == [(5000, "stacked")]
    assert any("面额不明的纸币卡在机内" in line for line in rig.printer_sim.lines())
    assert rig.cash_sim.clear_jam() == [2000]


def test_only_note_jammed_in_the_transport_then_start_again(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    buy_until_screen(kiosk, "ic", "amount", 0)
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling)
    rig.cash_sim.jam("transport")
    assert rig.cash_sim.insert_note(5000) == "jammed"
    wait_screen(win, "error", timeout=15)
    txn = win.session.txn
    e = error_parts(win)
    assert e["money"] == "None of your money was counted."  # not "no money was taken": a note is inside
    assert f"transaction number {txn}" in e["what"] and "does not know its value" in e["what"]
    assert "slip" in e["next"] and "if it can" in e["next"]  # no promise the printer may not keep
    press(win, "error_action")  # start again: the purchase is cancelled with a jam slip
    wait_until(lambda: "卡钞凭证 JAMMED NOTE" in "".join(rig.printer_sim.lines()), timeout=15)
    assert rig.journal.raw(f"SELECT count(*) FROM journal WHERE txn_id = '{txn}'"
                           " AND kind = 'purchase.cancel'") == [(1,)]
    text = "".join(rig.printer_sim.lines())
    assert "卡钞凭证 JAMMED NOTE" in text and "面额不明" in text and txn in text
    assert rig.cards.cards["ic"].dump()["writes"] == []  # no gas: nothing was counted


def test_offline_cap(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    rig.online = False
    rig.svc.ctx.limits = AmountLimits(offline_per_card_day_fen=50)
    insert_and_expect_error(kiosk, "ic")
    assert "L001" in text(win, "error_code")


def test_out_of_service_when_the_acceptor_does_not_answer(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ui.app import PANEL
    from ui.demo import DemoRig
    from ui.voice import Speaker
    from ui.window import KioskWindow

    rig = DemoRig(tmp_path / "oos")
    rig.cash_sim.stop()
    ks = rig.service()
    win = KioskWindow(ks, Speaker("mock"))
    win.setFixedSize(*PANEL)
    qtbot.addWidget(win)
    win.show()
    ks.start()
    try:
        wait_until(lambda: ks.out_of_service is not None, timeout=20)
        win.set_lang("en")
        assert "Out of service" in text(win, "status")
        press(win, "start")
        wait_screen(win, "error")
        assert "out of service" in text(win, "error_title")
    finally:
        rig.close(ks)


def test_card_pulled_while_paying_cash_waits_for_the_same_card(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    buy_until_screen(kiosk, "ic", "amount", 1)  # 100 yuan
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling)
    rig.cash_sim.insert_note(5000)
    wait_until(lambda: win.session.paid_fen == 5000)
    rig.cards.pull()
    wait_until(lambda: win.screens["cash"].card_missing, what="card missing")  # type: ignore[attr-defined]
    assert win.current.name == "cash" and "removed" in text(win, "card_missing")
    assert not win.screens["cash"].done.isEnabled()  # type: ignore[attr-defined]
    rig.cards.insert("cpu")  # another card: refused
    wait_until(lambda: win.screens["cash"].wrong_card, what="wrong card")  # type: ignore[attr-defined]
    rig.cards.pull()
    wait_until(lambda: not kiosk.ks.card_present)
    rig.cards.insert("ic")
    wait_until(lambda: not win.screens["cash"].card_missing, what="card back")  # type: ignore[attr-defined]
    press(win, "cash_done")
    wait_screen(win, "done", timeout=15)
    assert rig.cards.cards["ic"].dump()["amount"] == 4998
    assert rig.cards.cards["cpu"].dump()["writes"] == []


def test_refused_note_is_given_back_and_said_on_the_cash_screen(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    buy_until_screen(kiosk, "ic", "amount", 0)
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling)
    rig.cash_sim.insert_counterfeit(5000)
    wait_until(lambda: win.screens["cash"].refused is not None, what="refusal shown")  # type: ignore[attr-defined]
    assert "not accepted" in text(win, "note_refused") and "N003" in text(win, "note_refused")
    assert win.speaker.spoken[-1] == ("en", "Try another note, flat and face up.")
    assert win.session.paid_fen == 0 and rig.cash_sim.stacked_notes() == {}
    rig.cash_sim.insert_note(5000)
    wait_screen(win, "done", timeout=15)


def test_printer_cover_open_or_offline_at_begin_are_not_no_paper(kiosk) -> None:  # type: ignore[no-untyped-def]
    """begin names the printer's state: cover open and offline have their own words (and the
    same choice: go on without a paper receipt, or cancel)."""
    from PySide6.QtWidgets import QPushButton

    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    for fault, title, code in (("cover", "cover is open", "R004"), ("offline", "not answering", "R005"),
                               ("paper", "has no paper", "R002")):
        {"cover": lambda: rig.printer_sim.set_cover_open(True), "offline": lambda: rig.printer_sim.set_offline(True),
         "paper": lambda: rig.printer_sim.set_paper("out")}[fault]()
        buy_until_screen(kiosk, "ic", "amount", 0)
        press(win, "pay_cash")
        wait_screen(win, "error")
        e = error_parts(win)
        assert title in e["title"] and code in e["code"], (fault, e)
        assert ("no paper" in e["title"]) is (fault == "paper")
        assert e["money"] == "No money was taken."
        assert win.current.findChild(QPushButton, "error_action").text() == "Continue without receipt"
        rig.printer_sim.set_cover_open(False)
        rig.printer_sim.set_offline(False)
        rig.printer_sim.set_paper("ok")
        rig.cards.pull()
        wait_until(lambda: not kiosk.ks.card_present)
        win.home()
        wait_screen(win, "attract")
        win.set_lang("en")
    assert rig.journal.raw("SELECT count(*) FROM purchases") == [(0,)]  # nothing begun


def test_the_control_window_card_buttons_on_the_demo_fakes(kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    """`make demo`: the control window's card buttons drive the file-backed demo cards."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QPushButton

    from ui.demo_control import ControlWindow

    win, rig = kiosk.win, kiosk.rig
    control = ControlWindow(rig)
    qtbot.addWidget(control)

    def click(name: str) -> None:
        b = control.findChild(QPushButton, f"ctl_{name}")
        assert b is not None, name
        QTest.mouseClick(b, Qt.MouseButton.LeftButton)

    press(win, "start")
    wait_screen(win, "insert")
    click("insert_cpu")
    wait_screen(win, "account")
    click("refuse_write")
    click("tear_write")
    cpu = rig.cards.cards["cpu"].dump()
    assert cpu["refuse_writes"] is True and cpu["pull_on_write"] == "apply"
    assert "card: cpu" in control.state.text()
    click("insert_ic")  # another card: the first comes out first
    wait_until(lambda: rig.cards.inserted == "ic", what="swapped")
    assert not rig.cards.cards["cpu"].dump()["present"] and rig.cards.cards["ic"].dump()["present"]
    click("pull")
    assert rig.cards.inserted is None and "card: -" in control.state.text()
    click("jam_transport")  # the next note inserted sticks before escrow (value unknown)
    assert rig.cash_sim._armed_jam == "transport"
