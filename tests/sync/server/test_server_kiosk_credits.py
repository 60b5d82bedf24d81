"""A credit paid elsewhere, loaded by the kiosk's own core: kiosk A (online) claims it and
writes it onto the card; kiosk B, offline with the same signed credit in its cache, is refused
by the card itself (the load moved the card's counter). The journal tells the server, which
closes the credit."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sync_server_harness import LiveServer

from kiosk.errors import PaymentError
from kiosk.fakes import FakeCard, FakePayment, FakePrinter, FixedClock
from kiosk.journal import Journal
from kiosk.outbox import drain
from kiosk.ports import PaymentMethod
from kiosk.pricing import parse_tariff
from kiosk.purchase.service import KioskContext, PurchaseService
from kiosk.purchase.states import S
from sync.client import HttpServer
from sync.credits import CreditPayment
from sync.protocol import CreditClaimRequest, PendingCredit
from sync.server import service
from tests.kiosk.world import TARIFF


class Kiosk:
    def __init__(self, live: LiveServer, d: Path, card: FakeCard, base_url: str | None = None) -> None:
        k = live.new_kiosk()
        k.close()
        d.mkdir(parents=True, exist_ok=True)
        self.kiosk_id = k.kiosk_id
        self.server = HttpServer(base_url or live.base_url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex, timeout_s=2.0)
        self.journal = Journal(d / "journal.db", k.kiosk_id)
        self.journal.open()
        self.card = card
        self.svc = PurchaseService(KioskContext(
            kiosk_id=k.kiosk_id, terminal_no=4, journal=self.journal, clock=FixedClock(),
            printer=FakePrinter(), tariffs=[parse_tariff(TARIFF)], is_online=lambda: True))

    def credits(self) -> list[PendingCredit]:
        return list(self.server.pending_credits(0).items)

    def close(self) -> None:
        self.journal.close()
        self.server.close()


def _credit(live: LiveServer, cid: str, _serial: str) -> PendingCredit:
    items = [PendingCredit.model_validate(i) for i in
             live.new_kiosk().get("/v1/pending-credits?since=0").json()["items"]]
    return [c for c in items if c.credit_id == cid][-1]


def test_credit_paid_elsewhere_loaded_exactly_once(live: LiveServer, tmp_path: Path) -> None:
    pub = live.state.signer.public_key_hex
    serial = uuid.uuid4().hex[:16].upper()
    card = FakeCard(tmp_path / "card.json", tech="ic", serial=serial, customer="0000000042", seq=3)
    a = Kiosk(live, tmp_path / "a", card)
    b = Kiosk(live, tmp_path / "b", card, base_url="http://127.0.0.1:9")  # b is offline
    try:
        # a cash-less ordinary purchase first, so the server learns the card and its counter
        check = a.svc.check_card(card.read())
        txn0 = a.svc.begin(check, "amount", 1000, PaymentMethod.QR)
        a.svc.pay_electronic(txn0, FakePayment())
        assert a.svc.write_card(txn0, card) is S.CARD_DONE
        a.svc.print_receipt(txn0)
        a.svc.close(txn0)
        drain(a.journal, a.server, a.svc.ctx.clock)
        card.meter_load()
        cid = f"C-{uuid.uuid4().hex[:8]}"
        service.put_pending_credit(live.sf, PendingCredit(
            credit_id=cid, customer_no="0000000042", amount_fen=3000, paid_at=datetime.now(UTC),
            source="app", card_serial=serial))
        cached = _credit(live, cid, serial)  # both kiosks hold the signed credit
        assert cached.card_counter == 4

        snap = card.read()
        pay = CreditPayment(cached, snap, pub, a.server)
        txn = a.svc.begin(a.svc.check_card(snap), "amount", 3000, PaymentMethod.ELSEWHERE,
                          credit_id=cid)
        assert a.svc.pay_electronic(txn, pay) is S.PAID
        assert a.svc.write_card(txn, card) is S.CARD_DONE
        a.svc.print_receipt(txn)
        a.svc.close(txn)
        drain(a.journal, a.server, a.svc.ctx.clock)
        assert card.dump()["seq"] == 5 and card.dump()["amount"] == a.svc.get(txn).cost_fen
        kinds = [r[0] for r in a.journal.raw(f"SELECT kind FROM journal WHERE txn_id = '{txn}'")]
        assert "pending_credit.applied" in kinds
        assert _credit(live, cid, serial).status.value == "applied"

        # kiosk B, offline, with the same cached credit: the card's counter moved on
        card.meter_load()
        snap_b = card.read()
        pay_b = CreditPayment(cached, snap_b, pub, b.server)
        txn_b = b.svc.begin(b.svc.check_card(snap_b), "amount", 3000, PaymentMethod.ELSEWHERE,
                            credit_id=cid)
        assert b.svc.pay_electronic(txn_b, pay_b) is S.CANCELLED
        with pytest.raises(PaymentError, match="had a load since"):
            pay_b.charge(txn_b, 3000)
        assert len([w for w in card.dump()["writes"] if w["amount"] > 1000]) == 1  # loaded once
        body = json.loads(b.journal.raw(
            "SELECT body FROM journal WHERE kind = 'purchase.cancel'")[0][0])
        assert body["reason"] == "payment_failed"
    finally:
        a.close()
        b.close()


def test_an_offline_load_uploaded_row_by_row_is_never_open_again(live: LiveServer, tmp_path: Path) -> None:
    """Kiosk A's core loads the credit offline; its journal reaches the server one row per
    batch. After every batch, kiosk C (with the latest download) can load it neither offline
    nor online: the purchase.card_done row itself marks it applied."""
    from kiosk.outbox import upload_once
    from sync.credits import offline_refusal

    pub = live.state.signer.public_key_hex
    serial = uuid.uuid4().hex[:16].upper()
    card = FakeCard(tmp_path / "card.json", tech="ic", serial=serial, customer="0000000042", seq=3)
    a = Kiosk(live, tmp_path / "a", card)
    c = Kiosk(live, tmp_path / "c", card)
    try:
        check = a.svc.check_card(card.read())
        txn0 = a.svc.begin(check, "amount", 1000, PaymentMethod.QR)
        a.svc.pay_electronic(txn0, FakePayment())
        assert a.svc.write_card(txn0, card) is S.CARD_DONE
        a.svc.print_receipt(txn0)
        a.svc.close(txn0)
        drain(a.journal, a.server, a.svc.ctx.clock)
        card.meter_load()
        cid = f"C-{uuid.uuid4().hex[:8]}"
        service.put_pending_credit(live.sf, PendingCredit(
            credit_id=cid, customer_no="0000000042", amount_fen=3000, paid_at=datetime.now(UTC),
            source="app", card_serial=serial))
        cached = _credit(live, cid, serial)
        snap = card.read()
        pay = CreditPayment(cached, snap, pub, None)  # A is offline
        txn = a.svc.begin(a.svc.check_card(snap), "amount", 3000, PaymentMethod.ELSEWHERE, credit_id=cid)
        assert a.svc.pay_electronic(txn, pay) is S.PAID
        assert a.svc.write_card(txn, card) is S.CARD_DONE
        a.svc.print_receipt(txn)
        a.svc.close(txn)
        card.meter_load()
        done = json.loads(a.journal.raw(
            f"SELECT body FROM journal WHERE txn_id = '{txn}' AND kind = 'purchase.card_done'")[0][0])
        assert done["credit_id"] == cid
        batches = 0
        while upload_once(a.journal, a.server, a.svc.ctx.clock, batch=1):
            batches += 1
            latest = [x for x in c.credits() if x.credit_id == cid][-1]
            now = card.read()
            assert offline_refusal(latest, now, pub) is not None, batches
            r = c.server.raw("POST", f"/v1/pending-credits/{cid}/claim", CreditClaimRequest(
                txn_id=uuid.uuid4().hex, card_serial=serial, card_counter=now.counter))
            assert r.status_code == 409, (batches, r.text)
        assert batches >= 5
        assert _credit(live, cid, serial).status.value == "applied"
        assert len([w for w in card.dump()["writes"] if w["amount"] > 1000]) == 1
    finally:
        a.close()
        c.close()
