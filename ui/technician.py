"""The technician's operations behind the service screen. Each runs on the worker of the
device it touches (ui/ops.py): the PIN check, sync state, journal and cash-box reads on the
core worker, the acceptor's counter on the cash worker, printer status, test prints and
reprints on the printer worker, the card self-test on the card worker. Results come back on
the GUI thread; the GUI never waits."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer

from kiosk.cashbox import SLIP_TITLE, CashBox, CassetteWatch, collection_slip
from kiosk.errors import KioskError
from kiosk.journal import verify_chain
from kiosk.technician import (
    GateResult,
    LogRing,
    RecentPurchase,
    ServiceHold,
    SyncStatus,
    TechnicianGate,
    put_service_hold,
    recent_purchases,
    unverified_tacs,
)

from .ops import run_op

if TYPE_CHECKING:
    from .kiosk_service import KioskService

logger = logging.getLogger(__name__)

Ok = Callable[[Any], None]
Err = Callable[[Exception], None]
COLLECT_WAIT_S = 600.0  # a collection waits this long for the cassette to go out and back
COLLECT_POLL_MS = 300


@dataclass
class ServicePorts:
    """What the composition root (main.build_site, ui.demo.DemoRig) gives the service screen.
    The comment says on which worker each call runs."""

    gate: TechnicianGate  # core
    sync_status: Callable[[], SyncStatus] | None = None  # core
    sync_now: Callable[[], None] | None = None  # core: run the upload job now
    card_selftest: Callable[[], dict[str, Any]] | None = None  # card
    printer_report: Callable[[], dict[str, Any]] | None = None  # printer
    print_test: Callable[[], None] | None = None  # printer
    logs: LogRing | None = None


class TechnicianOps:
    def __init__(self, ks: KioskService, ports: ServicePorts) -> None:
        self.ks = ks
        self.ports = ports
        self.box = CashBox(ks.svc.ctx.journal, ks.svc.ctx.clock)
        self._watch: CassetteWatch | None = None  # a collection waiting for the cassette

    def _run(self, worker: str, fn: Callable[[], Any], ok: Ok, err: Err) -> None:
        run_op(self.ks.workers[worker], fn, ok, err)

    # --- access -------------------------------------------------------------------------------
    def unlock(self, pin: str, ok: Callable[[GateResult], None], err: Err) -> None:
        self._run("core", lambda: self.ports.gate.check(pin), ok, err)

    # --- reports ------------------------------------------------------------------------------
    def sync_status(self, ok: Callable[[SyncStatus | None], None], err: Err) -> None:
        f = self.ports.sync_status
        self._run("core", (lambda: f()) if f is not None else (lambda: None), ok, err)

    def printer_report(self, ok: Callable[[dict[str, Any] | None], None], err: Err) -> None:
        f = self.ports.printer_report
        self._run("printer", (lambda: f()) if f is not None else (lambda: None), ok, err)

    def card_selftest(self, ok: Callable[[dict[str, Any] | None], None], err: Err) -> None:
        f = self.ports.card_selftest
        self._run("card", (lambda: f()) if f is not None else (lambda: None), ok, err)

    def box_report(self, ok: Callable[[dict[str, Any]], None], err: Err) -> None:
        """The acceptor's own counter (cash worker), then the journal's view (core worker)."""
        def counter() -> int | None:
            acc = self.ks.acceptor
            return None if acc is None else acc.stacked_counter()

        def report(c: int | None) -> None:
            self._run("core", lambda: self.box.status(c).to_json(), ok, err)

        self._run("cash", counter, report, lambda exc: report(None))

    def recent(self, ok: Callable[[list[RecentPurchase]], None], err: Err) -> None:
        self._run("core", lambda: self.ks.svc.ctx.journal.call(recent_purchases), ok, err)

    def tac_failures(self, ok: Callable[[list[str]], None], err: Err) -> None:
        """The CPU loads whose TAC did not verify, from the journal now (the CARD-TAC finding)."""
        journal = self.ks.svc.ctx.journal
        self._run("core", lambda: journal.call(unverified_tacs), ok, err)

    def check_journal(self, ok: Callable[[tuple[bool, str]], None], err: Err) -> None:
        """PRAGMA integrity_check and the hash chain, through the kiosk's own connection."""
        journal = self.ks.svc.ctx.journal

        def job() -> tuple[bool, str]:
            ic = journal.raw("PRAGMA integrity_check")
            if ic != [("ok",)]:
                return False, f"integrity_check: {ic[:3]}"
            try:
                rep = journal.call(verify_chain)
            except KioskError as exc:
                return False, str(exc)
            return True, f"ok: {rep.rows} rows, hash chain intact"

        self._run("core", job, ok, err)

    def logs(self, n: int = 25) -> list[str]:
        return self.ports.logs.tail(n) if self.ports.logs is not None else []

    # --- actions ------------------------------------------------------------------------------
    def sync_now(self, ok: Ok, err: Err) -> None:
        f = self.ports.sync_now
        if f is None:
            err(KioskError("no sync client"))
            return
        self._run("core", f, ok, err)

    def print_test(self, ok: Ok, err: Err) -> None:
        f = self.ports.print_test
        if f is None:
            err(KioskError("no printer"))
            return
        self._run("printer", f, ok, err)

    def reprint(self, txn: str, ok: Callable[[bool], None], err: Err) -> None:
        """From the same journal row, marked 重打 / DUPLICATE n (PurchaseService.reprint)."""
        self._run("printer", lambda: self.ks.svc.reprint(txn), ok, err)

    def collect_cash(self, who: str, ok: Callable[[dict[str, Any]], None], err: Err,
                     on_wait: Callable[[str], None] | None = None) -> None:
        """Cassette emptied: the acceptor's counter (cash), the collection row (core), then the
        slip (printer). An acceptor that reports its cassette (ccTalk stacker removed /
        inserted) must see it go out and come back first: `on_wait("removal" | "insertion")`
        says what it waits for (polled on the cash worker, up to COLLECT_WAIT_S); with one
        that does not, the technician's confirming touch is the confirmation. A slip that
        fails to print leaves the collection recorded: reprint it from its row."""
        if self.ks.session is not None and self.ks.session.busy() is not None:
            err(KioskError("a purchase is in progress"))
            return
        if self.ks.acceptor is None:
            err(KioskError("the bill acceptor is not open"))
            return
        acc = self.ks.acceptor
        events = getattr(acc, "cassette_events", None) if getattr(acc, "reports_cassette", False) else None

        def record(confirmed_by: str) -> None:
            def job(counter: int) -> tuple[dict[str, Any], list[str]]:
                rep = self.box.collect(counter, None, who, confirmed_by)
                now = self.ks.svc.ctx.clock.now().isoformat(timespec="seconds")
                return rep.to_json(), collection_slip(rep, now, who)

            self._run("cash", acc.stacked_counter,
                      lambda counter: self._run("core", lambda: job(counter), slip, err), err)

        def slip(r: tuple[dict[str, Any], list[str]]) -> None:
            rep, lines = r
            ok(rep)
            self._print_slip(lines, SLIP_TITLE)

        if events is None:
            record("technician")
            return
        watch, deadline = CassetteWatch(), time.monotonic() + COLLECT_WAIT_S
        self._watch = watch
        tell = on_wait or (lambda _state: None)

        def tick() -> None:
            if self._watch is not watch:
                return  # cancelled (the technician left)
            if time.monotonic() > deadline:
                self._watch = None
                err(KioskError("the cassette was not seen taken out and put back: no collection recorded"))
                return
            self._run("cash", events, step, failed)

        def failed(exc: Exception) -> None:
            self._watch = None
            err(exc)

        def step(evs: list[str]) -> None:
            if self._watch is not watch:
                return
            if watch.feed(evs) == "done":
                self._watch = None
                record("acceptor")
                return
            tell(watch.state)
            QTimer.singleShot(COLLECT_POLL_MS, tick)

        tell(watch.state)
        self._run("cash", events, lambda _old: tick(), err)  # what came before is not this collection's

    def cancel_collection(self) -> None:
        """Stop waiting for the cassette (the technician's session ended): nothing recorded."""
        self._watch = None

    def reprint_slip(self, ok: Callable[[bool], None], err: Err) -> None:
        """The last collection's slip again, from its journal row (core), then printed."""
        def printed(r: tuple[list[str], str]) -> None:
            self._print_slip(*r, done=ok)

        self._run("core", self.box.slip_reprint, printed, err)

    def _print_slip(self, lines: list[str], title: str, done: Callable[[bool], None] | None = None) -> None:
        pl = self.ks.devices.print_lines
        if pl is None:
            if done is not None:
                done(False)
            return

        def failed(exc: Exception) -> None:
            logger.warning("collection slip not printed: %r", exc)
            if done is not None:
                done(False)

        self._run("printer", lambda: pl(lines, title), lambda _: done(True) if done else None, failed)

    def settlement(self, day: date, ok: Callable[[dict[str, Any]], None], err: Err) -> None:
        """The acceptor's own counter (cash worker), then the day from the journal (core):
        a counter that disagrees with the journal is one of the differences."""
        def counter() -> int | None:
            acc = self.ks.acceptor
            return None if acc is None else acc.stacked_counter()

        def report(c: int | None) -> None:
            self._run("core", lambda: self.box.settlement(day, c), ok, err)

        self._run("cash", counter, report, lambda exc: report(None))

    def set_out_of_service(self, who: str, out: bool, ok: Callable[[bool], None], err: Err) -> None:
        """Take the kiosk out of service (or back), kept in the journal so that a restart does
        not put it back in service (kiosk.technician.ServiceHold). Out: at once in memory,
        then on disk; back: on disk first, then in memory. A fault found at start-up is not
        cleared from here: only what a technician set is. `ok(changed)`."""
        current = self.ks.out_of_service
        journal = self.ks.svc.ctx.journal
        if out and current is None:
            hold = ServiceHold(who, self.ks.svc.ctx.clock.now().isoformat(timespec="seconds"))
            self.ks.out_of_service, self.ks.service_hold = hold.as_error(), hold
            logger.warning("technician %s took the kiosk out of service", who)
            self._run("core", lambda: journal.call(lambda s: put_service_hold(s, hold)),
                      lambda _: ok(True), err)
            return
        held = self.ks.service_hold
        if not out and current is not None and held is not None:
            def back(_: None) -> None:
                self.ks.out_of_service, self.ks.service_hold = None, None
                logger.warning("technician %s put the kiosk back in service (taken out by %s at %s)",
                               who, held.by, held.since)
                ok(True)

            self._run("core", lambda: journal.call(lambda s: put_service_hold(s, None)), back, err)
            return
        ok(False)
