"""Client of the kiosk SAM in the reader's second slot (gas-cards.md section 4)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from kiosk.errors import SamUnavailable

from .apdu import StatusError, Transport, build, check, send

logger = logging.getLogger(__name__)

SAM_AID = bytes.fromhex("F047415353414D31")
SW_MAC_INVALID = 0x9302
SW_QUOTA = 0x9401


@dataclass(frozen=True)
class SamInfo:
    sam_id: str
    quota_fen: int
    counter: int


@dataclass(frozen=True)
class LoadAuthorisation:
    mac2: bytes
    sam_counter: int


class SamPort(Protocol):
    def info(self) -> SamInfo: ...

    def authorise_load(
        self,
        serial: bytes,
        old_balance: int,
        amount: int,
        terminal: bytes,
        random4: bytes,
        atc: int,
        mac1: bytes,
        date4: bytes,
        time3: bytes,
    ) -> LoadAuthorisation:
        """StatusError 9302 (MAC1 invalid) or 9401 (above the quota left)."""
        ...

    def verify_tac(
        self,
        serial: bytes,
        new_balance: int,
        atc: int,
        amount: int,
        terminal: bytes,
        date4: bytes,
        time3: bytes,
        tac: bytes,
    ) -> bool: ...

    def derive_ic_psc(self, serial: bytes) -> bytes: ...

    def replenish_quota(self, new_quota: int, counter: int, mac: bytes) -> bool: ...


def sam_answers(sam: SamPort | None) -> bool:
    """Does a SAM answer now (GET SAM INFO)? kiosk.serving decides what that allows."""
    if sam is None:
        return False
    try:
        sam.info()
    except (SamUnavailable, StatusError) as exc:
        logger.info("no SAM answers: %s", exc)
        return False
    return True


class SamClient:
    """SamPort over a transport. Runs on the SAM reader's worker thread."""

    def __init__(self, t: Transport) -> None:
        self.t = t
        self._selected = False

    def _select(self) -> None:
        if not self._selected:
            _data, sw = send(self.t, build(0x00, 0xA4, 0x04, 0x00, SAM_AID))
            if sw != 0x9000:
                raise SamUnavailable(f"no SAM application in {self.t.reader} ({sw:04X})")
            self._selected = True

    def _cmd(self, ins: int, body: bytes, le: int | None, what: str, length: int | None) -> bytes:
        self._select()
        return check(self.t, build(0x80, ins, 0x00, 0x00, body, le), what, length)

    def info(self) -> SamInfo:
        self._select()
        data = check(self.t, bytes.fromhex("80CA00000E"), "get SAM info", 14)
        return SamInfo(
            sam_id=data[0:6].hex().upper(),
            quota_fen=int.from_bytes(data[6:10], "big"),
            counter=int.from_bytes(data[10:14], "big"),
        )

    def authorise_load(
        self,
        serial: bytes,
        old_balance: int,
        amount: int,
        terminal: bytes,
        random4: bytes,
        atc: int,
        mac1: bytes,
        date4: bytes,
        time3: bytes,
    ) -> LoadAuthorisation:
        body = (
            serial
            + old_balance.to_bytes(4, "big")
            + amount.to_bytes(4, "big")
            + terminal
            + random4
            + atc.to_bytes(2, "big")
            + mac1
            + date4
            + time3
        )
        assert len(body) == 0x27
        data = self._cmd(0x70, body, 0x08, "authorise load", 8)
        return LoadAuthorisation(mac2=data[:4], sam_counter=int.from_bytes(data[4:8], "big"))

    def verify_tac(
        self,
        serial: bytes,
        new_balance: int,
        atc: int,
        amount: int,
        terminal: bytes,
        date4: bytes,
        time3: bytes,
        tac: bytes,
    ) -> bool:
        body = (
            serial
            + new_balance.to_bytes(4, "big")
            + atc.to_bytes(2, "big")
            + amount.to_bytes(4, "big")
            + terminal
            + date4
            + time3
            + tac
        )
        assert len(body) == 0x23
        try:
            self._cmd(0x72, body, None, "verify TAC", 0)
        except StatusError as exc:
            if exc.sw == SW_MAC_INVALID:
                return False
            raise
        return True

    def derive_ic_psc(self, serial: bytes) -> bytes:
        return self._cmd(0x74, serial, 0x03, "derive IC PSC", 3)

    def replenish_quota(self, new_quota: int, counter: int, mac: bytes) -> bool:
        body = new_quota.to_bytes(4, "big") + counter.to_bytes(4, "big") + mac
        try:
            self._cmd(0x7E, body, None, "replenish quota", 0)
        except StatusError as exc:
            if exc.sw == SW_MAC_INVALID:
                return False
            raise
        return True
