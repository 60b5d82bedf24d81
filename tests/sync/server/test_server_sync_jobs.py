"""The kiosk's sync jobs (sync.jobs) against a real server: upload through faults with
backoff, downloads into the cache (a tampered tariff never reaches it), heartbeat, the
unsent-row alert, "online" meaning the server answered, and the APScheduler wiring."""
from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sync_fault_proxy import FaultProxy
from sync_server_harness import (
    FakeClock,
    LiveServer,
    append_rows,
    journal_chain,
    open_journal,
    server_chain,
    unsent,
)

from kiosk.clock import SystemClock
from kiosk.journal import Journal
from kiosk.technician import diagnose
from sync.cache import DownloadCache
from sync.client import HttpServer
from sync.jobs import Backoff, SyncClient, SyncSettings
from sync.protocol import (
    AccountSnapshot,
    AccountStatus,
    Notice,
    PendingCredit,
    TicketCreate,
    TicketKind,
)
from sync.server import service
from sync.server.db import TariffRow, next_version

FAST = SyncSettings(
    upload_interval_s=0.05, download_interval_s=0.2, heartbeat_interval_s=0.2, batch=7,
    backoff_base_s=0.01, backoff_max_s=0.05, unsent_alert_after=timedelta(hours=1),
)
TARIFF = {
    "tariff_id": "residential", "version": 4, "valid_from": "2027-01-01", "tier_year_start": "01-01",
    "tiers": [{"up_to_m3": "350", "price": "2.71"}, {"up_to_m3": None, "price": "3.50"}],
}


@dataclass
class Kiosk:
    live: LiveServer
    proxy: FaultProxy
    journal: Journal
    cache: DownloadCache
    clock: FakeClock
    client: SyncClient
    kiosk_id: str


@pytest.fixture
def kiosk(live: LiveServer, tmp_path: Path) -> Iterator[Kiosk]:
    k = live.new_kiosk()
    k.close()
    proxy = FaultProxy(live.port)
    journal = open_journal(tmp_path / "journal.db", k.kiosk_id)
    cache = DownloadCache(tmp_path / "cache.db")
    clock = FakeClock()
    http = HttpServer(proxy.url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex, timeout_s=2, keepalive=False)
    client = SyncClient(journal, http, clock, cache, live.state.signer.public_key_hex, settings=FAST,
                        rnd=random.Random(1))
    try:
        yield Kiosk(live, proxy, journal, cache, clock, client, k.kiosk_id)
    finally:
        client.stop()
        http.close()
        cache.close()
        journal.close()
        proxy.close()


def test_backoff_grows_with_jitter_is_capped_and_never_gives_up() -> None:
    b = Backoff(1.0, 60.0, random.Random(2))
    delays = [b.failed(now=0.0) for _ in range(200)]
    assert all(0 <= d <= 60 for d in delays) and max(delays[:3]) <= 4
    assert len(set(delays)) > 150  # jittered
    assert not b.ready(now=0.0) or delays[-1] == 0
    assert b.ready(now=61.0)  # after 200 failures it still tries
    b.succeeded()
    assert b.ready(now=0.0) and b.failures == 0


def test_upload_job_backs_off_then_drains_and_online_means_an_answer(kiosk: Kiosk) -> None:
    append_rows(kiosk.journal, kiosk.clock, 20)
    kiosk.proxy.default = "refuse"
    assert kiosk.client.upload_job() == 0
    assert kiosk.client.online is False and kiosk.client.upload_backoff.failures == 1
    assert kiosk.client.upload_job() == 0  # still backing off: not even tried
    assert kiosk.client.upload_backoff.failures in (1, 2)
    kiosk.proxy.default = "pass"
    time.sleep(0.06)
    assert kiosk.client.upload_job() == 20
    assert kiosk.client.online is True and unsent(kiosk.journal) == 0
    assert server_chain(kiosk.live.sf, kiosk.kiosk_id) == journal_chain(kiosk.journal)
    # revoked: the server answers 403, so the kiosk is online, but nothing is marked sent
    service.revoke_kiosk(kiosk.live.sf, kiosk.kiosk_id)
    append_rows(kiosk.journal, kiosk.clock, 1)
    assert kiosk.client.upload_job() == 0
    assert kiosk.client.online is True and unsent(kiosk.journal) == 1 and "403" in (kiosk.client.last_error or "")


def test_download_job_fills_the_cache_incrementally_and_drops_a_forged_tariff(kiosk: Kiosk) -> None:
    live = kiosk.live
    cust = uuid.uuid4().hex[:10]
    service.publish_tariff(live.sf, live.state.signer, TARIFF)
    with live.sf.begin() as s:  # a row slipped into the server's table without the key
        s.add(TariffRow(version=next_version(s), tariff_id="forged", tariff_version=1, document='{"tariff_id":"forged"}',
                        signature="00" * 64, key_id=live.state.signer.key_id))
    service.put_account(live.sf, AccountSnapshot(customer_no=cust, status=AccountStatus.ACTIVE, arrears_fen=0))
    service.put_notice(live.sf, Notice(notice_id=f"n-{cust}", title="t", text="x", kiosk_id=kiosk.kiosk_id))
    now = datetime.now(UTC)
    service.put_pending_credit(live.sf, PendingCredit(credit_id=f"c-{cust}", customer_no=cust, amount_fen=700,
                                                      paid_at=now, source="bank"))
    ticket = kiosk.client.server.create_ticket(TicketCreate(kind=TicketKind.HELP, client_ref="x", summary="help"))
    kiosk.client.download_job()
    assert kiosk.client.online is True
    tariffs = kiosk.cache.tariffs(live.state.signer.public_key_hex)
    assert ("residential", 4) in [(t.tariff_id, t.version) for t in tariffs]
    assert "forged" not in [t.tariff_id for t in tariffs]
    assert kiosk.cache.get("accounts", cust)["status"] == "active"  # type: ignore[index]
    assert kiosk.cache.get("notices", f"n-{cust}") is not None
    assert kiosk.cache.get("pending_credits", f"c-{cust}")["amount_fen"] == 700  # type: ignore[index]
    pub = live.state.signer.public_key_hex
    assert f"c-{cust}" in [c.credit_id for c in kiosk.cache.pending_credits(pub)]
    assert kiosk.cache.get("tickets", str(ticket.ticket_id))["status"] == "open"  # type: ignore[index]
    v = kiosk.cache.version("accounts")
    service.put_account(live.sf, AccountSnapshot(customer_no=cust, status=AccountStatus.SUSPENDED, arrears_fen=5))
    kiosk.client.download_job()
    assert kiosk.cache.version("accounts") > v
    assert kiosk.cache.get("accounts", cust)["status"] == "suspended"  # type: ignore[index]
    # a cached credit or envelope altered on the kiosk's disk is refused on read
    forged = dict(kiosk.cache.get("pending_credits", f"c-{cust}") or {}, amount_fen=70_000)
    kiosk.cache.apply("pending_credits", [(f"c-{cust}", json.dumps(forged))], kiosk.cache.version("pending_credits"))
    assert f"c-{cust}" not in [c.credit_id for c in kiosk.cache.pending_credits(pub)]
    kiosk.cache.apply("tariffs", [("residential:000000004", '{"document": "{}", "signature": "00"}')],
                      kiosk.cache.version("tariffs"))
    assert ("residential", 4) not in [(t.tariff_id, t.version) for t in kiosk.cache.tariffs(live.state.signer.public_key_hex)]


def test_heartbeat_and_the_unsent_alert(kiosk: Kiosk) -> None:
    append_rows(kiosk.journal, kiosk.clock, 3)
    kiosk.proxy.default = "refuse"
    kiosk.client.heartbeat_job()
    assert kiosk.client.online is False
    assert kiosk.client.sync_alert() is None
    kiosk.clock.advance(hours=2)
    alert = kiosk.client.sync_alert()
    assert alert is not None and alert.unsent_rows == 3 and alert.age >= timedelta(hours=2)
    st = kiosk.client.status()  # what the technician screen shows
    assert st.alert and st.online is False and st.unsent_rows == 3 and st.unsent_age == alert.age
    assert [f.code for f in diagnose(st, {"state": "ok"}, None, None)] == ["SYNC-LAG", "SYNC-OFFLINE"]
    kiosk.proxy.default = "pass"
    kiosk.client.heartbeat_job()
    assert kiosk.client.online is True
    health = next(k for k in service.kiosks(kiosk.live.sf) if k.kiosk_id == kiosk.kiosk_id).health_json or ""
    assert '"journal_last_seq":3' in health and '"oldest_unsent_at":"2026-11-01T08:00:00+08:00"' in health
    time.sleep(0.02)
    kiosk.client.run_now()  # the technician's "upload now" (no scheduler: it uploads here)
    assert kiosk.client.sync_alert() is None
    st = kiosk.client.status()
    assert not st.alert and st.unsent_rows == 0 and st.online is True and st.last_answer_at is not None
    assert diagnose(st, {"state": "ok"}, None, None) == []


def test_scheduled_jobs_drain_what_the_kiosk_sells_through_a_flapping_link(kiosk: Kiosk) -> None:
    sched = kiosk.client.start()
    jobs = {j.id: j for j in sched.get_jobs()}
    assert set(jobs) == {"sync-upload", "sync-download", "sync-heartbeat"}
    for job in jobs.values():
        assert job.misfire_grace_time is None and job.coalesce is True and job.max_instances == 1
    rnd = random.Random(4)
    for _ in range(30):
        append_rows(kiosk.journal, kiosk.clock, 2)
        kiosk.proxy.default = rnd.choice(["pass", "refuse", "drop_response"])
        time.sleep(0.03)
    kiosk.proxy.default = "pass"
    deadline = time.monotonic() + 20
    while unsent(kiosk.journal) and time.monotonic() < deadline:
        time.sleep(0.05)
    kiosk.client.stop()
    assert unsent(kiosk.journal) == 0
    assert server_chain(kiosk.live.sf, kiosk.kiosk_id) == journal_chain(kiosk.journal)
    assert len(journal_chain(kiosk.journal)) == 60


def test_thirty_days_offline_on_the_kiosk_s_real_clock(live: LiveServer, tmp_path: Path) -> None:
    """time-machine moves the wall clock (kiosk and server alike) 30 days on while the link is
    down: the technician sees the alert, and when the link is back the queue drains."""
    k = live.new_kiosk()
    k.close()
    proxy = FaultProxy(live.port, default="refuse")
    journal = open_journal(tmp_path / "journal.db", k.kiosk_id)
    cache = DownloadCache(tmp_path / "cache.db")
    http = HttpServer(proxy.url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex, timeout_s=2, keepalive=False)
    clock = SystemClock()
    client = SyncClient(journal, http, clock, cache, live.state.signer.public_key_hex, settings=FAST,
                        rnd=random.Random(3))
    try:
        with time_machine.travel(datetime(2026, 12, 1, 1, 0, tzinfo=UTC), tick=True) as traveller:
            for _day in range(30):
                append_rows(journal, clock, 5)
                client.upload_job()
                traveller.shift(timedelta(days=1))
            assert client.online is False and unsent(journal) == 150
            alert = client.sync_alert()
            assert alert is not None and alert.age > timedelta(days=29) and alert.unsent_rows == 150
            proxy.default = "pass"
            deadline = time.monotonic() + 20
            while unsent(journal) and time.monotonic() < deadline:
                client.upload_job()
                time.sleep(0.02)
            assert client.online is True and client.sync_alert() is None
        assert server_chain(live.sf, k.kiosk_id) == journal_chain(journal)
        assert service.alerts(live.sf, kiosk_id=k.kiosk_id) == []
    finally:
        http.close()
        cache.close()
        journal.close()
        proxy.close()
