"""The sync protocol: pydantic v2 models shared by the kiosk's sync client and the server.

Every journal row travels as a `RowEnvelope` (the `kiosk.ports.UploadRow` fields): kiosk id,
per-kiosk contiguous `seq` (from 1), transaction id, `kind`, `body` (the canonical JSON text
of one of the event bodies below) and the hash chain values of `kiosk.hashchain`. The event
bodies are lenient (unknown fields are kept) so that a kiosk newer than the server never has
its rows refused for a field the server does not know yet; the row itself, not the parsed
body, is the ledger.

Money is integer fen, volumes integer 0.01 m3 units, prices decimal strings (pricing.md).
"""
from __future__ import annotations

import enum
import json
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kiosk.hashchain import row_hash
from kiosk.ports import UploadRow

PROTOCOL_VERSION = 1
MAX_BATCH_ROWS = 500

KioskId = str
TxnId = str


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Event(BaseModel):
    """Event bodies: unknown fields allowed and kept."""

    model_config = ConfigDict(extra="allow", frozen=True)


# --------------------------------------------------------------------------- rows, batches


class RowEnvelope(_Model):
    kiosk_id: KioskId = Field(min_length=1, max_length=64)
    seq: int = Field(ge=1)
    txn_id: TxnId = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=64)
    body: str  # canonical JSON text of the event body
    prev_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    row_hash: str = Field(pattern=r"^[0-9a-f]{64}$")

    def hash_ok(self) -> bool:
        expected = row_hash(self.prev_hash, self.kiosk_id, self.seq, self.txn_id, self.kind, self.body)
        return expected == self.row_hash

    def body_json(self) -> Any:
        return json.loads(self.body)

    @classmethod
    def from_upload_row(cls, row: UploadRow) -> RowEnvelope:
        return cls(
            kiosk_id=row.kiosk_id,
            seq=row.seq,
            txn_id=row.txn_id,
            kind=row.kind,
            body=row.body,
            prev_hash=row.prev_hash,
            row_hash=row.row_hash,
        )

    def to_upload_row(self) -> UploadRow:
        return UploadRow(
            kiosk_id=self.kiosk_id,
            seq=self.seq,
            txn_id=self.txn_id,
            kind=self.kind,
            body=self.body,
            prev_hash=self.prev_hash,
            row_hash=self.row_hash,
        )


class UploadBatch(_Model):
    kiosk_id: KioskId = Field(min_length=1, max_length=64)
    rows: list[RowEnvelope] = Field(max_length=MAX_BATCH_ROWS)


class RowStatus(str, enum.Enum):
    STORED = "stored"  # inserted by this request
    DUPLICATE = "duplicate"  # already stored with the same content: what was stored
    CONFLICT = "conflict"  # same (kiosk, seq), different content: refused, alert raised
    CHAIN_BREAK = "chain_break"  # gap or prev_hash mismatch: refused, alert raised
    BAD_HASH = "bad_hash"  # row_hash does not match the row: refused, alert raised
    NOT_PROCESSED = "not_processed"  # after a refused row of the same batch


class RowResult(_Model):
    seq: int
    status: RowStatus
    row_hash: str | None = None  # the hash the server holds for this seq, if any
    detail: str | None = None


class UploadAck(_Model):
    """`stored` lists every seq of the batch the server holds (now or before) with the
    content sent: only these may be marked sent by the kiosk. HTTP 200 when every row is
    stored, 422 (same body) when a row was refused."""

    kiosk_id: KioskId
    stored: list[int]
    results: list[RowResult]
    last_seq: int  # highest contiguous seq the server holds for this kiosk (0: none)


# --------------------------------------------------------------------------- event bodies


class EventKind(str, enum.Enum):
    PURCHASE_CREATED = "purchase.created"
    PURCHASE_PAID = "purchase.paid"
    CASH_NOTE = "cash.note"
    CARD_PENDING = "card.pending"
    CARD_DONE = "card.done"
    RECEIPT_DONE = "receipt.done"
    PURCHASE_CLOSED = "purchase.closed"
    REMAINDER_CREDIT = "remainder.credit"
    CASH_VOUCHER = "cash.voucher"
    REPAIR_REQUEST = "repair.request"
    HELP_CALL = "help.call"
    RATING = "rating"
    CASH_COLLECTION = "cash.collection"
    DEVICE_HEALTH = "device.health"
    PENDING_CREDIT_APPLIED = "pending_credit.applied"


class PurchaseEvent(_Event):
    """The purchase.* / cash.note / card.* / receipt.done steps of one purchase. Each step
    carries what it learnt; all fields are optional because each step knows only part."""

    customer_no: str | None = None
    card_serial: str | None = None
    card_tech: Literal["ic", "cpu"] | None = None
    tariff_id: str | None = None
    tariff_version: int | None = None
    amount_fen: int | None = Field(default=None, ge=0)
    cost_fen: int | None = Field(default=None, ge=0)
    volume_units: int | None = Field(default=None, ge=0)
    paid_fen: int | None = Field(default=None, ge=0)
    payment_method: str | None = None
    note_fen: int | None = Field(default=None, ge=0)
    counter_before: int | None = None
    counter_after: int | None = None
    tac: str | None = None
    state: str | None = None


class RemainderCreditEvent(_Event):
    """Money left over after a purchase by amount, kept as the customer's account credit."""

    customer_no: str
    amount_fen: int = Field(ge=0)
    purchase_txn_id: str | None = None


class CashVoucherEvent(_Event):
    """Money taken that could not be credited (held for manual review, INV-1)."""

    voucher_no: str
    amount_fen: int = Field(ge=0)
    reason: str
    customer_no: str | None = None


class RepairRequestEvent(_Event):
    customer_no: str | None = None
    category: str
    description: str = ""
    contact_phone: str | None = None


class HelpCallEvent(_Event):
    reason: str
    screen: str | None = None
    customer_no: str | None = None


class RatingEvent(_Event):
    score: int = Field(ge=1, le=5)
    comment: str = ""
    purchase_txn_id: str | None = None


class CashCollectionEvent(_Event):
    """A collector emptied the cash box."""

    collector_id: str
    notes: dict[str, int] = Field(default_factory=dict)  # denomination fen (as text) -> count
    total_fen: int = Field(ge=0)
    box_id: str | None = None


class PrinterHealth(str, enum.Enum):
    OK = "ok"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"


class DeviceHealthEvent(_Event):
    """Also the heartbeat body (POST /v1/heartbeat) that is not journalled."""

    printer: PrinterHealth = PrinterHealth.OK
    cash_box_notes: int = Field(default=0, ge=0)
    cash_box_capacity: int = Field(default=1000, ge=1)
    reader: Literal["ok", "absent", "error"] = "ok"
    sam_quota_fen: int | None = None
    journal_last_seq: int | None = Field(default=None, ge=0)  # highest seq in the journal
    oldest_unsent_at: datetime | None = None
    software_version: str | None = None


class PendingCreditAppliedEvent(_Event):
    """A credit paid elsewhere was written onto a card by this kiosk."""

    credit_id: str
    customer_no: str
    amount_fen: int = Field(ge=0)
    card_serial: str | None = None


EVENT_MODELS: dict[str, type[_Event]] = {
    EventKind.PURCHASE_CREATED.value: PurchaseEvent,
    EventKind.PURCHASE_PAID.value: PurchaseEvent,
    EventKind.CASH_NOTE.value: PurchaseEvent,
    EventKind.CARD_PENDING.value: PurchaseEvent,
    EventKind.CARD_DONE.value: PurchaseEvent,
    EventKind.RECEIPT_DONE.value: PurchaseEvent,
    EventKind.PURCHASE_CLOSED.value: PurchaseEvent,
    EventKind.REMAINDER_CREDIT.value: RemainderCreditEvent,
    EventKind.CASH_VOUCHER.value: CashVoucherEvent,
    EventKind.REPAIR_REQUEST.value: RepairRequestEvent,
    EventKind.HELP_CALL.value: HelpCallEvent,
    EventKind.RATING.value: RatingEvent,
    EventKind.CASH_COLLECTION.value: CashCollectionEvent,
    EventKind.DEVICE_HEALTH.value: DeviceHealthEvent,
    EventKind.PENDING_CREDIT_APPLIED.value: PendingCreditAppliedEvent,
}


def parse_event(kind: str, body: str) -> _Event | None:
    """The typed body of a row, None for a kind this version does not know.
    Raises pydantic.ValidationError / ValueError for a known kind with a bad body."""
    model = EVENT_MODELS.get(kind)
    if model is None:
        return None
    return model.model_validate_json(body)


# --------------------------------------------------------------------------- tariffs


class TariffTier(_Model):
    up_to_m3: str | None
    price: str


class TariffDocument(_Model):
    """pricing.md's tariff document; structural checks only (kiosk.pricing owns the maths)."""

    tariff_id: str = Field(min_length=1)
    version: int = Field(ge=1)
    valid_from: date
    tier_year_start: str = Field(pattern=r"^\d{2}-\d{2}$")
    tiers: list[TariffTier] = Field(min_length=1)

    @field_validator("tiers")
    @classmethod
    def _tiers_ok(cls, tiers: list[TariffTier]) -> list[TariffTier]:
        from decimal import Decimal, InvalidOperation

        last = Decimal(-1)
        for i, tier in enumerate(tiers):
            try:
                price = Decimal(tier.price)
            except InvalidOperation as exc:
                raise ValueError(f"tiers[{i}].price is not a decimal") from exc
            if price < 0 or price.as_tuple().exponent < -4:  # type: ignore[operator]
                raise ValueError(f"tiers[{i}].price must be >= 0 with at most 4 decimals")
            is_last = i == len(tiers) - 1
            if tier.up_to_m3 is None:
                if not is_last:
                    raise ValueError(f"tiers[{i}].up_to_m3 is null but not the last tier")
                continue
            if is_last:
                raise ValueError(f"tiers[{i}].up_to_m3 must be null on the last tier")
            try:
                bound = Decimal(tier.up_to_m3)
            except InvalidOperation as exc:
                raise ValueError(f"tiers[{i}].up_to_m3 is not a decimal") from exc
            if bound <= last or (bound * 100) % 1 != 0:
                raise ValueError(
                    f"tiers[{i}].up_to_m3 must increase and be a multiple of 0.01"
                )
            last = bound
        return tiers


class SignedTariff(_Model):
    """The server's signed envelope. `document` is the canonical JSON text of a
    TariffDocument; `signature` is Ed25519 over document.encode("utf-8"), hex; `key_id`
    is the first 16 hex digits of SHA-256 of the raw 32-byte public key."""

    document: str
    signature: str | None = None
    key_id: str | None = None
    algorithm: Literal["ed25519"] = "ed25519"


# --------------------------------------------------------------------------- downloads


class CardReplacement(_Model):
    old_serial: str
    new_serial: str
    replaced_at: datetime


class BlockedCard(_Model):
    serial: str
    reason: str
    blocked_at: datetime


class AccountStatus(str, enum.Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class AccountSnapshot(_Model):
    customer_no: str
    status: AccountStatus
    arrears_fen: int = Field(ge=0)
    credit_fen: int = Field(default=0, ge=0)
    blocked_cards: list[BlockedCard] = Field(default_factory=list)
    replaced_cards: list[CardReplacement] = Field(default_factory=list)
    version: int = 0  # set by the server


class Notice(_Model):
    notice_id: str
    title: str
    text: str
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    kiosk_id: str | None = None  # None: every kiosk
    withdrawn: bool = False
    version: int = 0


class PendingCreditStatus(str, enum.Enum):
    OPEN = "open"
    CLAIMED = "claimed"  # an online kiosk reserved it for one transaction
    APPLIED = "applied"
    CANCELLED = "cancelled"


class PendingCredit(_Model):
    credit_id: str
    customer_no: str
    amount_fen: int = Field(gt=0)
    paid_at: datetime
    source: str  # "app", "bank", ...
    status: PendingCreditStatus = PendingCreditStatus.OPEN
    applied_by_kiosk: str | None = None
    applied_txn_id: str | None = None
    # The card binding that makes a second load impossible: the credit may be written only
    # onto this card while it still shows this counter (IC purchase sequence, CPU online
    # ATC). Writing any credit moves the counter, so the same signed credit cannot be
    # loaded twice, even by two offline kiosks. The server re-binds an open credit when a
    # journal shows the card's counter moved. None: not bound yet, online claim only.
    card_serial: str | None = None
    card_counter: int | None = None
    version: int = 0
    # Ed25519 by the server's tariff key over sync.tariff_verify.pending_credit_message():
    # lets a kiosk trust its cached list while offline
    signature: str | None = None


class TicketKind(str, enum.Enum):
    REPAIR = "repair"
    HELP = "help"


class TicketStatus(str, enum.Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Ticket(_Model):
    ticket_id: int
    kind: TicketKind
    kiosk_id: str
    txn_id: str | None
    status: TicketStatus
    summary: str
    created_at: datetime
    updated_at: datetime
    note: str = ""
    version: int = 0


class TicketCreate(_Model):
    """A ticket created outside the journal; `client_ref` makes it idempotent."""

    kind: TicketKind
    client_ref: str = Field(min_length=1, max_length=64)
    summary: str = Field(min_length=1, max_length=500)
    customer_no: str | None = None


class DownloadPage(_Model):
    """Common shape of the incremental downloads: items with version > since, and the
    version to ask from next time."""

    since: int
    version: int  # ask ?since=version next time
    more: bool = False  # True: call again at once
    items: list[Any]


class TariffPage(_Model):
    since: int
    version: int  # ask ?since=version next time
    more: bool = False  # True: call again at once
    items: list[SignedTariff]


class AccountPage(_Model):
    since: int
    version: int  # ask ?since=version next time
    more: bool = False  # True: call again at once
    items: list[AccountSnapshot]


class NoticePage(_Model):
    since: int
    version: int  # ask ?since=version next time
    more: bool = False  # True: call again at once
    items: list[Notice]


class PendingCreditPage(_Model):
    since: int
    version: int  # ask ?since=version next time
    more: bool = False  # True: call again at once
    items: list[PendingCredit]


class CreditClaimRequest(_Model):
    """An online kiosk reserves a pending credit for one transaction before writing it."""

    txn_id: str = Field(min_length=1, max_length=64)
    card_serial: str
    card_counter: int = Field(ge=0)


class TicketPage(_Model):
    since: int
    version: int  # ask ?since=version next time
    more: bool = False  # True: call again at once
    items: list[Ticket]


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
    # the kiosk's highest journal seq: the quota is renewed only when the server holds the
    # whole journal (the quota caps what a kiosk may credit between syncs)
    journal_last_seq: int | None = Field(default=None, ge=0)


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
    REFUNDED = "refunded"  # paid, then given back (fully)


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
