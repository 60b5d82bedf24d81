"""Appending to the journal and reading it back. Functions take the writer's Session."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import HashChainError, JournalGuardError
from ..hashchain import GENESIS, canonical_json, row_hash
from .models import JournalRow, Meta, OutboxRow


def ensure_meta(session: Session, kiosk_id: str) -> None:
    stored = session.get(Meta, "kiosk_id")
    if stored is None:
        session.add(Meta(key="kiosk_id", value=kiosk_id))
    elif stored.value != kiosk_id:
        raise JournalGuardError(
            f"this journal belongs to kiosk {stored.value!r}, not {kiosk_id!r}",
            kiosk_id=stored.value,
        )


def meta_get(session: Session, key: str) -> str | None:
    """A value of the kiosk's own state kept beside the journal (not hash-chained, not sent)."""
    row = session.get(Meta, key)
    return None if row is None else row.value


def meta_put(session: Session, key: str, value: str | None) -> None:
    """Set (or, with None, delete) a kiosk state value, in the caller's transaction."""
    if key == "kiosk_id":
        raise JournalGuardError("the journal's kiosk id is never changed")
    row = session.get(Meta, key)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value


def last_row(session: Session) -> JournalRow | None:
    return session.scalars(select(JournalRow).order_by(JournalRow.seq.desc()).limit(1)).first()


def append(
    session: Session, kiosk_id: str, txn_id: str, kind: str, body: dict[str, Any], now: datetime
) -> JournalRow:
    """Append one hash-chained row and its outbox entry, in the caller's transaction."""
    prev = last_row(session)
    seq = 1 if prev is None else prev.seq + 1
    prev_hash = GENESIS if prev is None else prev.row_hash
    body_text = canonical_json(body)
    row = JournalRow(
        seq=seq,
        kiosk_id=kiosk_id,
        txn_id=txn_id,
        kind=kind,
        body=body_text,
        created_at=now.isoformat(timespec="milliseconds"),
        prev_hash=prev_hash,
        row_hash=row_hash(prev_hash, kiosk_id, seq, txn_id, kind, body_text),
    )
    session.add(row)
    session.add(OutboxRow(seq=seq, sent=0, attempts=0))
    session.flush()
    return row


@dataclass(frozen=True)
class ChainReport:
    rows: int
    last_seq: int
    last_hash: str


def iter_rows(session: Session, batch: int = 1000) -> Iterator[JournalRow]:
    after = 0
    while True:
        rows = list(
            session.scalars(
                select(JournalRow).where(JournalRow.seq > after).order_by(JournalRow.seq).limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def verify_chain(session: Session) -> ChainReport:
    """Check seq contiguity, prev links and every row hash; raise at the first broken row."""
    prev_hash, expect_seq, n = GENESIS, 1, 0
    for r in iter_rows(session):
        if r.seq != expect_seq:
            raise HashChainError(f"row {expect_seq} is missing (next row is {r.seq})", seq=expect_seq)
        if r.prev_hash != prev_hash:
            raise HashChainError(f"row {r.seq}: prev_hash does not link to row {r.seq - 1}", seq=r.seq)
        want = row_hash(r.prev_hash, r.kiosk_id, r.seq, r.txn_id, r.kind, r.body)
        if r.row_hash != want:
            raise HashChainError(f"row {r.seq}: row_hash does not match its content", seq=r.seq)
        prev_hash, expect_seq, n = r.row_hash, expect_seq + 1, n + 1
    return ChainReport(rows=n, last_seq=expect_seq - 1, last_hash=prev_hash)


def body_of(row: JournalRow) -> dict[str, Any]:
    data = json.loads(row.body)
    assert isinstance(data, dict)
    return data
