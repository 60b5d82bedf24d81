"""What the server tells the kiosk, shown to the resident: a credit paid elsewhere loaded onto
the card, the help call's progress as staff answer it, a repair ticket's status."""
from __future__ import annotations

from kiosk.purchase.states import S
from tests.ui.uikit import press, rows, text, wait_screen, wait_until


def test_a_credit_paid_in_the_app_is_loaded_onto_the_card(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    kiosk.io_on_gui.clear()
    win.set_lang("en")
    press(win, "start")
    wait_screen(win, "insert")
    rig.cards.insert("ic")
    wait_screen(win, "account")
    assert "50.00" in text(win, "credit_info") and "app" in text(win, "credit_info")
    before = rig.cards.cards["ic"].dump()["seq"]
    press(win, "load_credit")
    wait_screen(win, "done", timeout=15)
    assert kiosk.io_on_gui == []  # no journal, card, cache or payment call on the GUI thread
    [(state, method, paid, cost)] = rig.journal.raw("SELECT state, method, paid_fen, cost_fen FROM purchases")
    assert (state, method, paid) == (S.OUTBOX.value, "elsewhere", 5000) and cost <= 5000
    card = rig.cards.cards["ic"].dump()
    assert card["seq"] == before + 1 and card["amount"] == cost  # written once, by this purchase
    assert rig.accounts.cache.get("pending_credits", "C-DEMO-1")["status"] == "claimed"
    assert [r["credit_id"] for r in rows(rig, "purchase.created")] == ["C-DEMO-1"]
    press(win, "rate_skip")
    wait_screen(win, "attract")
    rig.cards.pull()
    wait_until(lambda: not kiosk.ks.card_present, what="card out")
    rig.cards.meter_load("ic")  # at home the meter took the gas
    press(win, "start")
    rig.cards.insert("ic")
    wait_screen(win, "account")
    assert not win.findChild(type(win.call_btn), "load_credit").isVisible()  # used: not offered again


def test_the_help_call_shows_what_staff_do_with_it(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    press(win, "call_staff")
    wait_screen(win, "staff")
    staff = win.screens["staff"]
    wait_until(lambda: staff.call_no is not None, what="help call journalled")  # type: ignore[attr-defined]
    assert "on its way" in text(win, "staff_progress")
    rig.accounts.set_ticket(f"journal:{staff.call_no}", "acknowledged", "Ms Li, desk 3")  # type: ignore[attr-defined]
    wait_until(lambda: "seen it and is coming" in text(win, "staff_progress"), timeout=10,
               what="the console's acknowledgement shown")
    assert "Ms Li, desk 3" in text(win, "staff_progress")
    assert "seen it and is coming" in win.speaker.last[1]  # and said


def test_a_repair_ticket_status_can_be_looked_up(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    win.set_lang("en")
    win.repair_kind("no_gas")
    for d in "13812345678":
        press(win, f"key_{d}")
    press(win, "repair_send")
    wait_screen(win, "repair_done")
    ticket = win.screens["repair_done"].ticket  # type: ignore[attr-defined]
    press(win, "repair_home")  # the visit ends: the language is back at zh_CN
    win.set_lang("en")
    press(win, "to_repair")
    press(win, "to_repair_status")
    wait_screen(win, "repair_status")
    for d in str(ticket.seq):
        press(win, f"key_{d}")
    press(win, "status_look_up")
    wait_until(lambda: "no news" in text(win, "status_answer"), what="not yet on the server")
    rig.accounts.set_ticket(f"journal:{ticket.seq}", "in_progress", "technician on the way")
    press(win, "status_look_up")
    wait_until(lambda: "working on it" in text(win, "status_answer"), what="status shown")
    assert ticket.ticket_no in text(win, "status_answer") and "technician on the way" in text(win, "status_answer")
