"""The kiosk's cache of what the server sent: tariffs (kept as the signed envelopes and
verified again on every read), account snapshots, notices, pending credits and tickets,
with the version each download reached. Its own SQLite file (the journal's connection is
exclusive); written by the sync jobs, read by anyone.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

from .protocol import PendingCredit, SignedTariff, TariffDocument
from .tariff_verify import CreditRejected, TariffRejected, verify_pending_credit, verify_tariff

logger = logging.getLogger(__name__)

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

    def pending_credits(self, public_key: bytes | str) -> list[PendingCredit]:
        """The cached pending credits the server signed (any status); others are dropped."""
        good: list[PendingCredit] = []
        for data in self.all("pending_credits"):
            try:
                good.append(verify_pending_credit(data, public_key))
            except CreditRejected as exc:
                logger.error("cached pending credit refused: %s", exc)
        return good
