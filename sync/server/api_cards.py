"""POST /v1/card/verify-tac: the server verifies a CPU card's TAC with its master TAC key
(cardkeys.verify_tac), for a kiosk that has no SAM to ask. Stateless; signed like every /v1
route. A TAC that does not verify is an answer (verified: false), not an error: recovery uses
it to tell this transaction's load from another kiosk's at the same ATC."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Request

from sync.protocol_tac import TacCheckRequest, TacCheckResponse

from .api import KioskId
from .cardkeys import verify_tac
from .state import ServerState

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1")


@router.post("/card/verify-tac", response_model=TacCheckResponse)
def card_verify_tac(request: Request, kiosk_id: KioskId, req: TacCheckRequest) -> TacCheckResponse:
    state: ServerState = request.app.state.server
    ok = verify_tac(
        state.card_keys, serial=bytes.fromhex(req.card_serial), new_balance=req.new_balance_fen,
        online_atc_before=req.online_atc, amount=req.amount_fen, terminal=bytes.fromhex(req.terminal),
        date4=bytes.fromhex(req.date), time3=bytes.fromhex(req.time), tac=bytes.fromhex(req.tac))
    logger.info("TAC check for kiosk %s, card %s ATC %d: %s", kiosk_id, req.card_serial[-4:],
                req.online_atc, "verified" if ok else "does not verify")
    return TacCheckResponse(verified=ok)
