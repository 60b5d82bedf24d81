"""Staff authentication for the console.

There is no console without a staff credential: `python -m sync.server admin staff-token`
makes one (a random token, printed once; the server keeps only its SHA-256 in
`<key dir>/staff-token.sha256`), or `--staff-token` / KIOSK_SERVER_STAFF_TOKEN names one.
Staff sign in on /console/login; the server answers with a session cookie (HttpOnly,
SameSite=Strict, Path=/console, Secure over https): an HMAC of its expiry and a nonce under a
key the running server made, so it needs no table and ends with a restart. Every form of the
console carries a CSRF token derived from the session; a POST without the session's token is
refused (403), one without a session 401. The credential never travels in a URL. Five
wrong tokens from one client address within five minutes block sign-in from it (429) until
the oldest is five minutes old (`LoginLimiter`).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.responses import Response

logger = logging.getLogger(__name__)

COOKIE = "staff_session"
SESSION_S = 12 * 3600
TOKEN_FILE = "staff-token.sha256"
LOGIN_MAX_FAILURES = 5  # wrong tokens from one client address ...
LOGIN_WINDOW_S = 300  # ... within this many seconds: sign-in refused (429) until the oldest ages out


def token_digest(token: str) -> str:
    """A staff token is 128 random bits: a plain SHA-256 keeps it unguessable on disk."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(key_dir: Path) -> str:
    """A fresh staff token; its digest replaces the stored one. Returns the token."""
    from .keys import _write_private

    token = secrets.token_urlsafe(16)
    _write_private(key_dir / TOKEN_FILE, (token_digest(token) + "\n").encode())
    logger.warning("new staff console token made (digest in %s)", key_dir / TOKEN_FILE)
    return token


def stored_digest(key_dir: Path) -> str | None:
    path = key_dir / TOKEN_FILE
    return path.read_text().strip() or None if path.exists() else None


@dataclass
class LoginLimiter:
    """Wrong staff tokens per client address: after `max_failures` within `window_s` seconds
    sign-in from that address is refused (even with the right token) until the oldest of
    them is `window_s` old. In memory: a restart forgets it (and ends every session too)."""

    max_failures: int = LOGIN_MAX_FAILURES
    window_s: float = LOGIN_WINDOW_S
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, client: str) -> deque[float]:
        now = self.clock()
        seen = self._failures.get(client, deque())
        while seen and now - seen[0] >= self.window_s:
            seen.popleft()
        if seen:
            self._failures[client] = seen
        else:
            self._failures.pop(client, None)
        return seen

    def retry_after(self, client: str) -> int | None:
        """Seconds until `client` may try again, or None when it may now."""
        seen = self._recent(client)
        if len(seen) < self.max_failures:
            return None
        return max(1, int(seen[-self.max_failures] + self.window_s - self.clock() + 0.999))

    def failed(self, client: str) -> None:
        self._recent(client)
        self._failures.setdefault(client, deque()).append(self.clock())

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)

    def reset(self) -> None:
        self._failures.clear()


@dataclass
class StaffAuth:
    """The console's credential (a token, or the digest of one) and its session key."""

    token: str | None = None
    digest: str | None = None
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    limiter: LoginLimiter = field(default_factory=LoginLimiter)

    @property
    def enabled(self) -> bool:
        return bool(self.token or self.digest)

    def credential_ok(self, given: str) -> bool:
        want = self.digest or (token_digest(self.token) if self.token else None)
        return want is not None and hmac.compare_digest(want, token_digest(given))

    def _mac(self, text: str) -> str:
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()

    def new_session(self) -> str:
        body = f"{int(time.time()) + SESSION_S}.{secrets.token_hex(16)}"
        return f"{body}.{self._mac(body)}"

    def session_nonce(self, request: Request) -> str | None:
        """The nonce of a valid, unexpired session cookie, else None."""
        value = request.cookies.get(COOKIE, "")
        parts = value.split(".")
        if len(parts) != 3 or not hmac.compare_digest(self._mac(f"{parts[0]}.{parts[1]}"), parts[2]):
            return None
        try:
            expires = int(parts[0])
        except ValueError:
            return None
        return parts[1] if time.time() < expires else None

    def csrf(self, nonce: str) -> str:
        return self._mac(f"csrf\n{nonce}")[:32]

    def set_cookie(self, response: Response, request: Request, session: str) -> None:
        response.set_cookie(COOKIE, session, max_age=SESSION_S, path="/console", httponly=True,
                            samesite="strict", secure=request.url.scheme == "https")

    def require(self, request: Request) -> str:
        """A signed-in staff member's session nonce, or 503 (no credential) / 401."""
        if not self.enabled:
            raise HTTPException(503, "the staff console is disabled: no staff credential is configured "
                                     "(python -m sync.server admin staff-token)")
        nonce = self.session_nonce(request)
        if nonce is None:
            raise HTTPException(401, "sign in first: /console/login")
        return nonce

    def require_post(self, request: Request, form: dict[str, str]) -> None:
        nonce = self.require(request)
        if not hmac.compare_digest(form.get("csrf", ""), self.csrf(nonce)):
            logger.warning("console POST %s refused: no valid CSRF token", request.url.path)
            raise HTTPException(403, "this form did not come from the console")
