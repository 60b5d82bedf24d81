"""GasCard-CPU v1: the PBOC-style electronic purse (gas-cards.md section 3).

Load: INITIALIZE FOR LOAD -> the SAM checks MAC1 and answers MAC2 (offline, within its
quota) -> CREDIT FOR LOAD -> the SAM verifies the TAC. The oracle is the online ATC plus
GET TRANSACTION PROVE, and the load found there counts as this transaction's only when its
TAC verifies for this transaction's terminal, date, time, amount and new balance: by the
SAM, or, with no SAM, by the server (`online_tac`). A balance that grew by the amount is no
proof (another kiosk may have loaded the same amount at the same ATC); with nobody to verify
the TAC the outcome stays unknown (TacUnverifiable)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kiosk.card import (
    CardCredit,
    CardKind,
    CardSnapshot,
    CardTech,
    CreditOutcome,
    CreditProof,
    MeterZone,
)
from kiosk.errors import (
    CardDamaged,
    CardOracleUnavailable,
    CardOutcomeUnknown,
    CardWriteFailed,
    SamQuotaExceeded,
    SamUnavailable,
    TacUnverifiable,
    UnknownCard,
    WrongCard,
)
from kiosk.ports import TacClaim, TacVerifier
from kiosk.serving import PROBLEM_NO_SAM

from .apdu import StatusError, Transport, build, check, send
from .outcome import WriteGuard, write_contract
from .sam import SW_MAC_INVALID, SW_QUOTA, SamPort, sam_answers

logger = logging.getLogger(__name__)

PROFILE_NAME = "GasCard-CPU v1"
CPU_AID = bytes.fromhex("F047415343505531")
LOAD_KEY_INDEX = 0x01
MAX_BALANCE = 99_999_999
NO_TERMINAL = bytes(6)


def probe(t: Transport) -> bool:
    _data, sw = send(t, build(0x00, 0xA4, 0x04, 0x00, CPU_AID))
    return sw == 0x9000


@dataclass(frozen=True)
class InitResult:
    old_balance: int
    atc: int
    key_version: int
    algorithm: int
    random4: bytes
    mac1: bytes


def terminal_bytes(terminal: int) -> bytes:
    return terminal.to_bytes(6, "big")


def date_time(when: datetime) -> tuple[bytes, bytes]:
    return bytes.fromhex(when.strftime("%Y%m%d")), bytes.fromhex(when.strftime("%H%M%S"))


def _bcd(data: bytes) -> str:
    text = data.hex()
    if not text.isdigit():
        raise CardDamaged(f"card info is not BCD: {text}", reason="bcd")
    return text


@dataclass(frozen=True)
class OnlineMac2Request:
    """What the server needs to answer MAC2 for a load (hex fields, BCD date and time)."""

    txn_id: str
    serial: str
    old_balance_fen: int
    amount_fen: int
    terminal: str
    random: str
    online_atc: int
    mac1: str
    date: str
    time: str


class Mac2Refused(Exception):
    """The MAC2 service answered and refused (e.g. MAC1 invalid): do not fall back."""


OnlineMac2 = Callable[[OnlineMac2Request], bytes]


@dataclass(frozen=True)
class LoadFacts:
    """What a TAC covers: the load's new balance, ATC before, amount, terminal, date, time."""

    serial: bytes
    new_balance: int
    atc: int
    amount: int
    terminal: bytes
    date4: bytes
    time3: bytes

    @classmethod
    def of(cls, serial: bytes, credit: CardCredit) -> LoadFacts:
        date4, time3 = date_time(credit.when)
        return cls(serial, credit.balance_before_fen + credit.amount_fen, credit.counter_before,
                   credit.amount_fen, terminal_bytes(credit.terminal), date4, time3)

    def claim(self, tac: bytes) -> TacClaim:
        return TacClaim(serial=self.serial.hex().upper(), new_balance_fen=self.new_balance,
                        online_atc=self.atc, amount_fen=self.amount, terminal=self.terminal.hex().upper(),
                        date=self.date4.hex(), time=self.time3.hex(), tac=tac.hex().upper())


class CpuSession:
    """kiosk.ports.CardSession for one inserted GasCard-CPU v1 card (worker thread only).
    With `online_mac2` set, MAC2 comes from the server while it answers (no SAM quota used)
    and from the SAM when it does not. With `online_tac` set, the server verifies TACs the
    SAM cannot (no SAM, or it does not answer)."""

    profile = PROFILE_NAME

    def __init__(self, t: Transport, sam: SamPort | None, online_mac2: OnlineMac2 | None = None,
                 online_tac: TacVerifier | None = None) -> None:
        self.t = t
        self.sam = sam
        self.online_mac2 = online_mac2
        self.online_tac = online_tac

    def _mac2_online(self, credit: CardCredit, serial: bytes, init: InitResult, terminal: bytes,
                     date4: bytes, time3: bytes) -> bytes | None:
        """MAC2 from the server, or None when it cannot be asked (then the SAM decides)."""
        if self.online_mac2 is None:
            return None
        req = OnlineMac2Request(
            txn_id=credit.txn_id, serial=serial.hex().upper(), old_balance_fen=init.old_balance,
            amount_fen=credit.amount_fen, terminal=terminal.hex().upper(),
            random=init.random4.hex().upper(), online_atc=init.atc, mac1=init.mac1.hex().upper(),
            date=date4.hex(), time=time3.hex())
        try:
            mac2 = self.online_mac2(req)
        except Mac2Refused as exc:
            raise CardWriteFailed(f"the server refused MAC2: {exc}", reason="mac1") from exc
        except Exception as exc:  # noqa: BLE001 - out of reach: the SAM authorises offline
            logger.info("online MAC2 unavailable (%s): the SAM authorises", exc)
            return None
        if len(mac2) != 4:
            raise CardWriteFailed("the server's MAC2 is not 4 bytes", reason="mac2")
        return mac2

    # --- commands ---------------------------------------------------------------------
    def _select(self) -> None:
        _data, sw = send(self.t, build(0x00, 0xA4, 0x04, 0x00, CPU_AID))
        if sw != 0x9000:
            raise UnknownCard(f"no gas purse application ({sw:04X})", reason="select")

    def _read_sfi(self, sfi: int, length: int) -> bytes:
        try:
            return check(self.t, bytes([0x00, 0xB0, 0x80 | sfi, 0x00, length]), f"read SFI {sfi:02X}", length)
        except StatusError as exc:
            raise CardDamaged(str(exc), reason="read") from exc

    def _balance(self) -> int:
        try:
            return int.from_bytes(check(self.t, bytes.fromhex("805C000204"), "get balance", 4), "big")
        except StatusError as exc:
            raise CardDamaged(str(exc), reason="balance") from exc

    def _initialize(self, amount: int, terminal: bytes) -> InitResult:
        body = bytes([LOAD_KEY_INDEX]) + amount.to_bytes(4, "big") + terminal
        data, sw = send(self.t, build(0x80, 0x50, 0x00, 0x02, body, 0x10))
        if sw == 0x6A84:
            raise CardWriteFailed("the load would exceed the card's maximum balance", reason="max_balance")
        if sw != 0x9000 or len(data) != 16:
            raise CardDamaged(f"initialize for load: status {sw:04X}", reason="initialize", sw=sw)
        return InitResult(
            old_balance=int.from_bytes(data[0:4], "big"),
            atc=int.from_bytes(data[4:6], "big"),
            key_version=data[6],
            algorithm=data[7],
            random4=data[8:12],
            mac1=data[12:16],
        )

    def _serial_and_info(self) -> tuple[bytes, bytes]:
        self._select()
        info = self._read_sfi(0x15, 30)
        return info[:8], info

    # --- CardSession ------------------------------------------------------------------
    def read(self) -> CardSnapshot:
        serial, info = self._serial_and_info()
        zone = self._read_sfi(0x16, 16)
        balance = self._balance()
        atc = self._initialize(0, NO_TERMINAL).atc  # the only way to learn the online ATC
        try:
            kind = CardKind(info[20])
        except ValueError as exc:
            raise CardDamaged(f"unknown card kind {info[20]:02X}", reason="card_kind") from exc
        return CardSnapshot(
            profile=PROFILE_NAME,
            tech=CardTech.CPU,
            serial=serial.hex().upper(),
            kind=kind,
            utility_code=_bcd(info[18:20]),
            customer_no=_bcd(info[8:13]),
            meter_no=_bcd(info[13:18]),
            replacement_count=info[21],
            meter=self._meter_zone(zone),
            balance_fen=balance,
            atc=atc,
            problems=() if sam_answers(self.sam) else (PROBLEM_NO_SAM,),
        )

    @staticmethod
    def _meter_zone(zone: bytes) -> MeterZone | None:
        if zone == b"\xff" * 16:
            return None
        try:
            written = datetime.strptime(_bcd(zone[9:15]), "%y%m%d%H%M%S")
        except ValueError:
            written = None
        return MeterZone(
            loaded_seq=None,
            remaining_units=None,
            balance_fen=int.from_bytes(zone[0:4], "big"),
            lifetime_used_units=int.from_bytes(zone[4:8], "big"),
            status_bits=zone[8],
            written_at=written,
        )

    def check_credit(self, credit: CardCredit) -> tuple[CreditOutcome, CreditProof | None]:
        serial, _info = self._serial_and_info()
        self._check_serial(serial, credit)
        atc = self._initialize(0, NO_TERMINAL).atc
        if atc == credit.counter_before:  # a load moves the ATC in the same atomic step
            return CreditOutcome.NOT_APPLIED, None
        data, sw = send(self.t, build(0x80, 0x5A, 0x00, 0x02, credit.counter_before.to_bytes(2, "big"), 0x08))
        if sw == 0x9406 or (sw == 0x9000 and len(data) != 8):
            raise CardOracleUnavailable(
                f"ATC moved to {atc} and the card keeps no prove of ATC {credit.counter_before}", atc=atc
            )
        if sw != 0x9000:
            raise CardDamaged(f"get transaction prove: status {sw:04X}", reason="prove")
        mac2, tac = data[:4], data[4:8]
        verdict = self._tac_verdict(LoadFacts.of(serial, credit), tac)
        if verdict is None:
            raise TacUnverifiable(
                f"ATC moved to {atc}: no SAM and no server to verify whether the load at ATC "
                f"{credit.counter_before} is {credit.txn_id}", atc=atc, reason="tac_unverifiable")
        if not verdict:  # another load took this ATC (or the card's TAC key is wrong): unknown
            raise CardOracleUnavailable(
                f"ATC moved to {atc}; the load at ATC {credit.counter_before} does not verify as "
                f"{credit.txn_id} (TAC for another terminal, time or amount)", atc=atc, reason="tac_mismatch")
        return CreditOutcome.APPLIED, CreditProof(  # the verified TAC vouches for the new balance
            counter_after=(credit.counter_before + 1) & 0xFFFF,
            tac=tac.hex().upper(),
            mac2=mac2.hex().upper(),
            balance_after_fen=credit.balance_before_fen + credit.amount_fen,
            tac_verified=True,
        )

    def _tac_verdict(self, facts: LoadFacts, tac: bytes) -> bool | None:
        """Does `tac` verify for exactly this load? The SAM decides when it answers, else the
        server (online_tac); None when neither can be asked."""
        if self.sam is not None:
            try:
                return self.sam.verify_tac(facts.serial, facts.new_balance, facts.atc, facts.amount,
                                           facts.terminal, facts.date4, facts.time3, tac)
            except (SamUnavailable, StatusError) as exc:
                logger.warning("the SAM cannot verify a TAC: %s", exc)
        if self.online_tac is not None:
            try:
                return bool(self.online_tac(facts.claim(tac)))
            except Exception as exc:  # noqa: BLE001 - out of reach: nobody can verify now
                logger.info("the server cannot verify a TAC now: %s", exc)
        return None

    def write_credit(self, credit: CardCredit) -> CreditProof:
        with write_contract(credit.txn_id) as guard:
            return self._write_credit(credit, guard)

    def _write_credit(self, credit: CardCredit, guard: WriteGuard) -> CreditProof:
        if credit.amount_fen <= 0:
            raise ValueError("a CPU load needs a positive amount")
        serial, _info = self._serial_and_info()
        self._check_serial(serial, credit)
        if self.sam is None and self.online_mac2 is None:
            raise SamUnavailable("no SAM: offline loads are impossible")
        terminal = terminal_bytes(credit.terminal)
        init = self._initialize(credit.amount_fen, terminal)
        if init.atc != credit.counter_before:
            outcome, proof = self.check_credit(credit)
            if outcome is CreditOutcome.APPLIED and proof is not None:
                return proof
            raise CardWriteFailed(f"card ATC is {init.atc}, expected {credit.counter_before}", reason="counter_moved")
        if init.old_balance != credit.balance_before_fen:
            raise CardWriteFailed(
                f"card balance is {init.old_balance}, expected {credit.balance_before_fen}", reason="balance_moved"
            )
        date4, time3 = date_time(credit.when)
        online = self._mac2_online(credit, serial, init, terminal, date4, time3)
        if online is not None:
            mac2 = online
            # the server's call took time: the card must still be in the load session
        elif self.sam is None:
            raise CardWriteFailed("no SAM and the server is out of reach", reason="sam")
        else:
            mac2 = self._mac2_from_sam(credit, serial, init, terminal, date4, time3)
        # nothing else may reach the card between INITIALIZE and CREDIT
        guard.point_of_no_return()
        data, sw = send(self.t, build(0x80, 0x52, 0x00, 0x00, date4 + time3 + mac2, 0x04))
        return self._after_credit(credit, serial, init, terminal, date4, time3, mac2, data, sw)

    def _mac2_from_sam(self, credit: CardCredit, serial: bytes, init: InitResult, terminal: bytes,
                       date4: bytes, time3: bytes) -> bytes:
        assert self.sam is not None
        try:
            auth = self.sam.authorise_load(
                serial, init.old_balance, credit.amount_fen, terminal, init.random4, init.atc,
                init.mac1, date4, time3,
            )
        except StatusError as exc:
            if exc.sw == SW_QUOTA:
                raise SamQuotaExceeded("the SAM's offline quota is too low for this load") from exc
            if exc.sw == SW_MAC_INVALID:
                raise CardWriteFailed("the SAM refused the card's MAC1", reason="mac1") from exc
            raise CardWriteFailed(f"SAM: {exc}", reason="sam") from exc
        return auth.mac2

    def _after_credit(self, credit: CardCredit, serial: bytes, init: InitResult, terminal: bytes,
                      date4: bytes, time3: bytes, mac2: bytes, data: bytes, sw: int) -> CreditProof:
        if sw in (0x9302, 0x6985):  # refused: the card's anti-tearing leaves nothing done
            raise CardWriteFailed(f"card refused the credit ({sw:04X})", reason="credit")
        if sw != 0x9000 or len(data) != 4:
            raise CardOutcomeUnknown(f"credit for load: status {sw:04X}", reason="credit")
        tac = data
        new_balance = self._balance()
        atc_after = self._initialize(0, NO_TERMINAL).atc
        expected_balance = init.old_balance + credit.amount_fen
        if atc_after != (init.atc + 1) & 0xFFFF or new_balance != expected_balance:
            raise CardOutcomeUnknown(
                f"after the load the card shows ATC {atc_after} balance {new_balance}", reason="readback"
            )
        # the load is on the card (ATC and balance moved in this exclusive session): record it,
        # with the TAC's verdict; a TAC that does not verify is a finding for staff and server
        facts = LoadFacts(serial, expected_balance, init.atc, credit.amount_fen, terminal, date4, time3)
        verdict = self._tac_verdict(facts, tac)
        if verdict is False:
            logger.error("credit %s: the card's TAC for ATC %d does not verify (recorded for review)",
                         credit.txn_id, init.atc)
        elif verdict is None:
            logger.warning("credit %s: nobody could verify the card's TAC now (the server checks it)",
                           credit.txn_id)
        logger.info("credit %s: loaded %d fen, ATC %d -> %d", credit.txn_id, credit.amount_fen,
                    init.atc, atc_after)
        return CreditProof(
            counter_after=atc_after, tac=tac.hex().upper(), mac2=mac2.hex().upper(),
            balance_after_fen=new_balance, tac_verified=verdict,
        )

    @staticmethod
    def _check_serial(serial: bytes, credit: CardCredit) -> None:
        if serial.hex().upper() != credit.serial.upper():
            raise WrongCard("this is not the card of the transaction", serial=serial.hex().upper())

    def offline_quota_fen(self) -> int | None:
        """What the SAM may still authorise offline: 0 with no SAM or one that does not answer."""
        if self.sam is None:
            return 0
        try:
            return self.sam.info().quota_fen
        except (SamUnavailable, StatusError) as exc:
            logger.info("no SAM answers, no offline quota: %s", exc)
            return 0
