"""A credit paid elsewhere lands on its card exactly once, in every interleaving of: kiosk A
loading it offline from its cached signed copy, A's journal arriving in two batches split
between the load (purchase.card_done) and the rest (pending_credit.applied), a cash purchase
at online kiosk B in between, and kiosk C trying to load it after every step, offline from a
stale and from a fresh copy and online by claim. The journals are built as the kiosk writes
them (one transaction per purchase, counters on every purchase row), with and without the
credit named on the card_done row (older kiosks name it on purchase.created only)."""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sync_server_harness import Chain, KioskClient, LiveServer

from kiosk.card import CardKind, CardSnapshot, CardTech
from sync.credits import offline_refusal
from sync.protocol import PendingCredit, PendingCreditStatus
from sync.server import service

CUSTOMER = "0000000042"
AMOUNT = 3000


@dataclass
class Card:
    serial: str
    counter: int
    loads: list[str] = field(default_factory=list)  # what each load wrote: a credit id or "cash"

    def snapshot(self) -> CardSnapshot:
        return CardSnapshot(profile="GasCard-CPU v1", tech=CardTech.CPU, serial=self.serial, kind=CardKind.USER,
                            utility_code="0001", customer_no=CUSTOMER, meter_no="0000000001",
                            replacement_count=0, balance_fen=0, atc=self.counter)


class Kiosk:
    """A kiosk as the server sees it: its journal rows, and how many it has uploaded."""

    def __init__(self, client: KioskClient, names_credit: bool) -> None:
        self.client, self.names_credit = client, names_credit
        self.chain = Chain(client.kiosk_id)
        self.sent = 0

    def _row(self, txn: str, kind: str, body: dict[str, object]) -> None:
        self.chain.add(kind, body, txn_id=txn)

    def load(self, card: Card, credit_id: str | None) -> None:
        """A purchase that writes the card: cash, or the credit paid elsewhere."""
        txn = uuid.uuid4().hex
        method = "elsewhere" if credit_id else "cash"
        base = {"card_serial": card.serial, "counter_before": card.counter, "method": method}
        self._row(txn, "purchase.created", {**base, "state": "INIT", "credit_id": credit_id})
        self._row(txn, "purchase.paid", {**base, "state": "PAID", "counter_after": None})
        done = {**base, "state": "CARD_DONE", "counter_after": card.counter + 1}
        if credit_id and self.names_credit:
            done["credit_id"] = credit_id
        self._row(txn, "purchase.card_done", done)
        card.counter += 1
        card.loads.append(credit_id or "cash")
        if credit_id:
            self._row(txn, "pending_credit.applied", {"credit_id": credit_id, "customer_no": CUSTOMER,
                                                      "amount_fen": AMOUNT, "card_serial": card.serial,
                                                      "counter_after": card.counter})
        self._row(txn, "purchase.closed", {**done, "state": "OUTBOX"})

    def refused(self, card: Card, credit_id: str) -> None:
        """An attempt that the kiosk refused before any money: created, then cancelled."""
        txn = uuid.uuid4().hex
        base = {"card_serial": card.serial, "counter_before": card.counter, "method": "elsewhere",
                "credit_id": credit_id}
        self._row(txn, "purchase.created", {**base, "state": "INIT"})
        self._row(txn, "purchase.cancel", {**base, "state": "CANCELLED", "counter_after": None})

    def upload(self, upto_kind: str | None = None) -> None:
        """Uploads the pending rows; with `upto_kind`, only up to and including the last such row."""
        end = len(self.chain.rows)
        if upto_kind is not None:
            marks = [i for i, r in enumerate(self.chain.rows) if i >= self.sent and r.kind == upto_kind]
            end = marks[-1] + 1 if marks else end
        rows = self.chain.rows[self.sent:end]
        if rows:
            r = self.client.upload(rows)
            assert r.status_code == 200, r.text
        self.sent = end

    def download(self, credit_id: str) -> PendingCredit:
        items = [PendingCredit.model_validate(i) for i in self.client.get("/v1/pending-credits?since=0").json()["items"]]
        return [c for c in items if c.credit_id == credit_id][-1]

    def claim(self, credit_id: str, card: Card) -> bool:
        body = {"txn_id": uuid.uuid4().hex, "card_serial": card.serial, "card_counter": card.counter}
        r = self.client.post(f"/v1/pending-credits/{credit_id}/claim", body)
        assert r.status_code in (200, 409), r.text
        return r.status_code == 200


STEPS = ("A_load", "A_upload_card_done", "A_upload_rest", "B_cash")
ORDERS = [o for o in itertools.permutations(STEPS) if o.index("A_upload_card_done") < o.index("A_upload_rest")]


def _world(live: LiveServer, names_credit: bool) -> tuple[Card, str, dict[str, Kiosk]]:
    serial = uuid.uuid4().hex[:16].upper()
    card = Card(serial, 4)
    kiosks = {name: Kiosk(live.new_kiosk(name), names_credit) for name in "ABCD"}
    kiosks["B"].load(card, None)  # the server learns the card: counter 5
    kiosks["B"].upload()
    cid = f"C-{uuid.uuid4().hex[:8]}"
    service.put_pending_credit(live.sf, PendingCredit(credit_id=cid, customer_no=CUSTOMER, amount_fen=AMOUNT,
                                                      paid_at=datetime.now(UTC), source="app", card_serial=serial))
    return card, cid, kiosks


def _c_tries(c: Kiosk, card: Card, cid: str, stale: PendingCredit, pub: str, c_late: bool) -> None:
    """Kiosk C loads the credit if anything lets it: a cached copy offline, or a claim."""
    for cached in (stale, c.download(cid)):
        if offline_refusal(cached, card.snapshot(), pub) is None:
            c.load(card, cid)
            if not c_late:
                c.upload()
            return
    if c.claim(cid, card):
        c.load(card, cid)
        c.upload()


@pytest.mark.parametrize(("names_credit", "c_late"), [(True, False), (True, True), (False, False)],
                         ids=["card_done_names_credit", "c_uploads_late", "created_names_credit"])
def test_a_credit_lands_exactly_once_in_every_interleaving(live: LiveServer, names_credit: bool,
                                                           c_late: bool) -> None:
    pub = live.state.signer.public_key_hex
    for order in ORDERS:
        card, cid, k = _world(live, names_credit)
        stale_a, stale_c = k["A"].download(cid), k["C"].download(cid)
        assert (stale_a.status, stale_a.card_counter) == (PendingCreditStatus.OPEN, 5)
        for step in order:
            if step == "A_load":  # offline, from its cached copy
                if offline_refusal(stale_a, card.snapshot(), pub) is None:
                    k["A"].load(card, cid)
                else:
                    k["A"].refused(card, cid)
            elif step == "A_upload_card_done":
                k["A"].upload(upto_kind="purchase.card_done")
            elif step == "A_upload_rest":
                k["A"].upload()
            else:
                k["B"].load(card, None)
                k["B"].upload()
            _c_tries(k["C"], card, cid, stale_c, pub, c_late)
            assert card.loads.count(cid) <= 1, (order, step, card.loads)
        for kiosk in k.values():
            kiosk.upload()
        final = k["D"].download(cid)
        if final.status is not PendingCreditStatus.APPLIED:  # nobody loaded it: it is open here now
            assert (final.status, final.card_counter) == (PendingCreditStatus.OPEN, card.counter), order
            assert k["D"].claim(cid, card)
            k["D"].load(card, cid)
            k["D"].upload()
        assert card.loads.count(cid) == 1, (order, card.loads)
        final = k["D"].download(cid)
        assert final.status is PendingCreditStatus.APPLIED, order
        kinds = {a.kind for name in "ABCD" for a in service.alerts(live.sf, kiosk_id=k[name].client.kiosk_id)}
        assert "double_credit" not in kinds and "card_counter_reused" not in kinds, (order, kinds)
        for kiosk in k.values():
            kiosk.client.close()


def test_a_held_credit_is_loadable_nowhere_until_the_journal_explains_the_gap(live: LiveServer) -> None:
    """The resident loads the credit offline at A, then buys with cash at online B: the server
    sees the card jump from 5 to 7. The credit is held (not re-bound to 7), staff are alerted;
    A's journal arrives and the credit is applied, once."""
    pub = live.state.signer.public_key_hex
    card, cid, k = _world(live, names_credit=True)
    cached = k["A"].download(cid)
    k["A"].load(card, cid)  # offline: 5 -> 6
    k["B"].load(card, None)  # online: 6 -> 7
    k["B"].upload()
    held = k["C"].download(cid)
    assert (held.status, held.card_counter) == (PendingCreditStatus.HELD, 5)
    assert offline_refusal(held, card.snapshot(), pub) is not None
    assert offline_refusal(cached, card.snapshot(), pub) is not None  # the card moved anyway
    assert not k["C"].claim(cid, card)
    alerts = [a for a in service.alerts(live.sf, kiosk_id=k["B"].client.kiosk_id) if a.kind == "credit_held"]
    assert len(alerts) == 1 and cid in alerts[0].detail and "counter 5" in alerts[0].detail
    k["A"].upload(upto_kind="purchase.card_done")  # the load itself explains the gap
    done = k["C"].download(cid)
    assert done.status is PendingCreditStatus.APPLIED and done.applied_by_kiosk == k["A"].client.kiosk_id
    assert alerts[0].id not in [a.id for a in service.alerts(live.sf)]  # explained: resolved
    k["A"].upload()
    assert k["C"].download(cid).version == done.version  # the applied row changes nothing more
    assert card.loads.count(cid) == 1


def test_a_held_credit_opens_again_when_the_gap_was_a_cash_purchase(live: LiveServer) -> None:
    card, cid, k = _world(live, names_credit=True)
    k["A"].load(card, None)  # A, offline, sells cash: 5 -> 6
    k["B"].load(card, None)  # B, online: 6 -> 7
    k["B"].upload()
    assert k["C"].download(cid).status is PendingCreditStatus.HELD
    held = [a.id for a in service.alerts(live.sf) if a.kind == "credit_held" and f"credit {cid} " in a.detail]
    assert len(held) == 1
    k["A"].upload()
    reopened = k["C"].download(cid)
    assert (reopened.status, reopened.card_counter) == (PendingCreditStatus.OPEN, 7)
    assert held[0] not in [a.id for a in service.alerts(live.sf)]  # the journals explained it: resolved
    assert offline_refusal(reopened, card.snapshot(), live.state.signer.public_key_hex) is None


def test_a_card_seen_further_on_than_its_known_loads_holds_its_credit(live: LiveServer) -> None:
    """A sighting alone (a purchase.created at a later counter, then cancelled) shows an
    unknown load too."""
    card, cid, k = _world(live, names_credit=True)
    card.counter += 1  # loaded somewhere the server has not heard from
    k["B"].refused(card, "C-OTHER")
    k["B"].upload()
    held = k["C"].download(cid)
    assert (held.status, held.card_counter) == (PendingCreditStatus.HELD, 5)
