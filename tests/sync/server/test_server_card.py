"""Online MAC2 for CPU-card loads and SAM quota tokens, against a real server whose master
keys live in its key store file (gas-cards.md sections 3 and 4)."""
from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sync_server_harness import Chain, KioskClient, LiveServer

from devices.card import crypto
from sync.server import service
from sync.server.cardkeys import CardCryptoError, authorise_load
from sync.server.db import Mac2Issued
from sync.server.keys import CardKeyStore

SERIAL = bytes.fromhex("1122334455667788")
TERMINAL = bytes.fromhex("000000000001")


def _card_init(keys: CardKeyStore, amount: int, old_balance: int = 0, atc: int = 7,
               serial: bytes = SERIAL) -> dict[str, object]:
    """What INITIALIZE FOR LOAD gives the kiosk: the card computes MAC1 with its DLK."""
    rnd = secrets.token_bytes(4)
    dlk = crypto.diversify(keys.mlk[1], serial)
    seslk = crypto.session_key(dlk, rnd, atc)
    return {
        "txn_id": f"T-{uuid.uuid4().hex[:8]}",
        "card_serial": serial.hex().upper(),
        "old_balance_fen": old_balance,
        "amount_fen": amount,
        "terminal": TERMINAL.hex(),
        "random": rnd.hex(),
        "online_atc": atc,
        "mac1": crypto.mac1(seslk, old_balance, amount, TERMINAL).hex(),
        "date": "20261122",
        "time": "093000",
        "_seslk": seslk,
    }


def test_spec_vector_through_the_shared_crypto() -> None:
    dlk = bytes.fromhex("3F013F013F013F013F013F013F013F01")
    seslk = crypto.session_key(dlk, bytes.fromhex("F9CABA91"), 0)
    assert seslk.hex().upper() == "03015BEA347EA231"
    assert crypto.mac1(seslk, 0, 0x1234, TERMINAL).hex().upper() == "6C394D64"


def test_authorise_load_refuses_a_bad_mac1() -> None:
    keys = CardKeyStore(mlk={1: secrets.token_bytes(16)}, mtk=secrets.token_bytes(16))
    req = _card_init(keys, 1234)
    kw = {
        "serial": SERIAL, "old_balance": 0, "amount": 1234, "terminal": TERMINAL,
        "random4": bytes.fromhex(str(req["random"])), "online_atc": 7,
        "date4": bytes.fromhex("20261122"), "time3": bytes.fromhex("093000"),
    }
    good = authorise_load(keys, key_index=1, mac1=bytes.fromhex(str(req["mac1"])), **kw)  # type: ignore[arg-type]
    assert good.seslk == req["_seslk"]
    try:
        authorise_load(keys, key_index=1, mac1=b"\0\0\0\0", **kw)  # type: ignore[arg-type]
    except CardCryptoError as exc:
        assert "MAC1" in str(exc)
    else:
        raise AssertionError("bad MAC1 accepted")


def test_online_mac2_is_what_the_card_expects(live: LiveServer) -> None:
    k = live.new_kiosk()
    req = _card_init(live.state.card_keys, 5000, old_balance=100)
    seslk = req.pop("_seslk")
    r = k.post("/v1/card/mac2", req)
    assert r.status_code == 200, r.text
    expected = crypto.mac2(seslk, 5000, TERMINAL, bytes.fromhex("20261122"), bytes.fromhex("093000"))  # type: ignore[arg-type]
    assert r.json()["mac2"] == expected.hex().upper()
    again = k.post("/v1/card/mac2", req)
    assert again.status_code == 200 and again.json()["mac2"] == r.json()["mac2"]
    assert k.post("/v1/card/mac2", {**req, "amount_fen": 9000}).status_code == 409  # same txn, other load
    bad = _card_init(live.state.card_keys, 5000)
    bad.pop("_seslk")
    bad["mac1"] = "00000000"
    assert k.post("/v1/card/mac2", bad).status_code == 422


def test_quota_token_is_accepted_by_the_sam_maths_and_bound_to_one_kiosk(live: LiveServer) -> None:
    k, other = live.new_kiosk(), live.new_kiosk()
    sam_id = secrets.token_hex(6).upper()
    r = k.post("/v1/sam/quota", {"sam_id": sam_id, "sam_counter": 41, "journal_last_seq": 0})
    assert r.status_code == 200, r.text
    token = r.json()
    key = live.state.card_keys.quota_key(sam_id)
    assert key is not None
    assert token["mac"] == crypto.quota_mac(key, token["new_quota_fen"], 41).hex().upper()
    assert token["new_quota_fen"] == live.state.card_keys.quota_fen
    assert k.post("/v1/sam/quota", {"sam_id": sam_id, "sam_counter": 41, "journal_last_seq": 0}).json() == token
    assert k.post("/v1/sam/quota", {"sam_id": sam_id, "sam_counter": 42,
                                    "journal_last_seq": 0}).json()["mac"] != token["mac"]
    assert other.post("/v1/sam/quota", {"sam_id": sam_id, "sam_counter": 43,
                                        "journal_last_seq": 0}).status_code == 403


def test_quota_is_renewed_only_when_the_server_holds_the_whole_journal(live: LiveServer) -> None:
    k = live.new_kiosk()
    sam_id = secrets.token_hex(6).upper()
    behind = k.post("/v1/sam/quota", {"sam_id": sam_id, "sam_counter": 1, "journal_last_seq": 2})
    assert behind.status_code == 409 and "upload the journal first" in behind.text
    assert k.upload(Chain(k.kiosk_id).purchases(2)).status_code == 200
    assert k.post("/v1/sam/quota", {"sam_id": sam_id, "sam_counter": 1, "journal_last_seq": 2}).status_code == 200
    # leaving the seq out no longer skips the rule
    assert k.post("/v1/sam/quota", {"sam_id": sam_id, "sam_counter": 2}).status_code == 422
    # a kiosk reporting fewer rows than the server holds: refused, and staff are told
    short = k.post("/v1/sam/quota", {"sam_id": sam_id, "sam_counter": 2, "journal_last_seq": 1})
    assert short.status_code == 409 and "truncated" in short.text
    assert [a.kind for a in service.alerts(live.sf, kiosk_id=k.kiosk_id)] == ["truncation"]


def _issue(live: LiveServer, k: KioskClient, amount: int, atc: int = 7) -> dict[str, object]:
    req = _card_init(live.state.card_keys, amount, atc=atc, serial=secrets.token_bytes(8))
    req.pop("_seslk")
    r = k.post("/v1/card/mac2", req)
    assert r.status_code == 200, r.text
    return req


def _load_row(chain: Chain, req: dict[str, object], kind: str = "purchase.card_done", **body: object) -> None:
    chain.add(kind, {"card_serial": req["card_serial"], "cost_fen": req["amount_fen"], "card_tech": "cpu",
                     "counter_before": req["online_atc"], "counter_after": int(str(req["online_atc"])) + 1,
                     "method": "qr", **body}, txn_id=str(req["txn_id"]))


def _mac2_state(live: LiveServer, txn: object) -> str:
    with live.sf() as s:
        row = s.scalars(select(Mac2Issued).where(Mac2Issued.txn_id == txn)).one()
        return row.state


def test_mac2_is_capped_at_the_purchase_maximum(live: LiveServer) -> None:
    k = live.new_kiosk()
    top = live.state.config.max_load_fen
    over = _card_init(live.state.card_keys, top + 1)
    over.pop("_seslk")
    r = k.post("/v1/card/mac2", over)
    assert r.status_code == 422 and "purchase maximum" in r.text
    _issue(live, k, top)


def test_each_mac2_is_reconciled_with_the_kiosks_journal(live: LiveServer) -> None:
    k = live.new_kiosk()
    chain = Chain(k.kiosk_id)
    good, other_amount, unused, silent = (_issue(live, k, a, atc) for atc, a in enumerate((5000, 6000, 7000, 8000)))
    _load_row(chain, good)
    _load_row(chain, other_amount, cost_fen=60000)  # the journal says ten times what was authorised
    _load_row(chain, unused, kind="purchase.card_failed", counter_after=None)
    _load_row(chain, unused, kind="purchase.refunded", counter_after=None)
    assert k.upload(chain.rows).status_code == 200
    assert [_mac2_state(live, r["txn_id"]) for r in (good, other_amount, unused, silent)] == [
        "matched", "mismatch", "not_loaded", "issued"]
    alerts = service.alerts(live.sf, kiosk_id=k.kiosk_id)
    assert [a.kind for a in alerts] == ["mac2_mismatch"]
    assert "6000 fen" in alerts[0].detail and "60000 fen" in alerts[0].detail
    # the fourth: no journal row reports its load; past the bound, the next heartbeat alerts
    with live.sf.begin() as s:
        s.execute(update(Mac2Issued).where(Mac2Issued.txn_id == silent["txn_id"]).values(
            issued_at=datetime.now(UTC) - timedelta(seconds=live.state.config.mac2_match_within_s + 1)))
    assert k.post("/v1/heartbeat", {"journal_last_seq": len(chain.rows)}).status_code == 200
    kinds = sorted(a.kind for a in service.alerts(live.sf, kiosk_id=k.kiosk_id))
    assert kinds == ["mac2_mismatch", "mac2_unmatched"] and _mac2_state(live, silent["txn_id"]) == "unmatched"
    assert k.post("/v1/heartbeat", {"journal_last_seq": len(chain.rows)}).status_code == 200
    assert len(service.alerts(live.sf, kiosk_id=k.kiosk_id)) == 2  # once per issuance
