"""The sync client's SAM quota job (sync.jobs.SyncClient.sam_job) with the SAM of the card
emulator through the real pcscd and a real server on 127.0.0.1: a low quota is topped up, a
quota above the threshold is left alone, a server that refuses or does not answer leaves the
SAM as it was and the job does not raise, and the job is scheduled like the other jobs.

Each test has its own server (a SAM is bound to the first kiosk that asks for a token, and
the emulator's SAM is the same in every test of the process)."""
from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sync_fault_proxy import FaultProxy
from sync_server_harness import (
    FakeClock,
    LiveServer,
    append_rows,
    open_journal,
    start_server,
    unsent,
)

from devices.sim.emulator import DEMO_KEYS
from devices.sim.sam_card import SamKeys
from kiosk.journal import Journal
from sync.cache import DownloadCache
from sync.client import HttpServer
from sync.jobs import SyncClient, SyncSettings
from sync.server.db import QuotaIssued

BELOW = 500_000
SETTINGS = SyncSettings(upload_interval_s=3600, download_interval_s=3600, heartbeat_interval_s=3600,
                        backoff_base_s=0.01, backoff_max_s=0.02, unsent_alert_after=timedelta(hours=1),
                        sam_replenish_below_fen=BELOW, sam_interval_s=0.1)


@dataclass
class Site:
    live: LiveServer
    proxy: FaultProxy
    journal: Journal
    client: SyncClient
    emu: Any
    sam_id: str

    def quota(self) -> int:
        return int(self.emu.dump("sam")["quota"])

    def tokens(self) -> int:
        with self.live.sf() as s:
            return len(s.query(QuotaIssued).filter(QuotaIssued.sam_id == self.sam_id).all())


@pytest.fixture
def site(card_env, tmp_path: Path) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    emu, readers = card_env
    live = start_server(f"sqlite:///{tmp_path / 'server.db'}", tmp_path / "keys", "sqlite")
    sam = readers.sam()
    assert sam is not None and isinstance(DEMO_KEYS, SamKeys)
    sam_id = sam.info().sam_id.upper()
    live.state.card_keys.quota_keys[sam_id] = DEMO_KEYS.quota_key  # the utility provisions it
    k = live.new_kiosk()
    k.close()
    proxy = FaultProxy(live.port)
    journal = open_journal(tmp_path / "journal.db", k.kiosk_id)
    cache = DownloadCache(tmp_path / "cache.db")
    http = HttpServer(proxy.url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex, timeout_s=2, keepalive=False)
    client = SyncClient(journal, http, FakeClock(), cache, live.state.signer.public_key_hex,
                        settings=SETTINGS, sam=readers.sam, rnd=random.Random(5))
    try:
        yield Site(live, proxy, journal, client, emu, sam_id)
    finally:
        client.stop()
        http.close()
        cache.close()
        journal.close()
        proxy.close()
        live.stop()


def _after_backoff(site: Site) -> None:
    time.sleep(SETTINGS.backoff_max_s + 0.01)
    assert site.client.sam_backoff.ready()


def test_a_low_quota_is_topped_up_and_a_sufficient_one_left_alone(site: Site) -> None:
    full = site.live.state.card_keys.quota_fen
    site.emu.set_quota(BELOW + 1)
    assert site.client.sam_job() is None
    assert site.quota() == BELOW + 1 and site.tokens() == 0  # the server was not even asked
    assert site.client.sam_quota_fen == BELOW + 1 and site.client.sam_error is None

    site.emu.set_quota(BELOW - 1)
    assert site.client.sam_job() == full
    assert site.quota() == full and site.tokens() == 1
    assert site.client.sam_quota_fen == full and site.client.sam_error is None
    assert site.client.online is True
    assert site.client.sam_job() is None  # topped up: nothing more to do
    assert site.quota() == full and site.tokens() == 1


def test_the_server_refuses_until_it_holds_the_journal_and_the_sam_stays_as_it_was(site: Site) -> None:
    append_rows(site.journal, site.client.clock, 3)
    site.emu.set_quota(100)
    assert site.client.sam_job() is None  # 409: upload the journal first
    assert site.quota() == 100 and site.tokens() == 0
    assert site.client.online is True  # the server answered
    assert site.client.sam_quota_fen == 100
    assert site.client.sam_error is not None and "409" in site.client.sam_error
    assert site.client.sam_backoff.failures == 1
    assert site.client.upload_job() == 3 and unsent(site.journal) == 0
    _after_backoff(site)
    assert site.client.sam_job() == site.live.state.card_keys.quota_fen
    assert site.client.sam_error is None and site.client.sam_backoff.failures == 0


def test_an_unreachable_server_leaves_the_sam_alone_and_the_job_does_not_raise(site: Site) -> None:
    site.emu.set_quota(100)
    site.proxy.default = "refuse"
    assert site.client.sam_job() is None
    assert site.client.online is False and site.quota() == 100 and site.tokens() == 0
    assert site.client.sam_error is not None and site.client.sam_quota_fen == 100
    assert site.client.sam_job() is None  # backing off: not even tried
    assert site.client.sam_backoff.failures == 1
    site.proxy.default = "drop_response"  # the request arrives, the answer is lost
    _after_backoff(site)
    assert site.client.sam_job() is None
    assert site.client.online is False and site.quota() == 100
    site.proxy.default = "pass"
    _after_backoff(site)
    assert site.client.sam_job() == site.live.state.card_keys.quota_fen
    assert site.quota() == site.live.state.card_keys.quota_fen and site.client.online is True


def test_a_token_the_sam_refuses_is_kept_as_the_error(site: Site) -> None:
    site.live.state.card_keys.quota_keys[site.sam_id] = b"\x11" * 16  # wrong key on the server
    site.emu.set_quota(100)
    assert site.client.sam_job() is None
    assert site.quota() == 100 and site.client.online is True
    assert "refused the quota token" in (site.client.sam_error or "")


def test_no_sam_no_work(site: Site) -> None:
    site.client.sam = lambda: None  # a kiosk whose SAM reader is gone
    site.emu.set_quota(100)
    assert site.client.sam_job() is None
    assert site.quota() == 100 and site.tokens() == 0 and site.client.sam_error is None


def test_the_job_is_scheduled_with_the_common_options_and_tops_up(site: Site) -> None:
    site.emu.set_quota(100)
    sched = site.client.start()
    jobs = {j.id: j for j in sched.get_jobs()}
    assert set(jobs) == {"sync-upload", "sync-download", "sync-heartbeat", "sync-sam-quota"}
    job = jobs["sync-sam-quota"]
    assert job.misfire_grace_time is None and job.coalesce is True and job.max_instances == 1
    assert job.trigger.interval == timedelta(seconds=SETTINGS.sam_interval_s)
    full = site.live.state.card_keys.quota_fen
    deadline = time.monotonic() + 20
    while site.quota() != full and time.monotonic() < deadline:
        time.sleep(0.05)
    site.client.stop()
    assert site.quota() == full and site.tokens() == 1


def test_without_a_sam_seam_there_is_no_sam_job(tmp_path: Path) -> None:
    journal = open_journal(tmp_path / "journal.db", "K-NOSAM")
    cache = DownloadCache(tmp_path / "cache.db")
    http = HttpServer("http://127.0.0.1:9", "K-NOSAM", b"\0" * 32, server_key="00" * 32, timeout_s=1, keepalive=False)
    client = SyncClient(journal, http, FakeClock(), cache, "00" * 32, settings=SETTINGS)
    try:
        sched = client.start()
        assert "sync-sam-quota" not in {j.id for j in sched.get_jobs()}
        assert client.sam_job() is None
    finally:
        client.stop()
        http.close()
        cache.close()
        journal.close()
