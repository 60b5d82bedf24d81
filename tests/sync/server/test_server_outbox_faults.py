"""The kiosk's real journal and outbox (kiosk.outbox) uploading through sync.client to a real
server, with a TCP fault proxy in between: lost responses after the server committed,
resets mid-body, black holes, delays, 50 failures in a row, several threads sending the
same rows, flapping, 30 days offline. After each, the server's ledger equals the journal
and the queue is drained."""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
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

from kiosk import outbox
from kiosk.journal import Journal
from sync.cache import DownloadCache
from sync.client import HttpServer, ServerUnreachable, SyncError
from sync.jobs import SyncClient, SyncSettings
from sync.server import service


@dataclass
class Rig:
    live: LiveServer
    proxy: FaultProxy
    journal: Journal
    clock: FakeClock
    kiosk_id: str
    key: bytes

    def client(self, timeout_s: float = 2.0) -> HttpServer:
        return HttpServer(self.proxy.url, self.kiosk_id, self.key, server_key=self.live.state.signer.public_key_hex, timeout_s=timeout_s, keepalive=False)

    def drain(self, client: HttpServer, *, batch: int = 10, max_tries: int = 200) -> int:
        """upload_once until nothing is pending; returns how many calls failed."""
        failures = 0
        for _ in range(max_tries):
            try:
                if outbox.upload_once(self.journal, client, self.clock, batch) == 0 and unsent(self.journal) == 0:
                    return failures
            except SyncError:
                failures += 1
        raise AssertionError(f"outbox did not drain in {max_tries} calls")

    def assert_consistent(self) -> None:
        assert unsent(self.journal) == 0
        assert server_chain(self.live.sf, self.kiosk_id) == journal_chain(self.journal)
        assert service.alerts(self.live.sf, kiosk_id=self.kiosk_id) == []


@pytest.fixture
def rig(live: LiveServer, tmp_path: Path) -> Iterator[Rig]:
    k = live.new_kiosk()
    k.close()
    proxy = FaultProxy(live.port)
    journal = open_journal(tmp_path / "journal.db", k.kiosk_id)
    try:
        yield Rig(live, proxy, journal, FakeClock(), k.kiosk_id, k.key)
    finally:
        journal.close()
        proxy.close()


def test_lost_responses_and_resets_mid_body(rig: Rig) -> None:
    append_rows(rig.journal, rig.clock, 25)
    faults = ["drop_response"] * 3 + ["reset_response"] * 2 + ["reset_request"] * 2
    rig.proxy.set_script(faults)
    client = rig.client()
    failures = rig.drain(client)
    assert failures == len(faults)
    assert rig.proxy.counts["drop_response"] == 3
    rig.assert_consistent()


def test_black_hole_then_delay_then_back(rig: Rig) -> None:
    append_rows(rig.journal, rig.clock, 5)
    rig.proxy.set_script(["blackhole", "delay", "delay"])
    client = rig.client(timeout_s=1.0)
    t0 = time.monotonic()
    with pytest.raises(ServerUnreachable):
        outbox.upload_once(rig.journal, client, rig.clock, 3)
    assert time.monotonic() - t0 < 5
    assert outbox.upload_once(rig.journal, client, rig.clock, 3) == 3  # slow but answered
    assert rig.drain(client) == 0
    rig.assert_consistent()


def test_fifty_failures_in_a_row_then_success(rig: Rig) -> None:
    append_rows(rig.journal, rig.clock, 12)
    rig.proxy.set_script(["refuse"] * 50)
    client = rig.client()
    for _ in range(50):
        with pytest.raises(ServerUnreachable):
            outbox.upload_once(rig.journal, client, rig.clock, 5)
    attempts = rig.journal.raw("SELECT attempts FROM outbox WHERE seq = 1")[0][0]
    assert attempts == 50
    assert rig.drain(client, batch=5) == 0
    rig.assert_consistent()


def test_several_threads_send_the_same_rows_through_faults(rig: Rig) -> None:
    append_rows(rig.journal, rig.clock, 40)
    rnd = random.Random(5)
    rig.proxy.set_script([rnd.choice(["pass", "pass", "drop_response", "reset_request"]) for _ in range(120)])
    errors: list[BaseException] = []

    def worker() -> None:
        client = rig.client()
        try:
            deadline = time.monotonic() + 60
            while unsent(rig.journal) and time.monotonic() < deadline:
                try:
                    outbox.upload_once(rig.journal, client, rig.clock, 8)
                except SyncError:
                    time.sleep(0.01)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert errors == []
    rig.assert_consistent()


def test_flapping_link_while_the_kiosk_keeps_selling(rig: Rig) -> None:
    """Ten minutes of a link flapping every few seconds, compressed: 100 flaps of 20-40 ms
    while rows keep being appended and the uploader keeps trying."""
    rnd = random.Random(10)
    stop = threading.Event()

    def flapper() -> None:
        for _ in range(100):
            rig.proxy.default = rnd.choice(["pass", "refuse", "drop_response", "reset_response", "reset_request"])
            time.sleep(rnd.uniform(0.02, 0.04))
        rig.proxy.default = "pass"
        stop.set()

    def seller() -> None:
        while not stop.is_set():
            append_rows(rig.journal, rig.clock, 1)
            rig.clock.advance(seconds=6)
            time.sleep(0.01)

    threads = [threading.Thread(target=flapper), threading.Thread(target=seller)]
    for t in threads:
        t.start()
    client = rig.client()
    while not stop.is_set():
        try:
            outbox.upload_once(rig.journal, client, rig.clock, 10)
        except SyncError:
            time.sleep(0.005)
    for t in threads:
        t.join(timeout=30)
    rig.drain(client)
    assert len(journal_chain(rig.journal)) > 20
    rig.assert_consistent()


def test_thirty_days_offline_then_the_queue_drains_in_order(rig: Rig) -> None:
    rig.proxy.default = "refuse"
    client = rig.client()
    for _day in range(30):
        append_rows(rig.journal, rig.clock, 10)
        with pytest.raises(ServerUnreachable):
            outbox.upload_once(rig.journal, client, rig.clock, 100)
        rig.clock.advance(days=1)
    oldest = rig.journal.raw("SELECT MIN(j.created_at) FROM journal j JOIN outbox o ON o.seq = j.seq WHERE o.sent = 0")
    assert oldest[0][0].startswith("2026-11-01")
    rig.proxy.default = "pass"
    assert rig.drain(client, batch=100) == 0
    assert len(journal_chain(rig.journal)) == 300
    rig.assert_consistent()


@pytest.mark.parametrize("fault", ["drop_response", "reset_response", "reset_request"])
def test_the_sync_clients_upload_job_backs_off_through_a_fault_and_drains(rig: Rig, fault: str) -> None:
    """The same faults through SyncClient's upload job (what the kiosk runs): the failed run
    counts a failure and backs off, the next run after the backoff drains; for a response
    lost after the server committed, the retry is answered as duplicates."""
    append_rows(rig.journal, rig.clock, 9)
    http = rig.client()
    cache = DownloadCache(rig.journal.path.parent / "cache.db")
    settings = SyncSettings(batch=9, backoff_base_s=0.05, backoff_max_s=0.05, unsent_alert_after=timedelta(hours=1))
    client = SyncClient(rig.journal, http, rig.clock, cache, rig.live.state.signer.public_key_hex,
                        settings=settings, rnd=random.Random(7))
    try:
        rig.proxy.set_script([fault])
        assert client.upload_job() == 0
        assert client.online is False and client.upload_backoff.failures == 1
        assert unsent(rig.journal) == 9
        stored = len(server_chain(rig.live.sf, rig.kiosk_id))
        # the answer started, so the server had committed (lost, or cut mid-body); or it never
        # got the whole request
        assert stored == (0 if fault == "reset_request" else 9)
        while not client.upload_backoff.ready():
            time.sleep(0.01)
        assert client.upload_job() == 9
        assert client.online is True and client.upload_backoff.failures == 0
        rig.assert_consistent()
    finally:
        cache.close()
        http.close()
