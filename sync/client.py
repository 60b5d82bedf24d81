"""The kiosk's side of the wire: `HttpServer` implements `kiosk.ports.Server` over the sync
server's signed HTTP API, plus the downloads, heartbeat, recovery oracle and card crypto
calls. Stateless: the scheduling, backoff and caching live in sync/jobs.py.

Every answer must carry the server's signature over the request it answers
(sync/server/signing.py, checked with the server's public key the kiosk was provisioned
with); one without is not the server's and counts as no answer.

Errors: a transport failure (no answer, or an answer the server did not sign) raises
`ServerUnreachable`; an answer the kiosk cannot use (5xx, 401/403, bad JSON) raises
`ServerRefused`. A 422 on upload is an answer: `upload` returns the seqs the server holds and
records the refusal in `last_refusal`; `last_ack_seq` is the last contiguous seq the server
said it holds.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from kiosk.ports import UploadRow

from .auth import H_NONCE, sign_headers
from .protocol import (
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
    RowResult,
    RowStatus,
    TariffDocument,
    TariffPage,
    Ticket,
    TicketCreate,
    TicketPage,
    UploadAck,
    UploadBatch,
)
from .tariff_verify import (
    H_SERVER_SIGNATURE,
    ItemRejected,
    TariffRejected,
    verify_response,
    verify_tariff,
)

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


class SyncError(Exception):
    pass


class ServerUnreachable(SyncError):
    """No answer from the server (connection refused or reset, timeout)."""


class ServerRefused(SyncError):
    """The server answered, but not with something the kiosk can use."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class HttpServer:
    """`kiosk.ports.Server` over HTTP. One instance per kiosk; thread-safe (httpx.Client)."""

    def __init__(
        self, base_url: str, kiosk_id: str, key: bytes, *, server_key: bytes | str, timeout_s: float = 30.0,
        keepalive: bool = True,
    ) -> None:
        self.kiosk_id = kiosk_id
        self.base_url = base_url
        self._key = key
        self.server_key = server_key  # the server's Ed25519 public key: its answers are signed
        limits = httpx.Limits() if keepalive else httpx.Limits(max_keepalive_connections=0)
        self._http = httpx.Client(base_url=base_url, timeout=timeout_s, limits=limits)
        self.last_refusal: list[RowResult] = []
        self.last_ack_seq: int | None = None

    def close(self) -> None:
        self._http.close()

    # --- plumbing ---------------------------------------------------------------------
    def _send(self, method: str, path: str, body: BaseModel | None = None) -> httpx.Response:
        content = b"" if body is None else body.model_dump_json().encode()
        headers = sign_headers(self.kiosk_id, self._key, method, path, content)
        if content:
            headers["Content-Type"] = "application/json"
        try:
            r = self._http.request(method, path, content=content, headers=headers)
        except httpx.TransportError as exc:
            raise ServerUnreachable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        try:
            verify_response(self.server_key, r.headers.get(H_SERVER_SIGNATURE), method, path,
                            headers[H_NONCE], r.status_code, r.content)
        except ItemRejected as exc:
            logger.error("%s %s: HTTP %d refused: %s", method, path, r.status_code, exc)
            raise ServerUnreachable(f"{method} {path}: {exc}") from None
        return r

    def _call(self, method: str, path: str, model: type[M], body: BaseModel | None = None) -> M:
        r = self._send(method, path, body)
        if r.status_code != 200:
            raise ServerRefused(f"{method} {path}: HTTP {r.status_code} {r.text[:200]}", r.status_code)
        return self._parse(model, r)

    def raw(self, method: str, path: str, body: BaseModel | None = None) -> httpx.Response:
        """A signed request; the answer as it came, its signature checked (raises
        ServerUnreachable without one)."""
        return self._send(method, path, body)

    def post_model(self, path: str, body: BaseModel | None, model: type[M]) -> M:
        return self._call("POST", path, model, body)

    @staticmethod
    def _parse(model: type[M], r: httpx.Response) -> M:
        try:
            return model.model_validate_json(r.content)
        except ValidationError as exc:
            raise ServerRefused(f"unreadable answer: {exc.errors()[0]['msg']}", r.status_code) from None

    # --- the Server port --------------------------------------------------------------
    def upload(self, rows: Sequence[UploadRow]) -> list[int]:
        """The seqs the server holds with the content sent (now or before)."""
        self.last_refusal, self.last_ack_seq = [], None
        if not rows:
            return []
        batch = UploadBatch(kiosk_id=self.kiosk_id, rows=[RowEnvelope.from_upload_row(r) for r in rows])
        r = self._send("POST", "/v1/upload", batch)
        if r.status_code not in (200, 422):
            raise ServerRefused(f"upload: HTTP {r.status_code} {r.text[:200]}", r.status_code)
        if r.status_code == 422 and "stored" not in _json_keys(r):
            raise ServerRefused(f"upload refused: {r.text[:200]}", 422)
        ack = self._parse(UploadAck, r)
        self.last_ack_seq = ack.last_seq
        self.last_refusal = [x for x in ack.results if x.status not in (RowStatus.STORED, RowStatus.DUPLICATE)]
        if self.last_refusal:
            logger.error("server refused rows: %s", [(x.seq, x.status.value, x.detail) for x in self.last_refusal])
        sent = {row.seq for row in rows}
        return [seq for seq in ack.stored if seq in sent]

    # --- the rest of the API ----------------------------------------------------------
    def status(self) -> KioskStatus:
        return self._call("GET", "/v1/status", KioskStatus)

    def stored_row(self, seq: int) -> RowEnvelope | None:
        """The recovery oracle: the row the server holds for this seq, None if none."""
        r = self._send("GET", f"/v1/rows/{seq}")
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            raise ServerRefused(f"rows/{seq}: HTTP {r.status_code}", r.status_code)
        return self._parse(RowEnvelope, r)

    def heartbeat(self, health: DeviceHealthEvent) -> HeartbeatAck:
        return self._call("POST", "/v1/heartbeat", HeartbeatAck, health)

    def tariffs(self, since: int, public_key: bytes | str) -> tuple[list[TariffDocument], int, bool]:
        """Verified tariff documents newer than `since`; a badly signed one is dropped and
        logged (TariffRejected), never returned."""
        page = self._call("GET", f"/v1/tariffs?since={since}", TariffPage)
        docs: list[TariffDocument] = []
        for env in page.items:
            try:
                docs.append(verify_tariff(env, public_key))
            except TariffRejected as exc:
                logger.error("tariff from the server refused: %s", exc.reason)
        return docs, page.version, page.more

    def tariff_page(self, since: int) -> TariffPage:
        """The signed envelopes as sent; verify each with sync.tariff_verify before use."""
        return self._call("GET", f"/v1/tariffs?since={since}", TariffPage)

    def accounts(self, since: int) -> AccountPage:
        return self._call("GET", f"/v1/accounts?since={since}", AccountPage)

    def notices(self, since: int) -> NoticePage:
        return self._call("GET", f"/v1/notices?since={since}", NoticePage)

    def pending_credits(self, since: int) -> PendingCreditPage:
        return self._call("GET", f"/v1/pending-credits?since={since}", PendingCreditPage)

    def claim_credit(self, credit_id: str, req: CreditClaimRequest) -> PendingCredit:
        """Reserve a credit paid elsewhere for one transaction (409 -> ServerRefused)."""
        return self._call("POST", f"/v1/pending-credits/{credit_id}/claim", PendingCredit, req)

    def tickets(self, since: int) -> TicketPage:
        return self._call("GET", f"/v1/tickets?since={since}", TicketPage)

    def create_ticket(self, ticket: TicketCreate) -> Ticket:
        return self._call("POST", "/v1/tickets", Ticket, ticket)

    def mac2(self, req: Mac2Request) -> Mac2Response:
        return self._call("POST", "/v1/card/mac2", Mac2Response, req)

    def quota_token(self, req: QuotaRequest) -> QuotaToken:
        return self._call("POST", "/v1/sam/quota", QuotaToken, req)


def _json_keys(r: httpx.Response) -> set[str]:
    try:
        data: Any = json.loads(r.content)
    except ValueError:
        return set()
    return set(data) if isinstance(data, dict) else set()
