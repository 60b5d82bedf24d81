"""Kiosk side: accept a tariff only when the server signed it.

The kiosk is provisioned with the server's Ed25519 public key (32 raw bytes, or its hex).
`verify_tariff` refuses an unsigned envelope, a signature by another key, a tampered
document and a document that breaks pricing.md's rules, and logs why.
"""
from __future__ import annotations

import hashlib
import logging

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from kiosk.hashchain import canonical_json

from .protocol import PendingCredit, SignedTariff, TariffDocument

logger = logging.getLogger(__name__)


class TariffRejected(Exception):
    """The tariff envelope is unsigned, badly signed or malformed. `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def key_id(public_key_raw: bytes) -> str:
    return hashlib.sha256(public_key_raw).hexdigest()[:16]


def load_public_key(public_key: bytes | str) -> Ed25519PublicKey:
    raw = bytes.fromhex(public_key) if isinstance(public_key, str) else public_key
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_tariff(envelope: SignedTariff | dict[str, object] | str, public_key: bytes | str) -> TariffDocument:
    """The tariff document inside a correctly signed envelope; raises TariffRejected."""
    try:
        if isinstance(envelope, str):
            env = SignedTariff.model_validate_json(envelope)
        elif isinstance(envelope, dict):
            env = SignedTariff.model_validate(envelope)
        else:
            env = envelope
    except ValidationError as exc:
        return _reject(f"malformed envelope: {exc.errors()[0]['msg']}")
    if not env.signature:
        return _reject("unsigned tariff")
    raw_key = bytes.fromhex(public_key) if isinstance(public_key, str) else public_key
    if env.key_id is not None and env.key_id != key_id(raw_key):
        return _reject(f"signed by unknown key {env.key_id}")
    try:
        sig = bytes.fromhex(env.signature)
        load_public_key(raw_key).verify(sig, env.document.encode("utf-8"))
    except (ValueError, InvalidSignature):
        return _reject("bad signature")
    try:
        return TariffDocument.model_validate_json(env.document)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        return _reject(f"invalid tariff document: {field}: {err['msg']}")


def _reject(reason: str) -> TariffDocument:
    logger.warning("tariff refused: %s", reason)
    raise TariffRejected(reason)


class CreditRejected(Exception):
    """A pending credit without a good server signature."""


CREDIT_DOMAIN = b"gas-kiosk pending-credit v1\n"


def pending_credit_message(credit: PendingCredit) -> bytes:
    """What the server signs for a pending credit: a domain tag, then the canonical JSON of
    every field but `version` and `signature`."""
    body = credit.model_dump(mode="json", exclude={"version", "signature"})
    return CREDIT_DOMAIN + canonical_json(body).encode("utf-8")


def verify_pending_credit(credit: PendingCredit | dict[str, object], public_key: bytes | str) -> PendingCredit:
    """The credit, if the server signed exactly it; raises CreditRejected."""
    try:
        c = credit if isinstance(credit, PendingCredit) else PendingCredit.model_validate(credit)
    except ValidationError as exc:
        raise CreditRejected(f"malformed credit: {exc.errors()[0]['msg']}") from None
    if not c.signature:
        logger.warning("pending credit %s refused: unsigned", c.credit_id)
        raise CreditRejected("unsigned credit")
    try:
        load_public_key(public_key).verify(bytes.fromhex(c.signature), pending_credit_message(c))
    except (ValueError, InvalidSignature):
        logger.warning("pending credit %s refused: bad signature", c.credit_id)
        raise CreditRejected("bad signature") from None
    return c
