"""A server process killed (SIGKILL, twice, inside the ingest transaction of a batch) while a
kiosk uploads, and started again on the same database: no row lost, none twice, the chain
intact, the queue drained. SQLite and PostgreSQL."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
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
from sync.client import HttpServer, ServerUnreachable
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

    def start(self, crash_at: str | None = None) -> None:
        """`crash_at`: KIOSK_CRASH_AT for the server process (it SIGKILLs itself there)."""
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("KIOSK_CRASH_AT", None)
        if crash_at is not None:
            env["KIOSK_CRASH_AT"] = crash_at
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sync.server", "--db", self.db_url, "--key-dir", str(self.key_dir),
             "--port", str(self.port), "--log-level", "warning"],
            cwd=REPO, env=env,
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

    def killed(self) -> bool:
        """The process ended by SIGKILL (its crash point)."""
        assert self.proc is not None
        return self.proc.wait(timeout=30) == -signal.SIGKILL

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
    """Killed inside the ingest transaction, deterministically: the server process dies at
    its n-th stored row (crash point server:ingest:row), in the middle of a batch, before the
    commit. The batch is not half stored; after the restart the kiosk's retries drain the
    queue and the ledger equals the journal."""
    state = ServerState.open(ServerConfig(db_url=db_url, key_dir=tmp_path / "keys"))
    kiosk_id = "K-restart"
    key = bytes.fromhex(service.add_kiosk(state.sf, kiosk_id))
    server = ServerProcess(db_url, tmp_path / "keys")
    journal = open_journal(tmp_path / "journal.db", kiosk_id)
    clock = FakeClock()
    client = HttpServer(server.url, kiosk_id, key, server_key=state.signer.public_key_hex, timeout_s=10,
                        keepalive=False)
    try:
        append_rows(journal, clock, 100)
        server.start(crash_at="server:ingest:row@30")  # batch 1 (rows 1-20) commits; dies in batch 2
        assert outbox.upload_once(journal, client, clock, 20) == 20
        with pytest.raises(ServerUnreachable):
            outbox.upload_once(journal, client, clock, 20)  # rows 21-40: killed at row 30
        assert server.killed()
        assert [s for s, _ in server_chain(state.sf, kiosk_id)] == list(range(1, 21))  # 21-29 rolled back
        assert unsent(journal) == 80
        append_rows(journal, clock, 10)  # the kiosk goes on selling meanwhile
        server.start(crash_at="server:ingest:row@15")  # killed again, in the first batch after the restart
        with pytest.raises(ServerUnreachable):
            outbox.upload_once(journal, client, clock, 20)
        assert server.killed()
        assert len(server_chain(state.sf, kiosk_id)) == 20
        server.start()
        assert outbox.drain(journal, client, clock, 20) == 90
        assert unsent(journal) == 0
        assert server_chain(state.sf, kiosk_id) == journal_chain(journal)
        assert len(journal_chain(journal)) == 110
        assert service.alerts(state.sf, kiosk_id=kiosk_id) == []
    finally:
        client.close()
        server.stop()
        journal.close()
        state.close()
