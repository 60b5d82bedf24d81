"""Download versions follow commit order, on a real PostgreSQL: a transaction that took a
version and commits late is not skipped by a kiosk that downloaded in between (with
autoincrement ids it was, for ever)."""
from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sync_server_harness import drop_pg_database, fresh_pg_database

from sync.protocol import Notice
from sync.server import service
from sync.server.config import ServerConfig
from sync.server.db import NoticeRow, next_version
from sync.server.state import ServerState


@pytest.fixture
def pg_state(pg_url: str) -> Iterator[tuple[ServerState, str]]:
    url, name = fresh_pg_database(pg_url)
    state = ServerState.open(ServerConfig(db_url=url, key_dir=Path(tempfile.mkdtemp())))
    try:
        yield state, url
    finally:
        state.close()
        drop_pg_database(pg_url, name)


def _waiting_on_a_lock(url: str, deadline_s: float = 30.0) -> bool:
    """True once some backend of this database waits on a lock (PostgreSQL says so in
    pg_stat_activity); False if none does within the deadline."""
    end = time.monotonic() + deadline_s
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < end:
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND wait_event_type = 'Lock'").fetchone()
            if row is not None and row[0] > 0:
                return True
            time.sleep(0.02)
    return False


def test_a_late_commit_is_not_skipped_by_an_incremental_download(pg_state: tuple[ServerState, str]) -> None:
    state, url = pg_state
    slow = state.sf()
    slow.begin()
    slow.add(NoticeRow(version=next_version(slow), notice_id="slow",
                       data=Notice(notice_id="slow", title="gas cut Sunday", text="x").model_dump_json()))
    slow.flush()  # a long admin or ingest transaction: its version is taken, not committed
    fast_done = threading.Event()

    def fast() -> None:
        service.put_notice(state.sf, Notice(notice_id="fast", title="t", text="y"))
        fast_done.set()

    writer = threading.Thread(target=fast)
    writer.start()
    try:
        # the second writer queues behind the first (the counter's row lock) ...
        assert _waiting_on_a_lock(url) and not fast_done.is_set()
        # ... and a kiosk downloading now sees neither
        items, v1, _more = service.notices_since(state.sf, "K", 0)
        assert items == []
    finally:
        slow.commit()
        slow.close()
    writer.join(timeout=30)
    assert fast_done.is_set()
    items, v2, _more = service.notices_since(state.sf, "K", v1)
    assert [n.notice_id for n in items] == ["slow", "fast"]  # commit order, nothing skipped
    assert items[0].version < items[1].version == v2


def test_concurrent_writers_get_distinct_versions_in_commit_order(pg_state: tuple[ServerState, str]) -> None:
    state, _url = pg_state
    seen: list[int] = []
    lock = threading.Lock()

    def writer(i: int) -> None:
        for j in range(10):
            v = service.put_notice(state.sf, Notice(notice_id=f"n{i}-{j}", title="t", text="x"))
            with lock:
                seen.append(v)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(seen) == list(range(min(seen), min(seen) + 60))
    items, _v, _more = service.notices_since(state.sf, "K", 0)
    assert [n.version for n in items] == sorted(seen)
