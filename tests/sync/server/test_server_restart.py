"""A server process killed (SIGKILL, twice) while a kiosk uploads, and started again on the same
database: no row lost, none twice, the chain intact, the queue drained. SQLite and
PostgreSQL."""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sync_server_harness import (
    REPO,
    FakeClock,
    append_rows,
    drop_pg_database,
    fresh_pg_database,
    journal_chain,
    open_journal,
    server_chain,
    unsent,
)

from kiosk import outbox
from sync.client import HttpServer, SyncError
from sync.server import service
from sync.server.config import ServerConfig
from sync.server.state import ServerState


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    def __init__(self, db_url: str, key_dir: Path) -> None:
        self.db_url, self.key_dir, self.port = db_url, key_dir, _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sync.server", "--db", self.db_url, "--key-dir", str(self.key_dir),
             "--port", str(self.port), "--log-level", "warning"],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
        return
    admin: str = request.getfixturevalue("pg_url")
    url, name = fresh_pg_database(admin)
    try:
        yield url
    finally:
        drop_pg_database(admin, name)


def test_server_killed_mid_upload_and_restarted(db_url: str, tmp_path: Path) -> None:
    state = ServerState.open(ServerConfig(db_url=db_url, key_dir=tmp_path / "keys"))
    kiosk_id = "K-restart"
    key = bytes.fromhex(service.add_kiosk(state.sf, kiosk_id))
    server = ServerProcess(db_url, tmp_path / "keys")
    server.start()
    journal = open_journal(tmp_path / "journal.db", kiosk_id)
    clock = FakeClock()
    client = HttpServer(server.url, kiosk_id, key, server_key=state.signer.public_key_hex, timeout_s=3,
                        keepalive=False)
    done = threading.Event()
    failures: list[str] = []

    def uploader() -> None:
        while not done.is_set() or unsent(journal):
            try:
                if outbox.upload_once(journal, client, clock, 20) == 0:
                    time.sleep(0.01)
            except SyncError as exc:
                failures.append(type(exc).__name__)
                time.sleep(0.02)

    try:
        append_rows(journal, clock, 400)  # about 20 batches: the kills land mid-stream
        t = threading.Thread(target=uploader)
        t.start()
        rnd = random.Random(3)
        for _ in range(2):
            time.sleep(rnd.uniform(0.05, 0.25))
            server.kill()
            append_rows(journal, clock, 50)  # the kiosk goes on selling meanwhile
            server.start()
        done.set()
        t.join(timeout=90)
        assert not t.is_alive()
        assert failures, "the kills were not noticed by the uploader"
        assert unsent(journal) == 0
        assert server_chain(state.sf, kiosk_id) == journal_chain(journal)
        assert len(journal_chain(journal)) == 500
        assert service.alerts(state.sf, kiosk_id=kiosk_id) == []
    finally:
        done.set()
        client.close()
        server.stop()
        journal.close()
        state.close()
