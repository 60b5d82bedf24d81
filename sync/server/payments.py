"""QR payments: a provider port and the sandbox provider.

The server holds one order per (kiosk, txn_id); the kiosk shows the order's QR payload and
follows the order until it is paid. A real provider (a bank's or a wallet's API) implements
`PaymentProvider`; the sandbox keeps its state in the server's database, and its
/sandbox/pay/{order_id} endpoint plays the payer who scans and pays (enabled only with
`sandbox_payments` in the config). An order expires `ttl_s` after it was made: a pending
order past that is EXPIRED (closed unpaid), and it, like a cancelled one, refuses payment.
"""
from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sync.protocol import PaymentOrder, PaymentStatus

from .db import PaymentRow, utcnow
from .service import SF

logger = logging.getLogger(__name__)


class PaymentConflict(Exception):
    """The request contradicts the order (other amount, paid after cancel, refund too big)."""


class PaymentProvider(Protocol):
    def create(self, kiosk_id: str, txn_id: str, amount_fen: int) -> PaymentOrder: ...

    def get(self, kiosk_id: str, txn_id: str) -> PaymentOrder | None: ...

    def cancel(self, kiosk_id: str, txn_id: str) -> PaymentOrder: ...

    def refund(self, kiosk_id: str, txn_id: str, amount_fen: int) -> PaymentOrder: ...


def _model(row: PaymentRow) -> PaymentOrder:
    return PaymentOrder(
        order_id=row.order_id, txn_id=row.txn_id, amount_fen=row.amount_fen, status=PaymentStatus(row.status),
        qr_payload=row.qr_payload, paid_fen=row.paid_fen, refunded_fen=row.refunded_fen,
        provider_ref=row.provider_ref, refund_ref=row.refund_ref, expires_at=_utc(row.expires_at),
    )


def _utc(dt: datetime | None) -> datetime | None:
    return dt if dt is None or dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _expire(row: PaymentRow) -> None:
    """A pending order past its expiry is closed unpaid (checked under the row's lock)."""
    expires = _utc(row.expires_at)
    if row.status == PaymentStatus.PENDING.value and expires is not None and utcnow() >= expires:
        row.status = PaymentStatus.EXPIRED.value
        logger.info("payment order %s expired unpaid", row.order_id)


class SandboxProvider:
    """Idempotent on (kiosk, txn_id) everywhere, as a real provider's API is on its order id."""

    def __init__(self, sf: SF, public_base_url: str, ttl_s: int = 300) -> None:
        self.sf = sf
        self.public_base_url = public_base_url.rstrip("/")
        self.ttl_s = ttl_s

    def _row(self, kiosk_id: str, txn_id: str) -> PaymentRow | None:
        with self.sf.begin() as s:
            row = s.scalars(select(PaymentRow).where(PaymentRow.kiosk_id == kiosk_id, PaymentRow.txn_id == txn_id)
                            .with_for_update()).first()
            if row is not None:
                _expire(row)
            return row

    def create(self, kiosk_id: str, txn_id: str, amount_fen: int) -> PaymentOrder:
        existing = self._row(kiosk_id, txn_id)
        if existing is None:
            order_id = f"SBX-{secrets.token_hex(8)}"
            try:
                with self.sf.begin() as s:
                    s.add(PaymentRow(
                        order_id=order_id, kiosk_id=kiosk_id, txn_id=txn_id, amount_fen=amount_fen,
                        status=PaymentStatus.PENDING.value, qr_payload=f"{self.public_base_url}/sandbox/pay/{order_id}",
                        paid_fen=0, refunded_fen=0, expires_at=utcnow() + timedelta(seconds=self.ttl_s),
                    ))
                logger.info("payment order %s for kiosk %s txn %s: %d fen", order_id, kiosk_id, txn_id, amount_fen)
            except IntegrityError:
                pass  # a concurrent twin created it
            existing = self._row(kiosk_id, txn_id)
            assert existing is not None
        if existing.amount_fen != amount_fen:
            raise PaymentConflict(f"txn {txn_id} already has an order of {existing.amount_fen} fen")
        return _model(existing)

    def get(self, kiosk_id: str, txn_id: str) -> PaymentOrder | None:
        row = self._row(kiosk_id, txn_id)
        return None if row is None else _model(row)

    def cancel(self, kiosk_id: str, txn_id: str) -> PaymentOrder:
        with self.sf.begin() as s:
            row = s.scalars(
                select(PaymentRow).where(PaymentRow.kiosk_id == kiosk_id, PaymentRow.txn_id == txn_id).with_for_update()
            ).first()
            if row is None:
                raise KeyError(txn_id)
            _expire(row)
            if row.status == PaymentStatus.PENDING.value:
                row.status = PaymentStatus.CANCELLED.value
            return _model(row)  # a paid order stays paid: the kiosk sees it and goes on

    def refund(self, kiosk_id: str, txn_id: str, amount_fen: int) -> PaymentOrder:
        with self.sf.begin() as s:
            row = s.scalars(
                select(PaymentRow).where(PaymentRow.kiosk_id == kiosk_id, PaymentRow.txn_id == txn_id).with_for_update()
            ).first()
            if row is None:
                raise KeyError(txn_id)
            if row.refund_ref is not None:  # refunded before: the same answer
                return _model(row)
            if row.status != PaymentStatus.PAID.value or amount_fen > row.paid_fen:
                raise PaymentConflict(f"cannot refund {amount_fen} fen of a {row.status} order")
            row.refunded_fen = amount_fen
            row.refund_ref = f"SBR-{secrets.token_hex(6)}"
            if amount_fen == row.paid_fen:
                row.status = PaymentStatus.REFUNDED.value
            logger.info("payment %s refunded %d fen", row.order_id, amount_fen)
            return _model(row)

    def pay(self, order_id: str) -> PaymentOrder:
        """The sandbox payer scans the QR and pays the order in full."""
        with self.sf.begin() as s:
            row = s.scalars(select(PaymentRow).where(PaymentRow.order_id == order_id).with_for_update()).first()
            if row is None:
                raise KeyError(order_id)
            _expire(row)
            if row.status == PaymentStatus.PENDING.value:
                row.status = PaymentStatus.PAID.value
                row.paid_fen = row.amount_fen
                row.paid_at = utcnow()
                row.provider_ref = f"SBP-{secrets.token_hex(6)}"
            elif row.status != PaymentStatus.PAID.value:
                raise PaymentConflict(f"order {order_id} is {row.status}")
            return _model(row)
