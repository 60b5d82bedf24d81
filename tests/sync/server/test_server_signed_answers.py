"""Every answer of the server is signed over the request it answers, and the kiosk's sync
client believes nothing else: a tampered download, a forged or replayed upload ack, a server
with another key change nothing (the cache keeps its last good data, no row is marked sent).
The kiosk follows what the server says it holds: a server that lost rows (restored from a
backup) gets them again, and a refused upload is a failure the technician sees."""
from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, update
from sync_fault_proxy import FaultProxy, http_answer
from sync_server_harness import (
    Chain,
    FakeClock,
    KioskClient,
    LiveServer,
    append_rows,
    journal_chain,
    open_journal,
    server_chain,
    unsent,
)

from kiosk.journal import Journal
from kiosk.technician import diagnose
from sync.cache import DownloadCache
from sync.client import HttpServer
from sync.jobs import SyncClient, SyncSettings
from sync.protocol import AccountSnapshot, AccountStatus, BlockedCard
from sync.server import service
from sync.server.db import JournalRow, Kiosk

FAST = SyncSettings(batch=50, backoff_base_s=0.01, backoff_max_s=0.02, unsent_alert_after=timedelta(hours=1))


@dataclass
class Rig:
    live: LiveServer
    proxy: FaultProxy
    journal: Journal
    cache: DownloadCache
    http: HttpServer
    client: SyncClient
    kiosk_id: str
    key: bytes


@pytest.fixture
def rig(live: LiveServer, tmp_path: Path) -> Iterator[Rig]:
    k = live.new_kiosk()
    k.close()
    proxy = FaultProxy(live.port)
    journal = open_journal(tmp_path / "journal.db", k.kiosk_id)
    cache = DownloadCache(tmp_path / "cache.db")
    pub = live.state.signer.public_key_hex
    http = HttpServer(proxy.url, k.kiosk_id, k.key, server_key=pub, timeout_s=3, keepalive=False)
    client = SyncClient(journal, http, FakeClock(), cache, pub, settings=FAST, rnd=random.Random(5))
    try:
        yield Rig(live, proxy, journal, cache, http, client, k.kiosk_id, k.key)
    finally:
        http.close()
        cache.close()
        journal.close()
        proxy.close()


def _account(customer: str, blocked: str) -> AccountSnapshot:
    from datetime import UTC, datetime

    return AccountSnapshot(customer_no=customer, status=AccountStatus.ACTIVE, arrears_fen=0,
                           blocked_cards=[BlockedCard(serial=blocked, reason="lost", blocked_at=datetime.now(UTC))])


def _retry_soon(client: SyncClient) -> None:
    time.sleep(0.03)  # past the (capped, 20 ms) backoff


def test_a_tampered_download_is_refused_and_the_cache_keeps_the_last_good_data(rig: Rig) -> None:
    pub = rig.live.state.signer.public_key_hex
    customer = uuid.uuid4().hex[:10]
    first, second = uuid.uuid4().hex[:16].upper(), uuid.uuid4().hex[:16].upper()
    service.put_account(rig.live.sf, _account(customer, first))
    rig.client.download_job()
    good = rig.cache.account(customer, pub)
    assert good is not None and good.blocked_cards[0].serial == first
    version = rig.cache.version("accounts")
    # the utility blocks another card; a man in the middle swaps its serial on the way
    service.put_account(rig.live.sf, _account(customer, second))
    rig.proxy.tamper = lambda data: data.replace(second.encode(), b"0" * 16)
    rig.client.download_job()
    assert rig.client.online is False and "signature" in (rig.client.last_error or "")
    assert rig.client.download_backoff.failures == 1
    assert rig.cache.version("accounts") == version
    assert rig.cache.account(customer, pub) == good  # the last good data, untouched
    rig.proxy.tamper = None
    _retry_soon(rig.client)
    rig.client.download_job()
    now = rig.cache.account(customer, pub)
    assert rig.client.online is True and now is not None and now.blocked_cards[0].serial == second


def test_a_forged_or_replayed_upload_ack_marks_nothing_sent(rig: Rig) -> None:
    append_rows(rig.journal, rig.client.clock, 3)
    rig.proxy.default = "answer"  # a forger: every row "stored", no signature
    rig.proxy.answer = http_answer(
        b'{"kiosk_id":"%s","stored":[1,2,3],"results":[],"last_seq":3}' % rig.kiosk_id.encode())
    assert rig.client.upload_job() == 0
    assert unsent(rig.journal) == 3 and server_chain(rig.live.sf, rig.kiosk_id) == []
    # a real, signed answer to an earlier request, replayed for this one
    rig.proxy.default = "pass"
    before = len(rig.proxy.responses)
    rig.client.heartbeat_job()
    recorded = rig.proxy.response_after(before)
    assert b"x-server-signature" in recorded.lower()
    rig.proxy.default, rig.proxy.answer = "answer", recorded
    _retry_soon(rig.client)
    assert rig.client.upload_job() == 0 and unsent(rig.journal) == 3
    assert "signature" in (rig.client.last_error or "") and rig.client.online is False
    rig.proxy.default = "pass"
    _retry_soon(rig.client)
    assert rig.client.upload_job() == 3
    assert server_chain(rig.live.sf, rig.kiosk_id) == journal_chain(rig.journal)


def test_a_server_with_another_key_is_not_believed(rig: Rig) -> None:
    other = HttpServer(rig.live.base_url, rig.kiosk_id, rig.key, server_key="ab" * 32)
    try:
        from sync.client import ServerUnreachable

        with pytest.raises(ServerUnreachable, match="signature"):
            other.status()
    finally:
        other.close()
    assert rig.http.status().kiosk_id == rig.kiosk_id  # the right key: believed


def _server_loses_rows_after(rig: Rig, keep: int) -> None:
    """The server is restored from a backup taken when it held rows 1..keep."""
    with rig.live.sf.begin() as s:
        s.execute(delete(JournalRow).where(JournalRow.kiosk_id == rig.kiosk_id, JournalRow.seq > keep))
        s.execute(update(Kiosk).where(Kiosk.kiosk_id == rig.kiosk_id).values(last_seq=keep))


def test_a_server_that_lost_rows_gets_them_again_from_the_heartbeat(rig: Rig) -> None:
    append_rows(rig.journal, rig.client.clock, 10)
    assert rig.client.upload_job() == 10 and unsent(rig.journal) == 0
    _server_loses_rows_after(rig, 6)
    rig.client.heartbeat_job()
    assert unsent(rig.journal) == 4
    st = rig.client.status()
    assert st.problem is not None and "holds seq 6" in st.problem and st.alert
    alert = rig.client.sync_alert()
    assert alert is not None and alert.problem == st.problem
    assert "SYNC-REFUSED" in [f.code for f in diagnose(st, {"state": "ok"}, None, None)]
    assert rig.client.upload_job() == 4
    assert server_chain(rig.live.sf, rig.kiosk_id) == journal_chain(rig.journal)
    assert rig.client.status().problem is None and rig.client.sync_alert() is None


def test_a_server_that_lost_rows_gets_them_again_from_the_upload_ack(rig: Rig) -> None:
    append_rows(rig.journal, rig.client.clock, 8)
    assert rig.client.upload_job() == 8
    _server_loses_rows_after(rig, 3)
    append_rows(rig.journal, rig.client.clock, 1)
    assert rig.client.upload_job() == 0  # seq 9 refused: the server holds only up to 3 (a gap)
    assert rig.client.upload_backoff.failures == 1 and unsent(rig.journal) == 6
    assert "gap" in (rig.client.status().problem or "")
    _retry_soon(rig.client)
    assert rig.client.upload_job() == 6
    assert server_chain(rig.live.sf, rig.kiosk_id) == journal_chain(rig.journal)
    assert rig.client.status().problem is None and rig.client.upload_backoff.failures == 0


def test_a_refused_upload_is_a_failure_the_technician_sees(rig: Rig) -> None:
    """The server holds seq 1 with other content (a journal rewritten or restored on the
    kiosk): every upload is refused (422). It is counted as a failure with backoff and shown
    at once in status() and sync_alert(), not taken for a success."""
    forger = KioskClient(rig.live.base_url, rig.kiosk_id, rig.key)
    chain = Chain(rig.kiosk_id)
    chain.add("purchase.created", {"amount_fen": 1})
    assert forger.upload(chain.rows).status_code == 200
    forger.close()
    append_rows(rig.journal, rig.client.clock, 2)
    assert rig.client.upload_job() == 0
    assert rig.client.upload_backoff.failures == 1 and unsent(rig.journal) == 2
    assert rig.client.online is True  # it answered: "online" keeps its meaning
    st = rig.client.status()
    assert st.problem is not None and "seq 1 conflict" in st.problem and st.alert
    alert = rig.client.sync_alert()
    assert alert is not None and alert.problem == st.problem and alert.unsent_rows == 2
    assert "SYNC-REFUSED" in [f.code for f in diagnose(st, {"state": "ok"}, None, None)]
    assert rig.client.upload_job() == 0 and rig.proxy.counts["pass"] in (1, 2)  # backing off
    _retry_soon(rig.client)
    rig.client.upload_job()
    assert rig.client.upload_backoff.failures >= 2 and unsent(rig.journal) == 2  # never gives up
