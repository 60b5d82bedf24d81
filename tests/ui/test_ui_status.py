"""What the server tells the kiosk, shown to the resident: a credit paid elsewhere loaded onto
the card, the help call's progress as staff answer it, a repair ticket's status."""
from __future__ import annotations

import pytest

from kiosk.errors import PaymentUnsettled
from kiosk.ports import PaymentMethod
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


class LatePayer:
    """A provider that could not confirm the order at first (P002), then reports it paid."""

    method = PaymentMethod.QR

    def __init__(self) -> None:
        self.asked = 0
        self.refunds: list[tuple[str, int]] = []

    def charge(self, txn_id: str, amount_fen: int) -> str:
        raise PaymentUnsettled("cancel not confirmed")

    def charged_fen(self, txn_id: str) -> int:
        self.asked += 1
        if self.asked <= 2:  # at the kiosk, and at the first retry
            raise PaymentUnsettled("provider out of reach")
        return 0 if self.refunds else 5000

    def refund(self, txn_id: str, amount_fen: int) -> str:
        self.refunds.append((txn_id, amount_fen))
        return "REF-1"


def test_an_unconfirmed_qr_payment_is_settled_between_visits(kiosk) -> None:  # type: ignore[no-untyped-def]
    rig, ks = kiosk.rig, kiosk.ks
    payer = LatePayer()
    ks.devices.payments["qr"] = payer
    rig.cards.insert("ic")
    check = rig.svc.check_card(rig.cards.cards["ic"].read())
    txn = rig.svc.begin(check, "amount", 5000, PaymentMethod.QR)
    with pytest.raises(PaymentUnsettled):
        rig.svc.pay_electronic(txn, payer)  # the resident saw P002 and left
    assert rig.svc.get(txn).state == S.INIT.value and payer.asked == 1
    assert ks.session is None
    ks.retry_open_payments()  # the provider still does not answer: stays open
    wait_until(lambda: payer.asked == 2, what="asked again")
    wait_until(lambda: ks.idle(), what="core worker done")
    assert rig.svc.get(txn).state == S.INIT.value
    ks.retry_open_payments()  # it answers: paid late, the resident gone -> refunded, journalled
    wait_until(lambda: rig.svc.get(txn).state == S.OUTBOX.value, what="closed")
    assert payer.refunds == [(txn, 5000)]
    assert rows(rig, "purchase.refunded")
    assert rig.cards.cards["ic"].dump()["writes"] == []  # no card write without the resident


def test_the_start_screen_says_which_cards_are_served_today(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, ks = kiosk.win, kiosk.ks
    win.set_lang("en")
    win.render_all()
    assert "\n" not in text(win, "status")  # the demo serves both: nothing more to say
    ks.devices.extras["selftest"] = {"serves": ["ic"], "serves_offline": [], "problems": ["no SAM"]}
    win.render_all()
    assert "IC memory cards only" in text(win, "status")
    kiosk.rig.online = False
    win.render_all()
    assert "cannot be topped up here today" in text(win, "status")
