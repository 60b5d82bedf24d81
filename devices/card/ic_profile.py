"""GasCard-IC v1: the SLE4442 purchase-record card (gas-cards.md section 2).

Rules kept here: EC read before any PSC; the PSC comes from the SAM, is presented at most
once per insertion (per session) and only when EC == 07; a purchase writes the slot that
does NOT hold the current record and reads it back; the sequence number is the oracle."""
from __future__ import annotations

import logging

from kiosk.card import (
    CardCredit,
    CardSnapshot,
    CardTech,
    CreditOutcome,
    CreditProof,
    PurchaseRecord,
)
from kiosk.errors import (
    CardDamaged,
    CardLocked,
    CardOracleUnavailable,
    CardOutcomeUnknown,
    CardWriteFailed,
    MeterNotLoaded,
    PscRejected,
    SamUnavailable,
    UnknownCard,
    WrongCard,
)
from kiosk.serving import PROBLEM_NO_SAM

from .apdu import StatusError, Transport
from .ic_layout import (
    IMAGE_LEN,
    LAYOUT_ID,
    RECORD_LEN,
    SLOT_ADDR,
    IcImage,
    LayoutError,
    current_slot,
    decode_image,
    encode_record,
)
from .outcome import WriteGuard, write_contract
from .sam import SamPort, sam_answers
from .sle4442 import SLE4442_ATRS, Sle4442

logger = logging.getLogger(__name__)

PROFILE_NAME = "GasCard-IC v1"
EC_FULL = 0x07
_UNKNOWN_REASONS = {"blank", "chip_header", "layout"}

PROBLEM_PSC_EC = "psc_ec_not_07"  # snapshot.problems: the kiosk will not present a PSC


def probe(t: Transport) -> bool:
    """An SLE4442 (by ATR) carrying layout G1, or blank (so that the profile names it)."""
    if t.atr not in SLE4442_ATRS:
        return False
    card = Sle4442(t)
    card.select_card_type()
    head = card.read(0x08, 0x0A)
    return head[8:10] == LAYOUT_ID or head == b"\xff" * 10


def meter_has_loaded(img: IcImage) -> bool:
    """Section 2.3: meter zone sequence == current record sequence, or an issued card
    (sequence 0, volume 0) never in a meter."""
    if img.meter is None:
        return img.record.seq == 0 and img.record.volume_units == 0
    return img.meter.loaded_seq == img.record.seq


def record_for(credit: CardCredit) -> PurchaseRecord:
    return PurchaseRecord(
        seq=(credit.counter_before + 1) & 0xFFFF,
        volume_units=credit.volume_units,
        amount_fen=credit.amount_fen,
        lifetime_units=credit.lifetime_units_after,
        tier_year_units=credit.tier_year_units_after,
        tier_year_start=credit.tier_year_start,
        time=credit.when,
        terminal=credit.terminal & 0xFFFF,
    )


class IcSession:
    """kiosk.ports.CardSession for one inserted GasCard-IC v1 card. Not thread-safe: used
    on its reader's worker thread (readers.py wraps it)."""

    profile = PROFILE_NAME

    def __init__(self, t: Transport, sam: SamPort | None) -> None:
        self.t = t
        self.card = Sle4442(t)
        self.sam = sam
        self._selected = False
        self._psc: bool | None = None  # None: never presented; True: unlocked; False: refused

    # --- reading ------------------------------------------------------------------
    def _ensure_selected(self) -> None:
        if not self._selected:
            self.card.select_card_type()  # resets the card: only ever before a PSC
            self._selected = True

    def _image(self) -> IcImage:
        self._ensure_selected()
        try:
            raw = self.card.read(0x00, IMAGE_LEN)
        except StatusError as exc:
            raise CardDamaged(f"cannot read the card: {exc}", reason="read") from exc
        try:
            return decode_image(raw)
        except LayoutError as exc:
            cls = UnknownCard if exc.reason in _UNKNOWN_REASONS else CardDamaged
            raise cls(f"{PROFILE_NAME}: {exc}", reason=exc.reason) from exc

    def _error_counter(self) -> int:
        self._ensure_selected()
        try:
            return self.card.read_error_counter()
        except StatusError as exc:
            raise CardDamaged(f"cannot read the error counter: {exc}", reason="ec") from exc

    def read(self) -> CardSnapshot:
        img = self._image()
        problems = list(img.problems)
        if self._psc is not True and self._error_counter() != EC_FULL:
            problems.append(PROBLEM_PSC_EC)
        if self._psc is not True and not sam_answers(self.sam):
            problems.append(PROBLEM_NO_SAM)  # no PSC can be derived: kiosk.serving refuses
        return CardSnapshot(
            profile=PROFILE_NAME,
            tech=CardTech.IC,
            serial=img.serial.hex().upper(),
            kind=img.kind,
            utility_code=img.utility_code,
            customer_no=img.customer_no,
            meter_no=img.meter_no,
            replacement_count=img.replacement_count,
            record=img.record,
            meter=img.meter,
            problems=tuple(problems),
        )

    # --- the oracle -----------------------------------------------------------------
    def _carries(self, img: IcImage, credit: CardCredit) -> CreditProof | None:
        want = encode_record(record_for(credit))
        if want in img.slots:
            return CreditProof(counter_after=(credit.counter_before + 1) & 0xFFFF)
        return None

    def check_credit(self, credit: CardCredit) -> tuple[CreditOutcome, CreditProof | None]:
        img = self._image()
        self._check_serial(img, credit)
        proof = self._carries(img, credit)
        if proof is not None:
            return CreditOutcome.APPLIED, proof
        if img.record.seq in (credit.counter_before, (credit.counter_before + 1) & 0xFFFF):
            # still before it, or another record took its sequence number: not on the card
            return CreditOutcome.NOT_APPLIED, None
        raise CardOracleUnavailable(
            f"card shows sequence {img.record.seq}, neither {credit.counter_before} nor this credit",
            seq=img.record.seq,
        )

    # --- writing --------------------------------------------------------------------
    def write_credit(self, credit: CardCredit) -> CreditProof:
        with write_contract(credit.txn_id) as guard:
            return self._write_credit(credit, guard)

    def _write_credit(self, credit: CardCredit, guard: WriteGuard) -> CreditProof:
        img = self._image()
        self._check_serial(img, credit)
        if img.record.seq != credit.counter_before:
            outcome, proof = self.check_credit(credit)  # CardOracleUnavailable: unknown
            if outcome is CreditOutcome.APPLIED and proof is not None:
                logger.info("credit %s is already on the card", credit.txn_id)
                return proof
            raise CardWriteFailed(
                f"card shows sequence {img.record.seq}, expected {credit.counter_before}",
                reason="counter_moved",
            )
        if img.problems:
            raise CardDamaged(f"card cannot take a purchase: {', '.join(img.problems)}", reason=img.problems[0])
        if not meter_has_loaded(img):
            raise MeterNotLoaded("insert the card into the meter first", seq=img.record.seq)
        self._unlock(img.serial)
        target = 1 - img.current
        addr = SLOT_ADDR[target]
        data = encode_record(record_for(credit))
        logger.info("credit %s: writing sequence %d into slot %s", credit.txn_id,
                    (credit.counter_before + 1) & 0xFFFF, "AB"[target])
        guard.point_of_no_return()
        self.card.write(addr, data)
        back = self.card.read(SLOT_ADDR[0], 2 * RECORD_LEN)
        slots = (back[:RECORD_LEN], back[RECORD_LEN:])
        try:
            now_current = current_slot(slots)
        except LayoutError:
            now_current = -1
        if slots[img.current] == img.slots[img.current]:
            if now_current == target and slots[target] == data:
                return CreditProof(counter_after=(credit.counter_before + 1) & 0xFFFF)
            if now_current == img.current:
                # e.g. the chip ignored the write (no PSC in this power cycle, protected bytes)
                raise CardWriteFailed("read-back does not match: the card keeps its old record",
                                      reason="readback")
        raise CardOutcomeUnknown("read-back after the write is inconsistent", reason="readback")

    def _unlock(self, serial: bytes) -> None:
        if self._psc is True:
            return
        if self._psc is False:
            raise PscRejected("the card refused the code once in this insertion; go to the counter")
        ec = self._error_counter()
        if ec != EC_FULL:
            raise CardLocked(f"card error counter is {ec:02X}: go to the counter", ec=ec)
        if self.sam is None:
            raise SamUnavailable("no SAM: the card code cannot be derived")
        psc = self.sam.derive_ic_psc(serial)
        self._psc = False  # presented at most once, even if this exchange fails
        try:
            ec_after = self.card.present_psc(psc)
        except StatusError as exc:
            raise CardDamaged(f"present code: {exc}", reason="psc") from exc
        if ec_after != EC_FULL:
            raise PscRejected("the card refused the code: go to the counter", ec_after=ec_after)
        self._psc = True

    @staticmethod
    def _check_serial(img: IcImage, credit: CardCredit) -> None:
        if img.serial.hex().upper() != credit.serial.upper():
            raise WrongCard("this is not the card of the transaction", serial=img.serial.hex().upper())

    def offline_quota_fen(self) -> int | None:
        return None
