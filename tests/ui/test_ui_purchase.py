"""Whole purchases through the screens: IC and CPU cards, cash through the real ccTalk
driver and simulator, receipts through the real ESC/POS driver and printer simulator; the
longest stall of the GUI event loop during the purchase is measured."""
from __future__ import annotations

import io
import json

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel

from kiosk.purchase.states import S
from sync.protocol import RatingEvent, parse_event
from tests.ui.uikit import Heartbeat, buy_until_screen, press, rows, text, wait_screen, wait_until

# The stall is measured and printed here; its bound (400 ms) is a speed target and lives in
# benchmarks/test_bench_ui.py (make bench). What is asserted here cannot depend on timing:
# no journal, card, printer, payment or cache call on the GUI thread.


def decode_qr(pix: QPixmap) -> list[str]:
    """Read the QR code off the screen pixels with a real decoder (zxing-cpp)."""
    import zxingcpp
    from PIL import Image

    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    pix.save(buf, "PNG")
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(bytes(buf.data()))))]


def purchase_states(rig) -> list[tuple[str, int, int, int]]:  # type: ignore[no-untyped-def]
    return rig.journal.raw("SELECT state, paid_fen, cost_fen, remainder_fen FROM purchases")


def test_ic_card_cash_purchase_by_amount(kiosk, capsys) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    kiosk.io_on_gui.clear()
    beat = Heartbeat()
    beat.start()
    buy_until_screen(kiosk, "ic", "amount", 1)  # 100 yuan
    assert "38.31" in text(win, "quote")  # tier split shown before paying
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling, what="cash polling")
    assert rig.cash_sim.insert_note(5000) == "escrow"
    wait_until(lambda: "50.00" in text(win, "cash_total"), what="live total")
    assert "100.00" in text(win, "cash_max")
    assert rig.cash_sim.insert_note(5000) == "escrow"  # reaches the amount: pays on its own
    wait_screen(win, "done", timeout=15)
    longest = beat.stop()
    assert kiosk.io_on_gui == []  # no journal, card, printer or payment call on the GUI thread
    card = rig.cards.cards["ic"].dump()
    assert card["volume"] == 3831 and card["amount"] == 9999
    assert purchase_states(rig) == [(S.OUTBOX.value, 10000, 9999, 1)]
    assert rig.cash_sim.stacked_notes() == {5000: 2}
    assert any("38.31" in line for line in rig.printer_sim.lines())
    assert "38.31" in text(win, "receipt_summary") and "0.01" in text(win, "receipt_summary")
    press(win, "rate_5")
    txn = win.session.txn
    wait_until(lambda: rows(rig, "rating") == [{"score": 5, "comment": "", "purchase_txn_id": txn}],
               what="rating journalled")
    assert isinstance(parse_event("rating", json.dumps(rows(rig, "rating")[0])), RatingEvent)
    press(win, "rate_skip")
    wait_screen(win, "attract")
    with capsys.disabled():
        print(f"\n[IC purchase] longest event-loop stall {longest * 1000:.1f} ms over {beat.ticks} ticks")


def test_cpu_card_cash_purchase_by_volume(kiosk, capsys) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    kiosk.io_on_gui.clear()
    beat = Heartbeat()
    beat.start()
    buy_until_screen(kiosk, "cpu", "volume", 0)  # 10 m3
    assert "26.10" in text(win, "quote")
    press(win, "pay_cash")
    wait_screen(win, "cash")
    wait_until(lambda: win.session._cash_polling, what="cash polling")
    rig.cash_sim.insert_note(2000)
    wait_until(lambda: win.session.paid_fen == 2000, what="first note")
    wait_until(lambda: "6.10" in text(win, "cash_max"), what="still to insert shown")
    rig.cash_sim.insert_note(1000)  # covers the price: the purchase goes on by itself
    wait_screen(win, "done", timeout=15)
    longest = beat.stop()
    assert kiosk.io_on_gui == []
    card = rig.cards.cards["cpu"].dump()
    assert card["balance"] == 3500 + 3000  # a CPU purse takes the money paid
    assert purchase_states(rig)[0][:2] == (S.OUTBOX.value, 3000)
    with capsys.disabled():
        print(f"\n[CPU purchase] longest event-loop stall {longest * 1000:.1f} ms over {beat.ticks} ticks")


def test_qr_only_when_online_and_a_qr_purchase(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    rig.online = False
    buy_until_screen(kiosk, "ic", "amount", 0)
    assert not win.findChild(type(win.call_btn), "pay_qr").isVisible()
    assert text(win, "qr_offline")
    press(win, "back_amount")
    rig.online = True
    press(win, "to_pay")
    wait_screen(win, "pay")
    press(win, "pay_qr")
    wait_screen(win, "qr")
    wait_until(lambda: win.screens["qr"].payload != "", what="QR code shown")  # type: ignore[attr-defined]
    pix = win.findChild(QLabel, "qr_code").pixmap()
    assert pix.width() >= 400
    assert decode_qr(pix) == [win.screens["qr"].payload]  # a phone can scan what is drawn
    assert f"fen={rig.svc.target_fen(win.session.txn)}" in win.screens["qr"].payload
    rig.qr.pay()  # the payer scans and pays
    wait_screen(win, "done", timeout=15)
    assert json.loads(json.dumps(rig.payment.dump()))["charges"]  # the provider was charged
    assert rig.cards.cards["ic"].dump()["amount"] == 4998


def test_qr_cancelled_while_the_code_shows(kiosk) -> None:  # type: ignore[no-untyped-def]
    win, rig = kiosk.win, kiosk.rig
    buy_until_screen(kiosk, "ic", "amount", 0)
    press(win, "pay_qr")
    wait_screen(win, "qr")
    wait_until(rig.qr.waiting.is_set, what="provider waiting")
    press(win, "qr_cancel")
    wait_screen(win, "attract")
    assert purchase_states(rig) == [(S.OUTBOX.value, 0, 0, 0)]  # cancelled, closed, no money
    assert rig.journal.raw("SELECT count(*) FROM journal WHERE kind LIKE '%cancel%'")[0][0] >= 1
    assert rig.payment.dump()["charges"] == {}
