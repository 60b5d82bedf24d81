"""The card model the core reasons about. Profiles (devices/card) decode card images into
these types; the core never sees bytes."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


class CardTech(enum.Enum):
    IC = "ic"  # memory card: the record carries volume; the oracle is the purchase sequence
    CPU = "cpu"  # electronic purse: the card holds money; the oracle is the online ATC


class CardKind(enum.Enum):
    USER = 1
    OPEN_ACCOUNT = 2
    REPLACEMENT = 3


# meter status bits (both profiles)
VALVE_CLOSED = 1 << 0
LOW_BATTERY = 1 << 1
TAMPER = 1 << 2
LEAK_ALARM = 1 << 3
METER_FAULT = 1 << 4


@dataclass(frozen=True)
class PurchaseRecord:
    """IC card purchase record (the current slot)."""

    seq: int
    volume_units: int
    amount_fen: int
    lifetime_units: int
    tier_year_units: int
    tier_year_start: date
    time: datetime | None
    terminal: int


@dataclass(frozen=True)
class MeterZone:
    """What the meter wrote back onto the card. None fields: not present for this technology."""

    loaded_seq: int | None  # IC: sequence of the last purchase the meter loaded
    remaining_units: int | None  # IC: gas remaining in the meter
    balance_fen: int | None  # CPU: meter balance
    lifetime_used_units: int
    status_bits: int
    written_at: datetime | None


@dataclass(frozen=True)
class CardSnapshot:
    profile: str  # e.g. "GasCard-IC v1"
    tech: CardTech
    serial: str  # hex, upper case
    kind: CardKind
    utility_code: str
    customer_no: str
    meter_no: str
    replacement_count: int
    record: PurchaseRecord | None = None  # IC
    meter: MeterZone | None = None  # None: never been in a meter (IC zone all FF)
    balance_fen: int | None = None  # CPU purse
    atc: int | None = None  # CPU online ATC
    problems: tuple[str, ...] = field(default=())  # damage found while decoding (codes)

    @property
    def counter(self) -> int:
        """The oracle of card effects: IC purchase sequence, CPU online ATC."""
        if self.tech is CardTech.IC:
            assert self.record is not None
            return self.record.seq
        assert self.atc is not None
        return self.atc


@dataclass(frozen=True)
class CardCredit:
    """One credit the core asks a profile to put on a card. counter_before is the
    idempotency key: a profile applies it only to a card still showing counter_before."""

    txn_id: str
    serial: str
    tech: CardTech
    counter_before: int
    volume_units: int
    amount_fen: int  # IC: amount paid recorded in the slot; CPU: amount loaded into the purse
    balance_before_fen: int  # CPU purse before (0 for IC)
    lifetime_units_after: int
    tier_year_units_after: int
    tier_year_start: date
    when: datetime  # kiosk local time
    terminal: int


@dataclass(frozen=True)
class CreditProof:
    """What the card says after a credit: the new counter and, for CPU cards, the TAC.
    `tac_verified`: True when the SAM or the server verified the TAC for this load, False
    when it did not verify (the load is on the card; the journal row carries the finding and
    the server raises an alert), None when nobody could check it."""

    counter_after: int
    tac: str | None = None
    mac2: str | None = None
    balance_after_fen: int | None = None
    tac_verified: bool | None = None


class CreditOutcome(enum.Enum):
    APPLIED = "applied"
    NOT_APPLIED = "not_applied"
