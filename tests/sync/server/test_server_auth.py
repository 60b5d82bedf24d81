"""Kiosk authentication against a real server: per-kiosk HMAC keys, unknown 401, revoked
403, tampered or replayed or stale requests refused and without effect."""
from __future__ import annotations

import json
import threading
import time

from sync_server_harness import Chain, KioskClient, LiveServer

from sync.server import service


def _batch(k: KioskClient, n: int = 1) -> bytes:
    rows = Chain(k.kiosk_id).purchases(n)
    return json.dumps({"kiosk_id": k.kiosk_id, "rows": [r.model_dump() for r in rows]}).encode()


def test_unknown_kiosk_is_401(live: LiveServer) -> None:
    stranger = KioskClient(live.base_url, "K-nobody", b"\x01" * 32)
    assert stranger.get("/v1/status").status_code == 401
    assert stranger.http.get("/v1/status").status_code == 401  # no headers at all


def test_revoked_kiosk_is_403(live: LiveServer) -> None:
    k = live.new_kiosk()
    assert k.get("/v1/status").status_code == 200
    service.revoke_kiosk(live.sf, k.kiosk_id)
    assert k.get("/v1/status").status_code == 403
    assert k.request("POST", "/v1/upload", raw=_batch(k)).status_code == 403
    assert service.ledger_count(live.sf, k.kiosk_id) == 0


def test_wrong_key_is_401(live: LiveServer) -> None:
    k = live.new_kiosk()
    impostor = KioskClient(live.base_url, k.kiosk_id, b"\x02" * 32)
    assert impostor.get("/v1/status").status_code == 401


def test_tampered_body_is_refused_and_has_no_effect(live: LiveServer) -> None:
    k = live.new_kiosk()
    body = _batch(k, 2)
    headers = k.sign("POST", "/v1/upload", body)
    tampered = body.replace(b'"amount_fen\\":1000', b'"amount_fen\\":9000')
    assert tampered != body
    r = k.request("POST", "/v1/upload", raw=tampered, headers=headers)
    assert r.status_code == 401
    assert service.ledger_count(live.sf, k.kiosk_id) == 0


def test_tampered_query_is_refused(live: LiveServer) -> None:
    k = live.new_kiosk()
    headers = k.sign("GET", "/v1/notices?since=5", b"")
    assert k.request("GET", "/v1/notices?since=0", headers=headers).status_code == 401
    assert k.request("GET", "/v1/notices?since=5", headers=headers).status_code == 200


def test_replayed_request_is_refused(live: LiveServer) -> None:
    k = live.new_kiosk()
    body = _batch(k)
    headers = k.sign("POST", "/v1/upload", body)
    assert k.request("POST", "/v1/upload", raw=body, headers=headers).status_code == 200
    again = k.request("POST", "/v1/upload", raw=body, headers=headers)
    assert again.status_code == 401 and "replay" in again.text
    assert service.ledger_count(live.sf, k.kiosk_id) == 1


def test_stale_timestamp_is_refused(live: LiveServer) -> None:
    k = live.new_kiosk()
    old = k.sign("GET", "/v1/status", b"", now=time.time() - 3600)
    assert k.request("GET", "/v1/status", headers=old).status_code == 401
    future = k.sign("GET", "/v1/status", b"", now=time.time() + 3600)
    assert k.request("GET", "/v1/status", headers=future).status_code == 401


def test_a_new_key_replaces_the_old_one(live: LiveServer) -> None:
    k = live.new_kiosk()
    new_key = service.add_kiosk(live.sf, k.kiosk_id)
    assert k.get("/v1/status").status_code == 401
    assert KioskClient(live.base_url, k.kiosk_id, bytes.fromhex(new_key)).get("/v1/status").status_code == 200


def test_the_same_signed_request_sent_by_several_threads_at_once_counts_once(live: LiveServer) -> None:
    k = live.new_kiosk()
    body = _batch(k, 3)
    headers = k.sign("POST", "/v1/upload", body)
    clients = [live.new_kiosk_client(k) for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []

    def send(c: KioskClient) -> None:
        barrier.wait()
        codes.append(c.request("POST", "/v1/upload", raw=body, headers=headers).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for c in clients:
        c.close()
    assert sorted(codes) == [200] + [401] * 7
    assert service.ledger_count(live.sf, k.kiosk_id) == 3
