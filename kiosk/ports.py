"""The ports the core needs. Protocols only: devices/ implements them, kiosk/fakes.py has
in-memory (and file-backed, crash-surviving) fakes for tests."""
from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .card import CardCredit, CardSnapshot, CreditOutcome, CreditProof
from .receipt import Receipt


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware local datetime."""
        ...


class CardSession(Protocol):
    """One inserted card, through its profile. Every call raises CardAbsent / CardPulled
    when the card is gone, never guesses."""

    def read(self) -> CardSnapshot: ...

    def write_credit(self, credit: CardCredit) -> CreditProof:
        """Apply the credit iff the card still shows credit.counter_before, then read back.
        Raises CardWriteFailed when the card verifiably does not carry it, CardPulled when
        the outcome is unknown."""
        ...

    def check_credit(self, credit: CardCredit) -> tuple[CreditOutcome, CreditProof | None]:
        """The oracle: does the card carry this credit? Never writes."""
        ...

    def offline_quota_fen(self) -> int | None:
        """What the SAM still allows offline (CPU cards); None when not limited."""
        ...


@dataclass(frozen=True)
class TacClaim:
    """What a CPU card's TAC vouches for (shared/specs/gas-cards.md section 3): the load of
    `amount_fen` by `terminal` at `date` `time` that left `new_balance_fen` on the purse,
    made at online ATC `online_atc` (the value before the load). Hex / BCD text fields."""

    serial: str  # 16 hex digits
    new_balance_fen: int
    online_atc: int
    amount_fen: int
    terminal: str  # 12 hex digits
    date: str  # YYYYMMDD
    time: str  # hhmmss
    tac: str  # 8 hex digits


class TacVerifier(Protocol):
    """The server's TAC check (it holds the master keys), for a kiosk with no SAM."""

    def __call__(self, claim: TacClaim) -> bool:
        """True: the TAC is the card's for exactly this load; False: it is not. Raises when
        the server cannot be asked (then nobody knows, and the caller must not guess)."""
        ...


class PaymentMethod(enum.Enum):
    CASH = "cash"
    QR = "qr"
    BANK = "bank"
    ELSEWHERE = "elsewhere"  # a credit paid in an app or at a bank, loaded at the kiosk


class ElectronicPayment(Protocol):
    """QR / bank card. All calls idempotent on txn_id."""

    method: PaymentMethod

    def charge(self, txn_id: str, amount_fen: int) -> str:
        """Returns the provider's reference once paid; raises PaymentError."""
        ...

    def charged_fen(self, txn_id: str) -> int:
        """The oracle: what the provider holds for this txn (net of refunds)."""
        ...

    def refund(self, txn_id: str, amount_fen: int) -> str: ...


class CashAcceptor(Protocol):
    """A bill acceptor with escrow. `stacked_counter` is the oracle: it moves by one for
    every note the acceptor has stacked, ever."""

    def enable(self, max_note_fen: int) -> None: ...

    def inhibit(self) -> None: ...

    def escrow(self) -> int | None:
        """Denomination (fen) of the note waiting in escrow, if any."""
        ...

    def stack(self) -> int:
        """Stack the escrowed note; returns the new stacked counter."""
        ...

    def return_escrow(self) -> None: ...

    def stacked_counter(self) -> int: ...

    def jammed(self) -> bool | None:
        """Whether a note is jammed inside now (a jammed acceptor takes no notes): the
        oracle for a note committed to escrow whose stacked counter did not move (jammed,
        held for review, or given back). None: the acceptor cannot tell (after a reset)."""
        ...


class PrinterState(enum.Enum):
    OK = "ok"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"


class ReceiptPrinter(Protocol):
    def status(self) -> PrinterState: ...

    def print_receipt(self, receipt: Receipt) -> None:
        """Raises PrinterError (PaperOut) when the receipt did not come out whole."""
        ...


@dataclass(frozen=True)
class UploadRow:
    kiosk_id: str
    seq: int
    txn_id: str
    kind: str
    body: str  # canonical JSON
    prev_hash: str
    row_hash: str


class Server(Protocol):
    def upload(self, rows: Sequence[UploadRow]) -> list[int]:
        """Returns the seqs the server has stored (now or before)."""
        ...
