"""Composition of the demo (and of the UI tests): the kiosk on simulated devices. The cash
acceptor is the real ccTalk driver (devices/cash) talking to the ccTalk simulator over a
pyserial socket:// URL, the printer the real ESC/POS driver talking to the printer simulator
over TCP, the journal the real SQLite journal, the account data the sync client's real
download cache. Cards are the core's file-backed card fakes (kiosk/fakes.py), several demo
cards that the control window (ui/demo_control.py) inserts and pulls; or, with
`DemoRig(emulator=ui.demo_emu.EmulatorDemo.start())`, the same people on the vpcd card
emulator read through pyscard and pcscd. The demo modules (and ui/app.py, ui/walk.py) are
the only part of ui/ that imports devices/ or sync/: the screens talk to the core through
ui/kiosk_service.py and ui/session.py."""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from devices.cash.acceptor import BillAcceptor
from devices.printer import EscposReceiptPrinter
from devices.printer.cli import sample_receipt
from devices.sim.cash_sim import CashSimulator
from devices.sim.printer_sim import PrinterSim
from kiosk.card import LEAK_ALARM, LOW_BATTERY, CardSnapshot, CardTech
from kiosk.clock import SystemClock
from kiosk.errors import CardAbsent, PaymentError, UnknownCard
from kiosk.fakes import FakeCard, FakePayment
from kiosk.journal import Journal
from kiosk.outbox import unsent_state
from kiosk.ports import CardSession, Clock, PaymentMethod
from kiosk.pricing import parse_tariff
from kiosk.purchase.service import KioskContext, PurchaseService
from kiosk.technician import LogRing, SyncStatus, TechnicianGate, hash_pin
from sync.cache import DownloadCache

from .kiosk_service import Devices, KioskService
from .technician import ServicePorts

logger = logging.getLogger(__name__)

KIOSK_ID = "DEMO01"
DEMO_TECH_PIN = "246810"  # the demo's technician PIN (a site configures PIN hashes, never PINs)
TARIFF = {
    "tariff_id": "residential", "version": 3, "valid_from": "2026-01-01", "tier_year_start": "01-01",
    "tiers": [{"up_to_m3": "350", "price": "2.61"}, {"up_to_m3": "500", "price": "2.83"},
              {"up_to_m3": None, "price": "4.23"}],
}
# name -> (tech, serial, customer, extra FakeCard fields)
DEMO_CARDS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "ic": ("ic", "0102030405060708", "1234567890", {"seq": 4, "tier_units": 12000, "volume": 3000,
                                                    "meter_remaining": 1234}),
    "cpu": ("cpu", "8877665544332211", "2233445566", {"balance_fen": 3500, "meter_remaining": 4210}),
    # a meter that recorded a leak alarm and a low battery (status bits of gas-cards.md)
    "alarm": ("ic", "2122232425262728", "5566778899", {"seq": 3, "volume": 2000, "meter_remaining": 80,
                                                       "meter_status": LEAK_ALARM | LOW_BATTERY}),
    "blocked": ("ic", "0A0B0C0D0E0F1011", "3344556677", {"seq": 2}),
    "meter_not_loaded": ("ic", "1112131415161718", "4455667788", {"seq": 7}),
    "unknown": ("ic", "FFFFFFFFFFFFFFFF", "0000000000", {}),
}


class UnknownCardSession:
    """A card that answers but carries no gas-card layout."""

    def read(self) -> CardSnapshot:
        raise UnknownCard("no known card profile")

    def write_credit(self, credit: Any) -> Any:
        raise UnknownCard("no known card profile")

    def check_credit(self, credit: Any) -> Any:
        raise UnknownCard("no known card profile")

    def offline_quota_fen(self) -> int | None:
        return None


class DemoCards:
    """The card slot: one of the demo cards, or none."""

    def __init__(self, d: Path) -> None:
        d.mkdir(parents=True, exist_ok=True)
        self.cards: dict[str, FakeCard] = {}
        for name, (tech, serial, cust, kw) in DEMO_CARDS.items():
            path = d / f"card_{name}.json"
            c = FakeCard(path, tech=tech, serial=serial, customer=cust, **kw)
            c.set(present=False)
            if name == "meter_not_loaded":
                c.set(meter_loaded=kw["seq"] - 1)
            self.cards[name] = c
        self.inserted: str | None = None
        self._lock = threading.Lock()

    def insert(self, name: str) -> None:
        with self._lock:
            if self.inserted is not None:
                self.cards[self.inserted].set(present=False)
            self.inserted = name
            self.cards[name].set(present=True)

    def pull(self) -> None:
        with self._lock:
            if self.inserted is not None:
                self.cards[self.inserted].set(present=False)
            self.inserted = None

    def present(self) -> bool:
        return self.inserted is not None

    def session(self) -> CardSession:
        name = self.inserted
        if name is None:
            raise CardAbsent("no card in the reader")
        if name == "unknown":
            return UnknownCardSession()
        return self.cards[name]

    def meter_load(self, name: str) -> None:
        """The resident took the card home and the meter loaded it."""
        self.cards[name].meter_load()

    def _set_inserted(self, **kv: Any) -> None:
        name = self.inserted
        if name is not None and name != "unknown":
            self.cards[name].set(**kv)

    def refuse_next_write(self) -> None:
        self._set_inserted(refuse_writes=True)

    def tear_next_write(self) -> None:
        """The card is pulled during the next write, after the card took it."""
        self._set_inserted(pull_on_write="apply")


class ReaderCards:
    """The real card readers (devices/card over pyscard and pcscd) as the UI's CardSource:
    one session per insertion (CardReaders.current_session). Both calls run on the card
    worker; the session's own calls run on the reader's worker thread."""

    def __init__(self, readers: Any) -> None:
        self.readers = readers

    def present(self) -> bool:
        reader = self.readers.card_reader()
        return bool(self.readers.status([reader])[0].present)

    def session(self) -> CardSession:
        session: CardSession = self.readers.current_session()
        return session


class DemoQrPayment:
    """A QR payment the way sync.payments.QrPayment behaves: charge() shows a code through
    show_qr, then waits until the payer pays (the control window's button), the resident
    cancels, or it times out. Money moves in the file-backed FakePayment provider."""

    method = PaymentMethod.QR

    def __init__(self, provider: FakePayment, timeout_s: float = 120.0) -> None:
        self.provider = provider
        self.timeout_s = timeout_s
        self.show_qr: Any = None
        self._paid = threading.Event()
        self._cancel = threading.Event()
        self.waiting = threading.Event()

    def pay(self) -> None:
        """The payer scanned the code and paid."""
        self._paid.set()

    def cancel(self) -> None:
        self._cancel.set()

    def charge(self, txn_id: str, amount_fen: int) -> str:
        self._paid.clear()
        self._cancel.clear()
        if self.show_qr is not None:
            self.show_qr(f"https://pay.example.com/kiosk/{KIOSK_ID}/{txn_id}?fen={amount_fen}", None)
        self.waiting.set()
        try:
            end = time.monotonic() + self.timeout_s
            while not self._paid.is_set() and not self._cancel.is_set() and time.monotonic() < end:
                self._paid.wait(0.05)
        finally:
            self.waiting.clear()
        if not self._paid.is_set():
            raise PaymentError("payment cancelled" if self._cancel.is_set() else "payment not made")
        return self.provider.charge(txn_id, amount_fen)

    def charged_fen(self, txn_id: str) -> int:
        return self.provider.charged_fen(txn_id)

    def refund(self, txn_id: str, amount_fen: int) -> str:
        return self.provider.refund(txn_id, amount_fen)


class DemoCreditPayment:
    """A credit paid elsewhere as a payment (sync.credits.CreditPayment does this against the
    server): the demo cache holds the claim."""

    method = PaymentMethod.ELSEWHERE

    def __init__(self, accounts: DemoAccounts, credit_id: str) -> None:
        self.accounts, self.credit_id = accounts, credit_id

    def _credit(self) -> dict[str, Any]:
        c = self.accounts.cache.get("pending_credits", self.credit_id)
        assert c is not None
        return c

    def charge(self, txn_id: str, amount_fen: int) -> str:
        c = self._credit()
        if c["status"] != "open" and c.get("applied_txn_id") != txn_id:
            raise PaymentError("credit already used", credit_id=self.credit_id)
        if amount_fen != c["amount_fen"]:
            raise PaymentError("a credit is loaded whole", credit_id=self.credit_id)
        self.accounts.set_credit(self.credit_id, status="claimed", applied_txn_id=txn_id)
        return f"CREDIT-{self.credit_id}"

    def charged_fen(self, txn_id: str) -> int:
        c = self._credit()
        return int(c["amount_fen"]) if c.get("applied_txn_id") == txn_id else 0

    def refund(self, txn_id: str, amount_fen: int) -> str:
        self.accounts.set_credit(self.credit_id, status="open", applied_txn_id=None)
        return f"CREDIT-NOT-LOADED-{self.credit_id}"


class DemoAccounts:
    """Account data and notices from the sync client's download cache (sync/cache.py)."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.cache = DownloadCache(path)
        self.clock = clock
        self.fetched_at: datetime | None = None
        self.load()

    def load(self) -> None:
        accounts = [
            {"customer_no": "1234567890", "status": "active", "arrears_fen": 0, "credit_fen": 37},
            {"customer_no": "2233445566", "status": "active", "arrears_fen": 3560, "credit_fen": 0},
            {"customer_no": "3344556677", "status": "active", "arrears_fen": 0, "credit_fen": 0,
             "blocked_cards": [{"serial": "0A0B0C0D0E0F1011", "reason": "lost",
                                "blocked_at": "2026-11-01T09:00:00+08:00"}]},
        ]
        notices = [
            {"notice_id": "N1", "title": "12月3日 9:00-12:00 城东片区计划停气检修",
             "text": "请提前关闭燃气阀门；恢复供气后先开窗再点火。"},
            {"notice_id": "N2", "title": "冬季用气安全提示",
             "text": "使用燃气时保持通风；闻到异味请立即开窗、离开并拨打 96777。"},
        ]
        # 50 yuan the IC card's customer paid in the utility's app, to load at a kiosk
        credits = [{"credit_id": "C-DEMO-1", "customer_no": "1234567890", "amount_fen": 5000,
                    "paid_at": "2026-11-30T19:20:00+08:00", "source": "app", "status": "open",
                    "card_serial": "0102030405060708", "card_counter": None}]
        self.cache.apply("accounts", [(a["customer_no"], json.dumps(a)) for a in accounts], 1)
        self.cache.apply("pending_credits", [(c["credit_id"], json.dumps(c)) for c in credits], 1)
        self.cache.apply("notices", [(n["notice_id"], json.dumps(n)) for n in notices], 1)
        self.fetched_at = self.clock.now()

    def account(self, customer_no: str) -> dict[str, Any] | None:
        return self.cache.get("accounts", customer_no)

    def notices(self) -> list[dict[str, Any]]:
        return self.cache.all("notices")

    def as_of(self) -> datetime | None:
        return self.fetched_at

    def credits(self, snap: CardSnapshot) -> list[dict[str, Any]]:
        return [{**c, "loadable": True, "why": None} for c in self.cache.all("pending_credits")
                if c["customer_no"] == snap.customer_no and c["status"] == "open"]

    def credit_payment(self, credit_id: str, snap: CardSnapshot) -> DemoCreditPayment:
        return DemoCreditPayment(self, credit_id)

    def set_credit(self, credit_id: str, **kv: Any) -> None:
        c = self.cache.get("pending_credits", credit_id)
        assert c is not None
        self.cache.apply("pending_credits", [(credit_id, json.dumps({**c, **kv}))],
                         self.cache.version("pending_credits") + 1)

    def ticket(self, client_ref: str) -> dict[str, Any] | None:
        return self.cache.get("tickets", client_ref)

    def set_ticket(self, client_ref: str, status: str, note: str = "") -> None:
        """What the staff console does to a ticket (the demo has no server)."""
        self.cache.apply("tickets", [(client_ref, json.dumps({"client_ref": client_ref, "status": status,
                                                              "note": note}))],
                         self.cache.version("tickets") + 1)

    def is_blocked(self, serial: str) -> bool:
        for a in self.cache.all("accounts"):
            if any(b.get("serial") == serial for b in a.get("blocked_cards", [])):
                return True
        return False


@dataclass
class DemoRig:
    """Everything the demo kiosk runs on. `online` is the demo's network switch."""

    dir: Path
    clock: Clock = field(default_factory=SystemClock)
    online: bool = True
    card_source: Any = None  # e.g. ReaderCards(CardReaders()); default: the demo card fakes
    # ui.demo_emu.EmulatorDemo: the demo cards on the vpcd emulator, read through pcscd; the
    # control window's card buttons go to the emulator (rig.cards is then its EmulatorCards)
    emulator: Any = None

    def __post_init__(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.cash_sim = CashSimulator()
        self.cash_sim.start()
        self.printer_sim = PrinterSim().start()
        self.printer = EscposReceiptPrinter.from_config(self.printer_sim.url, "80")
        if self.emulator is not None:
            self.card_source = self.emulator.source
        self.cards: Any = self.emulator.control if self.emulator is not None else DemoCards(self.dir / "cards")
        self.accounts = DemoAccounts(self.dir / "cache.db", self.clock)
        self.payment = FakePayment(self.dir / "payment.json", PaymentMethod.QR)
        self.qr = DemoQrPayment(self.payment)
        self.journal = Journal(self.dir / "journal.db", KIOSK_ID)
        self.journal.open()
        self.svc = PurchaseService(KioskContext(
            kiosk_id=KIOSK_ID, terminal_no=1, journal=self.journal, clock=self.clock,
            printer=self.printer, tariffs=[parse_tariff(TARIFF)],
            is_blocked=self.accounts.is_blocked, is_online=lambda: self.online))
        self.acceptor: BillAcceptor | None = None
        self.logs = LogRing()
        logging.getLogger().addHandler(self.logs)
        self.sync_alert_after = timedelta(hours=1)
        self.gate = TechnicianGate({"DEMO": hash_pin(DEMO_TECH_PIN, iterations=1000)}, self.clock,
                                   journal_call=self.journal.call)
        service = ServicePorts(
            gate=self.gate, sync_status=self._sync_status, card_selftest=self._card_selftest,
            printer_report=lambda: self.printer.status_report().to_json(),
            print_test=lambda: self.printer.print_receipt(sample_receipt(self.clock.now())), logs=self.logs)
        self.devices = Devices(cards=self.card_source or self.cards, open_acceptor=self._open_acceptor,
                               payments={"qr": self.qr}, accounts=self.accounts,
                               credit_payment=self.accounts.credit_payment,
                               is_online=lambda: self.online, print_lines=self._print_lines,
                               service=service)

    def _sync_status(self) -> SyncStatus:
        """The demo has no server: every journal row stays unsent (the alert shows after an hour)."""
        _last, oldest, n = self.journal.call(unsent_state)
        return SyncStatus(online=self.online, last_answer_at=None,
                          last_error=None if self.online else "demo network switched off",
                          unsent_rows=n, oldest_unsent_at=oldest, alert_after=self.sync_alert_after,
                          now=self.clock.now(), server="demo: no server")

    def _card_selftest(self) -> dict[str, Any]:
        if self.card_source is not None and hasattr(self.card_source, "readers"):
            from devices.card.selftest import run_selftest

            return run_selftest(self.card_source.readers).as_dict()
        return {"readers": [{"name": "demo cards", "role": "card", "card_present": self.cards.inserted is not None,
                             "atr": "", "memory_cards": "yes"}],
                "sam_ok": True, "sam_id": "DEMO", "sam_quota_fen": None, "sam_counter": None,
                "serves": ["ic", "cpu"], "problems": []}

    def _open_acceptor(self) -> BillAcceptor:  # on the cash worker: it binds the acceptor's thread
        self.acceptor = BillAcceptor.open(self.cash_sim.url, poll_interval=0.02, stack_timeout=3.0)
        return self.acceptor

    def _print_lines(self, lines: list[str], title: str) -> None:
        self.printer.print_lines(lines, title)

    def service(self) -> KioskService:
        ks = KioskService(self.svc, self.devices)
        self.qr.show_qr = ks.show_qr
        return ks

    def close(self, ks: KioskService | None = None) -> None:
        if ks is not None:
            acc = self.acceptor
            if acc is not None:
                done = threading.Event()
                ks.workers["cash"].submit(lambda: (acc.close(), done.set()))
                done.wait(5)
            ks.stop()
        logging.getLogger().removeHandler(self.logs)
        self.journal.close()
        self.accounts.cache.close()
        self.printer_sim.stop()
        self.cash_sim.stop()
        if self.emulator is not None:
            self.emulator.close()


__all__ = ["LOW_BATTERY", "CardTech", "DemoCards", "DemoRig"]
