"""Protocol models of what the server publishes: signed tariffs, account snapshots (blocked
and replaced cards), notices, pending credits, tickets, and their incremental pages.
Import them from sync.protocol."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from .protocol_base import ProtocolModel as _Model

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
    signature: str | None = None  # sync.tariff_verify.item_message, by the server's key


class Notice(_Model):
    notice_id: str
    title: str
    text: str
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    kiosk_id: str | None = None  # None: every kiosk
    withdrawn: bool = False
    version: int = 0
    signature: str | None = None  # sync.tariff_verify.item_message, by the server's key


class PendingCreditStatus(str, enum.Enum):
    OPEN = "open"
    CLAIMED = "claimed"  # an online kiosk reserved it for one transaction
    APPLIED = "applied"
    CANCELLED = "cancelled"
    # the card had a load the server holds no journal row for (a gap between the counter it
    # last saw and a later one): it may have been this credit, so it is loadable nowhere until
    # the journals explain the gap (staff see the alert)
    HELD = "held"


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
    # loaded twice, even by two offline kiosks. The server moves an open credit along only
    # through loads it holds journal rows for (sync/server/credits.py); across a load it
    # cannot account for, the credit is HELD. None: not bound yet, online claim only.
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
    # what the kiosk made it from: "journal:SEQ" for a repair request or help call row
    # (the kiosk finds its own ticket by it), or the TicketCreate's client_ref
    client_ref: str | None = None
    version: int = 0
    signature: str | None = None  # sync.tariff_verify.item_message, by the server's key


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
