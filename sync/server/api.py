"""The kiosk-facing API (/v1/...). Every route but /v1/tariff-key needs a signed request."""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from sync.protocol import (
    AccountPage,
    CreditClaimRequest,
    DeviceHealthEvent,
    HeartbeatAck,
    KioskStatus,
    Mac2Request,
    Mac2Response,
    NoticePage,
    PendingCredit,
    PendingCreditPage,
    QuotaRequest,
    QuotaToken,
    RowEnvelope,
    TariffPage,
    Ticket,
    TicketCreate,
    TicketPage,
    UploadAck,
    UploadBatch,
)

from . import credits, mac2_ledger, service
from .cardkeys import CardCryptoError, authorise_load, quota_mac
from .db import JournalRow, Kiosk, Mac2Issued, QuotaIssued
from .ingest import ingest, record_health
from .security import kiosk_auth
from .service import raise_alert
from .state import ServerState

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1")
KioskId = Annotated[str, Depends(kiosk_auth)]
Since = Annotated[int, Query(ge=0)]


def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.server
    return state


@router.get("/tariff-key")
def tariff_key(request: Request) -> dict[str, str]:
    """The tariff signing public key, for provisioning checks (a kiosk trusts the key it
    was provisioned with, never this answer)."""
    signer = _state(request).signer
    return {"algorithm": "ed25519", "public_key": signer.public_key_hex, "key_id": signer.key_id}


@router.post("/upload", response_model=UploadAck, responses={422: {"model": UploadAck}})
def upload(request: Request, kiosk_id: KioskId, batch: UploadBatch) -> JSONResponse:
    if batch.kiosk_id != kiosk_id:
        raise HTTPException(403, "batch of another kiosk")
    state = _state(request)
    ack, ok = ingest(state.sf, kiosk_id, batch.rows, card_keys=state.card_keys)
    _flag_unmatched_mac2(state)
    return JSONResponse(ack.model_dump(mode="json"), status_code=200 if ok else 422)


def _flag_unmatched_mac2(state: ServerState) -> None:
    with state.sf.begin() as s:
        mac2_ledger.flag_unmatched(s, datetime.now(UTC), state.config.mac2_match_within_s)


@router.get("/status", response_model=KioskStatus)
def status(request: Request, kiosk_id: KioskId) -> KioskStatus:
    with _state(request).sf() as s:
        kiosk = s.get(Kiosk, kiosk_id)
        assert kiosk is not None
        return KioskStatus(kiosk_id=kiosk_id, last_seq=kiosk.last_seq, server_time=datetime.now(UTC))


@router.get("/rows/{seq}", response_model=RowEnvelope)
def stored_row(request: Request, kiosk_id: KioskId, seq: int) -> RowEnvelope:
    """The oracle for recovery: what the server stored for (kiosk, seq)."""
    with _state(request).sf() as s:
        row = s.scalars(select(JournalRow).where(JournalRow.kiosk_id == kiosk_id, JournalRow.seq == seq)).first()
        if row is None:
            raise HTTPException(404, "not stored")
        return RowEnvelope(
            kiosk_id=row.kiosk_id, seq=row.seq, txn_id=row.txn_id, kind=row.kind,
            body=row.body, prev_hash=row.prev_hash, row_hash=row.row_hash,
        )


@router.post("/heartbeat", response_model=HeartbeatAck)
def heartbeat(request: Request, kiosk_id: KioskId, health: DeviceHealthEvent) -> HeartbeatAck:
    with _state(request).sf.begin() as s:
        record_health(s, kiosk_id, health)
        kiosk = s.get(Kiosk, kiosk_id)
        assert kiosk is not None
        last = kiosk.last_seq
    _flag_unmatched_mac2(_state(request))
    return HeartbeatAck(server_time=datetime.now(UTC), last_seq=last)


@router.get("/tariffs", response_model=TariffPage)
def tariffs(request: Request, kiosk_id: KioskId, since: Since = 0) -> TariffPage:
    items, version, more = service.tariffs_since(_state(request).sf, since)
    return TariffPage(since=since, version=version, more=more, items=items)


@router.get("/accounts", response_model=AccountPage)
def accounts(request: Request, kiosk_id: KioskId, since: Since = 0) -> AccountPage:
    state = _state(request)
    items, version, more = service.accounts_since(state.sf, since)
    return AccountPage(since=since, version=version, more=more, items=[state.signer.sign_item(i) for i in items])


@router.get("/notices", response_model=NoticePage)
def notices(request: Request, kiosk_id: KioskId, since: Since = 0) -> NoticePage:
    state = _state(request)
    items, version, more = service.notices_since(state.sf, kiosk_id, since)
    return NoticePage(since=since, version=version, more=more, items=[state.signer.sign_item(i) for i in items])


@router.get("/pending-credits", response_model=PendingCreditPage)
def pending_credits(request: Request, kiosk_id: KioskId, since: Since = 0) -> PendingCreditPage:
    state = _state(request)
    items, version, more = service.pending_credits_since(state.sf, since)
    return PendingCreditPage(since=since, version=version, more=more, items=[state.signer.sign_item(c) for c in items])


@router.post("/pending-credits/{credit_id}/claim", response_model=PendingCredit)
def claim_credit(request: Request, kiosk_id: KioskId, credit_id: str, body: CreditClaimRequest) -> PendingCredit:
    """Reserve a credit paid elsewhere for one transaction of this kiosk, before the card is
    written; the same (kiosk, txn) gets the same answer."""
    state = _state(request)
    for _ in range(3):
        try:
            with state.sf.begin() as s:
                claimed = credits.claim(s, kiosk_id, credit_id, body)
            return state.signer.sign_item(claimed)
        except KeyError:
            raise HTTPException(404, "no such credit") from None
        except credits.ClaimRefused as exc:
            raise HTTPException(409, str(exc)) from None
        except (IntegrityError, OperationalError):
            continue  # a concurrent claim (or a deadlock victim on PostgreSQL): read again
    raise HTTPException(409, "credit claim race")


@router.get("/tickets", response_model=TicketPage)
def tickets(request: Request, kiosk_id: KioskId, since: Since = 0) -> TicketPage:
    state = _state(request)
    items, version, more = service.tickets_since(state.sf, kiosk_id, since)
    return TicketPage(since=since, version=version, more=more, items=[state.signer.sign_item(t) for t in items])


@router.post("/tickets", response_model=Ticket)
def create_ticket(request: Request, kiosk_id: KioskId, body: TicketCreate) -> Ticket:
    state = _state(request)
    for _ in range(3):
        try:
            with state.sf.begin() as s:
                row = service.create_ticket(s, kiosk_id, body.kind, f"api:{body.client_ref}", body.summary)
                return state.signer.sign_item(service.ticket_model(row))
        except (IntegrityError, OperationalError):
            continue
    raise HTTPException(409, "ticket race")


@router.post("/card/mac2", response_model=Mac2Response)
def card_mac2(request: Request, kiosk_id: KioskId, req: Mac2Request) -> Mac2Response:
    """Online MAC2 for a CPU-card load; idempotent on (kiosk, txn_id) for the same request.
    Never above the purchase maximum; each issuance is kept and reconciled with the kiosk's
    journal (mac2_ledger)."""
    state = _state(request)
    if req.amount_fen > state.config.max_load_fen:
        raise HTTPException(422, f"{req.amount_fen} fen is above the purchase maximum {state.config.max_load_fen}")
    req_json = req.model_dump_json()
    with state.sf() as s:
        done = s.scalars(select(Mac2Issued).where(Mac2Issued.kiosk_id == kiosk_id, Mac2Issued.txn_id == req.txn_id)).first()
        if done is not None:
            if json.loads(done.request_json) != json.loads(req_json):
                raise HTTPException(409, "txn_id already used for another load")
            return Mac2Response(txn_id=req.txn_id, mac2=done.mac2)
    try:
        auth = authorise_load(
            state.card_keys,
            key_index=req.key_index,
            serial=bytes.fromhex(req.card_serial),
            old_balance=req.old_balance_fen,
            amount=req.amount_fen,
            terminal=bytes.fromhex(req.terminal),
            random4=bytes.fromhex(req.random),
            online_atc=req.online_atc,
            mac1=bytes.fromhex(req.mac1),
            date4=bytes.fromhex(req.date),
            time3=bytes.fromhex(req.time),
        )
    except CardCryptoError as exc:
        raise HTTPException(422, str(exc)) from None
    mac2 = auth.mac2.hex().upper()
    try:
        with state.sf.begin() as s:
            s.add(Mac2Issued(kiosk_id=kiosk_id, txn_id=req.txn_id, request_json=req_json, mac2=mac2,
                             card_serial=req.card_serial.upper(), amount_fen=req.amount_fen, state="issued"))
    except IntegrityError:
        return card_mac2(request, kiosk_id, req)  # a concurrent twin stored it: answer that
    logger.info("MAC2 issued to kiosk %s for txn %s, %d fen", kiosk_id, req.txn_id, req.amount_fen)
    return Mac2Response(txn_id=req.txn_id, mac2=mac2)


@router.post("/sam/quota", response_model=QuotaToken)
def sam_quota(request: Request, kiosk_id: KioskId, req: QuotaRequest) -> QuotaToken:
    """A REPLENISH QUOTA token for the SAM's current counter; the same counter gets the same
    token, and a SAM is bound to the kiosk that first asked for it."""
    state = _state(request)
    sam_id = req.sam_id.upper()
    with state.sf() as s:
        kiosk = s.get(Kiosk, kiosk_id)
        assert kiosk is not None
        if req.journal_last_seq > kiosk.last_seq:
            raise HTTPException(409, f"upload the journal first (server holds seq {kiosk.last_seq})")
        held = kiosk.last_seq
        if req.journal_last_seq < held:
            s.rollback()
            detail = (f"kiosk asks for a SAM quota with journal seq {req.journal_last_seq}, the server "
                      f"holds {held}: truncated or replaced journal")
            with state.sf.begin() as w:
                raise_alert(w, kiosk_id, "truncation", detail, req.journal_last_seq)
            raise HTTPException(409, detail)
        other = s.scalars(select(QuotaIssued).where(QuotaIssued.sam_id == sam_id)).first()
        if other is not None and other.kiosk_id != kiosk_id:
            raise HTTPException(403, "SAM belongs to another kiosk")
        done = s.scalars(
            select(QuotaIssued).where(QuotaIssued.sam_id == sam_id, QuotaIssued.sam_counter == req.sam_counter)
        ).first()
        if done is not None:
            return QuotaToken(sam_id=sam_id, sam_counter=done.sam_counter, new_quota_fen=done.new_quota_fen, mac=done.mac)
    quota = state.card_keys.quota_fen
    try:
        mac = quota_mac(state.card_keys, sam_id, quota, req.sam_counter).hex().upper()
    except CardCryptoError as exc:
        raise HTTPException(422, str(exc)) from None
    try:
        with state.sf.begin() as s:
            s.add(QuotaIssued(kiosk_id=kiosk_id, sam_id=sam_id, sam_counter=req.sam_counter, new_quota_fen=quota, mac=mac))
    except IntegrityError:
        return sam_quota(request, kiosk_id, req)
    logger.info("quota token for SAM %s counter %d: %d fen", sam_id, req.sam_counter, quota)
    return QuotaToken(sam_id=sam_id, sam_counter=req.sam_counter, new_quota_fen=quota, mac=mac)

