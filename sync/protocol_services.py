"""Protocol models of the online services: card crypto (MAC2, SAM quota), heartbeat and
status, QR payments. Import them from sync.protocol."""
from __future__ import annotations

import enum
from datetime import datetime

from pydantic import Field

from .protocol_base import ProtocolModel as _Model

# --------------------------------------------------------------------------- card crypto


class Mac2Request(_Model):
    """Online MAC2 for a CPU-card load (gas-cards.md section 3). Hex fields."""

    txn_id: str
    card_serial: str = Field(pattern=r"^[0-9A-Fa-f]{16}$")
    old_balance_fen: int = Field(ge=0)
    amount_fen: int = Field(gt=0)
    terminal: str = Field(pattern=r"^[0-9A-Fa-f]{12}$")
    random: str = Field(pattern=r"^[0-9A-Fa-f]{8}$")
    online_atc: int = Field(ge=0, le=0xFFFF)
    mac1: str = Field(pattern=r"^[0-9A-Fa-f]{8}$")
    date: str = Field(pattern=r"^\d{8}$")  # YYYYMMDD
    time: str = Field(pattern=r"^\d{6}$")  # hhmmss
    key_index: int = 1


class Mac2Response(_Model):
    txn_id: str
    mac2: str


class QuotaRequest(_Model):
    """A SAM quota token (gas-cards.md section 4): the SAM's id and current counter."""

    sam_id: str = Field(pattern=r"^[0-9A-Fa-f]{12}$")
    sam_counter: int = Field(ge=0, le=0xFFFFFFFF)
    # the kiosk's highest journal seq (required): the quota is renewed only when the server
    # holds exactly the whole journal (the quota caps what a kiosk may credit between syncs)
    journal_last_seq: int = Field(ge=0)


class QuotaToken(_Model):
    sam_id: str
    sam_counter: int
    new_quota_fen: int
    mac: str  # hex, for REPLENISH QUOTA: new quota(4) || counter(4) || mac(4)


class HeartbeatAck(_Model):
    server_time: datetime
    last_seq: int  # highest contiguous seq stored for this kiosk


class KioskStatus(_Model):
    kiosk_id: str
    last_seq: int
    server_time: datetime


class ErrorBody(_Model):
    detail: str


# --------------------------------------------------------------------------- QR payments


class PaymentStatus(str, enum.Enum):
    PENDING = "pending"  # waiting for the payer to scan and pay
    PAID = "paid"
    CANCELLED = "cancelled"  # closed unpaid; a late payment is refused by the provider
    EXPIRED = "expired"  # not paid before `expires_at`: closed unpaid, a payment is refused
    REFUNDED = "refunded"  # paid, then given back (fully)


# the order states in which no more money can be taken and none was
CLOSED_UNPAID = frozenset({PaymentStatus.CANCELLED, PaymentStatus.EXPIRED})


class PaymentCreate(_Model):
    txn_id: str = Field(min_length=1, max_length=64)
    amount_fen: int = Field(gt=0)


class PaymentRefund(_Model):
    amount_fen: int = Field(gt=0)


class PaymentOrder(_Model):
    order_id: str
    txn_id: str
    amount_fen: int
    status: PaymentStatus
    qr_payload: str  # what the kiosk shows as a QR code (segno)
    paid_fen: int = 0
    refunded_fen: int = 0
    provider_ref: str | None = None
    refund_ref: str | None = None
    expires_at: datetime | None = None  # a pending order is unpayable from then on
