"""The server's online MAC2 service as the card layer's `online_mac2` callable
(devices.card.cpu_profile.OnlineMac2), wired by the composition root."""
from __future__ import annotations

from devices.card.cpu_profile import Mac2Refused, OnlineMac2, OnlineMac2Request

from .client import HttpServer, ServerRefused
from .protocol import Mac2Request


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
