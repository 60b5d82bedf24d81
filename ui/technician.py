"""The technician's operations behind the service screen. Each runs on the worker of the
device it touches (ui/ops.py): the PIN check, sync state, journal and cash-box reads on the
core worker, the acceptor's counter on the cash worker, printer status, test prints and
reprints on the printer worker, the card self-test on the card worker. Results come back on
the GUI thread; the GUI never waits."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from kiosk.cashbox import CashBox, collection_slip
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
)

from .ops import run_op

if TYPE_CHECKING:
    from .kiosk_service import KioskService

logger = logging.getLogger(__name__)

Ok = Callable[[Any], None]
Err = Callable[[Exception], None]


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

    def collect_cash(self, who: str, ok: Callable[[dict[str, Any]], None], err: Err) -> None:
        """Cassette emptied: the acceptor's counter (cash), the collection row (core), then the
        slip (printer). A slip that fails to print leaves the collection recorded."""
        if self.ks.session is not None and self.ks.session.busy() is not None:
            err(KioskError("a purchase is in progress"))
            return
        if self.ks.acceptor is None:
            err(KioskError("the bill acceptor is not open"))
            return
        acc = self.ks.acceptor

        def record(counter: int) -> None:
            def job() -> tuple[dict[str, Any], list[str]]:
                rep = self.box.collect(counter, None, who)
                now = self.ks.svc.ctx.clock.now().isoformat(timespec="seconds")
                return rep.to_json(), collection_slip(rep, now, who)

            self._run("core", job, slip, err)

        def slip(r: tuple[dict[str, Any], list[str]]) -> None:
            rep, lines = r
            ok(rep)
            pl = self.ks.devices.print_lines
            if pl is not None:
                self._run("printer", lambda: pl(lines, "钞箱清点单 CASH COLLECTION"), None,
                          lambda exc: logger.warning("collection slip not printed: %r", exc))

        self._run("cash", acc.stacked_counter, record, err)

    def settlement(self, day: date, ok: Callable[[dict[str, Any]], None], err: Err) -> None:
        self._run("core", lambda: self.box.settlement(day), ok, err)

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
