"""The server's online MAC2 service and TAC check as the card layer's `online_mac2` /
`online_tac` callables (devices.card.cpu_profile.OnlineMac2, kiosk.ports.TacVerifier), wired
by the composition root."""
from __future__ import annotations

from devices.card.cpu_profile import Mac2Refused, OnlineMac2, OnlineMac2Request
from devices.card.sam import SamPort
from kiosk.ports import TacClaim, TacVerifier

from .client import HttpServer, ServerRefused
from .protocol import Mac2Request, QuotaRequest
from .protocol_tac import TacCheckRequest, TacCheckResponse


def server_mac2(server: HttpServer) -> OnlineMac2:
    def mac2(req: OnlineMac2Request) -> bytes:
        try:
            resp = server.mac2(Mac2Request(
                txn_id=req.txn_id, card_serial=req.serial, old_balance_fen=req.old_balance_fen,
                amount_fen=req.amount_fen, terminal=req.terminal, random=req.random,
                online_atc=req.online_atc, mac1=req.mac1, date=req.date, time=req.time))
        except ServerRefused as exc:
            if exc.status == 422:  # MAC1 did not verify: the load must not happen
                raise Mac2Refused(str(exc)) from exc
            raise  # 5xx, auth trouble: treated as "cannot ask", the SAM decides
        return bytes.fromhex(resp.mac2)

    return mac2


def server_tac(server: HttpServer) -> TacVerifier:
    """The server's TAC check (kiosk.ports.TacVerifier): True / False when it answered;
    ServerUnreachable / ServerRefused when it did not (then nobody knows)."""

    def verify(claim: TacClaim) -> bool:
        resp = server.post_model("/v1/card/verify-tac", TacCheckRequest(
            card_serial=claim.serial, new_balance_fen=claim.new_balance_fen, online_atc=claim.online_atc,
            amount_fen=claim.amount_fen, terminal=claim.terminal, date=claim.date, time=claim.time,
            tac=claim.tac), TacCheckResponse)
        return resp.verified

    return verify


def replenish_sam(server: HttpServer, sam: SamPort, journal_last_seq: int,
                  below_fen: int) -> int | None:
    """When the SAM's offline quota is below `below_fen`, fetch a quota token from the server
    and apply it (REPLENISH QUOTA sets, it does not add; a stale token is refused by the SAM).
    Returns the new quota, or None when nothing was done. The server renews only when it
    holds the kiosk's whole journal."""
    info = sam.info()
    if info.quota_fen >= below_fen:
        return None
    token = server.quota_token(QuotaRequest(sam_id=info.sam_id.upper(),
                                            sam_counter=info.counter,
                                            journal_last_seq=journal_last_seq))
    if not sam.replenish_quota(token.new_quota_fen, token.sam_counter, bytes.fromhex(token.mac)):
        raise Mac2Refused("the SAM refused the quota token (stale or forged)")
    return sam.info().quota_fen
