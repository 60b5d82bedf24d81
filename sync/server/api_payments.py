"""QR payment routes: the kiosk's (signed) /v1/payments..., and the sandbox payer's
/sandbox/pay/{order_id} (a page with a Pay button, and its POST), present only when the
config enables the sandbox provider."""
from __future__ import annotations

import html
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from sync.protocol import PaymentCreate, PaymentOrder, PaymentRefund

from .payments import PaymentConflict, PaymentProvider, SandboxProvider
from .security import kiosk_auth
from .state import ServerState

logger = logging.getLogger(__name__)

router = APIRouter()
KioskId = Annotated[str, Depends(kiosk_auth)]


def _sandbox(request: Request) -> SandboxProvider:
    state: ServerState = request.app.state.server
    if not state.config.sandbox_payments:
        raise HTTPException(503, "no payment provider configured")
    return SandboxProvider(state.sf, state.config.public_url or str(request.base_url), state.config.payment_ttl_s)


def provider(request: Request) -> PaymentProvider:
    """The payment provider port. Only the sandbox exists today; a real provider plugs in here."""
    return _sandbox(request)


@router.post("/v1/payments", response_model=PaymentOrder)
def create_payment(request: Request, kiosk_id: KioskId, body: PaymentCreate) -> PaymentOrder:
    try:
        return provider(request).create(kiosk_id, body.txn_id, body.amount_fen)
    except PaymentConflict as exc:
        raise HTTPException(409, str(exc)) from None


@router.get("/v1/payments/{txn_id}", response_model=PaymentOrder)
def get_payment(request: Request, kiosk_id: KioskId, txn_id: str) -> PaymentOrder:
    order = provider(request).get(kiosk_id, txn_id)
    if order is None:
        raise HTTPException(404, "no order for this transaction")
    return order


@router.post("/v1/payments/{txn_id}/cancel", response_model=PaymentOrder)
def cancel_payment(request: Request, kiosk_id: KioskId, txn_id: str) -> PaymentOrder:
    try:
        return provider(request).cancel(kiosk_id, txn_id)
    except KeyError:
        raise HTTPException(404, "no order for this transaction") from None


@router.post("/v1/payments/{txn_id}/refund", response_model=PaymentOrder)
def refund_payment(request: Request, kiosk_id: KioskId, txn_id: str, body: PaymentRefund) -> PaymentOrder:
    try:
        return provider(request).refund(kiosk_id, txn_id, body.amount_fen)
    except KeyError:
        raise HTTPException(404, "no order for this transaction") from None
    except PaymentConflict as exc:
        raise HTTPException(409, str(exc)) from None


@router.get("/sandbox/pay/{order_id}", response_class=HTMLResponse, include_in_schema=False)
def sandbox_page(request: Request, order_id: str) -> HTMLResponse:
    _sandbox(request)
    oid = html.escape(order_id)
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Sandbox payment</title></head><body>"
        f"<h1>Sandbox payment</h1><p>Order {oid}</p><form method='post' action='/sandbox/pay/{oid}'>"
        "<button type='submit'>Pay</button></form></body></html>"
    )


@router.post("/sandbox/pay/{order_id}", response_model=PaymentOrder, include_in_schema=False)
def sandbox_pay(request: Request, order_id: str) -> PaymentOrder:
    """The payer who scanned the QR pays (test and demo only)."""
    try:
        return _sandbox(request).pay(order_id)
    except KeyError:
        raise HTTPException(404, "no such order") from None
    except PaymentConflict as exc:
        raise HTTPException(409, str(exc)) from None
