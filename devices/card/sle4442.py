"""The SLE4442 memory card behind an ACS-style reader: pseudo-APDUs (gas-cards.md 2.1).

The dialect only moves bytes; it never decides whether to present a PSC (ic_profile.py
does, under the rules of section 2.3)."""
from __future__ import annotations

import logging

from kiosk.errors import UnknownCard

from .apdu import SW_OK, StatusError, Transport

logger = logging.getLogger(__name__)

SLE4442_ATRS = (bytes.fromhex("3B04A2131091"),)
MAX_READ = 0xFF


class Sle4442:
    def __init__(self, t: Transport) -> None:
        self.t = t

    def _x(self, apdu: bytes, what: str) -> bytes:
        data, sw = self.t.transmit(apdu)
        if sw == 0x6D00:
            raise UnknownCard(f"reader/card does not speak the SLE4442 dialect ({what})", reason="dialect")
        if sw != SW_OK:
            raise StatusError(what, sw)
        return data

    def select_card_type(self) -> None:
        """FF A4 ... 06: also resets the card (clears a PSC unlock)."""
        self._x(bytes.fromhex("FFA400000106"), "select card type")

    def read(self, addr: int, length: int) -> bytes:
        out = b""
        while length > 0:
            n = min(length, MAX_READ)
            chunk = self._x(bytes([0xFF, 0xB0, 0x00, addr, n]), "read memory")
            if len(chunk) != n:
                raise StatusError(f"read memory: {len(chunk)} of {n} bytes", SW_OK)
            out += chunk
            addr += n
            length -= n
        return out

    def read_error_counter(self) -> int:
        data = self._x(bytes.fromhex("FFB1000004"), "read error counter")
        if len(data) != 4:
            raise StatusError("read error counter: short answer", SW_OK)
        return data[0]

    def read_protection(self) -> bytes:
        data = self._x(bytes.fromhex("FFB2000004"), "read protection bits")
        if len(data) != 4:
            raise StatusError("read protection bits: short answer", SW_OK)
        return data

    def write(self, addr: int, data: bytes) -> None:
        if not 0 < len(data) <= 0xFF or addr + len(data) > 0x100:
            raise ValueError("write out of range")
        self._x(bytes([0xFF, 0xD0, 0x00, addr, len(data)]) + data, "write memory")

    def present_psc(self, psc: bytes) -> int:
        """Returns the error counter after the attempt (07 = success)."""
        if len(psc) != 3:
            raise ValueError("PSC is 3 bytes")
        data, sw = self.t.transmit(bytes.fromhex("FF20000003") + psc)
        if sw >> 8 != 0x90 or data:
            raise StatusError("present code", sw)
        return sw & 0xFF
