"""The kiosk's cache of what the server sent: tariffs (kept as the signed envelopes), account
snapshots, notices, pending credits and tickets (each with the server's signature), with the
version each download reached. Every typed reader verifies the signatures again and drops
(and logs) an item that fails: a file altered on the kiosk's disk changes nothing. Its own
SQLite file (the journal's connection is exclusive); written by the sync jobs, read by anyone.
The raw `get`/`all` are for the sync jobs and tests, not for decisions.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from .protocol import AccountSnapshot, Notice, PendingCredit, SignedTariff, TariffDocument, Ticket
from .tariff_verify import ItemRejected, TariffRejected, verify_item, verify_tariff

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

KINDS = ("tariffs", "accounts", "notices", "pending_credits", "tickets")


class DownloadCache:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS versions (kind TEXT PRIMARY KEY, version INTEGER NOT NULL)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS items (kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,"
            " version INTEGER NOT NULL, PRIMARY KEY (kind, key))"
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def version(self, kind: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT version FROM versions WHERE kind = ?", (kind,)).fetchone()
        return int(row[0]) if row else 0

    def apply(self, kind: str, items: list[tuple[str, str]], version: int) -> None:
        """Stores (key, json) items and the version reached, in one transaction."""
        if kind not in KINDS:
            raise ValueError(kind)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for key, data in items:
                    self._db.execute(
                        "INSERT INTO items (kind, key, data, version) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data, version = excluded.version",
                        (kind, key, data, version),
                    )
                self._db.execute(
                    "INSERT INTO versions (kind, version) VALUES (?, ?)"
                    " ON CONFLICT (kind) DO UPDATE SET version = excluded.version",
                    (kind, version),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM items WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def all(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT data FROM items WHERE kind = ? ORDER BY key", (kind,)).fetchall()
        return [dict(json.loads(r[0])) for r in rows]

    def tariffs(self, public_key: bytes | str) -> list[TariffDocument]:
        """The cached tariffs whose signature still verifies, by (tariff_id, version)."""
        docs: list[TariffDocument] = []
        for data in self.all("tariffs"):
            try:
                docs.append(verify_tariff(SignedTariff.model_validate(data), public_key))
            except TariffRejected as exc:
                logger.error("cached tariff refused: %s", exc.reason)
        return sorted(docs, key=lambda d: (d.tariff_id, d.version))

    def _verified(self, kind: str, model: type[M], public_key: bytes | str) -> list[M]:
        good: list[M] = []
        for data in self.all(kind):
            try:
                good.append(verify_item(model, data, public_key))
            except ItemRejected as exc:
                logger.error("cached %s refused: %s", kind, exc)
        return good

    def pending_credits(self, public_key: bytes | str) -> list[PendingCredit]:
        """The cached pending credits the server signed (any status); others are dropped."""
        return self._verified("pending_credits", PendingCredit, public_key)

    def accounts(self, public_key: bytes | str) -> list[AccountSnapshot]:
        """The cached account snapshots (with blocked and replaced cards) the server signed."""
        return self._verified("accounts", AccountSnapshot, public_key)

    def account(self, customer_no: str, public_key: bytes | str) -> AccountSnapshot | None:
        data = self.get("accounts", customer_no)
        if data is None:
            return None
        try:
            return verify_item(AccountSnapshot, data, public_key)
        except ItemRejected as exc:
            logger.error("cached account %s refused: %s", customer_no, exc)
            return None

    def tickets(self, public_key: bytes | str) -> list[Ticket]:
        return self._verified("tickets", Ticket, public_key)

    def notices(self, public_key: bytes | str, now: datetime) -> list[Notice]:
        """The notices in force at `now`: signed by the server, not withdrawn, inside their
        validity (valid_from <= now < valid_until, either end open). Newest first."""
        live = [n for n in self._verified("notices", Notice, public_key) if in_force(n, now)]
        return sorted(live, key=lambda n: n.version, reverse=True)


def in_force(notice: Notice, now: datetime) -> bool:
    if notice.withdrawn:
        return False
    start, end = _aware(notice.valid_from), _aware(notice.valid_until)
    now = _aware(now) or now
    if start is not None and now < start:
        return False
    return end is None or now < end


def _aware(dt: datetime | None) -> datetime | None:
    """A time without a zone is the server's UTC."""
    return dt if dt is None or dt.tzinfo is not None else dt.replace(tzinfo=UTC)
