"""The GasCard-CPU v1 electronic purse (gas-cards.md section 3): PBOC-style load with
MAC1/MAC2/TAC, an atomic (anti-tearing) credit, GET TRANSACTION PROVE of the last load."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from devices.card import crypto

logger = logging.getLogger(__name__)

CPU_ATR = bytes.fromhex("3B8B800147415343415244" "2D43505520")
CPU_AID = bytes.fromhex("F047415343505531")
MAX_BALANCE = 99_999_999
LOAD_KEY_INDEX = 0x01

SW_OK = b"\x90\x00"


def sw(value: int) -> bytes:
    return value.to_bytes(2, "big")


@dataclass
class _LoadSession:
    amount: int
    terminal: bytes
    old_balance: int
    atc: int
    seslk: bytes


@dataclass
class _LastLoad:
    atc: int
    mac2: bytes
    tac: bytes


class CpuPurseCard:
    def __init__(
        self,
        info: bytes,
        dlk: bytes,
        dtk: bytes,
        balance: int = 0,
        online_atc: int = 0,
        meter_zone: bytes = b"\xff" * 16,
        atr: bytes = CPU_ATR,
        name: str = "",
    ) -> None:
        if len(info) != 30 or len(meter_zone) != 16:
            raise ValueError("card info is 30 bytes, meter zone 16")
        self.name = name
        self.atr = atr
        self.info = bytes(info)
        self.serial = self.info[:8]
        self.dlk = dlk
        self.dtk = dtk
        self.balance = balance
        self.online_atc = online_atc
        self.meter_zone = bytes(meter_zone)
        self.loads_applied = 0
        self.refuse_credits = 0  # the next n CREDIT FOR LOAD are refused (93 02, nothing changes)
        self.last_load: _LastLoad | None = None
        self._selected = False
        self._session: _LoadSession | None = None

    def power_event(self) -> None:
        self._selected = False
        self._session = None

    def process(self, apdu: bytes, prefix: int | None = None) -> bytes:
        # anti-tearing: a prefix tear of any command leaves nothing applied
        if prefix is not None:
            self._session = None
            return SW_OK
        if len(apdu) < 4:
            return sw(0x6700)
        cla, ins, p1, p2 = apdu[0], apdu[1], apdu[2], apdu[3]
        session, self._session = self._session, None  # any command ends a load session
        body = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        if cla == 0x00 and ins == 0xA4:
            if p1 != 0x04 or body != CPU_AID:
                return sw(0x6A82)
            self._selected = True
            return b"\x6f\x0a\x84\x08" + CPU_AID + SW_OK
        if cla not in (0x00, 0x80):
            return sw(0x6E00)
        if not self._selected:
            return sw(0x6985)
        if cla == 0x00 and ins == 0xB0:
            return self._read_binary(p1, p2, apdu)
        if cla != 0x80:
            return sw(0x6D00)
        if ins == 0x5C:
            if (p1, p2) != (0x00, 0x02):
                return sw(0x6A86)
            return self.balance.to_bytes(4, "big") + SW_OK
        if ins == 0x50:
            return self._initialize(p1, p2, body)
        if ins == 0x52:
            return self._credit(session, p1, p2, body)
        if ins == 0x5A:
            if (p1, p2) != (0x00, 0x02):
                return sw(0x6A86)
            if len(body) != 2:
                return sw(0x6700)
            last = self.last_load
            if last is None or last.atc != int.from_bytes(body, "big"):
                return sw(0x9406)
            return last.mac2 + last.tac + SW_OK
        return sw(0x6D00)

    def _read_binary(self, p1: int, p2: int, apdu: bytes) -> bytes:
        if not p1 & 0x80 or p2:
            return sw(0x6A86)
        sfi = p1 & 0x1F
        data = {0x15: self.info, 0x16: self.meter_zone}.get(sfi)
        if data is None:
            return sw(0x6A82)
        le = apdu[4] if len(apdu) == 5 else 0
        return (data[:le] if le else data) + SW_OK

    def _initialize(self, p1: int, p2: int, body: bytes) -> bytes:
        if (p1, p2) != (0x00, 0x02):
            return sw(0x6A86)
        if len(body) != 11:
            return sw(0x6700)
        if body[0] != LOAD_KEY_INDEX:
            return sw(0x9403)
        amount = int.from_bytes(body[1:5], "big")
        terminal = body[5:11]
        if self.balance + amount > MAX_BALANCE:
            return sw(0x6A84)
        random4 = os.urandom(4)
        seslk = crypto.session_key(self.dlk, random4, self.online_atc)
        mac1 = crypto.mac1(seslk, self.balance, amount, terminal)
        self._session = _LoadSession(amount, terminal, self.balance, self.online_atc, seslk)
        return (
            self.balance.to_bytes(4, "big")
            + self.online_atc.to_bytes(2, "big")
            + b"\x01\x00"  # key version, algorithm id
            + random4
            + mac1
            + SW_OK
        )

    def _credit(self, session: _LoadSession | None, p1: int, p2: int, body: bytes) -> bytes:
        if (p1, p2) != (0x00, 0x00):
            return sw(0x6A86)
        if len(body) != 11:
            return sw(0x6700)
        if session is None:
            return sw(0x6985)
        if self.refuse_credits:
            self.refuse_credits -= 1
            return sw(0x9302)
        date4, time3, mac2 = body[0:4], body[4:7], body[7:11]
        want = crypto.mac2(session.seslk, session.amount, session.terminal, date4, time3)
        if mac2 != want:
            return sw(0x9302)
        new_balance = session.old_balance + session.amount
        tac = crypto.tac(
            self.dtk, new_balance, session.atc, session.amount, session.terminal, date4, time3
        )
        # one atomic step: balance, ATC and the prove record
        self.balance = new_balance
        self.online_atc = (session.atc + 1) & 0xFFFF
        self.last_load = _LastLoad(session.atc, mac2, tac)
        self.loads_applied += 1
        return tac + SW_OK

    def dump(self) -> dict[str, Any]:
        return {
            "type": "cpu",
            "name": self.name,
            "atr": self.atr.hex().upper(),
            "serial": self.serial.hex().upper(),
            "info": self.info.hex().upper(),
            "meter_zone": self.meter_zone.hex().upper(),
            "balance": self.balance,
            "atc": self.online_atc,
            "loads_applied": self.loads_applied,
            "refuse_credits": self.refuse_credits,
            "last_load_atc": None if self.last_load is None else self.last_load.atc,
        }
