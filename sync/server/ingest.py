"""Batch ingest of journal rows: idempotent for ever on (kiosk_id, seq).

A row is stored only when its hash is right and it extends the kiosk's chain: seq 1 with
prev_hash GENESIS, or the stored row seq-1 whose row_hash is the new row's prev_hash. A row
already stored with the same content is a duplicate (answered as stored); the same key with
other content is a conflict (a rewrite or a truncated-and-regrown journal). Conflicts, gaps,
chain breaks and bad hashes are refused and raise an alert. Rows are processed in seq order;
after a refused row the rest of the batch is not processed.

Concurrent uploads of the same rows race on the unique constraint: the loser rolls back and
re-reads, and then sees duplicates.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from kiosk.crashpoints import crash_point
from kiosk.hashchain import GENESIS
from kiosk.money import yuan_str
from sync.protocol import (
    CashJamUnknownEvent,
    CashNoteEvent,
    DeviceHealthEvent,
    HelpCallEvent,
    PendingCreditAppliedEvent,
    PurchaseEvent,
    RepairRequestEvent,
    RowEnvelope,
    RowResult,
    RowStatus,
    TicketKind,
    UploadAck,
    parse_event,
)

from . import mac2_ledger
from .card_loads import observe_card
from .credits import ELSEWHERE, RELEASING_KINDS, mark_applied, release_claims
from .db import JournalRow, Kiosk, utcnow
from .keys import CardKeyStore
from .service import SF, create_ticket, raise_alert
from .tac_audit import audit_card_done

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


@dataclass
class _Refusal:
    kind: str
    seq: int
    detail: str


def ingest(sf: SF, kiosk_id: str, rows: list[RowEnvelope],
           card_keys: CardKeyStore | None = None) -> tuple[UploadAck, bool]:
    """Stores what can be stored; returns the ack and whether every row was accepted.
    With `card_keys`, the TAC of each CPU-card load is checked as it arrives (tac_audit)."""
    ordered = sorted(rows, key=lambda r: r.seq)
    last_error: Exception | None = None
    for attempt in range(MAX_ATTEMPTS):
        try:
            results, refusal = _ingest_once(sf, kiosk_id, ordered, card_keys)
            break
        except (IntegrityError, OperationalError) as exc:  # lost a race: re-read
            last_error = exc
            logger.info("ingest race for kiosk %s (attempt %d): %s", kiosk_id, attempt + 1, type(exc).__name__)
    else:
        assert last_error is not None
        raise last_error
    with sf.begin() as s:
        if refusal is not None:
            raise_alert(s, kiosk_id, refusal.kind, refusal.detail, refusal.seq)
        kiosk = s.get(Kiosk, kiosk_id)
        last_seq = kiosk.last_seq if kiosk is not None else 0
        if kiosk is not None and any(r.status is RowStatus.STORED for r in results):
            kiosk.last_upload_at = utcnow()
    stored = [r.seq for r in results if r.status in (RowStatus.STORED, RowStatus.DUPLICATE)]
    ack = UploadAck(kiosk_id=kiosk_id, stored=stored, results=results, last_seq=last_seq)
    return ack, refusal is None


def _ingest_once(sf: SF, kiosk_id: str, rows: list[RowEnvelope],
                 card_keys: CardKeyStore | None = None) -> tuple[list[RowResult], _Refusal | None]:
    results: list[RowResult] = []
    refusal: _Refusal | None = None
    with sf.begin() as s:
        for row in rows:
            if refusal is not None:
                results.append(RowResult(seq=row.seq, status=RowStatus.NOT_PROCESSED))
                continue
            result, refusal = _one(s, kiosk_id, row, card_keys)
            results.append(result)
    return results, refusal


def _one(s: Session, kiosk_id: str, row: RowEnvelope,
         card_keys: CardKeyStore | None = None) -> tuple[RowResult, _Refusal | None]:
    if row.kiosk_id != kiosk_id:
        detail = f"row for kiosk {row.kiosk_id} in a batch of {kiosk_id}"
        return RowResult(seq=row.seq, status=RowStatus.CONFLICT, detail=detail), _Refusal("foreign_row", row.seq, detail)
    if not row.hash_ok():
        detail = "row_hash does not match the row"
        return RowResult(seq=row.seq, status=RowStatus.BAD_HASH, detail=detail), _Refusal("bad_hash", row.seq, detail)
    existing = s.scalars(
        select(JournalRow).where(JournalRow.kiosk_id == kiosk_id, JournalRow.seq == row.seq)
    ).first()
    if existing is not None:
        same = (existing.row_hash, existing.body, existing.txn_id, existing.kind, existing.prev_hash) == (
            row.row_hash, row.body, row.txn_id, row.kind, row.prev_hash
        )
        if same:
            return RowResult(seq=row.seq, status=RowStatus.DUPLICATE, row_hash=existing.row_hash), None
        detail = f"seq {row.seq} already stored with other content (stored {existing.row_hash[:12]}, sent {row.row_hash[:12]})"
        return (
            RowResult(seq=row.seq, status=RowStatus.CONFLICT, row_hash=existing.row_hash, detail=detail),
            _Refusal("conflict", row.seq, detail),
        )
    if row.seq == 1:
        if row.prev_hash != GENESIS:
            detail = "seq 1 must have the GENESIS prev_hash"
            return RowResult(seq=1, status=RowStatus.CHAIN_BREAK, detail=detail), _Refusal("chain_break", 1, detail)
    else:
        prev = s.scalar(
            select(JournalRow.row_hash).where(JournalRow.kiosk_id == kiosk_id, JournalRow.seq == row.seq - 1)
        )
        if prev is None:
            detail = f"gap: seq {row.seq - 1} is not stored"
            return RowResult(seq=row.seq, status=RowStatus.CHAIN_BREAK, detail=detail), _Refusal("gap", row.seq, detail)
        if prev != row.prev_hash:
            detail = f"prev_hash of seq {row.seq} is not the stored row_hash of seq {row.seq - 1}"
            return (
                RowResult(seq=row.seq, status=RowStatus.CHAIN_BREAK, detail=detail),
                _Refusal("chain_break", row.seq, detail),
            )
    s.add(
        JournalRow(
            kiosk_id=kiosk_id,
            seq=row.seq,
            txn_id=row.txn_id,
            kind=row.kind,
            body=row.body,
            prev_hash=row.prev_hash,
            row_hash=row.row_hash,
        )
    )
    s.flush()  # the unique constraint speaks here
    s.execute(
        update(Kiosk).where(Kiosk.kiosk_id == kiosk_id, Kiosk.last_seq < row.seq).values(last_seq=row.seq)
    )
    _project(s, kiosk_id, row)
    audit_card_done(s, kiosk_id, row.seq, row.txn_id, row.kind, row.body, card_keys)
    crash_point("server:ingest:row")  # tests kill the server here, mid-batch (kiosk/crashpoints.py)
    return RowResult(seq=row.seq, status=RowStatus.STORED, row_hash=row.row_hash), None


def _project(s: Session, kiosk_id: str, row: RowEnvelope) -> None:
    """Derived effects of a newly stored row, in its transaction (so exactly once)."""
    try:
        body = json.loads(row.body)
    except ValueError:
        body = None  # not JSON: parse_event below raises the alert for known kinds
    loaded = observe_card(s, kiosk_id, row.seq, row.txn_id, row.kind, body)
    mac2_ledger.reconcile(s, kiosk_id, row.seq, row.txn_id, row.kind, body)
    if loaded is not None:  # this row wrote a credit paid elsewhere onto the card
        mark_applied(s, kiosk_id, row.txn_id, row.seq, loaded)
    try:
        event = parse_event(row.kind, row.body)
    except (ValidationError, ValueError) as exc:
        raise_alert(s, kiosk_id, "bad_body", f"{row.kind} body does not parse: {exc}"[:500], row.seq)
        return
    if isinstance(event, RepairRequestEvent):
        summary = f"{event.category}: {event.description}".strip(": ")
        create_ticket(s, kiosk_id, TicketKind.REPAIR, f"journal:{row.seq}", summary, row.txn_id)
    elif isinstance(event, HelpCallEvent):
        summary = event.reason if event.screen is None else f"{event.reason} (screen {event.screen})"
        create_ticket(s, kiosk_id, TicketKind.HELP, f"journal:{row.seq}", summary, row.txn_id)
    elif isinstance(event, PendingCreditAppliedEvent):
        mark_applied(s, kiosk_id, row.txn_id, row.seq, event.credit_id)
    elif isinstance(event, PurchaseEvent) and row.kind in RELEASING_KINDS and event.method == ELSEWHERE:
        release_claims(s, kiosk_id, row.seq, row.txn_id, event.credit_id)
    elif isinstance(event, CashNoteEvent) and row.kind == "cash.note_jammed":
        # a resident's note held in the acceptor, not counted
        detail = f"a {yuan_str(event.denom_fen)} yuan note jammed in purchase {row.txn_id}, held for staff"
        raise_alert(s, kiosk_id, "cash_note_jammed", f"{detail}: {row.body}"[:500], row.seq)
    elif isinstance(event, CashJamUnknownEvent):  # stuck before validation: nobody knows its value
        found = " (found by recovery at start-up)" if event.recovered else ""
        detail = (f"a note of unknown value stuck in the transport in purchase {row.txn_id}{found}: "
                  "not counted, held for staff (take it out, see what it is, settle it with the resident)")
        raise_alert(s, kiosk_id, "cash_note_jammed", f"{detail}: {row.body}"[:500], row.seq)
    if row.kind in REVIEW_KINDS:
        _review_alert(s, kiosk_id, row, event)


# the kiosk's rows that put money on hold for staff (MANUAL_REVIEW, kiosk/purchase/states.py):
# a voucher for cash not credited, a card pulled mid-write (outcome unknown)
REVIEW_KINDS = {"purchase.voucher": "cash_voucher", "purchase.card_unknown": "card_outcome_unknown"}


def _review_alert(s: Session, kiosk_id: str, row: RowEnvelope, event: object) -> None:
    held = getattr(event, "model_extra", None) or {}
    amount = held.get("review_fen", getattr(event, "paid_fen", None))
    detail = (f"money held for manual review ({REVIEW_KINDS[row.kind]}): txn {row.txn_id}, "
              f"{amount} fen, card {getattr(event, 'card_serial', None)}: {row.body}")
    raise_alert(s, kiosk_id, REVIEW_KINDS[row.kind], detail[:500], row.seq)


def record_health(s: Session, kiosk_id: str, health: DeviceHealthEvent) -> None:
    """A heartbeat's device health (the console's kiosk row)."""
    kiosk = s.get(Kiosk, kiosk_id)
    if kiosk is None:
        return
    kiosk.health_json = health.model_dump_json()
    kiosk.health_at = utcnow()
    reported = health.journal_last_seq
    if reported is not None and reported < kiosk.last_seq:
        detail = f"kiosk reports journal seq {reported}, the server holds {kiosk.last_seq}: truncated journal"
        raise_alert(s, kiosk_id, "truncation", detail, reported)
