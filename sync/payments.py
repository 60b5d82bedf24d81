"""The kiosk's QR payment lane: `QrPayment` implements `kiosk.ports.ElectronicPayment`
through the server's payment routes (which front the payment provider).

`charge` creates the order (idempotent on txn_id), hands the QR payload to `show_qr` (the
UI draws it with segno), follows the order until it is paid and returns the provider's
reference; on timeout or `cancel()` it cancels the order and raises PaymentError unless the
payer paid in the meantime. When the cancel is not confirmed it raises PaymentUnsettled: the
order may still be paid, so the purchase must stay open.

`charged_fen` is the oracle the purchase asks once its payment phase is over (after charge
failed, or at recovery): an order still payable is cancelled at the provider first, so the
answer is final; it never guesses and raises PaymentUnsettled when the provider cannot
confirm the order is closed (cancelled, expired, paid). `refund` is idempotent.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from kiosk.errors import PaymentError, PaymentUnsettled
from kiosk.ports import PaymentMethod

from .client import HttpServer, ServerRefused, SyncError
from .protocol import CLOSED_UNPAID, PaymentCreate, PaymentOrder, PaymentRefund, PaymentStatus

logger = logging.getLogger(__name__)


class QrPayment:
    method = PaymentMethod.QR

    def __init__(
        self,
        server: HttpServer,
        *,
        show_qr: Callable[[str, PaymentOrder], None] | None = None,
        timeout_s: float = 180.0,
        poll_s: float = 1.0,
        settle_tries: int = 3,
        settle_pause_s: float = 1.0,
    ) -> None:
        self.server = server
        self.show_qr = show_qr
        self.timeout_s, self.poll_s = timeout_s, poll_s
        self.settle_tries, self.settle_pause_s = settle_tries, settle_pause_s
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """The resident pressed cancel: `charge` stops waiting (and cancels the order)."""
        self._cancel.set()

    def _order(self, txn_id: str) -> PaymentOrder | None:
        r = self.server.raw("GET", f"/v1/payments/{txn_id}")
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            raise ServerRefused(f"payment {txn_id}: HTTP {r.status_code}", r.status_code)
        return PaymentOrder.model_validate_json(r.content)

    def charge(self, txn_id: str, amount_fen: int) -> str:
        self._cancel.clear()
        try:
            order = self.server.post_model("/v1/payments", PaymentCreate(txn_id=txn_id, amount_fen=amount_fen),
                                           PaymentOrder)
        except SyncError as exc:
            raise PaymentError(f"payment could not be started: {exc}") from exc
        if order.status is PaymentStatus.PAID:
            return order.provider_ref or order.order_id
        if order.status is not PaymentStatus.PENDING:
            raise PaymentError(f"payment order is {order.status.value}")
        if self.show_qr is not None:
            self.show_qr(order.qr_payload, order)
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline and not self._cancel.is_set():
            try:
                seen = self._order(txn_id)
            except SyncError as exc:  # keep following: the payer may pay while we are cut off
                logger.info("payment %s: server not answering (%s)", txn_id, exc)
                seen = None
            if seen is not None and seen.status is PaymentStatus.PAID:
                logger.info("payment %s paid, ref %s", txn_id, seen.provider_ref)
                return seen.provider_ref or seen.order_id
            self._cancel.wait(self.poll_s)
        try:
            final = self._cancel_order(txn_id)
        except SyncError as exc:
            raise PaymentUnsettled(f"payment not confirmed and not cancelled: {exc}", txn_id=txn_id) from exc
        if final.status is PaymentStatus.PAID:  # paid at the last moment
            return final.provider_ref or final.order_id
        raise PaymentError("payment not made" if not self._cancel.is_set() else "payment cancelled")

    def _cancel_order(self, txn_id: str) -> PaymentOrder:
        return self.server.post_model(f"/v1/payments/{txn_id}/cancel", None, PaymentOrder)

    def charged_fen(self, txn_id: str) -> int:
        """What the provider holds for this txn (net of refunds), once no more can be paid: a
        pending order is cancelled first. Raises PaymentUnsettled when that cannot be known."""
        last: Exception | None = None
        for attempt in range(max(1, self.settle_tries)):
            if attempt:
                time.sleep(self.settle_pause_s)
            try:
                order = self._order(txn_id)
                if order is not None and order.status is PaymentStatus.PENDING:
                    order = self._cancel_order(txn_id)
            except SyncError as exc:
                last = exc
                logger.warning("payment %s: provider not confirming (try %d): %s", txn_id, attempt + 1, exc)
                continue
            if order is None:
                return 0
            if order.status is PaymentStatus.PENDING:  # a provider that did not cancel
                last = PaymentError(f"order {order.order_id} still pending after cancel")
                continue
            if order.status in CLOSED_UNPAID:
                return 0
            return order.paid_fen - order.refunded_fen
        raise PaymentUnsettled(f"payment {txn_id}: the provider did not confirm the order closed: {last}",
                               txn_id=txn_id)

    def refund(self, txn_id: str, amount_fen: int) -> str:
        try:
            order = self.server.post_model(f"/v1/payments/{txn_id}/refund", PaymentRefund(amount_fen=amount_fen),
                                           PaymentOrder)
        except SyncError as exc:
            raise PaymentError(f"refund failed: {exc}") from exc
        assert order.refund_ref is not None
        return order.refund_ref
