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
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from kiosk.hashchain import row_hash
from kiosk.ports import UploadRow

from .protocol_base import EventBody as _Event
from .protocol_base import ProtocolModel as _Model
from .protocol_downloads import (
    AccountPage,
    AccountSnapshot,
    AccountStatus,
    BlockedCard,
    CardReplacement,
    CreditClaimRequest,
    DownloadPage,
    Notice,
    NoticePage,
    PendingCredit,
    PendingCreditPage,
    PendingCreditStatus,
    SignedTariff,
    TariffDocument,
    TariffPage,
    TariffTier,
    Ticket,
    TicketCreate,
    TicketKind,
    TicketPage,
    TicketStatus,
)
from .protocol_services import (
    CLOSED_UNPAID,
    ErrorBody,
    HeartbeatAck,
    KioskStatus,
    Mac2Request,
    Mac2Response,
    PaymentCreate,
    PaymentOrder,
    PaymentRefund,
    PaymentStatus,
    QuotaRequest,
    QuotaToken,
)

__all__ = [
    "CLOSED_UNPAID",
    "EVENT_MODELS",
    "MAX_BATCH_ROWS",
    "PROTOCOL_VERSION",
    "AccountPage",
    "AccountSnapshot",
    "AccountStatus",
    "BlockedCard",
    "CardReplacement",
    "CashCollectionEvent",
    "CashCollectionReprintEvent",
    "CashJamUnknownEvent",
    "CashNoteEvent",
    "CreditClaimRequest",
    "DeviceHealthEvent",
    "DownloadPage",
    "ErrorBody",
    "EventKind",
    "HeartbeatAck",
    "HelpCallEvent",
    "KioskStatus",
    "Mac2Request",
    "Mac2Response",
    "Notice",
    "NoticePage",
    "PaymentCreate",
    "PaymentOrder",
    "PaymentRefund",
    "PaymentStatus",
    "PendingCredit",
    "PendingCreditAppliedEvent",
    "PendingCreditPage",
    "PendingCreditStatus",
    "PrinterHealth",
    "PurchaseEvent",
    "QuotaRequest",
    "QuotaToken",
    "RatingEvent",
    "ReceiptReprintEvent",
    "RemainderCreditEvent",
    "RepairRequestEvent",
    "RowEnvelope",
    "RowResult",
    "RowStatus",
    "SignedTariff",
    "TariffDocument",
    "TariffPage",
    "TariffTier",
    "Ticket",
    "TicketCreate",
    "TicketKind",
    "TicketPage",
    "TicketStatus",
    "UploadAck",
    "UploadBatch",
    "parse_event",
]

PROTOCOL_VERSION = 1
MAX_BATCH_ROWS = 500

KioskId = str
TxnId = str


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
    """Exactly the journal kinds the kiosk writes (kiosk/purchase/ledger.py: purchase.created
    and purchase.<state machine event>, the cash notes, the remainder, a credit paid
    elsewhere applied, a reprint; kiosk/repair.py, kiosk/help.py, kiosk/cashbox.py).
    tests/sync/server/test_server_protocol.py collects the kinds from the kiosk's code and
    holds this list to them. Device health is not journalled: it is the heartbeat's body."""

    PURCHASE_CREATED = "purchase.created"
    PURCHASE_PAID = "purchase.paid"
    PURCHASE_CANCEL = "purchase.cancel"
    PURCHASE_CARD_PENDING = "purchase.card_pending"
    PURCHASE_CARD_DONE = "purchase.card_done"
    PURCHASE_CARD_FAILED = "purchase.card_failed"
    PURCHASE_CARD_UNKNOWN = "purchase.card_unknown"  # money held: card outcome unknown
    PURCHASE_RECEIPT_DONE = "purchase.receipt_done"
    PURCHASE_RECEIPT_FAILED = "purchase.receipt_failed"
    PURCHASE_REFUND_PENDING = "purchase.refund_pending"
    PURCHASE_REFUNDED = "purchase.refunded"
    PURCHASE_VOUCHER = "purchase.voucher"  # money held: cash not credited, voucher printed
    PURCHASE_CLOSED = "purchase.closed"
    CASH_NOTE_ESCROW = "cash.note_escrow"
    CASH_NOTE_STACKED = "cash.note_stacked"
    CASH_NOTE_RETURNED = "cash.note_returned"
    CASH_NOTE_JAMMED = "cash.note_jammed"
    CASH_NOTE_JAMMED_UNKNOWN = "cash.note_jammed_unknown"  # stuck before validation: no value
    REMAINDER_CREDIT = "credit.remainder"
    PENDING_CREDIT_APPLIED = "pending_credit.applied"
    RECEIPT_REPRINT = "receipt.reprint"
    REPAIR_REQUEST = "repair.request"
    HELP_CALL = "help.call"
    RATING = "rating"
    CASH_COLLECTION = "cash.collection"
    CASH_COLLECTION_REPRINT = "cash.collection_reprint"  # the slip of a collection printed again


class PurchaseEvent(_Event):
    """The purchase.* rows of one purchase (its state machine's steps). Each step carries
    what it learnt; all fields are optional because each step knows only part. The rows that
    hold money for staff (purchase.voucher, purchase.card_unknown) carry `review_fen`."""

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
    remainder_fen: int | None = Field(default=None, ge=0)
    review_fen: int | None = Field(default=None, ge=0)  # money held for manual review
    refunded_fen: int | None = Field(default=None, ge=0)
    counter_before: int | None = None
    counter_after: int | None = None
    tac: str | None = None
    state: str | None = None
    method: str | None = None  # kiosk.ports.PaymentMethod value
    # a credit paid elsewhere: on purchase.created, and on the rows that end the purchase
    # without loading it (purchase.refunded, purchase.cancel), which release its claim
    credit_id: str | None = None


class RemainderCreditEvent(_Event):
    """Money left over after a purchase by amount, kept as the customer's account credit."""

    customer_no: str
    amount_fen: int = Field(ge=0)
    purchase_txn_id: str | None = None


class CashNoteEvent(_Event):
    """A bank note: committed in escrow (cash.note_escrow, with the acceptor's stacked
    counter before) and settled (cash.note_stacked / _returned / _jammed, with the counter
    after). Only a stacked note is money taken."""

    denom_fen: int = Field(gt=0)
    note_id: int | None = None
    counter_before: int | None = None
    counter_after: int | None = None


class CashJamUnknownEvent(_Event):
    """A note stuck in the acceptor's transport before escrow (ccTalk bill events 6 / 16):
    never validated, so its value is unknown; no money taken (no paid_fen), but a resident's
    note held for staff, attached to the purchase (the row's txn). `recovered`: found by
    start-up recovery (the kiosk stopped between the acceptor's report and the row)."""

    value_known: Literal[False] = False
    stage: str
    cctalk_code: int | None = None
    counter: int | None = None  # the acceptor's event counter of the jam, when it reported it
    recovered: bool = False


class ReceiptReprintEvent(_Event):
    """A receipt printed again from the journal row (marked 重打 / DUPLICATE n)."""

    count: int = Field(ge=1)


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


class CashCollectionReprintEvent(_Event):
    """A collection slip printed again from its cash.collection row (kiosk/cashbox.py
    CashBox.slip_reprint, marked 重打 / DUPLICATE n): `seq` is that row, `count` is n."""

    seq: int = Field(ge=1)
    count: int = Field(ge=1)


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
    in_service: bool = True  # False: the kiosk sells nothing (a fault, or a technician's hold)
    service_reason: str | None = Field(default=None, max_length=200)


class PendingCreditAppliedEvent(_Event):
    """A credit paid elsewhere was written onto a card by this kiosk."""

    credit_id: str
    customer_no: str
    amount_fen: int = Field(ge=0)
    card_serial: str | None = None


_PURCHASE = {k for k in EventKind if k.value.startswith("purchase.")}
_NOTES = {EventKind.CASH_NOTE_ESCROW, EventKind.CASH_NOTE_STACKED, EventKind.CASH_NOTE_RETURNED,
          EventKind.CASH_NOTE_JAMMED}
EVENT_MODELS: dict[str, type[_Event]] = {
    **{k.value: PurchaseEvent for k in _PURCHASE},
    **{k.value: CashNoteEvent for k in _NOTES},
    EventKind.CASH_NOTE_JAMMED_UNKNOWN.value: CashJamUnknownEvent,
    EventKind.REMAINDER_CREDIT.value: RemainderCreditEvent,
    EventKind.PENDING_CREDIT_APPLIED.value: PendingCreditAppliedEvent,
    EventKind.RECEIPT_REPRINT.value: ReceiptReprintEvent,
    EventKind.REPAIR_REQUEST.value: RepairRequestEvent,
    EventKind.HELP_CALL.value: HelpCallEvent,
    EventKind.RATING.value: RatingEvent,
    EventKind.CASH_COLLECTION.value: CashCollectionEvent,
    EventKind.CASH_COLLECTION_REPRINT.value: CashCollectionReprintEvent,
}
assert set(EVENT_MODELS) == {k.value for k in EventKind}


def parse_event(kind: str, body: str) -> _Event | None:
    """The typed body of a row, None for a kind this version does not know.
    Raises pydantic.ValidationError / ValueError for a known kind with a bad body."""
    model = EVENT_MODELS.get(kind)
    if model is None:
        return None
    return model.model_validate_json(body)
