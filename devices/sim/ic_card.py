"""An SLE4442 memory card behind an ACS-style reader dialect (gas-cards.md section 2.1).

Plays the chip as the spec describes real hardware: writes silently ignored (still 90 00)
without the PSC or on protected bytes, a byte-by-byte write that a tear leaves as a prefix,
EC losing one bit per failed PSC, and every command answering 6D 00 until SELECT CARD TYPE
was sent in the current power cycle."""
from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

SLE4442_ATR = bytes.fromhex("3B04A2131091")
SW_OK = b"\x90\x00"
SW_INS = b"\x6d\x00"
SW_RANGE = b"\x6a\x86"


class Sle4442Card:
    """256 bytes of main memory, 32 protection bits, the PSC and its error counter."""

    def __init__(
        self,
        memory: bytes,
        psc: bytes,
        ec: int = 0x07,
        protected_upto: int = 0x20,
        atr: bytes = SLE4442_ATR,
        name: str = "",
    ) -> None:
        if len(memory) != 256 or len(psc) != 3:
            raise ValueError("SLE4442 needs 256 bytes of memory and a 3-byte PSC")
        self.name = name
        self.atr = atr
        self.mem = bytearray(memory)
        self.psc = bytes(psc)
        self.ec = ec & 0x07
        # bit set = writable; protect 0..protected_upto-1 (the issuer does this at issue)
        self.writable = [addr >= protected_upto for addr in range(32)]
        self.psc_presentations = 0  # every PSC the card ever received (tests watch this)
        self.writes_applied = 0
        self.frozen = False  # a worn-out chip: answers 90 00 to writes and keeps its bytes
        self.refuse_writes = 0  # the next n memory writes are ignored the same way (then it works)
        self._selected = False
        self._unlocked = False

    # --- VirtualCard ------------------------------------------------------------------
    def power_event(self) -> None:
        self._selected = False
        self._unlocked = False

    def process(self, apdu: bytes, prefix: int | None = None) -> bytes:
        if len(apdu) < 5 or apdu[0] != 0xFF:
            return SW_INS
        ins, p1, p2, lc = apdu[1], apdu[2], apdu[3], apdu[4]
        body = apdu[5:]
        if ins == 0xA4:
            if body != b"\x06" or p1 or p2:
                return SW_RANGE
            self._selected = True
            self._unlocked = False
            return SW_OK
        if not self._selected:
            return SW_INS
        if ins == 0xB0:
            return self._read(p1, p2, lc, body)
        if ins == 0xB1:
            psc = self.psc if self._unlocked else b"\x00\x00\x00"
            return bytes([self.ec]) + psc + SW_OK
        if ins == 0xB2:
            return self._protection_bytes() + SW_OK
        if ins == 0xD0:
            return self._write(p2, lc, body, prefix)
        if ins == 0xD1:
            return self._write_protection(p2, lc, body)
        if ins == 0x20:
            return self._present(lc, body)
        if ins == 0xD2:
            if lc != 3 or len(body) != 3 or p2 != 0x01:
                return SW_RANGE
            if self._unlocked:
                self.psc = bytes(body)
            return SW_OK
        return SW_INS

    # --- commands -----------------------------------------------------------------------
    def _read(self, p1: int, addr: int, length: int, body: bytes) -> bytes:
        if p1 or body or length == 0 or addr + length > 256:
            return SW_RANGE
        return bytes(self.mem[addr : addr + length]) + SW_OK

    def _protection_bytes(self) -> bytes:
        out = bytearray(4)
        for addr, ok in enumerate(self.writable):
            if ok:
                out[addr // 8] |= 1 << (addr % 8)
        return bytes(out)

    def _write(self, addr: int, length: int, data: bytes, prefix: int | None) -> bytes:
        if length == 0 or len(data) != length or addr + length > 256:
            return SW_RANGE
        count = length if prefix is None else max(0, min(prefix, length))
        if self._unlocked and not self.frozen and self.refuse_writes:
            self.refuse_writes -= 1
            return SW_OK
        if self._unlocked and not self.frozen:
            for i in range(count):  # byte by byte, as the chip does
                a = addr + i
                if a >= 32 or self.writable[a]:
                    self.mem[a] = data[i]
            self.writes_applied += 1
        return SW_OK

    def _write_protection(self, addr: int, length: int, data: bytes) -> bytes:
        if length == 0 or len(data) != length or addr + length > 0x20:
            return SW_RANGE
        if self._unlocked:
            for i in range(length):
                if self.mem[addr + i] == data[i]:  # protects the byte iff the data matches
                    self.writable[addr + i] = False
        return SW_OK

    def _present(self, length: int, body: bytes) -> bytes:
        if length != 3 or len(body) != 3:
            return SW_RANGE
        self.psc_presentations += 1
        if self.ec == 0:
            return b"\x90\x00"
        # clear one bit of EC first (the chip's anti-guessing order), then compare
        self.ec &= self.ec >> 1
        if bytes(body) == self.psc:
            self.ec = 0x07
            self._unlocked = True
        return bytes([0x90, self.ec])

    # --- control -------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        return {
            "type": "ic",
            "name": self.name,
            "atr": self.atr.hex().upper(),
            "memory": self.mem.hex().upper(),
            "ec": self.ec,
            "protection": self._protection_bytes().hex().upper(),
            "psc_presentations": self.psc_presentations,
            "writes_applied": self.writes_applied,
            "refuse_writes": self.refuse_writes,
        }

    def poke(self, addr: int, data: bytes) -> None:
        """Factory access: write memory regardless of PSC and protection (damage tests)."""
        self.mem[addr : addr + len(data)] = data


class MuteCard:
    """A card nobody knows: answers its ATR and 6D 00 / 6E 00 to everything."""

    def __init__(self, atr: bytes, name: str = "") -> None:
        self.atr = atr
        self.name = name

    def power_event(self) -> None:
        pass

    def process(self, apdu: bytes, prefix: int | None = None) -> bytes:
        return b"\x6e\x00" if apdu[:1] not in (b"\x00", b"\x80", b"\xff") else b"\x6d\x00"

    def dump(self) -> dict[str, Any]:
        return {"type": "mute", "name": self.name, "atr": self.atr.hex().upper()}
