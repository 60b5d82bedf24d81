"""The kiosk SAM (gas-cards.md section 4): holds the master load and TAC keys, the IC card
key, the quota key, the offline quota and its counter. Only the emulator and test fixtures
know these keys; kiosk code only talks to the SAM."""
from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any

from devices.card import crypto

logger = logging.getLogger(__name__)

SAM_AID = bytes.fromhex("F047415353414D31")
SAM_ATR = bytes.fromhex("3B8A8001" + b"GASSAM-V1 ".hex())
SW_OK = b"\x90\x00"


def _with_tck(atr: bytes) -> bytes:
    tck = 0
    for b in atr[1:]:
        tck ^= b
    return atr + bytes([tck])


@dataclass
class SamKeys:
    mlk: bytes  # master load key (2-key 3DES)
    mtk: bytes  # master TAC key
    card_key: bytes  # IC card key: PSC = HMAC-SHA256(card key, serial)[:3]
    quota_key: bytes  # shared with the server: replenish MAC


def ic_psc(card_key: bytes, serial: bytes) -> bytes:
    return hmac.new(card_key, serial, hashlib.sha256).digest()[:3]


class SamCard:
    def __init__(
        self, keys: SamKeys, sam_id: bytes, quota: int, counter: int = 1, name: str = "sam"
    ) -> None:
        self.keys = keys
        self.sam_id = sam_id
        self.quota = quota
        self.counter = counter
        self.name = name
        self.atr = _with_tck(SAM_ATR)
        self.authorisations = 0
        self.faults: dict[int, bytes] = {}  # INS -> status word answered once (fault injection)
        self._selected = False

    def power_event(self) -> None:
        self._selected = False

    def process(self, apdu: bytes, prefix: int | None = None) -> bytes:
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins = apdu[0], apdu[1]
        body = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        if cla == 0x00 and ins == 0xA4:
            if body != SAM_AID:
                return b"\x6a\x82"
            self._selected = True
            return SW_OK
        if cla != 0x80:
            return b"\x6e\x00"
        if not self._selected:
            return b"\x69\x85"
        if ins == 0xCA:
            return (
                self.sam_id + self.quota.to_bytes(4, "big") + self.counter.to_bytes(4, "big") + SW_OK
            )
        fault = self.faults.pop(ins, None)
        if fault is not None:
            return fault
        handler = {0x70: self._authorise, 0x72: self._verify_tac, 0x74: self._psc, 0x7E: self._replenish}
        fn = handler.get(ins)
        if fn is None:
            return b"\x6d\x00"
        return fn(body)

    def _authorise(self, body: bytes) -> bytes:
        if len(body) != 0x27:
            return b"\x67\x00"
        serial, old_bal, amount = body[0:8], body[8:12], int.from_bytes(body[12:16], "big")
        terminal, random4 = body[16:22], body[22:26]
        atc, mac1 = int.from_bytes(body[26:28], "big"), body[28:32]
        date4, time3 = body[32:36], body[36:39]
        dlk = crypto.diversify(self.keys.mlk, serial)
        seslk = crypto.session_key(dlk, random4, atc)
        if crypto.mac1(seslk, int.from_bytes(old_bal, "big"), amount, terminal) != mac1:
            return b"\x93\x02"
        if amount > self.quota:
            return b"\x94\x01"
        self.quota -= amount
        counter = self.counter
        self.counter += 1
        self.authorisations += 1
        mac2 = crypto.mac2(seslk, amount, terminal, date4, time3)
        return mac2 + counter.to_bytes(4, "big") + SW_OK

    def _verify_tac(self, body: bytes) -> bytes:
        if len(body) != 0x23:
            return b"\x67\x00"
        serial, new_bal = body[0:8], int.from_bytes(body[8:12], "big")
        atc, amount = int.from_bytes(body[12:14], "big"), int.from_bytes(body[14:18], "big")
        terminal, date4, time3, tac = body[18:24], body[24:28], body[28:31], body[31:35]
        dtk = crypto.diversify(self.keys.mtk, serial)
        want = crypto.tac(dtk, new_bal, atc, amount, terminal, date4, time3)
        return SW_OK if want == tac else b"\x93\x02"

    def _psc(self, body: bytes) -> bytes:
        if len(body) != 8:
            return b"\x67\x00"
        return ic_psc(self.keys.card_key, body) + SW_OK

    def _replenish(self, body: bytes) -> bytes:
        if len(body) != 12:
            return b"\x67\x00"
        quota, counter = int.from_bytes(body[0:4], "big"), int.from_bytes(body[4:8], "big")
        if counter != self.counter or crypto.quota_mac(self.keys.quota_key, quota, counter) != body[8:12]:
            return b"\x93\x02"
        self.quota = quota
        self.counter += 1
        return SW_OK

    def dump(self) -> dict[str, Any]:
        return {
            "type": "sam",
            "name": self.name,
            "sam_id": self.sam_id.hex().upper(),
            "quota": self.quota,
            "counter": self.counter,
            "authorisations": self.authorisations,
        }
