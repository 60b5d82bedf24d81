"""Kiosk request authentication (the scheme is in sync/auth.py): unknown kiosk 401, revoked
403, bad signature, stale timestamp or replayed nonce 401. Nonces are kept in the database,
so a replay is refused across restarts and workers."""
from __future__ import annotations

import logging
import random
import re
import time
from datetime import timedelta

from fastapi import HTTPException, Request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from sync.auth import H_KIOSK, H_NONCE, H_SIGNATURE, H_TIMESTAMP, signature_ok

from .db import Kiosk, Nonce, utcnow
from .state import ServerState

logger = logging.getLogger(__name__)

_NONCE_RE = re.compile(r"^[0-9a-f]{16,64}$")


def request_target(request: Request) -> str:
    return scope_target(request.scope)


def scope_target(scope: Scope) -> str:
    """The raw request target (path and query) a kiosk signs and the server signs back."""
    raw = scope.get("raw_path") or str(scope.get("path", "")).encode()
    target = bytes(raw).decode("latin-1")
    qs = scope.get("query_string", b"")
    return f"{target}?{qs.decode('latin-1')}" if qs else target


async def kiosk_auth(request: Request) -> str:
    """FastAPI dependency: the authenticated kiosk id."""
    body = await request.body()
    state: ServerState = request.app.state.server
    h = request.headers
    kiosk_id, ts, nonce, sig = h.get(H_KIOSK), h.get(H_TIMESTAMP), h.get(H_NONCE), h.get(H_SIGNATURE)
    if not kiosk_id or not ts or not nonce or not sig:
        raise HTTPException(401, "missing authentication headers")
    return await run_in_threadpool(
        check, state, kiosk_id, ts, nonce, sig, request.method, request_target(request), body
    )


def check(
    state: ServerState, kiosk_id: str, ts: str, nonce: str, sig: str, method: str, target: str, body: bytes
) -> str:
    """One transaction: the checks, the kiosk's last-seen time and the nonce (whose unique
    key refuses a replay, also when two copies arrive at once)."""
    try:
        _check(state, kiosk_id, ts, nonce, sig, method, target, body)
    except IntegrityError:
        logger.warning("replayed nonce from kiosk %s", kiosk_id)
        raise HTTPException(401, "replayed nonce") from None
    if random.random() < 0.02:
        _prune(state)
    return kiosk_id


def _check(
    state: ServerState, kiosk_id: str, ts: str, nonce: str, sig: str, method: str, target: str, body: bytes
) -> None:
    with state.sf.begin() as s:
        kiosk = s.get(Kiosk, kiosk_id)
        if kiosk is None:
            logger.warning("request from unknown kiosk %r", kiosk_id)
            raise HTTPException(401, "unknown kiosk")
        if kiosk.revoked:
            logger.warning("request from revoked kiosk %s", kiosk_id)
            raise HTTPException(403, "kiosk revoked")
        if not signature_ok(bytes.fromhex(kiosk.key_hex), method, target, ts, nonce, body, sig):
            logger.warning("bad signature from kiosk %s on %s %s", kiosk_id, method, target)
            raise HTTPException(401, "bad signature")
        try:
            skew = abs(time.time() - int(ts))
        except ValueError:
            raise HTTPException(401, "bad timestamp") from None
        if skew > state.config.max_skew_s:
            logger.warning("stale request from kiosk %s (skew %.0f s)", kiosk_id, skew)
            raise HTTPException(401, "stale timestamp")
        if not _NONCE_RE.match(nonce):
            raise HTTPException(401, "bad nonce")
        kiosk.last_seen_at = utcnow()
        s.add(Nonce(kiosk_id=kiosk_id, nonce=nonce))
        s.flush()


def _prune(state: ServerState) -> None:
    keep = max(state.config.nonce_keep_s, 2 * state.config.max_skew_s)
    with state.sf.begin() as s:
        s.execute(delete(Nonce).where(Nonce.seen_at < utcnow() - timedelta(seconds=keep)))
