"""Every /v1 answer is signed with the server's Ed25519 key (the one tariffs are signed
with): header X-Server-Signature over sync.tariff_verify.response_message(method, target,
the request's X-Nonce, status, body). The kiosk checks it before using an answer, so a
forged or replayed answer (an upload ack, an account snapshot, a ticket, a MAC2) has no
effect. A pure ASGI middleware: the body is buffered, signed, then sent."""
from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from sync.auth import H_NONCE
from sync.tariff_verify import H_SERVER_SIGNATURE, response_message

from .keys import TariffSigner
from .security import scope_target


class SignAnswers:
    def __init__(self, app: ASGIApp, signer: TariffSigner, prefix: str = "/v1/") -> None:
        self.app, self.signer, self.prefix = app, signer, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        nonce = ""
        for name, value in scope.get("headers", []):
            if name.decode("latin-1").lower() == H_NONCE.lower():
                nonce = value.decode("latin-1")
        start: MutableMapping[str, Any] = {}
        chunks: list[bytes] = []

        async def sign_and_send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            sig = self.signer.sign_bytes(response_message(
                str(scope["method"]), scope_target(scope), nonce, int(start["status"]), body))
            headers = [*start.get("headers", []), (H_SERVER_SIGNATURE.lower().encode(), sig.encode())]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, sign_and_send)
