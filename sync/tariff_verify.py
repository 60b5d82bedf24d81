"""Kiosk side: accept only what the server signed.

The kiosk is provisioned with the server's Ed25519 public key (32 raw bytes, or its hex).
`verify_tariff` refuses an unsigned envelope, a signature by another key, a tampered
document and a document that breaks pricing.md's rules, and logs why. Every other download
(account snapshots with blocked and replaced cards, notices, tickets, pending credits) is
signed item by item (`item_message`, `verify_item`), checked at download and again at every
cache read; and every /v1 answer carries X-Server-Signature over the request it answers
(`response_message`), which the client checks before it uses the answer (upload acks
included: a forged ack cannot mark rows sent).
"""
from __future__ import annotations

import hashlib
import logging
from typing import TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ValidationError

from kiosk.hashchain import canonical_json

from .protocol import AccountSnapshot, Notice, PendingCredit, SignedTariff, TariffDocument, Ticket

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


class ItemRejected(Exception):
    """A downloaded item (account snapshot, notice, ticket, pending credit) or an answer
    without a good server signature."""


class CreditRejected(ItemRejected):
    """A pending credit without a good server signature."""


CREDIT_DOMAIN = b"gas-kiosk pending-credit v1\n"
# every signed item: the domain tag its message starts with, and the fields left out of it.
# A pending credit is signed without its version (the claim route signs it before it has
# one); the others with it, so a cache cannot be rolled back to an older signed version.
_SIGNED: dict[type[BaseModel], tuple[bytes, frozenset[str]]] = {
    PendingCredit: (CREDIT_DOMAIN, frozenset({"version", "signature"})),
    AccountSnapshot: (b"gas-kiosk account v1\n", frozenset({"signature"})),
    Notice: (b"gas-kiosk notice v1\n", frozenset({"signature"})),
    Ticket: (b"gas-kiosk ticket v1\n", frozenset({"signature"})),
}
M = TypeVar("M", bound=BaseModel)


def item_message(item: BaseModel) -> bytes:
    """What the server signs for a downloadable item: its kind's domain tag, then the
    canonical JSON of its fields (see _SIGNED for the ones left out)."""
    domain, exclude = _SIGNED[type(item)]
    return domain + canonical_json(item.model_dump(mode="json", exclude=set(exclude))).encode("utf-8")


def pending_credit_message(credit: PendingCredit) -> bytes:
    return item_message(credit)


def verify_item(model: type[M], item: M | dict[str, object], public_key: bytes | str) -> M:
    """The item, if the server signed exactly it; raises ItemRejected (CreditRejected for a
    pending credit) and logs why."""
    error = CreditRejected if model is PendingCredit else ItemRejected
    try:
        it = item if isinstance(item, model) else model.model_validate(item)
    except ValidationError as exc:
        raise error(f"malformed {model.__name__}: {exc.errors()[0]['msg']}") from None
    sig = getattr(it, "signature", None)
    if not sig:
        logger.warning("%s refused: unsigned", model.__name__)
        raise error(f"unsigned {model.__name__}")
    try:
        load_public_key(public_key).verify(bytes.fromhex(sig), item_message(it))
    except (ValueError, InvalidSignature):
        logger.warning("%s refused: bad signature", model.__name__)
        raise error("bad signature") from None
    return it


def verify_pending_credit(credit: PendingCredit | dict[str, object], public_key: bytes | str) -> PendingCredit:
    """The credit, if the server signed exactly it; raises CreditRejected."""
    return verify_item(PendingCredit, credit, public_key)


RESPONSE_DOMAIN = b"gas-kiosk response v1\n"
H_SERVER_SIGNATURE = "X-Server-Signature"


def response_message(method: str, target: str, nonce: str, status: int, body: bytes) -> bytes:
    """What the server signs for every /v1 answer: bound to the request (its method, target
    and the kiosk's nonce, never reused), so an answer can be neither forged nor replayed
    for another request, and covering its status and body."""
    digest = hashlib.sha256(body).hexdigest()
    return RESPONSE_DOMAIN + f"{method.upper()}\n{target}\n{nonce}\n{status}\n{digest}".encode()


def verify_response(public_key: bytes | str, signature_hex: str | None, method: str, target: str,
                    nonce: str, status: int, body: bytes) -> None:
    """Raises ItemRejected unless the server signed this answer to this request."""
    if not signature_hex:
        raise ItemRejected("answer not signed by the server")
    try:
        load_public_key(public_key).verify(bytes.fromhex(signature_hex),
                                           response_message(method, target, nonce, status, body))
    except (ValueError, InvalidSignature):
        raise ItemRejected("answer with a bad server signature") from None
