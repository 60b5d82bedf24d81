"""The receipt's verification code, end to end: a real cash purchase through the ccTalk and
ESC/POS simulators, its QR read back from what the printer received (the native GS ( k
payload on 80 mm, the raster image decoded with zxing-cpp on 58 mm), its journal uploaded
to the real sync server on 127.0.0.1, and the server's /receipts/verify answering with the
amounts it holds. A tampered code is refused. A jammed note reaches the server as an alert."""
from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devices.cash.acceptor import BillAcceptor
from devices.printer import EscposReceiptPrinter
from devices.sim.cash_sim import CashSimulator
from devices.sim.printer_sim import PrinterSim
from kiosk.errors import NoteJammed
from kiosk.fakes import FakeCard, FixedClock
from kiosk.journal import Journal
from kiosk.outbox import drain
from kiosk.ports import PaymentMethod
from kiosk.pricing import parse_tariff
from kiosk.purchase.service import KioskContext, PurchaseService
from kiosk.purchase.states import S
from sync.client import HttpServer
from sync.server import service
from tests.kiosk.world import TARIFF
from tests.sync.server.sync_server_harness import LiveServer, start_server


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("hub")
    server = start_server(f"sqlite:///{tmp / 'server.db'}", tmp / "keys", "sqlite")
    yield server
    server.stop()


class Site:
    """A kiosk registered on the hub, on the real drivers and simulators."""

    def __init__(self, d: Path, hub: LiveServer, model: str = "80") -> None:
        self.kiosk_id = "RV-" + uuid.uuid4().hex[:10]
        self.key = bytes.fromhex(service.add_kiosk(hub.sf, self.kiosk_id))
        self.cash = CashSimulator()
        self.cash.start()
        self.sim = PrinterSim(width_dots=384 if model == "58" else 576).start()
        d.mkdir(parents=True, exist_ok=True)
        self.journal = Journal(d / "journal.db", self.kiosk_id)
        self.journal.open()
        self.acceptor = BillAcceptor.open(self.cash.url, stack_timeout=3.0, poll_interval=0.01)
        # a card of its own: the hub is shared, and one card loaded from the same counter at
        # two kiosks is a card_counter_reused alert
        self.card = FakeCard(d / "card.json", serial=uuid.uuid4().hex[:16].upper())
        self.svc = PurchaseService(KioskContext(
            kiosk_id=self.kiosk_id, terminal_no=3, journal=self.journal, clock=FixedClock(),
            printer=EscposReceiptPrinter.from_config(self.sim.url, model),
            tariffs=[parse_tariff(TARIFF)], is_online=lambda: True, receipt_key=self.key))
        self.server = HttpServer(hub.base_url, self.kiosk_id, self.key, timeout_s=10,
                                 server_key=hub.state.signer.public_key_hex)

    def buy(self, *notes: int, jam_last: bool = False) -> str:
        check = self.svc.check_card(self.card.read())
        txn = self.svc.begin(check, "amount", sum(notes), PaymentMethod.CASH)
        self.svc.cash_enable(txn, self.acceptor)
        for i, fen in enumerate(notes):
            if jam_last and i == len(notes) - 1:
                self.cash.jam("stacker")
            assert self.cash.insert_note(fen) == "escrow"
            try:
                self.svc.take_note(txn, self.acceptor)
            except NoteJammed:
                assert jam_last
        self.acceptor.inhibit()
        assert self.svc.finish_payment(txn) is S.PAID
        assert self.svc.write_card(txn, self.card) is S.CARD_DONE
        assert self.svc.print_receipt(txn) is S.RECEIPT_DONE
        self.svc.close(txn)
        self.card.meter_load()  # the resident loads the meter before the next purchase
        return txn

    def upload(self) -> None:
        drain(self.journal, self.server, self.svc.ctx.clock)

    def close(self) -> None:
        self.server.close()
        self.acceptor.close()
        self.journal.close()
        self.sim.stop()
        self.cash.stop()


@pytest.fixture()
def site(tmp_path: Path, hub: LiveServer) -> Iterator[Site]:
    s = Site(tmp_path / "kiosk", hub)
    yield s
    s.close()


def verify(hub: LiveServer, code: str) -> httpx.Response:
    return httpx.get(f"{hub.base_url}/receipts/verify", params={"code": code}, timeout=10)


def test_a_real_receipt_code_is_valid_with_the_ledger_amounts(site: Site, hub: LiveServer) -> None:
    txn = site.buy(10000, 5000)
    [code] = site.sim.qr_payloads()  # decoded from the GS ( k bytes the printer received
    assert code.startswith(f"{site.kiosk_id}:") and f":{txn}:" in code
    # printed, not uploaded yet: the server cannot know it
    r = verify(hub, code)
    assert r.status_code == 200 and r.json()["status"] == "unknown"
    site.upload()
    assert site.svc.get(txn).state == S.ACKED.value
    r = verify(hub, code)
    assert r.status_code == 200, r.text
    got = r.json()
    p = site.svc.get(txn)
    assert got["status"] == "valid" and got["txn_id"] == txn and got["seq"] == p.created_seq
    assert got["receipt"]["paid_fen"] == 15000 == p.paid_fen
    assert (got["receipt"]["cost_fen"], got["receipt"]["volume_units"]) == (p.cost_fen, p.volume_units)
    assert got["ledger"]["state"] == "OUTBOX"  # the last row the server holds: purchase.closed
    assert got["ledger"]["remainder_fen"] == p.remainder_fen
    # the printed text lines carry the same code
    lines = site.sim.lines()
    at = lines.index("验证码")
    assert "".join(lines[at + 1:]) == code


@pytest.mark.parametrize("tamper", ["mac", "txn", "seq", "kiosk"])
def test_a_tampered_code_is_refused(site: Site, hub: LiveServer, tamper: str) -> None:
    site.buy(5000)
    other = site.buy(2000)  # another real transaction of the same kiosk
    site.upload()
    [code, code2] = site.sim.qr_payloads()
    kiosk, seq, txn, mac = code.split(":")
    flipped = mac[:-1] + ("0" if mac[-1] != "0" else "1")
    bad = {"mac": f"{kiosk}:{seq}:{txn}:{flipped}",
           "txn": f"{kiosk}:{seq}:{other}:{mac}",  # a real txn under another's MAC
           "seq": f"{kiosk}:{int(seq) + 1}:{txn}:{mac}",
           "kiosk": f"RV-nobody:{seq}:{txn}:{mac}"}[tamper]
    r = verify(hub, bad)
    assert r.status_code == 200
    assert r.json()["status"] == ("unknown" if tamper == "kiosk" else "forged")
    assert verify(hub, code2).json()["status"] == "valid"  # the genuine ones still are


@pytest.mark.parametrize("text", ["", "not a code", "K:1:T", "K:x:T:0123456789abcdef", "K:1:T:zz23456789abcdef"])
def test_malformed_codes_are_400(hub: LiveServer, text: str) -> None:
    r = verify(hub, text)
    assert r.status_code == 400 and r.json()["status"] == "malformed"


def test_the_58mm_raster_qr_decodes_to_a_valid_code(tmp_path: Path, hub: LiveServer) -> None:
    import zxingcpp
    from PIL import Image

    s = Site(tmp_path / "k58", hub, model="58")
    try:
        s.buy(5000)
        assert s.sim.qr_payloads() == []  # no native QR on this printer: a raster image
        png = s.sim.render_png()
        [code] = [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
        s.upload()
        assert verify(hub, code).json()["status"] == "valid"
    finally:
        s.close()


def test_a_jammed_note_raises_an_alert_on_the_server(site: Site, hub: LiveServer) -> None:
    txn = site.buy(5000, 2000, jam_last=True)
    site.upload()
    assert site.journal.raw("SELECT state FROM cash_notes ORDER BY id") == [("stacked",), ("jammed",)]
    every = service.alerts(hub.sf, kiosk_id=site.kiosk_id)
    alerts = [a for a in every if a.kind == "cash_note_jammed"]
    assert len(alerts) == 1 and txn in alerts[0].detail and "2000" in alerts[0].detail, [
        (a.kind, a.detail) for a in every]
    assert alerts[0].seq == site.journal.raw("SELECT seq FROM journal WHERE kind = 'cash.note_jammed'")[0][0]
    assert [a.kind for a in every] == ["cash_note_jammed"]
