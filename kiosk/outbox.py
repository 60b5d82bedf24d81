"""Upload of the outbox: in seq order, in batches; a row is marked sent only after the server
answered that it stored it. The sync client's jobs (sync/) call `upload_once`."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .crashpoints import crash_point, planted
from .journal import Journal
from .journal.models import JournalRow, OutboxRow, Purchase
from .ports import Clock, Server, UploadRow
from .purchase.ledger import Ledger
from .purchase.states import Ev, S

logger = logging.getLogger(__name__)


def pending_rows(s: Session, limit: int) -> list[UploadRow]:
    q = (select(JournalRow).join(OutboxRow, OutboxRow.seq == JournalRow.seq)
         .where(OutboxRow.sent == 0).order_by(JournalRow.seq).limit(limit))
    return [UploadRow(r.kiosk_id, r.seq, r.txn_id, r.kind, r.body, r.prev_hash, r.row_hash)
            for r in s.scalars(q)]


def unsent_state(s: Session) -> tuple[int, datetime | None, int]:
    """(last journal seq, when the oldest unsent row was written, how many rows are unsent):
    the sync alert and the technician screen."""
    last = s.scalar(select(func.max(JournalRow.seq))) or 0
    oldest = s.scalar(select(JournalRow.created_at).join(OutboxRow, OutboxRow.seq == JournalRow.seq)
                      .where(OutboxRow.sent == 0).order_by(JournalRow.seq).limit(1))
    n = s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.sent == 0)) or 0
    return int(last), (None if oldest is None else datetime.fromisoformat(oldest)), int(n)


def highest_sent(s: Session) -> int:
    return int(s.scalar(select(func.max(OutboxRow.seq)).where(OutboxRow.sent == 1)) or 0)


def resend_after(s: Session, server_last_seq: int, note: str) -> int:
    """The server says it holds this kiosk's rows only up to `server_last_seq` (restored
    from a backup, or a row lost): every row after it is unsent again, so the next uploads
    fill the gap from there. Returns how many rows were marked unsent."""
    result = s.execute(update(OutboxRow).where(OutboxRow.seq > server_last_seq, OutboxRow.sent == 1)
                       .values(sent=0, sent_at=None, last_error=note[:500]))
    n = int(getattr(result, "rowcount", 0) or 0)
    if n:
        logger.error("server holds seq %d only: %d rows marked unsent again (%s)", server_last_seq, n, note)
    return n


def _mark_sent(s: Session, seqs: list[int], now: str) -> None:
    if seqs:
        s.execute(update(OutboxRow).where(OutboxRow.seq.in_(seqs)).values(sent=1, sent_at=now))


def upload_once(journal: Journal, server: Server, clock: Clock, batch: int = 200) -> int:
    """One batch. Returns how many rows the server confirmed (0: nothing pending)."""
    rows: list[UploadRow] = journal.call(lambda s: pending_rows(s, batch))
    if not rows:
        return 0
    now = clock.now().isoformat(timespec="milliseconds")
    if planted("outbox_mark_before_send"):
        journal.call(lambda s: _mark_sent(s, [r.seq for r in rows], now))
        crash_point("outbox:marked")
    crash_point("effect:upload:before")
    try:
        stored = server.upload(rows)
    except Exception as exc:
        seqs = [r.seq for r in rows]
        error = str(exc)[:500]

        def note_error(s: Session) -> None:
            s.execute(update(OutboxRow).where(OutboxRow.seq.in_(seqs)).values(
                attempts=OutboxRow.attempts + 1, last_error=error))

        journal.call(note_error)
        raise
    crash_point("effect:upload:after")
    ok = sorted(set(stored) & {r.seq for r in rows})
    ledger = Ledger(journal.kiosk_id)
    txns = {r.txn_id for r in rows if r.seq in set(ok)}

    def mark(s: Session) -> None:
        _mark_sent(s, ok, now)
        s.flush()
        for txn in txns:
            p = s.get(Purchase, txn)
            if p is not None and p.state == S.OUTBOX.value and ledger.all_rows_acked(s, txn):
                ledger.transition(s, clock.now(), txn, Ev.ACKED)

    journal.call(mark)
    crash_point("acked")
    return len(ok)


def drain(journal: Journal, server: Server, clock: Clock, batch: int = 200) -> int:
    total = 0
    while True:
        n = upload_once(journal, server, clock, batch)
        if n == 0:
            return total
        total += n
