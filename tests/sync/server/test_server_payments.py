"""The QR payment lane against a real server with the sandbox provider: the kiosk shows the
QR, the sandbox payer scans and pays, the kiosk follows the order; timeouts cancel, a late
payment is refused, refunds are idempotent, and the oracle never guesses."""
from __future__ import annotations

import threading
import uuid

import httpx
import pytest
from sync_fault_proxy import FaultProxy
from sync_server_harness import LiveServer

from kiosk.errors import PaymentError, PaymentUnsettled
from kiosk.ports import ElectronicPayment
from sync.client import HttpServer
from sync.payments import QrPayment
from sync.protocol import PaymentOrder


def _payment(live: LiveServer, **kw: float) -> tuple[QrPayment, list[str]]:
    k = live.new_kiosk()
    k.close()
    shown: list[str] = []

    def show(payload: str, order: PaymentOrder) -> None:
        shown.append(payload)

    return QrPayment(HttpServer(live.base_url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex), show_qr=show, **kw), shown


def _payer(shown: list[str]) -> threading.Thread:
    """The resident's phone: waits for the QR, then opens it and pays."""

    def run() -> None:
        for _ in range(200):
            if shown:
                page = httpx.get(shown[0], timeout=5)
                assert page.status_code == 200 and "Pay" in page.text
                assert httpx.post(shown[0], timeout=5).status_code == 200
                return
            threading.Event().wait(0.02)

    t = threading.Thread(target=run)
    t.start()
    return t


def test_scan_pay_follow_then_refund(live: LiveServer) -> None:
    pay, shown = _payment(live, poll_s=0.05, timeout_s=10)
    port: ElectronicPayment = pay  # mypy checks QrPayment against the kiosk's port
    assert port.method.value == "qr"
    txn = f"T-{uuid.uuid4().hex[:8]}"
    payer = _payer(shown)
    ref = pay.charge(txn, 5000)
    payer.join()
    assert ref.startswith("SBP-") and shown[0].startswith(live.base_url)
    assert pay.charged_fen(txn) == 5000
    assert pay.charge(txn, 5000) == ref  # idempotent: no second payment, no second QR
    assert len(shown) == 1
    refund_ref = pay.refund(txn, 5000)
    assert pay.refund(txn, 5000) == refund_ref
    assert pay.charged_fen(txn) == 0


def test_unpaid_order_times_out_is_cancelled_and_a_late_payment_refused(live: LiveServer) -> None:
    pay, shown = _payment(live, poll_s=0.05, timeout_s=0.4)
    txn = f"T-{uuid.uuid4().hex[:8]}"
    with pytest.raises(PaymentError, match="not made"):
        pay.charge(txn, 1200)
    assert httpx.post(shown[0]).status_code == 409
    assert pay.charged_fen(txn) == 0
    with pytest.raises(PaymentError):
        pay.refund(txn, 1200)


def test_resident_cancels(live: LiveServer) -> None:
    pay, _shown = _payment(live, poll_s=0.05, timeout_s=30)
    txn = f"T-{uuid.uuid4().hex[:8]}"
    threading.Timer(0.2, pay.cancel).start()
    with pytest.raises(PaymentError, match="cancelled"):
        pay.charge(txn, 800)


def test_same_txn_other_amount_is_refused(live: LiveServer) -> None:
    pay, _shown = _payment(live, poll_s=0.05, timeout_s=0.2)
    txn = f"T-{uuid.uuid4().hex[:8]}"
    with pytest.raises(PaymentError):
        pay.charge(txn, 1000)
    with pytest.raises(PaymentError, match="409"):
        pay.charge(txn, 2000)
    assert pay.charged_fen(txn) == 0 and pay.charged_fen("T-never") == 0


def test_the_oracle_raises_rather_than_guessing_when_the_server_is_unreachable(live: LiveServer) -> None:
    k = live.new_kiosk()
    k.close()
    proxy = FaultProxy(live.port, default="refuse")
    try:
        pay = QrPayment(HttpServer(proxy.url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex, keepalive=False), settle_pause_s=0.01)
        with pytest.raises(PaymentUnsettled):
            pay.charged_fen("T-x")
        with pytest.raises(PaymentError):
            pay.charge("T-x", 100)
    finally:
        proxy.close()


def test_a_pending_order_expires_and_refuses_payment(live: LiveServer) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from sync.server.db import PaymentRow

    k = live.new_kiosk()
    txn = f"T-{uuid.uuid4().hex[:8]}"
    order = PaymentOrder.model_validate(k.post("/v1/payments", {"txn_id": txn, "amount_fen": 700}).json())
    assert order.status.value == "pending" and order.expires_at is not None
    assert order.expires_at > datetime.now(UTC)
    with live.sf.begin() as s:
        s.execute(update(PaymentRow).where(PaymentRow.order_id == order.order_id)
                  .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    late = httpx.post(order.qr_payload, timeout=5)
    assert late.status_code == 409 and "expired" in late.text
    assert k.get(f"/v1/payments/{txn}").json()["status"] == "expired"
    pay = QrPayment(HttpServer(live.base_url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex))
    assert pay.charged_fen(txn) == 0
    k.close()


def test_a_cancel_that_does_not_reach_the_provider_is_not_taken_for_a_cancel(live: LiveServer) -> None:
    """The audit's race: the cancel POST fails, the order stays payable. charge() says so
    (PaymentUnsettled); the final oracle cancels it at the provider before answering 0."""
    k = live.new_kiosk()
    k.close()
    proxy = FaultProxy(live.port)
    try:
        shown: list[str] = []

        def show(payload: str, order: PaymentOrder) -> None:
            shown.append(payload.replace(proxy.url, live.base_url))  # the payer's own network
            proxy.default = "refuse"

        pay = QrPayment(HttpServer(proxy.url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex, keepalive=False), show_qr=show,
                        poll_s=0.05, timeout_s=0.3, settle_pause_s=0.01)
        txn = f"T-{uuid.uuid4().hex[:8]}"
        with pytest.raises(PaymentUnsettled):
            pay.charge(txn, 900)
        with pytest.raises(PaymentUnsettled):
            pay.charged_fen(txn)
        direct = QrPayment(HttpServer(live.base_url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex))
        assert direct._order(txn) is not None and direct._order(txn).status.value == "pending"  # type: ignore[union-attr]
        proxy.default = "pass"
        assert pay.charged_fen(txn) == 0
        assert httpx.post(shown[0], timeout=5).status_code == 409
    finally:
        proxy.close()
