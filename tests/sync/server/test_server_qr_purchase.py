"""End to end through the kiosk's own core: the tariff comes signed from the server into the
kiosk's cache, the purchase is paid by QR through the server's sandbox provider, the card
refuses the write, the money goes back through the provider, and the journal (with the
refund in it) reaches the server's ledger exactly."""
from __future__ import annotations

import json
import random
import threading
import uuid
from pathlib import Path

import httpx
from sync_server_harness import LiveServer, journal_chain, open_journal, server_chain, unsent

from kiosk.fakes import FakeCard, FakePrinter, FixedClock
from kiosk.ports import PaymentMethod
from kiosk.pricing import parse_tariff
from kiosk.purchase.service import KioskContext, PurchaseService
from kiosk.purchase.states import S
from sync.cache import DownloadCache
from sync.client import HttpServer
from sync.jobs import SyncClient
from sync.payments import QrPayment
from sync.protocol import PaymentOrder
from sync.server import service
from sync.server.db import CardCounter


def test_qr_purchase_refunded_when_the_card_refuses_and_journalled_to_the_server(
    live: LiveServer, tmp_path: Path
) -> None:
    tariff_id = f"e2e-{uuid.uuid4().hex[:6]}"
    service.publish_tariff(live.sf, live.state.signer, {
        "tariff_id": tariff_id, "version": 1, "valid_from": "2026-01-01", "tier_year_start": "01-01",
        "tiers": [{"up_to_m3": "350", "price": "2.61"}, {"up_to_m3": None, "price": "4.23"}],
    })
    k = live.new_kiosk()
    k.close()
    journal = open_journal(tmp_path / "journal.db", k.kiosk_id)
    cache = DownloadCache(tmp_path / "cache.db")
    http = HttpServer(live.base_url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex)
    clock = FixedClock()
    sync = SyncClient(journal, http, clock, cache, live.state.signer.public_key_hex, rnd=random.Random(0))
    try:
        sync.download_job()
        docs = [d for d in cache.tariffs(live.state.signer.public_key_hex) if d.tariff_id == tariff_id]
        assert len(docs) == 1
        tariff = parse_tariff(json.loads(docs[0].model_dump_json()))
        ctx = KioskContext(kiosk_id=k.kiosk_id, terminal_no=7, journal=journal, clock=clock,
                           printer=FakePrinter(tmp_path / "printer.json"), tariffs=[tariff],
                           is_online=lambda: bool(sync.online))
        svc = PurchaseService(ctx)
        card = FakeCard(tmp_path / "card.json", tech="ic")
        card.set(refuse_writes=True)
        shown: list[str] = []

        def show(payload: str, order: PaymentOrder) -> None:
            shown.append(payload)

        def payer() -> None:
            while not shown:
                threading.Event().wait(0.02)
            assert httpx.post(shown[0], timeout=5).status_code == 200

        qr = QrPayment(http, show_qr=show, poll_s=0.05, timeout_s=10)
        t = threading.Thread(target=payer, daemon=True)
        t.start()
        check = svc.check_card(card.read())
        txn = svc.begin(check, "amount", 5000, PaymentMethod.QR)
        assert svc.pay_electronic(txn, qr) is S.PAID
        t.join(timeout=10)
        assert qr.charged_fen(txn) == 5000
        assert svc.write_card(txn, card) is S.CARD_FAILED
        assert svc.fail_without_credit(txn, qr) is S.REFUNDED
        assert qr.charged_fen(txn) == 0
        assert card.dump()["writes"] == []

        # and a purchase the card takes: paid, written, the remainder kept as credit
        card.set(refuse_writes=False)
        shown.clear()
        t2 = threading.Thread(target=payer, daemon=True)
        t2.start()
        ok_txn = svc.begin(svc.check_card(card.read()), "amount", 3000, PaymentMethod.QR)
        assert svc.pay_electronic(ok_txn, qr) is S.PAID
        t2.join(timeout=10)
        assert svc.write_card(ok_txn, card) is S.CARD_DONE

        assert sync.upload_job() > 0
        assert unsent(journal) == 0
        assert server_chain(live.sf, k.kiosk_id) == journal_chain(journal)
        kinds = journal.raw(f"SELECT kind FROM journal WHERE txn_id = '{txn}' ORDER BY seq")
        assert any("refund" in str(kind[0]) for kind in kinds), kinds
        assert service.alerts(live.sf, kiosk_id=k.kiosk_id) == []  # every real body parsed
        with live.sf() as s:
            seen = s.get(CardCounter, card.read().serial)
            assert seen is not None and seen.counter == card.read().counter
    finally:
        http.close()
        cache.close()
        journal.close()


class _QrKiosk:
    """A kiosk's core paying by QR through a fault proxy in front of the real server."""

    def __init__(self, live: LiveServer, tmp_path: Path) -> None:
        from sync_fault_proxy import FaultProxy

        from tests.kiosk.world import TARIFF

        k = live.new_kiosk()
        k.close()
        self.proxy = FaultProxy(live.port)
        self.base_url = live.base_url
        self.http = HttpServer(self.proxy.url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex, timeout_s=2, keepalive=False)
        self.shown: list[str] = []
        self.qr = QrPayment(self.http, show_qr=self._show, poll_s=0.05, timeout_s=0.4,
                            settle_tries=2, settle_pause_s=0.01)
        self.journal = open_journal(tmp_path / "journal.db", k.kiosk_id)
        self.svc = PurchaseService(KioskContext(
            kiosk_id=k.kiosk_id, terminal_no=1, journal=self.journal, clock=FixedClock(),
            printer=FakePrinter(), tariffs=[parse_tariff(TARIFF)], is_online=lambda: True))
        self.card = FakeCard(tmp_path / "card.json", tech="ic")

    def _show(self, payload: str, order: PaymentOrder) -> None:
        # the payer's phone reaches the provider on its own network, not through the kiosk's
        self.shown.append(payload.replace(self.proxy.url, self.base_url))
        self.proxy.default = "refuse"  # the link goes down while the QR code shows

    def begin(self) -> str:
        return self.svc.begin(self.svc.check_card(self.card.read()), "amount", 5000, PaymentMethod.QR)

    def kinds(self, txn: str) -> list[str]:
        return [str(r[0]) for r in self.journal.raw(f"SELECT kind FROM journal WHERE txn_id = '{txn}' ORDER BY seq")]

    def close(self) -> None:
        self.http.close()
        self.proxy.close()
        self.journal.close()


def _unsettled(k: _QrKiosk) -> str:
    """The resident gives up; the cancel never reaches the provider: the purchase stays open."""
    from kiosk.errors import PaymentUnsettled

    txn = k.begin()
    try:
        k.svc.pay_electronic(txn, k.qr)
    except PaymentUnsettled:
        pass
    else:
        raise AssertionError("pay_electronic closed a purchase whose order may still be paid")
    assert k.svc.get(txn).state == S.INIT.value
    try:
        k.svc.finish_payment(txn)  # the UI's "leave": refused, money may still come
    except PaymentUnsettled:
        pass
    else:
        raise AssertionError("finish_payment cancelled an open QR order")
    assert k.svc.get(txn).state == S.INIT.value
    return txn


def test_a_qr_order_not_cancelled_keeps_the_purchase_open_and_a_late_payment_is_refunded(
        live: LiveServer, tmp_path: Path) -> None:
    from kiosk.purchase.recovery import Recovery

    k = _QrKiosk(live, tmp_path)
    try:
        txn = _unsettled(k)
        # the payer still pays the open order; the resident has left with the card
        assert httpx.post(k.shown[0], timeout=5).status_code == 200
        report = Recovery(k.svc, None, {"qr": k.qr}, lambda _s: None).run()  # still cut off
        assert report.advanced[txn] == S.INIT.value
        k.proxy.default = "pass"
        report = Recovery(k.svc, None, {"qr": k.qr}, lambda _s: None).run()
        assert report.advanced[txn] == S.OUTBOX.value
        p = k.svc.get(txn)
        assert (p.paid_fen, p.refunded_fen) == (5000, 5000)
        assert k.kinds(txn)[-3:] == ["purchase.refund_pending", "purchase.refunded", "purchase.closed"]
        assert k.qr.charged_fen(txn) == 0 and k.card.dump()["writes"] == []
    finally:
        k.close()


def test_a_late_qr_payment_with_the_card_back_is_written_once(live: LiveServer, tmp_path: Path) -> None:
    from kiosk.purchase.recovery import Recovery

    k = _QrKiosk(live, tmp_path)
    try:
        txn = _unsettled(k)
        assert httpx.post(k.shown[0], timeout=5).status_code == 200
        k.proxy.default = "pass"
        card = k.card
        report = Recovery(k.svc, None, {"qr": k.qr}, lambda serial: card if serial == card.read().serial else None).run()
        assert report.advanced[txn] == S.OUTBOX.value
        assert [w["txn"] for w in card.dump()["writes"]] == [txn]
        assert k.qr.charged_fen(txn) == 5000
    finally:
        k.close()


def test_an_unpaid_open_qr_order_is_cancelled_at_the_provider_before_the_purchase_closes(
        live: LiveServer, tmp_path: Path) -> None:
    from kiosk.purchase.recovery import Recovery

    k = _QrKiosk(live, tmp_path)
    try:
        txn = _unsettled(k)
        k.proxy.default = "pass"
        report = Recovery(k.svc, None, {"qr": k.qr}, lambda _s: None).run()
        assert report.advanced[txn] == S.OUTBOX.value and "purchase.cancel" in k.kinds(txn)
        late = httpx.post(k.shown[0], timeout=5)  # the payer is refused now: no money, no gas
        assert late.status_code == 409 and "cancelled" in late.text
        assert k.qr.charged_fen(txn) == 0
    finally:
        k.close()
