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
    http = HttpServer(live.base_url, k.kiosk_id, k.key)
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
