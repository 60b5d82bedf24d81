"""Journal schema. The `journal` table is append-only and hash-chained; `outbox` announces
each journal row to the server; `purchases`, `cash_notes` and `account_credits` are
projections updated in the same SQLite transaction as the journal row that changes them."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Meta(Base):
    __tablename__ = "kiosk_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class JournalRow(Base):
    __tablename__ = "journal"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kiosk_id: Mapped[str] = mapped_column(String(32))
    txn_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # canonical JSON
    created_at: Mapped[str] = mapped_column(String(40))  # ISO, kiosk local time with offset
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)


class OutboxRow(Base):
    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(ForeignKey("journal.seq"), primary_key=True)
    sent: Mapped[int] = mapped_column(Integer, default=0)  # 1 only after the server stored it
    sent_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (Index("ix_outbox_unsent", "sent", "seq"),)


class Purchase(Base):
    __tablename__ = "purchases"
    txn_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    method: Mapped[str] = mapped_column(String(10))
    mode: Mapped[str] = mapped_column(String(10))  # "amount" | "volume"
    requested: Mapped[int] = mapped_column(Integer)  # fen or units, per mode
    card_serial: Mapped[str] = mapped_column(String(32), index=True)
    card_tech: Mapped[str] = mapped_column(String(8))
    customer_no: Mapped[str] = mapped_column(String(16))
    counter_before: Mapped[int] = mapped_column(Integer)
    counter_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    paid_fen: Mapped[int] = mapped_column(Integer, default=0)
    credit_applied_fen: Mapped[int] = mapped_column(Integer, default=0)
    cost_fen: Mapped[int] = mapped_column(Integer, default=0)
    remainder_fen: Mapped[int] = mapped_column(Integer, default=0)
    review_fen: Mapped[int] = mapped_column(Integer, default=0)
    refunded_fen: Mapped[int] = mapped_column(Integer, default=0)
    volume_units: Mapped[int] = mapped_column(Integer, default=0)
    offline: Mapped[int] = mapped_column(Integer, default=0)
    quote: Mapped[str] = mapped_column(Text)  # JSON of the quote in force
    credit: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON CardCredit
    proof: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON CreditProof
    review_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    receipt_prints: Mapped[int] = mapped_column(Integer, default=0)
    created_seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_seq: Mapped[int] = mapped_column(Integer)


class CashNote(Base):
    __tablename__ = "cash_notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    txn_id: Mapped[str] = mapped_column(ForeignKey("purchases.txn_id"), index=True)
    denom_fen: Mapped[int] = mapped_column(Integer)
    counter_before: Mapped[int] = mapped_column(Integer)  # acceptor stacked counter before
    state: Mapped[str] = mapped_column(String(10))  # escrow | stacked | returned
    escrow_seq: Mapped[int] = mapped_column(Integer)


class AccountCredit(Base):
    __tablename__ = "account_credits"
    txn_id: Mapped[str] = mapped_column(ForeignKey("purchases.txn_id"), primary_key=True)
    customer_no: Mapped[str] = mapped_column(String(16), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    used_by_txn: Mapped[str | None] = mapped_column(String(40), nullable=True)
