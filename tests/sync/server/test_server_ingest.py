"""Batch ingest against a real server, SQLite and PostgreSQL: idempotent on (kiosk, seq),
duplicates answered as stored, conflicts refused with an alert, the hash chain enforced."""
from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select
from sync_server_harness import Chain, LiveServer, open_journal, rehash

from kiosk.hashchain import canonical_json
from sync.server import service
from sync.server.db import JournalRow


def _ledger(live: LiveServer, kiosk_id: str) -> list[tuple[int, str]]:
    with live.sf() as s:
        rows = s.execute(
            select(JournalRow.seq, JournalRow.row_hash).where(JournalRow.kiosk_id == kiosk_id).order_by(JournalRow.seq)
        )
        return [(int(a), str(b)) for a, b in rows]


def _alert_kinds(live: LiveServer, kiosk_id: str) -> list[str]:
    return [a.kind for a in service.alerts(live.sf, kiosk_id=kiosk_id)]


def test_batch_is_stored_once_and_a_resend_answers_what_was_stored(live: LiveServer) -> None:
    k = live.new_kiosk()
    chain = Chain(k.kiosk_id)
    rows = chain.purchases(5)
    r1 = k.upload(rows)
    assert r1.status_code == 200, r1.text
    ack = r1.json()
    assert ack["stored"] == [1, 2, 3, 4, 5] and ack["last_seq"] == 5
    assert {x["status"] for x in ack["results"]} == {"stored"}
    r2 = k.upload(rows[2:] + chain.purchases(2))  # 3..5 again, then 6..7 new
    assert r2.status_code == 200, r2.text
    res = {x["seq"]: x["status"] for x in r2.json()["results"]}
    assert res == {3: "duplicate", 4: "duplicate", 5: "duplicate", 6: "stored", 7: "stored"}
    assert r2.json()["results"][0]["row_hash"] == rows[2].row_hash
    assert _ledger(live, k.kiosk_id) == [(r.seq, r.row_hash) for r in chain.rows]
    assert _alert_kinds(live, k.kiosk_id) == []


def test_rows_are_taken_in_seq_order_whatever_the_batch_order(live: LiveServer) -> None:
    k = live.new_kiosk()
    rows = Chain(k.kiosk_id).purchases(4)
    r = k.upload(list(reversed(rows)))
    assert r.status_code == 200 and r.json()["stored"] == [1, 2, 3, 4]


def test_same_key_other_body_is_refused_422_with_an_alert(live: LiveServer) -> None:
    k = live.new_kiosk()
    chain = Chain(k.kiosk_id)
    rows = chain.purchases(3)
    assert k.upload(rows).status_code == 200
    forged = rehash(rows[1], body=canonical_json({"amount_fen": 1}))
    r = k.upload([forged])
    assert r.status_code == 422
    result = r.json()["results"][0]
    assert result["status"] == "conflict" and result["row_hash"] == rows[1].row_hash
    assert r.json()["stored"] == []
    assert _alert_kinds(live, k.kiosk_id) == ["conflict"]
    assert _ledger(live, k.kiosk_id) == [(x.seq, x.row_hash) for x in rows]
    # the kiosk retries the same bad row: refused again, still one alert
    assert k.upload([forged]).status_code == 422
    assert _alert_kinds(live, k.kiosk_id) == ["conflict"]


def test_a_gap_is_refused_and_alerted_and_rows_before_it_are_kept(live: LiveServer) -> None:
    k = live.new_kiosk()
    rows = Chain(k.kiosk_id).purchases(6)
    r = k.upload(rows[:2] + rows[3:])  # seq 3 missing
    assert r.status_code == 422
    res = {x["seq"]: x["status"] for x in r.json()["results"]}
    assert res == {1: "stored", 2: "stored", 4: "chain_break", 5: "not_processed", 6: "not_processed"}
    assert r.json()["stored"] == [1, 2]
    assert _alert_kinds(live, k.kiosk_id) == ["gap"]
    assert k.upload(rows[2:]).status_code == 200  # the missing row arrives: all is well
    assert [s for s, _ in _ledger(live, k.kiosk_id)] == [1, 2, 3, 4, 5, 6]


def test_a_rewritten_history_breaks_the_chain(live: LiveServer) -> None:
    k = live.new_kiosk()
    chain = Chain(k.kiosk_id)
    assert k.upload(chain.purchases(3)).status_code == 200
    # the kiosk's journal was rewritten: a new seq 3 and a seq 4 chained on it
    other = Chain(k.kiosk_id, rows=list(chain.rows[:2]))
    other.add("purchase.created", {"amount_fen": 999999})
    new4 = other.add("purchase.created", {"amount_fen": 5})
    r = k.upload([new4])
    assert r.status_code == 422 and r.json()["results"][0]["status"] == "chain_break"
    assert _alert_kinds(live, k.kiosk_id) == ["chain_break"]


def test_a_truncated_journal_starting_again_is_refused(live: LiveServer) -> None:
    k = live.new_kiosk()
    assert k.upload(Chain(k.kiosk_id).purchases(3)).status_code == 200
    regrown = Chain(k.kiosk_id)
    regrown.add("purchase.created", {"amount_fen": 77})
    r = k.upload(regrown.rows)
    assert r.status_code == 422 and r.json()["results"][0]["status"] == "conflict"
    # and a heartbeat that reports a journal shorter than the ledger raises truncation
    hb = k.post("/v1/heartbeat", {"journal_last_seq": 1})
    assert hb.status_code == 200 and hb.json()["last_seq"] == 3
    assert sorted(_alert_kinds(live, k.kiosk_id)) == ["conflict", "truncation"]


def test_bad_hash_and_bad_genesis_are_refused(live: LiveServer) -> None:
    k = live.new_kiosk()
    rows = Chain(k.kiosk_id).purchases(2)
    tampered = rows[0].model_copy(update={"body": canonical_json({"amount_fen": 1})})
    r = k.upload([tampered])
    assert r.status_code == 422 and r.json()["results"][0]["status"] == "bad_hash"
    k2 = live.new_kiosk()
    first = Chain(k2.kiosk_id).purchases(1)[0]
    r = k2.upload([rehash(first, prev_hash="1" * 64)])
    assert r.status_code == 422 and r.json()["results"][0]["status"] == "chain_break"


def test_rows_of_another_kiosk_are_refused(live: LiveServer) -> None:
    k, other = live.new_kiosk(), live.new_kiosk()
    rows = Chain(other.kiosk_id).purchases(1)
    r = k.post("/v1/upload", {"kiosk_id": k.kiosk_id, "rows": [x.model_dump() for x in rows]})
    assert r.status_code == 422 and service.ledger_count(live.sf, k.kiosk_id) == 0
    r = k.post("/v1/upload", {"kiosk_id": other.kiosk_id, "rows": [x.model_dump() for x in rows]})
    assert r.status_code == 403


def test_the_stored_row_is_the_recovery_oracle(live: LiveServer) -> None:
    k = live.new_kiosk()
    rows = Chain(k.kiosk_id).purchases(2)
    assert k.upload(rows).status_code == 200
    got = k.get("/v1/rows/2")
    assert got.status_code == 200 and got.json() == rows[1].model_dump()
    assert k.get("/v1/rows/3").status_code == 404
    assert k.get("/v1/status").json()["last_seq"] == 2


def test_concurrent_duplicate_uploads_store_each_row_exactly_once(live: LiveServer) -> None:
    kiosk = live.new_kiosk()
    chain = Chain(kiosk.kiosk_id)
    rows = chain.purchases(30)
    clients = [live.new_kiosk_client(kiosk) for _ in range(6)]
    errors: list[str] = []
    barrier = threading.Barrier(len(clients))

    def worker(i: int) -> None:
        c = clients[i]
        barrier.wait()
        for start in range(0, 30, 10):
            # every thread sends overlapping, growing batches of the same rows
            r = c.upload(rows[: start + 10])
            if r.status_code != 200:
                errors.append(f"{r.status_code} {r.text[:200]}")
            elif r.json()["stored"] != list(range(1, start + 11)):
                errors.append(f"stored {r.json()['stored']}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for c in clients:
        c.close()
    assert errors == []
    assert _ledger(live, kiosk.kiosk_id) == [(r.seq, r.row_hash) for r in rows]
    assert _alert_kinds(live, kiosk.kiosk_id) == []


def test_money_held_for_manual_review_raises_an_alert(live: LiveServer, tmp_path: Path) -> None:
    """The kiosk's own core: a cash purchase whose card refuses the write (voucher printed,
    purchase.voucher) and one whose card is pulled mid-write (purchase.card_unknown). Both
    hold the resident's money for staff: the server alerts on each, naming txn and amount."""
    from kiosk.fakes import FakeAcceptor, FakeCard, FakePrinter, FixedClock
    from kiosk.outbox import drain
    from kiosk.ports import PaymentMethod
    from kiosk.pricing import parse_tariff
    from kiosk.purchase.service import KioskContext, PurchaseService
    from kiosk.purchase.states import S
    from sync.client import HttpServer
    from tests.kiosk.world import TARIFF

    k = live.new_kiosk()
    k.close()
    journal = open_journal(tmp_path / "journal.db", k.kiosk_id)
    http = HttpServer(live.base_url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex)
    try:
        svc = PurchaseService(KioskContext(
            kiosk_id=k.kiosk_id, terminal_no=2, journal=journal, clock=FixedClock(),
            printer=FakePrinter(), tariffs=[parse_tariff(TARIFF)], is_online=lambda: True))
        card = FakeCard(tmp_path / "card.json", tech="ic")
        acceptor = FakeAcceptor(tmp_path / "acceptor.json", (2000, 5000))
        held: dict[str, int] = {}
        for trouble in ({"refuse_writes": True}, {"refuse_writes": False, "pull_on_write": "drop"}):
            card.set(**trouble)
            txn = svc.begin(svc.check_card(card.read()), "amount", 2000 if not held else 5000, PaymentMethod.CASH)
            svc.take_note(txn, acceptor)
            assert svc.finish_payment(txn) is S.PAID
            state = svc.write_card(txn, card)
            if state is S.CARD_FAILED:
                state = svc.fail_without_credit(txn, None)
            assert state is S.MANUAL_REVIEW
            held[txn] = svc.get(txn).review_fen
        drain(journal, http, svc.ctx.clock)
        alerts = service.alerts(live.sf, kiosk_id=k.kiosk_id)
        assert sorted(a.kind for a in alerts) == ["card_outcome_unknown", "cash_voucher"]
        for a, (txn, fen) in zip(sorted(alerts, key=lambda a: a.id), held.items(), strict=True):
            assert txn in a.detail and f"{fen} fen" in a.detail and fen > 0
    finally:
        http.close()
        journal.close()


def test_jammed_notes_raise_alerts_that_say_what_is_known(live: LiveServer, tmp_path: Path) -> None:
    """The kiosk's own core: one note jams while stacking (its value known), another sticks in
    the transport before escrow (value unknown). Each row reaches the server, parses as its
    model and raises cash_note_jammed; the one of unknown value says so, with no amount."""
    import pytest

    from kiosk.errors import NoteJammed
    from kiosk.fakes import FakeAcceptor, FakeCard, FakePrinter, FixedClock
    from kiosk.outbox import drain
    from kiosk.ports import PaymentMethod
    from kiosk.pricing import parse_tariff
    from kiosk.purchase.service import KioskContext, PurchaseService
    from sync.client import HttpServer
    from sync.server.db import JournalRow as ServerRow
    from tests.kiosk.world import TARIFF

    k = live.new_kiosk()
    k.close()
    journal = open_journal(tmp_path / "journal.db", k.kiosk_id)
    http = HttpServer(live.base_url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex)
    try:
        svc = PurchaseService(KioskContext(
            kiosk_id=k.kiosk_id, terminal_no=2, journal=journal, clock=FixedClock(),
            printer=FakePrinter(), tariffs=[parse_tariff(TARIFF)], is_online=lambda: True))
        card = FakeCard(tmp_path / "card.json", tech="ic")
        txns = []
        for n, jam in enumerate(({"jam_next": True}, {"jam_intake": 0})):
            acceptor = FakeAcceptor(tmp_path / f"acceptor{n}.json", (2000,))
            acceptor.set(**jam)
            txn = svc.begin(svc.check_card(card.read()), "amount", 2000, PaymentMethod.CASH)
            with pytest.raises(NoteJammed):
                svc.take_note(txn, acceptor)
            svc.finish_payment(txn)  # nothing counted: cancelled, the jam slip printed
            txns.append(txn)
        drain(journal, http, svc.ctx.clock)
        with live.sf() as s:
            kinds = [r.kind for r in s.scalars(select(ServerRow).where(ServerRow.kiosk_id == k.kiosk_id))]
        assert "cash.note_jammed" in kinds and "cash.note_jammed_unknown" in kinds
        alerts = sorted(service.alerts(live.sf, kiosk_id=k.kiosk_id), key=lambda a: a.id)
        assert [a.kind for a in alerts] == ["cash_note_jammed", "cash_note_jammed"]
        known, unknown = alerts
        assert txns[0] in known.detail and "a 20.00 yuan note jammed" in known.detail
        assert txns[1] in unknown.detail and "a note of unknown value stuck in the transport" in unknown.detail
        assert "yuan" not in unknown.detail and "bad_body" not in [a.kind for a in alerts]
    finally:
        http.close()
        journal.close()
