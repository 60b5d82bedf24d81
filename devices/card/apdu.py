"""The byte-level transport the card protocols sit on, and ISO 7816-4 helpers."""
from __future__ import annotations

import logging
from typing import Protocol

from kiosk.errors import CardError

logger = logging.getLogger(__name__)

SW_OK = 0x9000


class Transport(Protocol):
    """A connected card. `transmit` raises CardPulled when the card went away; it never
    returns an empty response."""

    reader: str
    atr: bytes

    def transmit(self, apdu: bytes) -> tuple[bytes, int]: ...


class StatusError(CardError):
    """The card (or the SAM) answered a status word other than the one expected. The profiles
    turn the ones they expect into specific kiosk errors; any other is still a CardError, so
    the purchase flow and recovery treat it as a card problem (outcome unknown), never as a
    crash."""

    def __init__(self, what: str, sw: int) -> None:
        super().__init__(f"{what}: status {sw:04X}", sw=sw)
        self.sw = sw


def build(cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None) -> bytes:
    apdu = bytes([cla, ins, p1, p2])
    if data:
        apdu += bytes([len(data)]) + data
    if le is not None:
        apdu += bytes([le & 0xFF])
    return apdu


def send(t: Transport, apdu: bytes) -> tuple[bytes, int]:
    """transmit plus the T=0 conventions: 61xx -> GET RESPONSE, 6Cxx -> resend with Le."""
    data, sw = t.transmit(apdu)
    if sw >> 8 == 0x6C and len(apdu) >= 5:
        data, sw = t.transmit(apdu[:-1] + bytes([sw & 0xFF]) if len(apdu) > 5 else apdu[:4] + bytes([sw & 0xFF]))
    out = data
    while sw >> 8 == 0x61:
        more, sw = t.transmit(bytes([apdu[0] & 0x03, 0xC0, 0x00, 0x00, sw & 0xFF]))
        out += more
    return out, sw


def check(t: Transport, apdu: bytes, what: str, length: int | None = None) -> bytes:
    """send and require 90 00 (and the exact response length when given)."""
    data, sw = send(t, apdu)
    if sw != SW_OK:
        raise StatusError(what, sw)
    if length is not None and len(data) != length:
        raise StatusError(f"{what}: {len(data)} bytes instead of {length}", sw)
    return data
