"""Composition root: config -> devices -> core -> UI. Also wires `kioskctl`."""
from __future__ import annotations

import argparse
import importlib
import json
import logging
import logging.handlers
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.pricing import Tariff

logger = logging.getLogger("kiosk.site")


def cash_box_report(acceptor_counter: int | None = None) -> dict[str, Any]:
    """The cash box from the journal, matched against the acceptor's accept counter, for
    `kioskctl cash status` (the journal is held exclusively by a running kiosk: then this
    says so)."""
    from kiosk.cashbox import CashBox
    from kiosk.clock import SystemClock
    from kiosk.errors import JournalGuardError
    from kiosk.journal import Journal

    path = os.environ.get("KIOSK_JOURNAL", "var/journal.db")
    if not os.path.exists(path):
        return {"error": f"no journal at {path} (set KIOSK_JOURNAL)"}
    journal = Journal(path, os.environ.get("KIOSK_ID", "DEMO01"))
    try:
        journal.open()
    except JournalGuardError as exc:
        return {"error": str(exc)}
    try:
        return CashBox(journal, SystemClock()).status(acceptor_counter).to_json()
    finally:
        journal.close()


def build_kioskctl_parser() -> argparse.ArgumentParser:
    from kiosk import cli as core_cli

    parser = argparse.ArgumentParser(prog="kioskctl", description="Gas kiosk service tool")
    sub = parser.add_subparsers(dest="command", required=True)
    core_cli.add_commands(sub)
    # Device command groups (each module imports its own vendor library).
    for modname in ("devices.card.cli", "devices.printer.cli", "devices.cash.cli"):
        importlib.import_module(modname).add_commands(sub)
    importlib.import_module("devices.cash.cli").set_cash_box_reporter(cash_box_report)
    return parser


def kioskctl_main(argv: list[str] | None = None) -> int:
    parser = build_kioskctl_parser()
    args = parser.parse_args(argv)
    rc: int = args.func(args)
    return rc


class SiteTariffs(Sequence["Tariff"]):
    """The tariffs in force: whatever the download cache holds signed by the server (read
    anew on each use, so a newly downloaded tariff applies from its validity start)."""

    def __init__(self, cache: Any, public_key: str) -> None:
        self.cache, self.public_key = cache, public_key

    def _all(self) -> list[Tariff]:
        from kiosk.pricing import parse_tariff

        return [parse_tariff(json.loads(d.model_dump_json())) for d in self.cache.tariffs(self.public_key)]

    def __getitem__(self, i: Any) -> Any:
        return self._all()[i]

    def __len__(self) -> int:
        return len(self._all())


class SiteAccounts:
    """Account data, blocked and replaced cards and notices from the sync client's download
    cache: only what the server signed (checked on every read), notices only while in force."""

    def __init__(self, cache: Any, sync: Any, public_key: str, clock: Any) -> None:
        self.cache, self.sync, self.public_key, self.clock = cache, sync, public_key, clock

    def account(self, customer_no: str) -> dict[str, Any] | None:
        snap = self.cache.account(customer_no, self.public_key)
        return None if snap is None else dict(snap.model_dump(mode="json"))

    def notices(self) -> list[dict[str, Any]]:
        """Not withdrawn, not expired, not yet to come (sync.cache.in_force), newest first."""
        return [n.model_dump(mode="json") for n in self.cache.notices(self.public_key, self.clock.now())]

    def as_of(self) -> Any:
        return self.sync.last_answer_at

    def credits(self, snap: Any) -> list[dict[str, Any]]:
        """The credits paid elsewhere for this card's customer (signed by the server), each
        with whether this kiosk may load it now: online the server decides at the claim;
        offline only a credit bound to this card and the counter it shows (sync.credits)."""
        from sync.credits import offline_refusal
        from sync.protocol_downloads import PendingCreditStatus

        out = []
        for c in self.cache.pending_credits(self.public_key):
            if c.customer_no != snap.customer_no or c.status not in (
                    PendingCreditStatus.OPEN, PendingCreditStatus.HELD):
                continue
            if c.card_serial is not None and c.card_serial != snap.serial:
                continue
            why = ("held" if c.status is PendingCreditStatus.HELD else
                   None if self.sync.online is True else offline_refusal(c, snap, self.public_key))
            out.append({**c.model_dump(mode="json"), "loadable": why is None, "why": why})
        return out

    def credit_payment(self, credit_id: str, snap: Any) -> Any:
        """The credit as the payment of the purchase that loads it (sync.credits.CreditPayment)."""
        from sync.credits import CreditPayment

        [c] = [c for c in self.cache.pending_credits(self.public_key) if c.credit_id == credit_id]
        return CreditPayment(c, snap, self.public_key, self.sync.server)

    def ticket(self, client_ref: str) -> dict[str, Any] | None:
        """This kiosk's ticket made from a journal row ("journal:SEQ"), as last downloaded."""
        for t in self.cache.tickets(self.public_key):
            if t.client_ref == client_ref:
                return dict(t.model_dump(mode="json"))
        return None

    def is_blocked(self, serial: str) -> bool:
        """True for a blocked card. A card replaced by a new one raises CardReplaced (its own
        words: use the new card), so the purchase's card check refuses it before any money."""
        from kiosk.errors import CardReplaced

        accounts = self.cache.accounts(self.public_key)
        for a in accounts:
            for r in a.replaced_cards:
                if r.old_serial == serial:
                    raise CardReplaced("card was replaced by a new one", serial=serial, new_serial=r.new_serial)
        return any(b.serial == serial for a in accounts for b in a.blocked_cards)


@dataclass
class Site:
    """A kiosk on its real devices, built from the site configuration."""

    config: Any
    journal: Any
    readers: Any
    printer: Any
    server: Any
    cache: Any
    sync: Any
    svc: Any
    devices: Any
    selftest: Any

    def close(self) -> None:
        if self.devices.service is not None and self.devices.service.logs is not None:
            logging.getLogger().removeHandler(self.devices.service.logs)
        self.sync.stop()
        self.readers.close()
        self.server.close()
        self.cache.close()
        self.journal.close()


def build_site(cfg: Any) -> Site:
    """config -> devices -> core -> sync. Recovery runs when the UI service starts (on the
    cash worker, before any money); the card self-test runs here and says what is served."""
    from devices.card.readers import CardReaders
    from devices.card.selftest import run_selftest
    from devices.printer import EscposReceiptPrinter
    from kiosk.cashbox import CashBox
    from kiosk.clock import SystemClock
    from kiosk.errors import ConfigError, KioskError
    from kiosk.journal import Journal
    from kiosk.purchase.service import KioskContext, PurchaseService
    from kiosk.technician import ServiceState
    from sync.cache import DownloadCache
    from sync.card_online import server_mac2, server_tac
    from sync.client import HttpServer
    from sync.jobs import SyncClient, SyncSettings
    from sync.payments import QrPayment
    from ui.demo import ReaderCards
    from ui.kiosk_service import Devices

    if not (cfg.server_url and cfg.kiosk_key_file and cfg.server_public_key_file):
        raise ConfigError("the kiosk needs its server (url, kiosk_key_file, public_key_file)")
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    key = bytes.fromhex(cfg.kiosk_key_file.read_text().strip())
    public_key = cfg.server_public_key_file.read_text().strip()
    clock = SystemClock()
    journal = Journal(cfg.journal_path, cfg.kiosk_id)
    journal.open()
    server = HttpServer(cfg.server_url, cfg.kiosk_id, key, server_key=public_key, timeout_s=15.0)
    cache = DownloadCache(cfg.data_dir / "downloads.db")
    printer = EscposReceiptPrinter.from_config(cfg.printer_url, cfg.printer_model)
    readers = CardReaders(cfg.card_reader, cfg.sam_reader, online_mac2=server_mac2(server),
                          online_tac=server_tac(server))
    report = run_selftest(readers, cfg.limits.min_fen)
    # the purchase check applies the same rule (kiosk.serving) to every card, before any money
    logger.log(logging.INFO if report.serves_offline == ["ic", "cpu"] else logging.WARNING,
               "card self-test: serves %s while the server answers, %s offline; problems: %s",
               report.serves or "nothing", report.serves_offline or "nothing", report.problems or "none")

    box = CashBox(journal, clock)
    state = ServiceState()  # set by the UI's KioskService, read by the heartbeat

    def health() -> Any:
        """The heartbeat's device health (the staff console shows paper near end, the box)."""
        from sync.protocol import DeviceHealthEvent, PrinterHealth

        sam = readers.sam()
        try:
            quota = sam.info().quota_fen if sam is not None else None
        except KioskError:
            quota = None
        present = readers.status([readers.card_reader()]) if readers.readers() else []
        return DeviceHealthEvent(
            printer=PrinterHealth(printer.status().value), sam_quota_fen=quota,
            cash_box_notes=sum(box.status(None).notes.values()),
            reader="ok" if present else "absent",
            in_service=state.in_service, service_reason=state.reason)

    sync = SyncClient(journal, server, clock, cache, public_key, health=health, sam=readers.sam,
                      settings=SyncSettings(sam_replenish_below_fen=cfg.sam_replenish_below_fen,
                                            sam_interval_s=cfg.sam_check_interval_s))
    accounts = SiteAccounts(cache, sync, public_key, clock)
    svc = PurchaseService(KioskContext(
        kiosk_id=cfg.kiosk_id, terminal_no=cfg.terminal, journal=journal, clock=clock,
        printer=printer, tariffs=SiteTariffs(cache, public_key), utility_name=cfg.utility_name,
        limits=cfg.limits, is_blocked=accounts.is_blocked, is_online=lambda: sync.online is True,
        receipt_key=key, tariff_id=cfg.tariff_id))
    qr = QrPayment(server)
    devices = Devices(
        cards=ReaderCards(readers), open_acceptor=lambda: open_acceptor(cfg),
        payments={"qr": qr}, accounts=accounts, is_online=lambda: sync.online is True,
        credit_payment=accounts.credit_payment,
        print_lines=lambda lines, title: printer.print_lines(lines, title),
        extras={"selftest": report.as_dict()}, state=state,
        service=service_ports(cfg, clock, sync, readers, printer, journal))
    return Site(cfg, journal, readers, printer, server, cache, sync, svc, devices, report)


def open_acceptor(cfg: Any) -> Any:
    """The ccTalk bill acceptor of the configuration: its URL, checksum mode, bus echo, and
    whether it reports its cassette going out and in (a collection waits for that)."""
    from devices.cash.acceptor import BillAcceptor
    from devices.cash.cctalk import checksum_mode

    return BillAcceptor.open(cfg.cash_url, echo=cfg.cash_echo, checksum=checksum_mode(cfg.cash_checksum),
                             reports_cassette=cfg.cash_reports_cassette)


def service_ports(cfg: Any, clock: Any, sync: Any, readers: Any, printer: Any, journal: Any) -> Any:
    """The technician's service screen on the site's devices: PIN hashes from the config,
    sync state from the sync client, the card self-test, printer status and a test print,
    and the last warnings logged (a ring on the root logger). The CPU loads whose TAC did
    not verify (CARD-TAC) are no port: the screen reads them from the journal each time it
    makes its findings (ui.technician.TechnicianOps.tac_failures)."""
    from datetime import timedelta

    from devices.card.selftest import run_selftest
    from devices.printer.cli import sample_receipt
    from kiosk.technician import LogRing, TechnicianGate
    from ui.technician import ServicePorts

    ring = LogRing()
    logging.getLogger().addHandler(ring)
    gate = TechnicianGate(cfg.technicians, clock, cfg.technician_max_failures,
                          timedelta(seconds=cfg.technician_lockout_s), journal_call=journal.call)
    return ServicePorts(
        gate=gate, sync_status=sync.status, sync_now=sync.run_now,
        card_selftest=lambda: run_selftest(readers, cfg.limits.min_fen).as_dict(),
        printer_report=lambda: printer.status_report().to_json(),
        print_test=lambda: printer.print_receipt(sample_receipt(clock.now())), logs=ring)


def run_site(config_path: str) -> int:
    """`main.py --config FILE`: the kiosk on its real devices."""
    from PySide6.QtWidgets import QApplication

    from kiosk.config import load_config
    from kiosk.errors import KioskError
    from ui.app import PANEL, setup_app
    from ui.kiosk_service import KioskService
    from ui.voice import Speaker
    from ui.window import KioskWindow

    logging.basicConfig(level=logging.INFO)
    try:
        cfg = load_config(config_path)
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        log_file = logging.handlers.RotatingFileHandler(cfg.data_dir / "kiosk.log", maxBytes=5_000_000,
                                                        backupCount=5, encoding="utf-8")
        log_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(log_file)
        site = build_site(cfg)
    except KioskError as exc:
        print(f"main.py: cannot start: {exc}", file=sys.stderr)
        return 2
    app = QApplication(sys.argv[:1])
    setup_app(app)
    ks = KioskService(site.svc, site.devices)
    site.devices.payments["qr"].show_qr = ks.show_qr
    win = KioskWindow(ks, Speaker())
    win.setFixedSize(*PANEL)
    ks.start()
    site.sync.start()
    win.showFullScreen()
    try:
        return app.exec()
    finally:
        ks.stop()
        site.close()


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if "--config" in args:
        i = args.index("--config")
        if i + 1 >= len(args):
            print("main.py: --config needs a file", file=sys.stderr)
            return 2
        return run_site(args[i + 1])
    from ui.app import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
