"""A credit paid elsewhere whose card write failed is released: the purchase that claimed it
online ends without credit (purchase.refunded; purchase.cancel when it never got paid),
that journal row names the credit, and at ingest the server releases the claim, so the
credit is open again and the same or another kiosk loads it, exactly once. The kiosk's core
with the real server, the card through the real pcscd and the vpcd emulator."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sync_server_harness import Chain, KioskClient, LiveServer

from devices.card.readers import CardReaders
from devices.sim import harness
from devices.sim.emulator import CardEmulator
from kiosk.fakes import FakeCard, FakePayment, FakePrinter, FixedClock
from kiosk.journal import Journal
from kiosk.outbox import drain
from kiosk.ports import PaymentMethod
from kiosk.pricing import parse_tariff
from kiosk.purchase.recovery import Recovery
from kiosk.purchase.service import KioskContext, PurchaseService
from kiosk.purchase.states import S
from sync.client import HttpServer
from sync.credits import CreditPayment
from sync.protocol import PendingCredit, PendingCreditStatus, RowEnvelope
from sync.server import service
from sync.server.db import CreditClaim, PendingCreditRow
from tests.kiosk.world import TARIFF

CUSTOMER = "0000000042"


class Kiosk:
    def __init__(self, live: LiveServer, d: Path) -> None:
        k = live.new_kiosk()
        k.close()
        d.mkdir(parents=True, exist_ok=True)
        self.kiosk_id, self.key = k.kiosk_id, k.key
        self.server = HttpServer(live.base_url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex, timeout_s=5.0)
        self.journal = Journal(d / "journal.db", k.kiosk_id)
        self.journal.open()
        self.svc = PurchaseService(KioskContext(
            kiosk_id=k.kiosk_id, terminal_no=7, journal=self.journal, clock=FixedClock(),
            printer=FakePrinter(), tariffs=[parse_tariff(TARIFF)], is_online=lambda: True))

    def sync(self) -> int:
        return drain(self.journal, self.server, self.svc.ctx.clock)

    def rows(self, txn: str | None = None) -> list[RowEnvelope]:
        where = "" if txn is None else f" WHERE txn_id = '{txn}'"
        return [RowEnvelope(kiosk_id=self.kiosk_id, seq=r[0], txn_id=r[1], kind=r[2], body=r[3],
                            prev_hash=r[4], row_hash=r[5])
                for r in self.journal.raw("SELECT seq, txn_id, kind, body, prev_hash, row_hash "
                                          f"FROM journal{where} ORDER BY seq")]

    def body(self, txn: str, kind: str) -> dict[str, object]:
        found = self.journal.raw(f"SELECT body FROM journal WHERE txn_id = '{txn}' AND kind = '{kind}'")
        assert len(found) == 1, (txn, kind, found)
        body: dict[str, object] = json.loads(found[0][0])
        return body

    def close(self) -> None:
        self.journal.close()
        self.server.close()


def _put_credit(live: LiveServer, serial: str, amount: int = 3000) -> str:
    cid = f"C-{uuid.uuid4().hex[:8]}"
    service.put_pending_credit(live.sf, PendingCredit(
        credit_id=cid, customer_no=CUSTOMER, amount_fen=amount, paid_at=datetime.now(UTC),
        source="app", card_serial=serial))
    return cid


def _download(k: Kiosk, cid: str) -> PendingCredit:
    """The signed credit as the kiosk's download would cache it (its latest version)."""
    since, found = 0, []
    while True:
        page = k.server.pending_credits(since)
        found += [c for c in page.items if c.credit_id == cid]
        since = page.version
        if not page.more:
            return found[-1]


def _server_view(live: LiveServer, cid: str) -> tuple[PendingCredit, tuple[str, str, int] | None, int]:
    """(latest version, the claim row as (kiosk, txn, seq), how many versions)."""
    with live.sf() as s:
        credit = service.latest_pending_credit(s, cid)
        claim = s.get(CreditClaim, cid)
        versions = len(list(s.scalars(select(PendingCreditRow.version).where(PendingCreditRow.credit_id == cid))))
    assert credit is not None
    return credit, None if claim is None else (claim.kiosk_id, claim.txn_id, int(claim.seq)), versions


@pytest.fixture
def kiosks(live: LiveServer, tmp_path: Path) -> Iterator[tuple[Kiosk, Kiosk]]:
    a, b = Kiosk(live, tmp_path / "a"), Kiosk(live, tmp_path / "b")
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def _ic_counter(emu: CardEmulator, readers: CardReaders) -> tuple[int, int]:
    with harness.insert_and_open(emu, readers, "c") as s:
        snap = s.read()
    assert snap.record is not None
    return snap.record.seq, snap.record.amount_fen


def test_a_claimed_credit_whose_card_write_failed_is_released_and_loaded_once(
        live: LiveServer, card_env, kiosks: tuple[Kiosk, Kiosk]) -> None:  # type: ignore[no-untyped-def]
    emu, readers = card_env
    a, b = kiosks
    pub = live.state.signer.public_key_hex
    serial = uuid.uuid4().hex[:16].upper()
    emu.issue_ic("c", serial, customer_no=CUSTOMER)

    # an ordinary purchase first, so the server knows the card and its counter
    with harness.insert_and_open(emu, readers, "c") as s:
        check = a.svc.check_card(s.read(), s.offline_quota_fen())
        txn0 = a.svc.begin(check, "amount", 1000, PaymentMethod.QR)
        assert a.svc.pay_electronic(txn0, FakePayment()) is S.PAID
        assert a.svc.write_card(txn0, s) is S.CARD_DONE
    a.svc.print_receipt(txn0)
    a.svc.close(txn0)
    a.sync()
    emu.meter_load("c")
    cid = _put_credit(live, serial)
    cached = _download(a, cid)
    assert (cached.status, cached.card_serial, cached.card_counter) == (PendingCreditStatus.OPEN, serial, 1)

    # kiosk A claims it online; the chip takes no write (the read-back differs)
    emu.freeze("c")
    with harness.insert_and_open(emu, readers, "c") as s:
        snap = s.read()
        pay = CreditPayment(cached, snap, pub, a.server)
        txn1 = a.svc.begin(a.svc.check_card(snap, s.offline_quota_fen()), "amount", 3000,
                           PaymentMethod.ELSEWHERE, credit_id=cid)
        assert a.svc.pay_electronic(txn1, pay) is S.PAID
        assert a.svc.write_card(txn1, s) is S.CARD_FAILED

        # meanwhile kiosk B, online, is refused the credit (A's transaction has it) and ends
        # its own purchase without credit: that row names the credit, but B held no claim
        pay_b = CreditPayment(cached, snap, pub, b.server)
        txn_b = b.svc.begin(b.svc.check_card(snap, s.offline_quota_fen()), "amount", 3000,
                            PaymentMethod.ELSEWHERE, credit_id=cid)
        assert b.svc.pay_electronic(txn_b, pay_b) is S.CANCELLED
    assert b.body(txn_b, "purchase.cancel")["credit_id"] == cid
    assert b.sync() > 0
    credit, claim, _n = _server_view(live, cid)
    assert credit.status is PendingCreditStatus.CLAIMED and claim == (a.kiosk_id, txn1, 0)

    # A's purchase ends without credit: the refund row names the credit
    assert a.svc.fail_without_credit(txn1, pay) is S.REFUNDED
    refunded = a.body(txn1, "purchase.refunded")
    assert refunded["credit_id"] == cid and refunded["method"] == "elsewhere"
    assert _server_view(live, cid)[0].status is PendingCreditStatus.CLAIMED  # not uploaded yet
    assert a.sync() > 0
    credit, claim, versions = _server_view(live, cid)
    assert claim is None
    assert credit.status is PendingCreditStatus.OPEN
    assert (credit.card_serial, credit.card_counter) == (serial, 1)  # the counter the server knows
    assert credit.applied_by_kiosk is None and credit.applied_txn_id is None
    assert _ic_counter(emu, readers)[0] == 1  # the card did not move

    # the same rows uploaded again (a kiosk that never heard the answer): nothing changes
    again = KioskClient(live.base_url, a.kiosk_id, a.key)
    try:
        r = again.upload(a.rows(txn1))
        assert r.status_code == 200
        assert {x["status"] for x in r.json()["results"]} == {"duplicate"}
    finally:
        again.close()
    assert _server_view(live, cid) == (credit, None, versions)

    # another kiosk loads it now, exactly once
    emu.freeze("c", False)
    fresh = _download(b, cid)
    assert (fresh.status, fresh.card_counter) == (PendingCreditStatus.OPEN, 1)
    with harness.insert_and_open(emu, readers, "c") as s:
        snap = s.read()
        pay2 = CreditPayment(fresh, snap, pub, b.server)
        txn2 = b.svc.begin(b.svc.check_card(snap, s.offline_quota_fen()), "amount", 3000,
                           PaymentMethod.ELSEWHERE, credit_id=cid)
        assert b.svc.pay_electronic(txn2, pay2) is S.PAID
        assert b.svc.write_card(txn2, s) is S.CARD_DONE
    b.svc.print_receipt(txn2)
    b.svc.close(txn2)
    b.sync()
    credit, claim, versions = _server_view(live, cid)
    assert credit.status is PendingCreditStatus.APPLIED
    assert (credit.applied_by_kiosk, credit.applied_txn_id) == (b.kiosk_id, txn2)
    assert claim is not None and claim[:2] == (b.kiosk_id, txn2) and claim[2] > 0
    assert _ic_counter(emu, readers) == (2, b.svc.get(txn2).cost_fen)

    # A tries the credit once more: refused (applied), its card is not touched, and its
    # purchase.cancel row naming the credit releases nothing
    emu.meter_load("c")
    with harness.insert_and_open(emu, readers, "c") as s:
        snap = s.read()
        pay3 = CreditPayment(_download(a, cid), snap, pub, a.server)
        txn3 = a.svc.begin(a.svc.check_card(snap, s.offline_quota_fen()), "amount", 3000,
                           PaymentMethod.ELSEWHERE, credit_id=cid)
        assert a.svc.pay_electronic(txn3, pay3) is S.CANCELLED
    a.sync()
    assert _server_view(live, cid) == (credit, claim, versions)
    assert _ic_counter(emu, readers)[0] == 2
    assert service.alerts(live.sf, kiosk_id=a.kiosk_id) == []
    assert service.alerts(live.sf, kiosk_id=b.kiosk_id) == []


def test_a_claim_left_by_a_crash_before_payment_is_released_by_recovery(
        live: LiveServer, kiosks: tuple[Kiosk, Kiosk], tmp_path: Path) -> None:
    """The kiosk died after the server granted the claim and before PAID was journalled:
    recovery cancels the purchase (the credit was not loaded), and that row releases it."""
    a, b = kiosks
    pub = live.state.signer.public_key_hex
    serial = uuid.uuid4().hex[:16].upper()
    card = FakeCard(tmp_path / "card.json", tech="ic", serial=serial, customer=CUSTOMER, seq=3)
    cid = _put_credit(live, serial)
    cached = _download(a, cid)
    assert cached.card_counter is None  # a card the server has not seen: online claims only
    snap = card.read()
    pay = CreditPayment(cached, snap, pub, a.server)
    txn = a.svc.begin(a.svc.check_card(snap), "amount", 3000, PaymentMethod.ELSEWHERE, credit_id=cid)
    pay.charge(txn, 3000)  # the claim is granted ... and the kiosk dies here
    assert _server_view(live, cid)[1] == (a.kiosk_id, txn, 0)
    report = Recovery(a.svc, None, {}, lambda _serial: None).run()
    assert report.advanced[txn] == S.OUTBOX.value
    assert a.body(txn, "purchase.cancel")["credit_id"] == cid
    a.sync()
    credit, claim, _n = _server_view(live, cid)
    assert claim is None and credit.status is PendingCreditStatus.OPEN
    # bound now to the counter A's purchase.created row showed: the card was seen there, and
    # the credit, never loaded (its one claim ended unpaid), may be loaded from there
    assert (credit.card_serial, credit.card_counter) == (serial, 3)

    # kiosk B loads it
    pay_b = CreditPayment(_download(b, cid), snap, pub, b.server)
    txn_b = b.svc.begin(b.svc.check_card(snap), "amount", 3000, PaymentMethod.ELSEWHERE, credit_id=cid)
    assert b.svc.pay_electronic(txn_b, pay_b) is S.PAID
    assert b.svc.write_card(txn_b, card) is S.CARD_DONE
    b.svc.print_receipt(txn_b)
    b.svc.close(txn_b)
    b.sync()
    assert _server_view(live, cid)[0].status is PendingCreditStatus.APPLIED
    assert [w["txn"] for w in card.dump()["writes"]] == [txn_b]
    assert service.alerts(live.sf, kiosk_id=a.kiosk_id) == []


def test_release_rows_that_do_not_hold_the_claim_change_nothing(live: LiveServer) -> None:
    """Journals as the server sees them: a refund row from a transaction that does not hold
    the claim; a row of an older kiosk that names no credit (the claim its transaction holds
    is found); a transaction whose journal says it both applied and refunded the credit."""
    serial = uuid.uuid4().hex[:16].upper()
    holder, other = live.new_kiosk(), live.new_kiosk()
    try:
        cid = _put_credit(live, serial)
        claim = {"txn_id": "T-HOLD", "card_serial": serial, "card_counter": 5}
        assert holder.post(f"/v1/pending-credits/{cid}/claim", claim).status_code == 200
        before = _server_view(live, cid)

        refund = {"state": "REFUNDED", "from": "REFUND_PENDING", "method": "elsewhere",
                  "credit_id": cid, "card_serial": serial, "counter_before": 5, "counter_after": None,
                  "paid_fen": 3000, "refunded_fen": 3000}
        chain_o = Chain(other.kiosk_id)
        chain_o.add("purchase.refunded", refund, txn_id="T-HOLD")  # same txn id, other kiosk
        chain_o.add("purchase.cancel", {**refund, "state": "CANCELLED", "from": "INIT"}, txn_id="T-O2")
        assert other.upload(chain_o.rows).status_code == 200
        # the holder itself, another transaction of it
        chain_h = Chain(holder.kiosk_id)
        chain_h.add("purchase.refunded", refund, txn_id="T-OTHER")
        # a cash purchase's refund row (no credit at all) does not look for claims
        chain_h.add("purchase.refunded", {**refund, "method": "cash", "credit_id": None}, txn_id="T-HOLD")
        assert holder.upload(chain_h.rows).status_code == 200
        assert _server_view(live, cid) == before

        # an older kiosk's refund row: method elsewhere, no credit_id; its transaction holds
        # the claim, so the claim is released
        old = {k: v for k, v in refund.items() if k != "credit_id"}
        chain_h.add("purchase.refunded", old, txn_id="T-HOLD")
        assert holder.upload(chain_h.rows).status_code == 200
        credit, held, _n = _server_view(live, cid)
        assert held is None and credit.status is PendingCreditStatus.OPEN
        assert service.alerts(live.sf, kiosk_id=holder.kiosk_id) == []
        assert service.alerts(live.sf, kiosk_id=other.kiosk_id) == []

        # a journal that says the credit was applied and then refunded: alert, no change
        claim2 = {"txn_id": "T-BOTH", "card_serial": serial, "card_counter": 5}
        assert holder.post(f"/v1/pending-credits/{cid}/claim", claim2).status_code == 200
        chain_h.add("pending_credit.applied", {"credit_id": cid, "customer_no": CUSTOMER, "amount_fen": 3000,
                                               "card_serial": serial}, txn_id="T-BOTH")
        chain_h.add("purchase.refunded", refund, txn_id="T-BOTH")
        assert holder.upload(chain_h.rows).status_code == 200
        credit, held, _n = _server_view(live, cid)
        assert credit.status is PendingCreditStatus.APPLIED and held is not None and held[1] == "T-BOTH"
        alerts = service.alerts(live.sf, kiosk_id=holder.kiosk_id)
        assert [x.kind for x in alerts] == ["credit_release_refused"]
        assert alerts[0].seq == chain_h.rows[-1].seq
    finally:
        holder.close()
        other.close()
