"""Downloads against a real server: signed tariffs checked by the kiosk-side verifier,
account snapshots, notices and pending credits incremental by version, tickets and their
status changes."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from sync_server_harness import Chain, LiveServer

from sync.protocol import (
    AccountSnapshot,
    AccountStatus,
    BlockedCard,
    CardReplacement,
    Notice,
    PendingCredit,
    SignedTariff,
    TicketStatus,
)
from sync.server import service
from sync.tariff_verify import TariffRejected, verify_tariff

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TARIFF = {
    "tariff_id": "residential",
    "version": 3,
    "valid_from": "2026-01-01",
    "tier_year_start": "01-01",
    "tiers": [
        {"up_to_m3": "350", "price": "2.61"},
        {"up_to_m3": "500", "price": "2.83"},
        {"up_to_m3": None, "price": "4.23"},
    ],
}


def _version(live: LiveServer, path: str) -> int:
    k = live.new_kiosk("V")
    return int(k.get(f"{path}?since=0").json()["version"])


def test_signed_tariff_is_verified_and_a_tampered_one_refused(live: LiveServer) -> None:
    k = live.new_kiosk()
    since = _version(live, "/v1/tariffs")
    service.publish_tariff(live.sf, live.state.signer, TARIFF)
    page = k.get(f"/v1/tariffs?since={since}").json()
    assert len(page["items"]) == 1 and page["version"] > since
    env = SignedTariff.model_validate(page["items"][0])
    pub = k.http.get("/v1/tariff-key").json()["public_key"]
    assert pub == live.state.signer.public_key_hex  # what the kiosk was provisioned with
    doc = verify_tariff(env, pub)
    assert doc.version == 3 and doc.tiers[1].price == "2.83"
    cheaper = env.document.replace('"price":"4.23"', '"price":"0.01"')
    assert cheaper != env.document
    with pytest.raises(TariffRejected, match="bad signature"):
        verify_tariff(env.model_copy(update={"document": cheaper}), pub)
    with pytest.raises(TariffRejected, match="unsigned"):
        verify_tariff(env.model_copy(update={"signature": None}), pub)
    with pytest.raises(TariffRejected):
        verify_tariff(env, "11" * 32)  # another server's key
    assert k.get(f"/v1/tariffs?since={page['version']}").json()["items"] == []


def test_account_snapshots_are_incremental(live: LiveServer) -> None:
    k = live.new_kiosk()
    since = _version(live, "/v1/accounts")
    cust = uuid.uuid4().hex[:10]
    service.put_account(live.sf, AccountSnapshot(customer_no=cust, status=AccountStatus.ACTIVE, arrears_fen=0))
    first = k.get(f"/v1/accounts?since={since}").json()
    assert [a["customer_no"] for a in first["items"]] == [cust]
    service.put_account(
        live.sf,
        AccountSnapshot(
            customer_no=cust,
            status=AccountStatus.SUSPENDED,
            arrears_fen=12_345,
            blocked_cards=[BlockedCard(serial="0102030405060708", reason="lost", blocked_at=NOW)],
            replaced_cards=[CardReplacement(old_serial="0102030405060708", new_serial="1112131415161718", replaced_at=NOW)],
        ),
    )
    second = k.get(f"/v1/accounts?since={first['version']}").json()
    assert len(second["items"]) == 1 and second["version"] > first["version"]
    snap = AccountSnapshot.model_validate(second["items"][0])
    assert snap.status is AccountStatus.SUSPENDED and snap.arrears_fen == 12_345
    assert snap.blocked_cards[0].serial == "0102030405060708"
    assert snap.replaced_cards[0].new_serial == "1112131415161718"
    assert k.get(f"/v1/accounts?since={second['version']}").json()["items"] == []


def test_notices_are_incremental_and_targeted(live: LiveServer) -> None:
    k, other = live.new_kiosk(), live.new_kiosk()
    since = _version(live, "/v1/notices")
    service.put_notice(live.sf, Notice(notice_id="n-all", title="Maintenance", text="Sunday 2-4"))
    service.put_notice(live.sf, Notice(notice_id="n-one", title="This kiosk", text="moves", kiosk_id=k.kiosk_id))
    mine = k.get(f"/v1/notices?since={since}").json()
    assert [n["notice_id"] for n in mine["items"]] == ["n-all", "n-one"]
    theirs = other.get(f"/v1/notices?since={since}").json()
    assert [n["notice_id"] for n in theirs["items"]] == ["n-all"]
    service.put_notice(live.sf, Notice(notice_id="n-all", title="Maintenance", text="", withdrawn=True))
    later = k.get(f"/v1/notices?since={mine['version']}").json()
    assert [(n["notice_id"], n["withdrawn"]) for n in later["items"]] == [("n-all", True)]


def test_pending_credits_are_incremental_and_applied_once(live: LiveServer) -> None:
    k, k2 = live.new_kiosk(), live.new_kiosk()
    since = _version(live, "/v1/pending-credits")
    cid = f"C-{uuid.uuid4().hex[:8]}"
    service.put_pending_credit(
        live.sf, PendingCredit(credit_id=cid, customer_no="0000000042", amount_fen=5000, paid_at=NOW, source="app")
    )
    page = k.get(f"/v1/pending-credits?since={since}").json()
    assert [(c["credit_id"], c["status"]) for c in page["items"]] == [(cid, "open")]
    chain = Chain(k.kiosk_id)
    chain.add("pending_credit.applied", {"credit_id": cid, "customer_no": "0000000042", "amount_fen": 5000})
    assert k.upload(chain.rows).status_code == 200
    after = k.get(f"/v1/pending-credits?since={page['version']}").json()
    assert [(c["credit_id"], c["status"], c["applied_by_kiosk"]) for c in after["items"]] == [
        (cid, "applied", k.kiosk_id)
    ]
    # a second kiosk that applied it offline too: stored (it happened) but alerted
    chain2 = Chain(k2.kiosk_id)
    chain2.add("pending_credit.applied", {"credit_id": cid, "customer_no": "0000000042", "amount_fen": 5000})
    assert k2.upload(chain2.rows).status_code == 200
    assert [a.kind for a in service.alerts(live.sf, kiosk_id=k2.kiosk_id)] == ["double_credit"]
    assert k.get(f"/v1/pending-credits?since={after['version']}").json()["items"] == []


def test_repair_request_and_help_call_become_tickets_the_kiosk_follows(live: LiveServer) -> None:
    k = live.new_kiosk()
    chain = Chain(k.kiosk_id)
    chain.purchases(1)
    chain.add("repair.request", {"category": "meter", "description": "valve stuck", "customer_no": "42"})
    chain.add("help.call", {"reason": "card not read", "screen": "insert_card"})
    assert k.upload(chain.rows).status_code == 200
    assert k.upload(chain.rows).status_code == 200  # a resend makes no second ticket
    page = k.get("/v1/tickets?since=0").json()
    got = {t["kind"]: t for t in page["items"]}
    assert set(got) == {"repair", "help"} and len(page["items"]) == 2
    assert got["repair"]["summary"] == "meter: valve stuck" and got["repair"]["txn_id"] == "T000002"
    assert got["help"]["status"] == "open"
    service.set_ticket_status(live.sf, got["help"]["ticket_id"], TicketStatus.ACKNOWLEDGED, "on my way")
    changed = k.get(f"/v1/tickets?since={page['version']}").json()
    assert [(t["kind"], t["status"], t["note"]) for t in changed["items"]] == [("help", "acknowledged", "on my way")]
    assert k.get(f"/v1/tickets?since={changed['version']}").json()["items"] == []


def test_ticket_created_by_endpoint_is_idempotent(live: LiveServer) -> None:
    k = live.new_kiosk()
    body = {"kind": "help", "client_ref": "call-1", "summary": "resident needs help"}
    a, b = k.post("/v1/tickets", body), k.post("/v1/tickets", body)
    assert a.status_code == b.status_code == 200
    assert a.json()["ticket_id"] == b.json()["ticket_id"]
    assert len(k.get("/v1/tickets?since=0").json()["items"]) == 1


def test_device_health_reaches_the_kiosk_record(live: LiveServer) -> None:
    k = live.new_kiosk()
    chain = Chain(k.kiosk_id)
    chain.add("purchase.created", {"amount_fen": 1})
    assert k.upload(chain.rows).status_code == 200
    hb = {"printer": "paper_near_end", "cash_box_notes": 950, "reader": "ok", "journal_last_seq": 1}
    assert k.post("/v1/heartbeat", hb).status_code == 200
    kiosk = next(x for x in service.kiosks(live.sf) if x.kiosk_id == k.kiosk_id)
    health = json.loads(kiosk.health_json or "{}")
    assert health["printer"] == "paper_near_end" and health["cash_box_notes"] == 950
    assert k.post("/v1/heartbeat", {"printer": "ok", "journal_last_seq": 1}).status_code == 200
    kiosk = next(x for x in service.kiosks(live.sf) if x.kiosk_id == k.kiosk_id)
    assert json.loads(kiosk.health_json or "{}")["printer"] == "ok"
    assert service.alerts(live.sf, kiosk_id=k.kiosk_id) == []
