"""Request signing shared by the kiosk's sync client and the server.

Every kiosk request carries these headers:

    X-Kiosk-Id:   the kiosk id
    X-Timestamp:  unix seconds (integer, decimal text)
    X-Nonce:      32 lowercase hex digits, never reused by a kiosk
    X-Signature:  hex HMAC-SHA256(kiosk key, string_to_sign)

    string_to_sign = METHOD "\\n" PATH_WITH_QUERY "\\n" TIMESTAMP "\\n" NONCE "\\n" sha256hex(body)

PATH_WITH_QUERY is the raw request target (e.g. "/v1/notices?since=3"). The server refuses
an unknown kiosk (401), a revoked kiosk (403), a bad signature, a timestamp more than
`MAX_SKEW_S` away from its clock, or a nonce it has seen from that kiosk (401).
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

logger = logging.getLogger(__name__)

H_KIOSK = "X-Kiosk-Id"
H_TIMESTAMP = "X-Timestamp"
H_NONCE = "X-Nonce"
H_SIGNATURE = "X-Signature"
MAX_SKEW_S = 300


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{digest}".encode()


def signature(key: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    mac = crypto_hmac.HMAC(key, hashes.SHA256())
    mac.update(string_to_sign(method, path, timestamp, nonce, body))
    return mac.finalize().hex()


def signature_ok(
    key: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes, sig_hex: str
) -> bool:
    try:
        sig = bytes.fromhex(sig_hex)
    except ValueError:
        return False
    mac = crypto_hmac.HMAC(key, hashes.SHA256())
    mac.update(string_to_sign(method, path, timestamp, nonce, body))
    try:
        mac.verify(sig)
    except InvalidSignature:
        return False
    return True


def sign_headers(
    kiosk_id: str,
    key: bytes,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four auth headers for one request. `path` includes the query string."""
    ts = str(int(time.time() if now is None else now))
    n = nonce if nonce is not None else secrets.token_hex(16)
    return {
        H_KIOSK: kiosk_id,
        H_TIMESTAMP: ts,
        H_NONCE: n,
        H_SIGNATURE: signature(key, method, path, ts, n, body),
    }
