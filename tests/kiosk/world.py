"""A kiosk world of fakes for core tests and the crash harness: journal, card, acceptor,
provider, printer, server; file-backed in a directory so it survives SIGKILL."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.card import CardTech
from kiosk.fakes import FakeAcceptor, FakeCard, FakePayment, FakePrinter, FakeServer, FixedClock
from kiosk.journal import Journal
from kiosk.ports import PaymentMethod
from kiosk.pricing import parse_tariff
from kiosk.purchase.recovery import Recovery
from kiosk.purchase.service import KioskContext, PurchaseService

TARIFF = {
    "tariff_id": "residential", "version": 3, "valid_from": "2026-01-01", "tier_year_start": "01-01",
    "tiers": [{"up_to_m3": "350", "price": "2.61"}, {"up_to_m3": "500", "price": "2.83"},
              {"up_to_m3": None, "price": "4.23"}],
}
KIOSK = "K0001"


_TEMPLATE: Path | None = None


def _template_journal() -> Path:
    """An empty journal at the head migration, made once per process: the crash harness
    forks thousands of kiosks, each starts from a copy instead of running the migrations
    (a kiosk whose first start happened before the purchase)."""
    global _TEMPLATE
    if _TEMPLATE is None or not _TEMPLATE.exists():
        shm = Path("/dev/shm")
        d = Path(tempfile.mkdtemp(prefix="kiosk-template-", dir=shm if shm.is_dir() else None))
        with Journal(d / "journal.db", KIOSK):
            pass
        _TEMPLATE = d / "journal.db"
    return _TEMPLATE


@dataclass
class World:
    dir: Path
    journal: Journal
    card: FakeCard
    acceptor: FakeAcceptor
    payment: FakePayment
    printer: FakePrinter
    server: FakeServer
    svc: PurchaseService

    @classmethod
    def open(cls, d: Path, tech: str = "ic", notes: tuple[int, ...] = (), online: bool = True,
             card_kw: dict[str, object] | None = None) -> World:
        d.mkdir(parents=True, exist_ok=True)
        if not (d / "journal.db").exists():
            # atomically: a random-instant kill may land in the copy, and a half-copied
            # journal is the harness's mistake, not the kiosk's
            part = d / "journal.db.part"
            shutil.copyfile(_template_journal(), part)
            os.replace(part, d / "journal.db")
        journal = Journal(d / "journal.db", KIOSK)
        journal.open()
        card = FakeCard(d / "card.json", tech=tech, **(card_kw or {}))
        acceptor = FakeAcceptor(d / "acceptor.json", notes)
        payment = FakePayment(d / "payment.json", PaymentMethod.QR)
        printer = FakePrinter(d / "printer.json")
        server = FakeServer(d / "server.db")
        ctx = KioskContext(kiosk_id=KIOSK, terminal_no=7, journal=journal, clock=FixedClock(),
                           printer=printer, tariffs=[parse_tariff(json.loads(json.dumps(TARIFF)))],
                           is_online=lambda: online)
        return cls(d, journal, card, acceptor, payment, printer, server, PurchaseService(ctx))

    def recovery(self, card_present: bool = True) -> Recovery:
        return Recovery(self.svc, self.acceptor, {"qr": self.payment},
                        lambda serial: self.card if card_present and self.card.dump()["serial"] == serial
                        else None)

    def close(self) -> None:
        self.journal.close()
        self.server.close()


def tech_of(name: str) -> CardTech:
    return CardTech(name)
