"""Credits paid elsewhere, exactly once: the server binds a credit to its card's counter as
the journals report it, so a signed credit cached by two offline kiosks can be loaded by
only one of them (the load moves the counter); online kiosks claim first."""
from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

from sync_server_harness import Chain, KioskClient, LiveServer

from kiosk.card import CardKind, CardSnapshot, CardTech
from sync.credits import applicable_offline, offline_refusal
from sync.protocol import PendingCredit
from sync.server import service


def _card(serial: str, counter: int) -> CardSnapshot:
    return CardSnapshot(profile="GasCard-CPU v1", tech=CardTech.CPU, serial=serial, kind=CardKind.USER,
                        utility_code="0001", customer_no="0000000042", meter_no="0000000001",
                        replacement_count=0, balance_fen=0, atc=counter)


def _card_done(chain: Chain, serial: str, before: int, after: int) -> None:
    chain.add("purchase.card_done", {"card_serial": serial, "counter_before": before, "counter_after": after,
                                     "state": "CARD_DONE"})


def _credit(live: LiveServer, serial: str) -> str:
    cid = f"C-{uuid.uuid4().hex[:8]}"
    service.put_pending_credit(live.sf, PendingCredit(credit_id=cid, customer_no="0000000042", amount_fen=3000,
                                                      paid_at=datetime.now(UTC), source="app", card_serial=serial))
    return cid


def _download(k: KioskClient, cid: str) -> PendingCredit:
    items = [PendingCredit.model_validate(i) for i in k.get("/v1/pending-credits?since=0").json()["items"]]
    return [c for c in items if c.credit_id == cid][-1]


def test_two_offline_kiosks_cannot_both_load_a_credit(live: LiveServer) -> None:
    pub = live.state.signer.public_key_hex
    serial = uuid.uuid4().hex[:16].upper()
    a, b = live.new_kiosk(), live.new_kiosk()
    chain_a = Chain(a.kiosk_id)
    _card_done(chain_a, serial, 4, 5)
    assert a.upload(chain_a.rows).status_code == 200
    cid = _credit(live, serial)
    cached_a, cached_b = _download(a, cid), _download(b, cid)  # both go offline with it
    assert (cached_a.card_serial, cached_a.card_counter) == (serial, 5)
    assert applicable_offline(cached_a, _card(serial, 5), pub)
    assert applicable_offline(cached_b, _card(serial, 5), pub)
    # kiosk A loads it: the card's counter moves to 6
    chain_a.add("pending_credit.applied", {"credit_id": cid, "customer_no": "0000000042", "amount_fen": 3000,
                                           "card_serial": serial})
    _card_done(chain_a, serial, 5, 6)
    # kiosk B, still offline, sees the card as it is now: refused, by the card itself
    assert offline_refusal(cached_b, _card(serial, 6), pub) == (
        "the card had a load since the credit was issued: online only")
    assert not applicable_offline(cached_b.model_copy(update={"card_counter": 6}), _card(serial, 6), pub)  # forged
    assert not applicable_offline(cached_b, _card("FFFFFFFFFFFFFFFF", 5), pub)
    assert a.upload(chain_a.rows).status_code == 200
    latest = _download(b, cid)
    assert latest.status.value == "applied" and latest.applied_by_kiosk == a.kiosk_id
    assert service.alerts(live.sf, kiosk_id=a.kiosk_id) == []


def test_an_open_credit_follows_its_card_counter(live: LiveServer) -> None:
    serial = uuid.uuid4().hex[:16].upper()
    k = live.new_kiosk()
    cid = _credit(live, serial)  # card never seen: not bound to a counter yet, online only
    first = _download(k, cid)
    assert first.card_counter is None
    assert offline_refusal(first, _card(serial, 0), live.state.signer.public_key_hex) == (
        "credit is not bound to a card: online only")
    chain = Chain(k.kiosk_id)
    _card_done(chain, serial, 0, 1)
    assert k.upload(chain.rows).status_code == 200
    assert _download(k, cid).card_counter == 1
    _card_done(chain, serial, 1, 2)
    assert k.upload(chain.rows).status_code == 200
    rebound = _download(k, cid)
    assert rebound.card_counter == 2 and rebound.version > first.version
    assert applicable_offline(rebound, _card(serial, 2), live.state.signer.public_key_hex)


def test_online_claims_are_one_per_credit(live: LiveServer) -> None:
    serial = uuid.uuid4().hex[:16].upper()
    kiosks = [live.new_kiosk() for _ in range(5)]
    seller = live.new_kiosk()  # the kiosk whose journal showed the card last
    chain = Chain(seller.kiosk_id)
    _card_done(chain, serial, 8, 9)
    assert seller.upload(chain.rows).status_code == 200
    cid = _credit(live, serial)
    wrong = kiosks[0].post(f"/v1/pending-credits/{cid}/claim", {"txn_id": "T1", "card_serial": serial, "card_counter": 10})
    assert wrong.status_code == 409 and "sync first" in wrong.text
    codes: list[int] = []
    barrier = threading.Barrier(len(kiosks))

    def claim(k: KioskClient) -> None:
        barrier.wait()
        body = {"txn_id": f"T-{k.kiosk_id}", "card_serial": serial, "card_counter": 9}
        codes.append(k.post(f"/v1/pending-credits/{cid}/claim", body).status_code)

    threads = [threading.Thread(target=claim, args=(k,)) for k in kiosks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(codes) == [200] + [409] * 4
    winner = next(k for k in kiosks if _download(k, cid).applied_by_kiosk == k.kiosk_id)
    again = winner.post(f"/v1/pending-credits/{cid}/claim",
                        {"txn_id": f"T-{winner.kiosk_id}", "card_serial": serial, "card_counter": 9})
    assert again.status_code == 200 and again.json()["status"] == "claimed"
    chain_w = Chain(winner.kiosk_id)
    chain_w.add("pending_credit.applied", {"credit_id": cid, "customer_no": "0000000042", "amount_fen": 3000},
                txn_id=f"T-{winner.kiosk_id}")
    assert winner.upload(chain_w.rows).status_code == 200
    assert _download(winner, cid).status.value == "applied"
    assert service.alerts(live.sf, kiosk_id=winner.kiosk_id) == []
