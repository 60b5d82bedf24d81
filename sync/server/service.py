"""Server operations on the database, used by the API, the console, the admin CLI and the
tests: kiosks, alerts, tariffs, account snapshots, notices, pending credits, tickets."""
from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.hashchain import canonical_json
from sync.protocol import (
    AccountSnapshot,
    Notice,
    PendingCredit,
    SignedTariff,
    TariffDocument,
    Ticket,
    TicketKind,
    TicketStatus,
)

from .db import (
    AccountRow,
    Alert,
    Kiosk,
    NoticeRow,
    PendingCreditRow,
    TariffRow,
    TicketChange,
    TicketRow,
    next_version,
    utcnow,
)
from .keys import TariffSigner

logger = logging.getLogger(__name__)

PAGE_LIMIT = 1000
SF = sessionmaker[Session]


class NotFound(Exception):
    pass


# --------------------------------------------------------------------------- kiosks, alerts


def add_kiosk(sf: SF, kiosk_id: str) -> str:
    """Registers a kiosk (or gives it a new key); returns the key as hex."""
    key = secrets.token_hex(32)
    with sf.begin() as s:
        kiosk = s.get(Kiosk, kiosk_id)
        if kiosk is None:
            s.add(Kiosk(kiosk_id=kiosk_id, key_hex=key, revoked=False, last_seq=0))
        else:
            kiosk.key_hex, kiosk.revoked, kiosk.revoked_at = key, False, None
    logger.info("kiosk %s registered", kiosk_id)
    return key


def revoke_kiosk(sf: SF, kiosk_id: str) -> None:
    with sf.begin() as s:
        kiosk = s.get(Kiosk, kiosk_id)
        if kiosk is None:
            raise NotFound(kiosk_id)
        kiosk.revoked, kiosk.revoked_at = True, utcnow()
    logger.warning("kiosk %s revoked", kiosk_id)


def raise_alert(s: Session, kiosk_id: str | None, kind: str, detail: str, seq: int | None = None,
                *, once: bool = True, subject: str | None = None) -> None:
    """Adds an alert unless the same unresolved one exists (a retrying kiosk makes one);
    `once=False` for a caller that raises it once per fact itself. `subject` names what it
    is about when a later fact settles it (resolve_subject)."""
    exists = None if not once else s.scalar(
        select(Alert.id).where(
            Alert.kiosk_id == kiosk_id, Alert.kind == kind, Alert.seq == seq, Alert.resolved.is_(False)
        )
    )
    if exists is None:
        s.add(Alert(kiosk_id=kiosk_id, kind=kind, seq=seq, detail=detail, resolved=False, subject=subject))
        logger.warning("ALERT %s kiosk=%s seq=%s: %s", kind, kiosk_id, seq, detail)


def resolve_subject(s: Session, kind: str, subject: str) -> list[int]:
    """Resolve the open alerts of `kind` about `subject`; returns their ids."""
    open_ones = list(s.scalars(select(Alert).where(Alert.kind == kind, Alert.subject == subject,
                                                   Alert.resolved.is_(False))))
    for alert in open_ones:
        alert.resolved = True
    s.flush()
    return [a.id for a in open_ones]


def open_alerts_about(s: Session, kind: str, subject: str) -> list[Alert]:
    return list(s.scalars(select(Alert).where(Alert.kind == kind, Alert.subject == subject,
                                              Alert.resolved.is_(False)).order_by(Alert.id)))


def alerts(sf: SF, *, open_only: bool = True, kiosk_id: str | None = None) -> list[Alert]:
    with sf() as s:
        q = select(Alert).order_by(Alert.id)
        if open_only:
            q = q.where(Alert.resolved.is_(False))
        if kiosk_id is not None:
            q = q.where(Alert.kiosk_id == kiosk_id)
        return list(s.scalars(q))


def resolve_alert(sf: SF, alert_id: int) -> None:
    with sf.begin() as s:
        alert = s.get(Alert, alert_id)
        if alert is None:
            raise NotFound(str(alert_id))
        alert.resolved = True


def kiosks(sf: SF) -> list[Kiosk]:
    with sf() as s:
        return list(s.scalars(select(Kiosk).order_by(Kiosk.kiosk_id)))


# --------------------------------------------------------------------------- downloads


def publish_tariff(sf: SF, signer: TariffSigner, doc: TariffDocument | dict[str, Any]) -> SignedTariff:
    tariff = doc if isinstance(doc, TariffDocument) else TariffDocument.model_validate(doc)
    text = canonical_json(tariff.model_dump(mode="json"))
    env = SignedTariff(document=text, signature=signer.sign(text), key_id=signer.key_id)
    with sf.begin() as s:
        s.add(
            TariffRow(
                version=next_version(s),
                tariff_id=tariff.tariff_id,
                tariff_version=tariff.version,
                document=text,
                signature=env.signature or "",
                key_id=signer.key_id,
            )
        )
    logger.info("tariff %s v%s published", tariff.tariff_id, tariff.version)
    return env


def put_account(sf: SF, snap: AccountSnapshot) -> int:
    with sf.begin() as s:
        row = AccountRow(version=next_version(s), customer_no=snap.customer_no,
                         data=snap.model_dump_json(exclude={"version", "signature"}))
        s.add(row)
        s.flush()
        return row.version


def put_notice(sf: SF, notice: Notice) -> int:
    with sf.begin() as s:
        row = NoticeRow(
            version=next_version(s),
            notice_id=notice.notice_id,
            kiosk_id=notice.kiosk_id,
            data=notice.model_dump_json(exclude={"version", "signature"}),
        )
        s.add(row)
        s.flush()
        return row.version


def put_pending_credit(sf: SF, credit: PendingCredit) -> int:
    """A credit paid elsewhere; bound to its card's last known counter when it names a card."""
    from .credits import bind_new

    with sf.begin() as s:
        return add_pending_credit_version(s, bind_new(s, credit))


def add_pending_credit_version(s: Session, credit: PendingCredit) -> int:
    row = PendingCreditRow(
        version=next_version(s),
        credit_id=credit.credit_id,
        card_serial=credit.card_serial,
        data=credit.model_dump_json(exclude={"version", "signature"}),
    )
    s.add(row)
    s.flush()
    return row.version


def latest_pending_credit(s: Session, credit_id: str) -> PendingCredit | None:
    row = s.scalars(
        select(PendingCreditRow)
        .where(PendingCreditRow.credit_id == credit_id)
        .order_by(PendingCreditRow.version.desc())
        .limit(1)
    ).first()
    return None if row is None else PendingCredit.model_validate_json(row.data)


def _page(rows: Sequence[Any], since: int, limit: int) -> tuple[int, bool]:
    version = max([since, *(int(r.version) for r in rows)])
    return version, len(rows) >= limit


def tariffs_since(sf: SF, since: int, limit: int = PAGE_LIMIT) -> tuple[list[SignedTariff], int, bool]:
    with sf() as s:
        rows = list(
            s.scalars(select(TariffRow).where(TariffRow.version > since).order_by(TariffRow.version).limit(limit))
        )
    items = [SignedTariff(document=r.document, signature=r.signature, key_id=r.key_id) for r in rows]
    return (items, *_page(rows, since, limit))


def accounts_since(sf: SF, since: int, limit: int = PAGE_LIMIT) -> tuple[list[AccountSnapshot], int, bool]:
    with sf() as s:
        rows = list(
            s.scalars(select(AccountRow).where(AccountRow.version > since).order_by(AccountRow.version).limit(limit))
        )
    items = [AccountSnapshot.model_validate_json(r.data).model_copy(update={"version": r.version}) for r in rows]
    return (items, *_page(rows, since, limit))


def notices_since(sf: SF, kiosk_id: str, since: int, limit: int = PAGE_LIMIT) -> tuple[list[Notice], int, bool]:
    with sf() as s:
        rows = list(
            s.scalars(
                select(NoticeRow)
                .where(NoticeRow.version > since)
                .where((NoticeRow.kiosk_id.is_(None)) | (NoticeRow.kiosk_id == kiosk_id))
                .order_by(NoticeRow.version)
                .limit(limit)
            )
        )
    items = [Notice.model_validate_json(r.data).model_copy(update={"version": r.version}) for r in rows]
    return (items, *_page(rows, since, limit))


def pending_credits_since(sf: SF, since: int, limit: int = PAGE_LIMIT) -> tuple[list[PendingCredit], int, bool]:
    with sf() as s:
        rows = list(
            s.scalars(
                select(PendingCreditRow)
                .where(PendingCreditRow.version > since)
                .order_by(PendingCreditRow.version)
                .limit(limit)
            )
        )
    items = [PendingCredit.model_validate_json(r.data).model_copy(update={"version": r.version}) for r in rows]
    return (items, *_page(rows, since, limit))


# --------------------------------------------------------------------------- tickets


def ticket_model(row: TicketRow) -> Ticket:
    return Ticket(
        ticket_id=row.id,
        kind=TicketKind(row.kind),
        kiosk_id=row.kiosk_id,
        txn_id=row.txn_id,
        status=TicketStatus(row.status),
        summary=row.summary,
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
        note=row.note,
        client_ref=row.client_ref,
        version=row.version,
    )


def create_ticket(
    s: Session, kiosk_id: str, kind: TicketKind, client_ref: str, summary: str, txn_id: str | None = None
) -> TicketRow:
    """Idempotent on (kiosk_id, client_ref): the existing ticket when there is one."""
    existing = s.scalars(
        select(TicketRow).where(TicketRow.kiosk_id == kiosk_id, TicketRow.client_ref == client_ref)
    ).first()
    if existing is not None:
        return existing
    now = utcnow()
    row = TicketRow(
        kind=kind.value,
        kiosk_id=kiosk_id,
        client_ref=client_ref,
        txn_id=txn_id,
        summary=summary[:500],
        status=TicketStatus.OPEN.value,
        note="",
        created_at=now,
        updated_at=now,
        version=0,
    )
    s.add(row)
    s.flush()
    _record_change(s, row, TicketStatus.OPEN, "")
    logger.info("%s ticket %s from kiosk %s", kind.value, row.id, kiosk_id)
    return row


def _record_change(s: Session, row: TicketRow, status: TicketStatus, note: str) -> None:
    change = TicketChange(version=next_version(s), ticket_id=row.id, status=status.value, note=note)
    s.add(change)
    s.flush()
    row.status, row.note, row.updated_at, row.version = status.value, note, utcnow(), change.version


def set_ticket_status(sf: SF, ticket_id: int, status: TicketStatus, note: str = "") -> Ticket:
    with sf.begin() as s:
        row = s.get(TicketRow, ticket_id)
        if row is None:
            raise NotFound(str(ticket_id))
        _record_change(s, row, status, note)
        return ticket_model(row)


def tickets_since(sf: SF, kiosk_id: str, since: int, limit: int = PAGE_LIMIT) -> tuple[list[Ticket], int, bool]:
    with sf() as s:
        rows = list(
            s.scalars(
                select(TicketRow)
                .where(TicketRow.kiosk_id == kiosk_id, TicketRow.version > since)
                .order_by(TicketRow.version)
                .limit(limit)
            )
        )
        items = [ticket_model(r) for r in rows]
    return (items, *_page(rows, since, limit))


def open_tickets(sf: SF, kind: TicketKind) -> list[Ticket]:
    done = (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)
    with sf() as s:
        rows = s.scalars(
            select(TicketRow).where(TicketRow.kind == kind.value, TicketRow.status.not_in(done)).order_by(TicketRow.id)
        )
        return [ticket_model(r) for r in rows]


def ledger_count(sf: SF, kiosk_id: str) -> int:
    from .db import JournalRow

    with sf() as s:
        return int(s.scalar(select(func.count()).select_from(JournalRow).where(JournalRow.kiosk_id == kiosk_id)) or 0)


def health_of(kiosk: Kiosk) -> dict[str, Any]:
    return {} if not kiosk.health_json else dict(json.loads(kiosk.health_json))


def as_utc(dt: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; they were stored as UTC."""
    if dt is None or dt.tzinfo is not None:
        return dt
    return dt.replace(tzinfo=UTC)


def _utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
