"""Receipt verification: `GET /receipts/verify?code=KIOSK:SEQ:TXN:MAC` (the code as the
receipt's QR carries it, kiosk.purchase.receipts). The MAC is checked with the kiosk's key
from the server's registry against the amounts of the transaction's rows in the ledger.

Answers (JSON): `valid` (the kiosk made this code for a row the ledger holds: the amounts
the receipt was printed from, and the transaction's latest state and amounts), `unknown`
(no such kiosk, or the transaction is not in the ledger: an offline receipt not uploaded
yet), `forged` (the kiosk and transaction are known and the code is not theirs); a text that
is not a code at all is 400 `malformed`. No sign-in: a valid code only tells what its
receipt already shows, and transaction ids (uuid4) cannot be guessed."""
from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from kiosk.purchase.receipts import ReceiptCode, code_matches, parse_code

from .db import JournalRow, Kiosk
from .service import SF
from .state import ServerState

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/receipts")

AMOUNTS = ("paid_fen", "cost_fen", "volume_units")
LEDGER = ("paid_fen", "cost_fen", "remainder_fen", "volume_units", "review_fen", "refunded_fen")


def _purchase_rows(sf: SF, code: ReceiptCode) -> tuple[Kiosk | None, list[JournalRow]]:
    with sf() as s:
        kiosk = s.get(Kiosk, code.kiosk_id)
        rows = list(s.scalars(select(JournalRow).where(
            JournalRow.kiosk_id == code.kiosk_id, JournalRow.txn_id == code.txn_id,
            JournalRow.kind.like("purchase.%")).order_by(JournalRow.seq)))
        return kiosk, rows


def check_code(sf: SF, text: str) -> tuple[int, dict[str, Any]]:
    """(HTTP status, answer) for a code."""
    try:
        code = parse_code(text)
    except ValueError as exc:
        return 400, {"status": "malformed", "detail": str(exc)}
    kiosk, rows = _purchase_rows(sf, code)
    base: dict[str, Any] = {"kiosk_id": code.kiosk_id, "seq": code.seq, "txn_id": code.txn_id}
    if kiosk is None:
        return 200, {"status": "unknown", **base, "detail": "no such kiosk"}
    created = next((r for r in rows if r.kind == "purchase.created"), None)
    if created is None:
        return 200, {"status": "unknown", **base,
                     "detail": "the transaction is not in the ledger (not uploaded yet?)"}
    key = bytes.fromhex(kiosk.key_hex)
    bodies = [(r, json.loads(r.body)) for r in rows]
    matched = None
    if created.seq == code.seq:
        matched = next(((r, b) for r, b in bodies if all(k in b for k in AMOUNTS)
                        and code_matches(code, key, *(int(b[k]) for k in AMOUNTS))), None)
    if matched is None:
        logger.warning("forged receipt code for kiosk %s txn %s", code.kiosk_id, code.txn_id)
        return 200, {"status": "forged", **base,
                     "detail": "the code does not match this kiosk's transaction"}
    row, body = matched
    last = bodies[-1][1]
    return 200, {
        "status": "valid", **base, "kiosk_revoked": bool(kiosk.revoked),
        "receipt": {**{k: int(body[k]) for k in AMOUNTS}, "row_seq": row.seq, "row_kind": row.kind},
        "ledger": {"state": last.get("state"), "last_seq": bodies[-1][0].seq,
                   **{k: last.get(k) for k in LEDGER}},
    }


@router.get("/verify")
async def verify(request: Request, code: str = Query(..., max_length=200)) -> JSONResponse:
    state: ServerState = request.app.state.server
    status, answer = await run_in_threadpool(check_code, state.sf, code)
    return JSONResponse(answer, status_code=status)
