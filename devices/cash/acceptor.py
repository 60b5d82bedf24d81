"""BillAcceptor: kiosk.ports.CashAcceptor on a ccTalk bill validator with escrow.

Open it from a pyserial URL (`/dev/ttyUSB0`, or `socket://127.0.0.1:PORT` for the simulator):

    acc = BillAcceptor.open("socket://127.0.0.1:5555")

The core's cycle: `escrow()` polls and reports the note held in escrow; the core commits it
to its journal; then `stack()` routes it to the stacker, waits for the credit event and
returns the device's lifetime accept counter (header 225), the oracle for "was it stacked".
Rejected / suspect notes are news, not failures: they are queued as CashEvents (each with a
typed error whose `code` the UI turns into words) for `take_events()`. Conditions that stop
cash intake (jam, stacker removed/full/faulty, lost events) are also raised from `escrow()`.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

import serial

from kiosk.errors import (
    AcceptorFault,
    AcceptorUnreachable,
    CashError,
    EscrowLost,
    NoteJammed,
)

from . import cctalk as ct
from .events import JAM_STAGE, CashEvent, EventKind, EventTracker

logger = logging.getLogger(__name__)

BLOCKING = (EventKind.JAMMED, EventKind.CASHBOX, EventKind.EVENTS_LOST)
ESCROW_MODE = ct.MODE_USE_STACKER | ct.MODE_USE_ESCROW
JAM_CODES = frozenset(JAM_STAGE)  # the status codes (result A 0) of a jam


def open_bus(url: str, *, timeout: float = 0.5, echo: bool = False,
             retries: int = 2, checksum: ct.Checksum = "simple") -> ct.CcTalkBus:
    """ccTalk is 9600 8N1. Raises AcceptorUnreachable if the port cannot be opened.
    `echo`: a single-wire bus (the host reads its own request back); `checksum`: the
    device's frame layout, "simple" (8-bit checksum) or "crc16" (ccTalk's CRC-16)."""
    try:
        port = serial.serial_for_url(url, baudrate=9600, timeout=timeout,
                                     write_timeout=timeout)
    except (serial.SerialException, ValueError, OSError) as exc:
        raise AcceptorUnreachable(f"cannot open {url}: {exc}", url=url) from exc
    return ct.CcTalkBus(port, echo=echo, retries=retries, checksum=checksum)


def read_denominations(bv: ct.BillValidatorCommands, max_types: int = 16) -> dict[int, int]:
    """Bill type -> value in fen, from headers 157 and 156 (non-CNY bills are skipped)."""
    table: dict[int, int] = {}
    scaling: dict[str, tuple[int, int]] = {}
    for t in range(1, max_types + 1):
        bid = bv.bill_id(t)
        if bid is None:
            continue
        if bid.country not in scaling:
            scaling[bid.country] = bv.country_scaling(bid.country)
        factor, decimals = scaling[bid.country]
        if bid.country != "CN" or factor == 0:
            logger.warning("bill type %d (%s) is not a CNY note; left inhibited", t, bid.raw)
            continue
        minor = bid.value * factor  # in 10**-decimals yuan
        table[t] = minor * 100 // 10**decimals if decimals <= 2 else minor // 10**(decimals - 2)
    return table


class BillAcceptor:
    """All port calls belong on one thread (the cash worker): the first port call binds it,
    a call from another thread raises RuntimeError (a wiring bug, not a device fault)."""

    def __init__(
        self,
        bus: ct.CcTalkBus,
        *,
        address: int = ct.BILL_VALIDATOR_ADDRESS,
        poll_interval: float = 0.2,
        stack_timeout: float = 10.0,
        on_event: Callable[[CashEvent], None] | None = None,
        reports_cassette: bool = True,
    ) -> None:
        self.bus = bus
        # the validator sends stacker removed / inserted: a collection waits for both (else
        # the technician confirms the cassette was emptied)
        self.reports_cassette = reports_cassette
        self.bv = ct.BillValidatorCommands(bus, address)
        self.poll_interval = poll_interval
        self.stack_timeout = stack_timeout
        self.on_event = on_event
        self.denominations: dict[int, int] = {}
        self.tracker = EventTracker()
        self.last_events: deque[CashEvent] = deque(maxlen=20)
        self._pending: list[CashEvent] = []
        self._escrow_type: int | None = None
        self._enabled_mask = 0  # what the core last asked for (0 = inhibited)
        self._jammed: bool | None = None  # a jam reported and not yet over (None: unknown)
        self.category = ""
        self._worker: int | None = None

    @classmethod
    def open(
        cls,
        url: str,
        *,
        timeout: float = 0.5,
        echo: bool = False,
        retries: int = 2,
        checksum: ct.Checksum = "simple",
        poll_interval: float = 0.2,
        stack_timeout: float = 10.0,
        on_event: Callable[[CashEvent], None] | None = None,
        reports_cassette: bool = True,
    ) -> BillAcceptor:
        """Open, check it is a bill validator, read its note table, set escrow mode, sync
        the event counter, and leave it inhibited."""
        bus = open_bus(url, timeout=timeout, echo=echo, retries=retries, checksum=checksum)
        acc = cls(bus, poll_interval=poll_interval, stack_timeout=stack_timeout,
                  on_event=on_event, reports_cassette=reports_cassette)
        try:
            acc.initialise()
        except BaseException:
            bus.close()
            raise
        return acc

    def close(self) -> None:
        try:
            self.bv.set_master_enabled(False)
        except CashError:
            logger.warning("could not inhibit the acceptor on close")
        self.bus.close()

    def initialise(self) -> None:
        self.bv.simple_poll()
        self.category = self.bv.equipment_category()
        if self.category != "Bill Validator":
            raise AcceptorFault(f"device is a {self.category!r}, not a bill validator",
                                category=self.category)
        self.denominations = read_denominations(self.bv)
        logger.info("bill validator %s %s: notes %s", self.bv.manufacturer_id(),
                    self.bv.product_code(), sorted(self.denominations.values()))
        self.tracker = EventTracker()
        buf = self.bv.read_events()
        self.tracker.update(buf, self.denominations)  # the buffer so far is history ...
        newest = buf.results[0]
        # ... that still says whether a jam holds a note (the host restarted, the acceptor
        # did not); after a reset (counter 0) the acceptor cannot tell
        self._jammed = None if not buf.counter else newest[0] == 0 and newest[1] in JAM_CODES
        if self._jammed:
            logger.warning("the acceptor reports a jammed note at start-up")
        if buf.counter and newest[0] in self.denominations and newest[1] == 1:
            # ... except a note still held in escrow (the host restarted, the acceptor did
            # not): report it through escrow() so recovery can decide to stack or return it
            self._escrow_type = newest[0]
            logger.warning("a %d fen note is held in escrow at start-up",
                           self.denominations[newest[0]])
        self._configure()

    def _configure(self) -> None:
        """(Re)apply operating mode and the inhibit state the core last asked for."""
        self.bv.set_operating_mode(ESCROW_MODE)
        self._apply_mask(self._enabled_mask)

    def _assert_worker(self) -> None:
        me = threading.get_ident()
        if self._worker is None:
            self._worker = me
        elif self._worker != me:
            raise RuntimeError("BillAcceptor called from a second thread")

    # ---- CashAcceptor port ------------------------------------------------------------
    def enable(self, max_note_fen: int) -> None:
        """Accept only notes of at most `max_note_fen`; none at all inhibits."""
        self._assert_worker()
        mask = 0
        for t, fen in self.denominations.items():
            if fen <= max_note_fen:
                mask |= 1 << (t - 1)
        self._enabled_mask = mask
        self._apply_mask(mask)
        logger.info("acceptor enabled up to %d fen (mask %#06x)", max_note_fen, mask)

    def inhibit(self) -> None:
        self._assert_worker()
        self._enabled_mask = 0
        self._apply_mask(0)
        logger.info("acceptor inhibited")

    def _apply_mask(self, mask: int) -> None:
        """Set and read back: the purchase maximum depends on it. Master inhibit goes on
        first and off last, so no wider setting is ever live."""
        self.bv.set_master_enabled(False)
        self.bv.set_inhibit_mask(mask)
        if mask:
            self.bv.set_master_enabled(True)
        got_mask, got_master = self.bv.inhibit_mask(), self.bv.master_enabled()
        if got_mask != mask or got_master != bool(mask):
            raise AcceptorFault("acceptor did not take the inhibit setting",
                                wanted_mask=mask, mask=got_mask, master_enabled=got_master)

    def escrow(self) -> int | None:
        """Poll; the denomination (fen) held in escrow, if any. Raises the typed error of a
        condition that stops cash intake (NoteJammed, AcceptorFault, CashEventsLost)."""
        events = self.poll()
        for ev in events:
            if ev.kind in BLOCKING and ev.error is not None:
                raise ev.error
        return self.escrow_fen

    @property
    def event_counter(self) -> int | None:
        """The ccTalk event counter as last read (0 after a reset, then 1..255 wrapping)."""
        return self.tracker.last_counter

    @property
    def escrow_fen(self) -> int | None:
        return None if self._escrow_type is None else self.denominations.get(self._escrow_type)

    def stack(self) -> int:
        """Route the escrowed note to the stacker and wait for its credit. Returns the new
        accept counter. Raises EscrowLost (nothing stacked), NoteJammed (see its
        stacked_counter), or AcceptorFault when the outcome is not certain."""
        self.poll()
        t = self._escrow_type
        before = self.bv.accept_counter()
        if t is None:
            raise EscrowLost("no note in escrow", stacked_counter=before)
        fen = self.denominations.get(t)
        err = self.bv.route_bill(ct.ROUTE_STACK)
        if err == ct.ROUTE_ERR_FAILED:
            raise AcceptorFault("acceptor failed to route the note to the stacker",
                                denomination_fen=fen, stacked_counter=before)
        deadline = time.monotonic() + self.stack_timeout
        while True:
            for ev in self.poll():
                if ev.kind == EventKind.STACKED and ev.bill_type == t:
                    return self._stacked(before, fen)
                if ev.kind == EventKind.JAMMED:
                    now = self.bv.accept_counter()
                    raise NoteJammed("note jammed while stacking", denomination_fen=fen,
                                     stacked_counter=now, stacked=now > before,
                                     stage=ev.error.data.get("stage") if ev.error else None)
                if ev.kind in (EventKind.RETURNED, EventKind.RESET, EventKind.EVENTS_LOST):
                    return self._settle(before, fen, ev.reason)
            if err == ct.ROUTE_ERR_ESCROW_EMPTY:
                return self._settle(before, fen, "escrow empty")
            if time.monotonic() > deadline:
                now = self.bv.accept_counter()
                if now == before + 1:
                    return self._stacked(before, fen)
                # the note may still be in escrow or on its way: not "lost", not "stacked"
                raise AcceptorFault("no credit from the acceptor in time", uncertain=True,
                                    denomination_fen=fen, counter_before=before,
                                    stacked_counter=now)
            time.sleep(self.poll_interval)

    def _stacked(self, before: int, fen: int | None) -> int:
        now = self.bv.accept_counter()
        if now != before + 1:
            logger.warning("accept counter went %d -> %d for one note", before, now)
        logger.info("stacked %s fen, accept counter %d", fen, now)
        return now

    def _settle(self, before: int, fen: int | None, why: str) -> int:
        """No credit event seen: the accept counter decides."""
        self._escrow_type = None
        now = self.bv.accept_counter()
        if now == before + 1:
            logger.warning("stack of %s fen: %s, but the accept counter moved", fen, why)
            return now
        if now == before:
            raise EscrowLost(f"note not stacked: {why}", denomination_fen=fen,
                             stacked_counter=now)
        raise AcceptorFault(f"stack outcome uncertain: {why}", denomination_fen=fen,
                            counter_before=before, stacked_counter=now)

    def return_escrow(self) -> None:
        self.poll()
        err = self.bv.route_bill(ct.ROUTE_RETURN)
        if err == ct.ROUTE_ERR_ESCROW_EMPTY:
            logger.info("return: escrow already empty")
        elif err is not None:
            raise AcceptorFault("acceptor failed to return the note", code=err)
        self._escrow_type = None
        self.poll()

    def stacked_counter(self) -> int:
        self._assert_worker()
        return self.bv.accept_counter()

    def jammed(self) -> bool | None:
        """A jam reported and not over (no note handled since, no reset); None: unknown
        (the acceptor reset, or its buffer had nothing to say at start-up)."""
        self._assert_worker()
        self.poll()
        return self._jammed

    # ---- the cassette (a collection) ---------------------------------------------------
    def cassette_events(self) -> list[str]:
        """Poll; the cassette events since the last poll, oldest first: "removed" (ccTalk
        status 11, stacker removed) and "inserted" (12). For kiosk.cashbox.CassetteWatch;
        only meaningful when `reports_cassette` (the validator sends them)."""
        names = {"stacker_removed": "removed", "stacker_inserted": "inserted"}
        return [names[ev.reason] for ev in self.poll() if ev.reason in names]

    # ---- events -----------------------------------------------------------------------
    def poll(self) -> list[CashEvent]:
        """Read the event buffer; update escrow state; log and queue the new events."""
        self._assert_worker()
        events = self.tracker.update(self.bv.read_events(), self.denominations)
        self._handle(events)
        return events

    def take_events(self) -> list[CashEvent]:
        """Events since the last call, oldest first, for the UI (words) and the core."""
        out, self._pending = self._pending, []
        return out

    def _handle(self, events: list[CashEvent]) -> None:
        for ev in events:
            if ev.kind == EventKind.JAMMED:
                self._jammed = True
            elif ev.kind in (EventKind.ESCROW, EventKind.STACKED, EventKind.RETURNED):
                self._jammed = False  # the transport moves notes again
            if ev.kind == EventKind.ESCROW:
                self._escrow_type = ev.bill_type
            elif ev.kind in (EventKind.STACKED, EventKind.RETURNED, EventKind.JAMMED):
                self._escrow_type = None
            elif ev.kind == EventKind.RESET:
                self._escrow_type = self._jammed = None  # an escrowed note comes back on power-up
                logger.warning("bill acceptor reset (power cycle): re-applying settings")
                self._configure()
            elif ev.kind == EventKind.EVENTS_LOST:
                self._escrow_type = None  # unknown now; a missed reset would lose settings
                self._configure()
            level = logging.WARNING if ev.kind in (*BLOCKING, EventKind.SUSPECT) else logging.INFO
            logger.log(level, "cash event %s (%s) counter=%d fen=%s code=%s", ev.kind.value,
                       ev.reason, ev.counter, ev.denomination_fen, ev.message_code)
            self.last_events.append(ev)
            self._pending.append(ev)
            if self.on_event is not None:
                self.on_event(ev)
