"""The server's tables (SQLAlchemy 2) and engine set-up for SQLite (default) and PostgreSQL.

The schema is owned by Alembic (sync/server/migrations); `upgrade()` brings a database to
head. Downloadable data is append-only: every change is a new row whose `version` is what a
kiosk asks `?since=` for. Versions come from one counter row (`next_version`), updated in
the transaction that writes the row: the update locks the counter until that transaction
ends, so writers of versioned data take turns and version order is commit order. (An
autoincrement id is not: on PostgreSQL a transaction holding a lower id may commit after a
higher one was read, and a kiosk that asked since the higher one would never see it.)
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True)}


class VersionCounter(Base):
    """The one source of download versions (see the module docstring)."""

    __tablename__ = "version_counters"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


DOWNLOADS = "downloads"


def next_version(s: Session) -> int:
    """The next download version, in `s`'s transaction (which then holds the counter's lock
    until it commits or rolls back)."""
    value = s.execute(update(VersionCounter).where(VersionCounter.name == DOWNLOADS)
                      .values(value=VersionCounter.value + 1).returning(VersionCounter.value)).scalar_one()
    return int(value)


class Kiosk(Base):
    __tablename__ = "kiosks"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_hex: Mapped[str] = mapped_column(String(128))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)
    last_upload_at: Mapped[datetime | None] = mapped_column(default=None)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    health_json: Mapped[str | None] = mapped_column(Text, default=None)
    health_at: Mapped[datetime | None] = mapped_column(default=None)


class JournalRow(Base):
    """The ledger: exactly one row per (kiosk, seq), for ever."""

    __tablename__ = "journal_rows"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "seq", name="uq_journal_kiosk_seq"),
        Index("ix_journal_kiosk_txn", "kiosk_id", "txn_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), ForeignKey("kiosks.kiosk_id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    txn_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Nonce(Base):
    __tablename__ = "nonces"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "nonce", name="uq_nonce"),
        Index("ix_nonces_seen_at", "seen_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Alert(Base):
    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    kind: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int | None] = mapped_column(BigInteger, default=None)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    # what the alert is about, for those a later fact settles (e.g. "credit:C1" for a
    # credit_held alert); None for the rest
    subject: Mapped[str | None] = mapped_column(String(80), index=True, default=None)


class TariffRow(Base):
    __tablename__ = "tariffs"
    version: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tariff_id: Mapped[str] = mapped_column(String(64))
    tariff_version: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(128))
    key_id: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountRow(Base):
    __tablename__ = "account_snapshots"
    version: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_no: Mapped[str] = mapped_column(String(32), index=True)
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoticeRow(Base):
    __tablename__ = "notices"
    version: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notice_id: Mapped[str] = mapped_column(String(64), index=True)
    kiosk_id: Mapped[str | None] = mapped_column(String(64), default=None)
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PendingCreditRow(Base):
    __tablename__ = "pending_credits"
    version: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    credit_id: Mapped[str] = mapped_column(String(64), index=True)
    card_serial: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CardCounter(Base):
    """The last counter (IC purchase sequence / CPU online ATC) each card showed in a journal."""

    __tablename__ = "card_counters"
    serial: Mapped[str] = mapped_column(String(32), primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CardLoad(Base):
    """Every load of a card the journals report (a purchase row with both counters): the card
    went from `counter_before` to `counter_after` in (kiosk, txn). A credit paid elsewhere is
    moved along its card's counter only through loads the server holds (credits.settle_card);
    `credit_id` names the credit a load wrote, if it was one."""

    __tablename__ = "card_loads"
    __table_args__ = (
        UniqueConstraint("serial", "kiosk_id", "txn_id", name="uq_card_load_txn"),
        Index("ix_card_loads_serial_before", "serial", "counter_before"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    serial: Mapped[str] = mapped_column(String(32))
    counter_before: Mapped[int] = mapped_column(BigInteger)
    counter_after: Mapped[int] = mapped_column(BigInteger)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    txn_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    credit_id: Mapped[str | None] = mapped_column(String(64), default=None)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditClaim(Base):
    """At most one kiosk transaction applies a pending credit (the server's half of it). A
    claim whose transaction ended without loading the credit is deleted at ingest
    (credits.release_claims); the credit's versions keep who had claimed it."""

    __tablename__ = "credit_claims"
    credit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    txn_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("kiosk_id", "client_ref", name="uq_ticket_ref"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    client_ref: Mapped[str] = mapped_column(String(80))
    txn_id: Mapped[str | None] = mapped_column(String(64), default=None)
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class TicketChange(Base):
    """Every status change; its id is the version the kiosk downloads by."""

    __tablename__ = "ticket_changes"
    version: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditDecision(Base):
    """A staff member's decision on a HELD credit paid elsewhere (sync/server/held_credits.py),
    as ticket_changes keeps a ticket's: who, what, why, the counter a release bound it to,
    and the credit's version that carries it to the kiosks."""

    __tablename__ = "credit_decisions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    credit_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))  # release | cancel
    staff: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    card_serial: Mapped[str | None] = mapped_column(String(32), default=None)
    card_counter: Mapped[int | None] = mapped_column(BigInteger, default=None)
    version: Mapped[int] = mapped_column(BigInteger)  # the pending_credits version written
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class Mac2Issued(Base):
    __tablename__ = "mac2_issued"
    __table_args__ = (UniqueConstraint("kiosk_id", "txn_id", name="uq_mac2_txn"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    txn_id: Mapped[str] = mapped_column(String(64))
    request_json: Mapped[str] = mapped_column(Text)
    mac2: Mapped[str] = mapped_column(String(8))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # what was authorised, and what the kiosk's journal said about it (sync/server/mac2_ledger.py):
    # issued -> matched | mismatch | not_loaded | unmatched (legacy: issued before this was kept)
    card_serial: Mapped[str | None] = mapped_column(String(32), default=None)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    state: Mapped[str] = mapped_column(String(16), default="issued", index=True)
    matched_seq: Mapped[int | None] = mapped_column(BigInteger, default=None)


class QuotaIssued(Base):
    __tablename__ = "quota_tokens"
    __table_args__ = (UniqueConstraint("sam_id", "sam_counter", name="uq_quota_counter"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    sam_id: Mapped[str] = mapped_column(String(12))
    sam_counter: Mapped[int] = mapped_column(BigInteger)
    new_quota_fen: Mapped[int] = mapped_column(BigInteger)
    mac: Mapped[str] = mapped_column(String(8))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentRow(Base):
    """A QR payment order of the sandbox provider (a real provider keeps its own)."""

    __tablename__ = "payment_orders"
    __table_args__ = (UniqueConstraint("kiosk_id", "txn_id", name="uq_payment_txn"),)
    order_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    txn_id: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    qr_payload: Mapped[str] = mapped_column(Text)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    provider_ref: Mapped[str | None] = mapped_column(String(40), default=None)
    refund_ref: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)  # unpayable from then on


def normalize_url(url: str) -> str:
    """A bare path means a SQLite file; postgresql:// uses psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        return u.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=8
        )
        _sqlite_hooks(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_hooks(engine: Engine) -> None:
    """WAL, FULL sync, and BEGIN IMMEDIATE for every transaction so concurrent writers queue
    on the busy timeout instead of failing a lock upgrade (SQLAlchemy's pysqlite recipe)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine) -> None:
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    logger.info("database at head (%s)", engine.url.render_as_string(hide_password=True))


def session_factory(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(engine, expire_on_commit=False)
