"""What the server knows of each card's counter, and where that puts a credit paid elsewhere.

A card's counter (IC purchase sequence, CPU online ATC, gas-cards.md) moves by one with every
load and only with a load. The journals tell the server two things about it:

- a *load*: a purchase row with the card's serial and both `counter_before` and
  `counter_after` (its purchase.card_done, and the rows after it): the card went from one to
  the other in that (kiosk, txn). Kept in `card_loads`, one per (card, kiosk, txn), with the
  credit paid elsewhere it wrote, if it was one.
- a *sighting*: any other row with the card's serial and one counter (purchase.created
  carries the counter the card showed when it was read). `card_counters` keeps the latest
  counter seen by either.

An open credit is bound to one counter: offline, a kiosk writes it only onto the card while it
shows exactly that counter, and the load moves the counter, so no second offline load can
follow. The server moves the binding on only through loads it holds: from the bound counter,
the load that started there (not this credit) leads to the next counter, and so on
(`_walk`). When the walk reaches the latest counter seen, the credit is re-bound there. When
it stops short, the card was loaded at that counter by something no journal row has told the
server about yet: perhaps this very credit, written offline by a kiosk that has not synced.
The credit is then HELD, loadable nowhere (offline or online), and an alert is raised; the
journal rows that explain the gap settle it (re-bound, or applied when the load was it).
"""
from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.protocol import PendingCredit, PendingCreditStatus

from .db import CardCounter, CardLoad, JournalRow, PendingCreditRow, utcnow
from .service import add_pending_credit_version, latest_pending_credit, raise_alert, resolve_subject

logger = logging.getLogger(__name__)

ELSEWHERE = "elsewhere"  # kiosk.ports.PaymentMethod.ELSEWHERE
# a load by a purchase of method elsewhere whose credit the server cannot name (an older
# kiosk's row without credit_id and no purchase.created of its transaction): any credit of
# the card may have been it
UNKNOWN_CREDIT = "?"
SETTLED_HERE = (PendingCreditStatus.OPEN, PendingCreditStatus.HELD)


def later(a: int, b: int) -> bool:
    """Serial-number arithmetic on 16-bit counters (gas-cards.md): a is later than b."""
    return 1 <= (a - b) % 65536 <= 32767


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def observe_card(s: Session, kiosk_id: str, seq: int, txn_id: str, kind: str, body: Any) -> str | None:
    """Called for every newly stored journal row. Records a load or a sighting and settles
    the open credits of the card. Returns the credit paid elsewhere this row loaded, if any
    (the caller marks it applied)."""
    if not isinstance(body, dict) or not isinstance(body.get("card_serial"), str):
        return None
    serial: str = body["card_serial"]
    before, after = _int(body.get("counter_before")), _int(body.get("counter_after"))
    loaded: str | None = None
    changed = False
    if kind.startswith("purchase.") and before is not None and after is not None:
        changed, loaded = _record_load(s, kiosk_id, seq, txn_id, serial, before, after, body)
    seen = after if after is not None else before
    if seen is not None:
        changed = _sighted(s, kiosk_id, seq, serial, seen) or changed
    if changed:
        settle_card(s, serial, kiosk_id, seq, skip=loaded)
    return None if loaded == UNKNOWN_CREDIT else loaded


def _record_load(s: Session, kiosk_id: str, seq: int, txn_id: str, serial: str, before: int, after: int,
                 body: dict[str, Any]) -> tuple[bool, str | None]:
    known = s.scalars(select(CardLoad).where(CardLoad.serial == serial, CardLoad.kiosk_id == kiosk_id,
                                             CardLoad.txn_id == txn_id)).first()
    if known is not None:
        if (known.counter_before, known.counter_after) != (before, after):
            raise_alert(s, kiosk_id, "card_load_changed",
                        f"txn {txn_id} reports card {serial} {before}->{after}, earlier "
                        f"{known.counter_before}->{known.counter_after}", seq)
        return False, None
    credit_id = _credit_of(s, kiosk_id, txn_id, body)
    twins = list(s.scalars(select(CardLoad).where(CardLoad.serial == serial, CardLoad.counter_before == before)))
    s.add(CardLoad(serial=serial, counter_before=before, counter_after=after, kiosk_id=kiosk_id,
                   txn_id=txn_id, seq=seq, credit_id=credit_id))
    s.flush()
    if twins:
        others = ", ".join(f"{t.kiosk_id} txn {t.txn_id}" for t in twins)
        raise_alert(s, kiosk_id, "card_counter_reused",
                    f"card {serial} loaded twice from counter {before}: txn {txn_id} and {others} "
                    "(a cloned card, or a journal that lies)", seq)
    return True, credit_id


def _credit_of(s: Session, kiosk_id: str, txn_id: str, body: dict[str, Any]) -> str | None:
    """The credit paid elsewhere a load wrote: named in the row (kiosks journal it on
    purchase.card_done), else in the purchase.created row of the same transaction."""
    named = body.get("credit_id")
    if isinstance(named, str) and named:
        return named
    created = s.scalar(select(JournalRow.body).where(
        JournalRow.kiosk_id == kiosk_id, JournalRow.txn_id == txn_id, JournalRow.kind == "purchase.created"))
    data: Any = None
    if created is not None:
        try:
            data = json.loads(created)
        except ValueError:
            data = None
    if isinstance(data, dict) and data.get("method") == ELSEWHERE:
        cid = data.get("credit_id")
        return cid if isinstance(cid, str) and cid else UNKNOWN_CREDIT
    return UNKNOWN_CREDIT if body.get("method") == ELSEWHERE else None


def _sighted(s: Session, kiosk_id: str, seq: int, serial: str, counter: int) -> bool:
    known = s.get(CardCounter, serial)
    if known is None:
        s.add(CardCounter(serial=serial, counter=counter, kiosk_id=kiosk_id, seq=seq))
        s.flush()
        return True
    if later(counter, known.counter):
        known.counter, known.kiosk_id, known.seq, known.updated_at = counter, kiosk_id, seq, utcnow()
        return True
    return False


def latest_counter(s: Session, serial: str) -> int | None:
    known = s.get(CardCounter, serial)
    return None if known is None else int(known.counter)


def credits_for_card(s: Session, serial: str, statuses: tuple[PendingCreditStatus, ...]) -> list[PendingCredit]:
    ids = set(s.scalars(select(PendingCreditRow.credit_id).where(PendingCreditRow.card_serial == serial)))
    out = []
    for credit_id in sorted(ids):
        c = latest_pending_credit(s, credit_id)
        if c is not None and c.card_serial == serial and c.status in statuses:
            out.append(c)
    return out


def settle_card(s: Session, serial: str, kiosk_id: str, seq: int, skip: str | None = None) -> None:
    """Re-place every open or held credit of the card after the server learnt something."""
    for c in credits_for_card(s, serial, SETTLED_HERE):
        if c.credit_id != skip:
            store_placed(s, c, kiosk_id, seq)


def store_placed(s: Session, credit: PendingCredit, kiosk_id: str | None, seq: int | None) -> PendingCredit:
    """`credit` (status OPEN or HELD) placed on its card's counter as the journals allow;
    stored as a new version when that differs from the latest one. A credit that becomes
    HELD raises an alert."""
    placed, why = place(s, credit)
    latest = latest_pending_credit(s, credit.credit_id)
    if latest is not None and latest.model_dump(exclude={"version", "signature"}) == placed.model_dump(
            exclude={"version", "signature"}):
        return latest
    add_pending_credit_version(s, placed)
    if placed.status is PendingCreditStatus.HELD:
        detail = (f"credit {credit.credit_id} ({credit.amount_fen} fen) held: {why}; it may have been "
                  "this credit, loaded offline by a kiosk that has not synced. It is loadable nowhere "
                  "until the journals explain the load, or staff release or cancel it on the console")
        raise_alert(s, kiosk_id, "credit_held", detail, seq, subject=held_subject(credit.credit_id))
    else:
        if latest is not None and latest.status is PendingCreditStatus.HELD:
            resolve_subject(s, "credit_held", held_subject(credit.credit_id))  # the journals explained it
        logger.info("credit %s open on card %s counter %s", credit.credit_id, placed.card_serial,
                    placed.card_counter)
    return placed


def held_subject(credit_id: str) -> str:
    """The subject of a credit's credit_held alerts (resolved when it is no longer held)."""
    return f"credit:{credit_id}"[:80]


def place(s: Session, credit: PendingCredit) -> tuple[PendingCredit, str]:
    """Where the journals put an open or held credit: (the credit as it should be, why held)."""
    serial = credit.card_serial
    latest = None if serial is None else latest_counter(s, serial)
    if serial is None or latest is None:
        return credit.model_copy(update={"status": PendingCreditStatus.OPEN}), ""
    if credit.card_counter is None:  # never bound, never loaded offline: bind to the card as seen
        return credit.model_copy(update={"status": PendingCreditStatus.OPEN, "card_counter": latest}), ""
    end, why = _walk(s, serial, credit.card_counter, credit.credit_id)
    if not why and end == latest:
        return credit.model_copy(update={"status": PendingCreditStatus.OPEN, "card_counter": end}), ""
    why = why or (f"card {serial} was seen at counter {latest}, but no journal row the server holds "
                  f"says what loaded it at counter {end}")
    return credit.model_copy(update={"status": PendingCreditStatus.HELD, "card_counter": end}), why


def _walk(s: Session, serial: str, start: int, credit_id: str) -> tuple[int, str]:
    """Follow the card's known loads from `start`: the counter where they stop, and why the
    walk had to stop early ("" when it simply ran out of known loads)."""
    cur, seen = start, {start}
    while True:
        loads = list(s.scalars(select(CardLoad).where(CardLoad.serial == serial, CardLoad.counter_before == cur)))
        if not loads:
            return cur, ""
        if len(loads) > 1:
            return cur, f"card {serial} has {len(loads)} loads from counter {cur}"
        load = loads[0]
        if load.credit_id in (credit_id, UNKNOWN_CREDIT):
            return cur, (f"card {serial} took a credit paid elsewhere at counter {cur} (kiosk "
                         f"{load.kiosk_id} txn {load.txn_id}, credit {load.credit_id})")
        cur = int(load.counter_after)
        if cur in seen:
            return cur, f"card {serial}'s loads loop at counter {cur}"
        seen.add(cur)
