"""The purchase flow. Runs on a worker thread (never the GUI thread): every step commits to
the journal before and after its external effect."""
from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..card import CardCredit, CardKind, CardSnapshot, CardTech, CreditProof
from ..cashbox import jammed_notes, known_jammed_fen
from ..crashpoints import crash_point
from ..errors import (
    AmountError,
    CardBlocked,
    CardDamaged,
    CardError,
    CardLocked,
    CardTypeNotServed,
    CardWriteFailed,
    CashError,
    EscrowLost,
    MeterNotLoaded,
    NoteJammed,
    OfflineCapExceeded,
    OutOfService,
    PaperOut,
    PaymentError,
    PaymentUnsettled,
    PrinterCoverOpen,
    PrinterError,
    PrinterOffline,
    SamQuotaExceeded,
    UnknownCard,
)
from ..journal import Journal
from ..journal.models import Purchase
from ..ports import (
    CardSession,
    CashAcceptor,
    Clock,
    ElectronicPayment,
    PaymentMethod,
    PrinterState,
    ReceiptPrinter,
)
from ..pricing import (
    AmountLimits,
    Quote,
    Tariff,
    parse_tariff,
    quote_amount,
    quote_volume,
    select_tariff,
    tier_year_usage,
)
from ..receipt import Receipt
from ..serving import EXPLAIN, PROBLEM_NO_SAM, SAM_QUOTA, refusal
from .ledger import Ledger, credit_from_json, credit_json, proof_json
from .receipts import as_jam_slip, as_reprint, as_voucher, build_receipt
from .states import Ev, S

logger = logging.getLogger(__name__)

CPU_MAX_BALANCE_FEN = 99_999_999
MIN_NOTE_FEN = 100
NOTE_VALUES_FEN = (100, 500, 1000, 2000, 5000, 10000)  # the renminbi notes, smallest first
PRINTABLE = frozenset({PrinterState.OK, PrinterState.PAPER_NEAR_END})


@dataclass
class KioskContext:
    kiosk_id: str
    terminal_no: int
    journal: Journal
    clock: Clock
    printer: ReceiptPrinter
    tariffs: Sequence[Tariff]
    utility_name: str = "城市燃气"
    limits: AmountLimits = field(default_factory=AmountLimits)
    is_blocked: Callable[[str], bool] = lambda serial: False
    is_online: Callable[[], bool] = lambda: False
    receipt_key: bytes = b"receipt-verification"
    tariff_id: str | None = None  # the tariff this kiosk sells on (None: the only one it has)


@dataclass(frozen=True)
class CardCheck:
    """A card that passed every check before money: what may be sold to it."""

    snapshot: CardSnapshot
    tariff: Tariff
    tier_year_start: date
    used_units: int
    max_fen: int
    offline: bool


class PurchaseService:
    def __init__(self, ctx: KioskContext) -> None:
        self.ctx = ctx
        self.ledger = Ledger(ctx.kiosk_id)
        self._vouchers: dict[str, bool] = {}  # txn -> voucher printed (voucher_printed)

    # --- helpers -------------------------------------------------------------------
    def _tx(self, fn: Callable[..., Any]) -> Any:
        return self.ctx.journal.call(fn)

    def _move(self, txn: str, ev: Ev, data: dict[str, Any] | None = None, **updates: Any) -> Purchase:
        crash_point(f"before:{ev.value}")
        now = self.ctx.clock.now()
        p: Purchase = self._tx(lambda s: self.ledger.transition(s, now, txn, ev, data, **updates))
        crash_point(f"after:{ev.value}")
        return p

    def get(self, txn: str) -> Purchase:
        p: Purchase = self._tx(lambda s: self.ledger.get(s, txn))
        return p

    # --- 1. the card, before any money ------------------------------------------------------
    def check_card(self, snap: CardSnapshot, sam_quota_fen: int | None = None) -> CardCheck:
        if "psc_ec_not_07" in snap.problems:  # a PSC try was used up: never risk locking it
            raise CardLocked("card code error counter is not 07: go to the counter",
                             problems=snap.problems)
        damage = tuple(p for p in snap.problems if p != PROBLEM_NO_SAM)
        if damage:
            raise CardDamaged("card data damaged: " + ", ".join(damage), problems=damage)
        if snap.kind not in (CardKind.USER, CardKind.OPEN_ACCOUNT, CardKind.REPLACEMENT):
            raise UnknownCard("unknown card kind")
        if self.ctx.is_blocked(snap.serial):
            raise CardBlocked("card is blocked", serial=snap.serial)
        if snap.tech is CardTech.IC:
            rec = snap.record
            if rec is None:
                raise CardDamaged("no current purchase record")
            issued_fresh = rec.seq == 0 and rec.volume_units == 0 and snap.meter is None
            if not issued_fresh and (snap.meter is None or snap.meter.loaded_seq != rec.seq):
                raise MeterNotLoaded("insert the card into the meter first",
                                     card_seq=rec.seq,
                                     meter_seq=None if snap.meter is None else snap.meter.loaded_seq)
        offline = not self.ctx.is_online()
        self._check_served(snap, offline, sam_quota_fen)
        now = self.ctx.clock.now()
        tariff = select_tariff(self.ctx.tariffs, now.date(), self.ctx.tariff_id)
        if snap.tech is CardTech.IC and snap.record is not None:
            start, used = tier_year_usage(tariff, now.date(), snap.record.tier_year_start,
                                          snap.record.tier_year_units)
        else:
            start, used = tier_year_usage(tariff, now.date(), None, 0)
        max_fen = self.ctx.limits.max_fen
        if snap.tech is CardTech.CPU:
            max_fen = min(max_fen, CPU_MAX_BALANCE_FEN - (snap.balance_fen or 0))
        if offline:
            day = now.date().isoformat()
            card_left = self.ctx.limits.offline_per_card_day_fen - self._tx(
                lambda s: self.ledger.paid_today_offline(s, snap.serial, day))
            kiosk_left = self.ctx.limits.offline_per_kiosk_fen - self._tx(self.ledger.paid_unacked)
            max_fen = min(max_fen, card_left, kiosk_left)
            if max_fen < self.ctx.limits.min_fen:
                raise OfflineCapExceeded("offline limit reached", left_fen=max(max_fen, 0))
            if snap.tech is CardTech.CPU and sam_quota_fen is not None:
                max_fen = min(max_fen, sam_quota_fen)
                if max_fen < self.ctx.limits.min_fen:
                    raise SamQuotaExceeded("offline quota of the SAM used up", left_fen=sam_quota_fen)
        return CardCheck(snap, tariff, start, used, max_fen, offline)

    def _check_served(self, snap: CardSnapshot, offline: bool, sam_quota_fen: int | None) -> None:
        """Refuse, before any money, a card of a type this kiosk cannot serve now (kiosk.serving).
        A quota too small offline is SamQuotaExceeded below, with what is left."""
        why = refusal(snap.tech, sam_answers=PROBLEM_NO_SAM not in snap.problems, online=not offline,
                      sam_quota_fen=sam_quota_fen, min_fen=self.ctx.limits.min_fen)
        if why is not None and why != SAM_QUOTA:
            raise CardTypeNotServed(EXPLAIN[why], reason=why, tech=snap.tech.value)

    def quote(self, check: CardCheck, mode: str, value: int) -> Quote:
        if mode == "amount":
            q = quote_amount(check.tariff, check.used_units, value)
            limit_value = value
        elif mode == "volume":
            q = quote_volume(check.tariff, check.used_units, value)
            limit_value = q.cost_fen
        else:
            raise AmountError(f"unknown mode {mode!r}")
        self.ctx.limits.check(limit_value)
        if limit_value > check.max_fen:
            raise AmountError("amount above what this card may buy now", limit=check.max_fen)
        if q.volume_units <= 0:
            raise AmountError("the amount buys no gas")
        return q

    # --- 2. begin -----------------------------------------------------------------------
    def printer_ready(self) -> PrinterState:
        return self.ctx.printer.status()

    def begin(self, check: CardCheck, mode: str, value: int, method: PaymentMethod,
              accept_no_receipt: bool = False, credit_id: str | None = None) -> str:
        """Start a purchase; nothing is taken yet. `credit_id` names a credit paid elsewhere
        (method ELSEWHERE) that this purchase loads onto the card."""
        if (method is PaymentMethod.ELSEWHERE) != (credit_id is not None):
            raise AmountError("a credit paid elsewhere needs its credit id, and only it")
        state = self.printer_ready()
        if state not in PRINTABLE and not accept_no_receipt:
            raise _not_ready(state)
        q = self.quote(check, mode, value)
        snap = check.snapshot
        txn = uuid.uuid4().hex
        no_receipt = bool(accept_no_receipt and state not in PRINTABLE)
        data = {
            "method": method.value, "mode": mode, "requested": value,
            "card_serial": snap.serial, "card_tech": snap.tech.value,
            "customer_no": snap.customer_no, "counter_before": snap.counter,
            "offline": check.offline, "max_fen": check.max_fen,
            "no_receipt": no_receipt,
            "credit_id": credit_id,
            "quote": {
                "tariff": check.tariff.to_document(), "used_before": check.used_units,
                "tier_year_start": check.tier_year_start.isoformat(), "requested": q.to_json(),
                "snapshot": _snapshot_facts(snap), "max_fen": check.max_fen,
                "credit_id": credit_id, "no_receipt": no_receipt,
            },
        }
        crash_point("before:created")
        now = self.ctx.clock.now()
        self._tx(lambda s: self.ledger.create(s, now, txn, data))
        crash_point("after:created")
        return txn

    def target_fen(self, txn: str) -> int:
        p = self.get(txn)
        return int(json.loads(p.quote)["requested"]["paid_fen"])

    # --- 3a. cash ------------------------------------------------------------------------
    def cash_limit(self, txn: str) -> int:
        """The cash this purchase is after: the amount asked (by money), or the price of the
        volume asked (by gas)."""
        p = self.get(txn)
        qd = json.loads(p.quote)
        return int(qd["requested"]["paid_fen"]) if p.mode == "amount" else int(qd["requested"]["cost_fen"])

    def cash_room(self, txn: str) -> int:
        """The largest note this purchase may take now. By money: what is still missing to the
        amount asked (a note never goes over it). By gas: the kiosk gives no change, so the
        smallest renminbi note that covers what is still due (the few yuan over the price
        become account credit), and nothing once the price is covered."""
        p = self.get(txn)
        if p.state != S.INIT.value:
            return 0
        due = self.cash_limit(txn) - p.paid_fen
        if p.mode == "amount" or due <= 0:
            return max(due, 0)
        cover = next((n for n in NOTE_VALUES_FEN if n >= due), NOTE_VALUES_FEN[-1])
        return min(cover, int(json.loads(p.quote)["max_fen"]) - p.paid_fen)

    def cash_enable(self, txn: str, acceptor: CashAcceptor) -> int:
        """Enable only the notes that still fit; inhibit when none does. Returns the largest
        note still acceptable."""
        room = self.cash_room(txn)
        if room >= MIN_NOTE_FEN:
            acceptor.enable(room)
        else:
            acceptor.inhibit()
        return room

    def note_waiting(self, txn: str, acceptor: CashAcceptor) -> int | None:
        """The note (fen) the acceptor holds in escrow for this purchase, if any. A note that
        jams in the acceptor's transport before escrow (ccTalk 6 / 16) was never validated:
        it is journalled for this purchase as a jammed note of unknown value (held for staff,
        not money taken) before NoteJammed goes on to the resident's screen."""
        try:
            return acceptor.escrow()
        except NoteJammed as exc:
            if exc.data.get("stage") == "transport" and "txn_id" not in exc.data:
                self.jammed_unknown(txn, {k: exc.data[k] for k in ("stage", "cctalk_code", "counter")
                                          if k in exc.data})
                exc.data.update(txn_id=txn, note_fen=None, counted=False, value_known=False)
            raise

    def jammed_unknown(self, txn: str, facts: dict[str, Any]) -> None:
        crash_point("before:note_jammed_unknown")
        now = self.ctx.clock.now()
        self._tx(lambda s: self.ledger.note_jammed_unknown(s, now, txn, facts))
        crash_point("after:note_jammed_unknown")
        logger.warning("a note of unknown value is stuck in the acceptor's transport (purchase %s)", txn)

    def take_note(self, txn: str, acceptor: CashAcceptor) -> int:
        """Handle the note in escrow, if any: commit it, then stack it, then commit the
        stack. A note that does not fit is returned. Returns the cash total."""
        denom = self.note_waiting(txn, acceptor)
        p = self.get(txn)
        if denom is None:
            return p.paid_fen
        if denom > self.cash_room(txn):
            acceptor.return_escrow()
            return p.paid_fen
        counter = acceptor.stacked_counter()
        crash_point("before:note_escrow")
        now = self.ctx.clock.now()
        note_id: int = self._tx(lambda s: self.ledger.note_escrow(s, now, txn, denom, counter))
        crash_point("after:note_escrow")
        crash_point("effect:stack:before")
        try:
            after = acceptor.stack()
        except EscrowLost:
            self._settle_note(note_id, "returned", counter)
            raise
        except NoteJammed as exc:
            counted = exc.data.get("stacked_counter")
            stacked = isinstance(counted, int) and counted > counter
            self._settle_note(note_id, "stacked" if stacked else "jammed",
                              counted if isinstance(counted, int) else counter)
            # what the resident is told: which note, counted or held, under which number
            exc.data.update(txn_id=txn, note_fen=denom, counted=stacked)
            raise
        except CashError as exc:
            try:
                now_counter = acceptor.stacked_counter()
            except CashError:
                raise OutOfService("bill acceptor lost with a note between escrow and stack",
                                   txn_id=txn) from exc
            if now_counter > counter:
                self._settle_note(note_id, "stacked", now_counter)
            else:
                raise OutOfService("the bill acceptor cannot tell whether a note was stacked",
                                   txn_id=txn) from exc
            after = now_counter
        else:
            crash_point("effect:stack:after")
            self._settle_note(note_id, "stacked", after)
        total = self.get(txn).paid_fen
        self.cash_enable(txn, acceptor)
        return total

    def _settle_note(self, note_id: int, outcome: str, counter: int) -> None:
        event = {"stacked": "note_stacked", "returned": "note_returned"}.get(outcome, "note_jammed")
        crash_point(f"before:{event}")
        now = self.ctx.clock.now()
        self._tx(lambda s: self.ledger.note_settled(s, now, note_id, outcome, counter))
        crash_point(f"after:{event}")

    def finish_payment(self, txn: str) -> S:
        """All the money the resident gives is in: price what it buys (PAID), or CANCEL."""
        p = self.get(txn)
        if p.method in (PaymentMethod.QR.value, PaymentMethod.BANK.value):
            # money may still reach the provider: only its answer closes the row (pay_electronic,
            # recovery), never "nothing counted here"
            raise PaymentUnsettled("an electronic payment is settled by its provider", txn_id=txn)
        if p.paid_fen == 0:
            jams = self._tx(lambda s: jammed_notes(s, txn=txn))
            self._move(txn, Ev.CANCEL, {"jammed_fen": known_jammed_fen(jams), "jammed_notes": len(jams)}
                       if jams else None)
            if jams:  # nothing counted, but a note is held in the acceptor: give a slip
                self._print(as_jam_slip(self.receipt(self.get(txn))))
            self.close(txn)
            return S.CANCELLED
        return self._paid(txn, p.paid_fen)

    def _paid(self, txn: str, paid: int, data: dict[str, Any] | None = None) -> S:
        p = self.get(txn)
        qd = json.loads(p.quote)
        tariff = parse_tariff(qd["tariff"])
        used = int(qd["used_before"])
        if p.card_tech == CardTech.CPU.value:
            q = quote_amount(tariff, used, paid)
            cost, volume = paid, q.volume_units
        elif p.mode == "volume" and paid >= quote_volume(tariff, used, p.requested).cost_fen:
            q = quote_volume(tariff, used, p.requested)
            cost, volume = q.cost_fen, q.volume_units
        else:
            q = quote_amount(tariff, used, paid)
            cost, volume = q.cost_fen, q.volume_units
        qd["final"] = q.to_json()
        self._move(txn, Ev.PAID, {"final": qd["final"], **(data or {})}, paid_fen=paid,
                   cost_fen=cost, volume_units=volume, remainder_fen=paid - cost,
                   quote=json.dumps(qd))
        return S.PAID

    # --- 3b. electronic ---------------------------------------------------------------------
    def pay_electronic(self, txn: str, payment: ElectronicPayment) -> S:
        """CANCELLED only when the provider confirms nothing was or can still be paid (its
        charged_fen is final); PaymentUnsettled leaves the purchase open (INIT) for recovery
        to ask again; paid meanwhile, it goes on as PAID."""
        amount = self.target_fen(txn)
        crash_point("effect:charge:before")
        try:
            ref = payment.charge(txn, amount)
        except PaymentError:
            charged = payment.charged_fen(txn)  # PaymentUnsettled propagates: the row stays open
            if charged == 0:
                self._move(txn, Ev.CANCEL, {"reason": "payment_failed"})
                self.close(txn)
                return S.CANCELLED
            if charged != amount:
                raise
            ref = "paid-late"
        crash_point("effect:charge:after")
        return self._paid(txn, amount, {"payment_ref": ref})

    # --- 4. the card ------------------------------------------------------------------------
    def build_credit(self, p: Purchase) -> CardCredit:
        qd = json.loads(p.quote)
        snap = qd["snapshot"]
        used = int(qd["used_before"])
        tech = CardTech(p.card_tech)
        return CardCredit(
            txn_id=p.txn_id, serial=p.card_serial, tech=tech, counter_before=p.counter_before,
            volume_units=p.volume_units if tech is CardTech.IC else 0,
            amount_fen=p.cost_fen, balance_before_fen=int(snap.get("balance_fen") or 0),
            lifetime_units_after=int(snap.get("lifetime_units") or 0) + (
                p.volume_units if tech is CardTech.IC else 0),
            tier_year_units_after=used + p.volume_units,
            tier_year_start=date.fromisoformat(qd["tier_year_start"]),
            when=self.ctx.clock.now().replace(microsecond=0), terminal=self.ctx.terminal_no,
        )

    def write_card(self, txn: str, session: CardSession) -> S:
        p = self.get(txn)
        credit = credit_from_json(p.credit) if p.credit else self.build_credit(p)
        self._move(txn, Ev.CARD_PENDING, {"credit": json.loads(credit_json(credit))},
                   credit=credit_json(credit))
        crash_point("effect:card_write:before")
        try:
            proof = session.write_credit(credit)
        except CardWriteFailed as exc:
            self._move(txn, Ev.CARD_FAILED, {"reason": exc.code})
            return S.CARD_FAILED
        except CardError as exc:  # pulled, absent, reader trouble: the card decides later
            self._move(txn, Ev.CARD_UNKNOWN, {"reason": exc.code}, review_fen=p.paid_fen,
                       review_reason="card_outcome_unknown")
            return S.MANUAL_REVIEW
        crash_point("effect:card_write:after")
        self.card_done(txn, proof)
        return S.CARD_DONE

    def card_done(self, txn: str, proof: CreditProof) -> None:
        crash_point("before:card_done")
        now = self.ctx.clock.now()

        def apply(s: Any) -> None:
            p = self.ledger.transition(s, now, txn, Ev.CARD_DONE, {"proof": json.loads(proof_json(proof))},
                                       proof=proof_json(proof), counter_after=proof.counter_after,
                                       review_fen=0, review_reason=None)
            self.ledger.record_remainder(s, now, p)
            self.ledger.record_credit_applied(s, now, p)

        self._tx(apply)
        crash_point("after:card_done")

    # --- failure paths --------------------------------------------------------------------
    def fail_without_credit(self, txn: str, payment: ElectronicPayment | None) -> S:
        """The card verifiably did not take the credit (or never will): give the money back
        (electronic) or print a voucher and hold the cash for staff."""
        p = self.get(txn)
        if p.method != PaymentMethod.CASH.value:
            if payment is None:
                raise PaymentError("no payment provider to refund through")
            if p.state != S.REFUND_PENDING.value:
                self._move(txn, Ev.REFUND_PENDING)
            crash_point("effect:refund:before")
            ref = payment.refund(txn, p.paid_fen)
            crash_point("effect:refund:after")
            self._move(txn, Ev.REFUNDED, {"refund_ref": ref}, refunded_fen=p.paid_fen,
                       remainder_fen=0, cost_fen=0)
            self.close(txn)
            return S.REFUNDED
        crash_point("effect:voucher:before")
        printed = self._print(self.voucher(p))
        crash_point("effect:voucher:after")
        self._move(txn, Ev.VOUCHER, {"voucher_printed": printed}, review_fen=p.paid_fen,
                   remainder_fen=0, cost_fen=0, review_reason="cash_not_credited")
        self._vouchers[txn] = printed
        return S.MANUAL_REVIEW

    def voucher_printed(self, txn: str) -> bool | None:
        """Whether fail_without_credit printed this purchase's voucher (None: not asked in
        this process). No I/O, so the screen may ask; the purchase.voucher row keeps it."""
        return self._vouchers.get(txn)

    # --- 5. receipt, 6. close -----------------------------------------------------------------
    def print_receipt(self, txn: str) -> S:
        p = self.get(txn)
        no_receipt = bool(json.loads(p.quote).get("no_receipt"))
        printed = False if no_receipt else self._print(self.receipt(p))
        crash_point("effect:print:after")
        if printed:
            self._move(txn, Ev.RECEIPT_DONE, receipt_prints=p.receipt_prints + 1)
            return S.RECEIPT_DONE
        self._move(txn, Ev.RECEIPT_FAILED, {"reason": "no_paper_chosen" if no_receipt else "printer"})
        return S.RECEIPT_FAILED

    def _print(self, receipt: Receipt) -> bool:
        crash_point("effect:print:before")
        try:
            self.ctx.printer.print_receipt(receipt)
            return True
        except PrinterError as exc:
            logger.warning("receipt not printed: %s", exc)
            return False

    def reprint(self, txn: str) -> bool:
        """Print the receipt again from the same journal row (same time, same code), marked
        重打 / DUPLICATE n; when no original ever came out (RECEIPT_FAILED, or no paper
        chosen) 补打 / LATE PRINT n instead: it never claims a printed original."""
        p = self.get(txn)
        n = self._tx(lambda s: self.ledger.reprint_count(s, txn)) + 1
        ok = self._print(as_reprint(self.receipt(p), n, p.receipt_prints > 0, self.ctx.clock.now()))
        if ok:
            now = self.ctx.clock.now()
            self._tx(lambda s: self.ledger.reprinted(s, now, txn))
        return ok

    def close(self, txn: str) -> None:
        p = self.get(txn)
        if p.state in (S.OUTBOX.value, S.ACKED.value):
            return
        self._move(txn, Ev.CLOSED)

    def receipt(self, p: Purchase) -> Receipt:
        """From the journal row: the purchase's own time (an original printed by recovery
        and every reprint show the same), its jammed notes, and whether the server holds it
        now (the offline mark says what is true when the paper comes out)."""
        c = self.ctx
        jams = self._tx(lambda s: jammed_notes(s, txn=p.txn_id))
        return build_receipt(p, c.utility_name, c.kiosk_id, c.receipt_key,
                             synced=p.state == S.ACKED.value, jams=jams)

    def voucher(self, p: Purchase) -> Receipt:
        return as_voucher(self.receipt(p), p.paid_fen)


def _not_ready(state: PrinterState) -> PrinterError:
    """Why no receipt could be printed, each with its own words for the resident."""
    cls: type[PrinterError] = {PrinterState.PAPER_OUT: PaperOut,
                               PrinterState.COVER_OPEN: PrinterCoverOpen}.get(state, PrinterOffline)
    return cls(f"printer not ready: {state.value}", printer=state.value)


def _snapshot_facts(snap: CardSnapshot) -> dict[str, Any]:
    return {
        "serial": snap.serial, "tech": snap.tech.value, "profile": snap.profile,
        "counter": snap.counter, "balance_fen": snap.balance_fen,
        "lifetime_units": snap.record.lifetime_units if snap.record else None,
        "tier_year_units": snap.record.tier_year_units if snap.record else None,
    }
