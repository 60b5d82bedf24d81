"""Test harness for the sync server: a real server on 127.0.0.1 (uvicorn in a thread on an
ephemeral port), a signing kiosk client, journal row builders, and a throwaway PostgreSQL
database per server."""
from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.hashchain import GENESIS, canonical_json, row_hash
from kiosk.journal import Journal, store
from kiosk.journal.models import JournalRow as JRow
from kiosk.journal.models import OutboxRow
from kiosk.ports import Clock
from sync.auth import sign_headers
from sync.protocol import RowEnvelope
from sync.server import service
from sync.server.app import create_app
from sync.server.config import ServerConfig
from sync.server.db import JournalRow
from sync.server.state import ServerState

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[3]


@dataclass
class LiveServer:
    base_url: str
    state: ServerState
    backend: str
    _server: uvicorn.Server
    _thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    @property
    def sf(self) -> service.SF:
        return self.state.sf

    def new_kiosk(self, prefix: str = "K") -> KioskClient:
        kiosk_id = f"{prefix}-{uuid.uuid4().hex[:10]}"
        key = service.add_kiosk(self.sf, kiosk_id)
        return KioskClient(self.base_url, kiosk_id, bytes.fromhex(key))

    def new_kiosk_client(self, kiosk: KioskClient) -> KioskClient:
        """Another connection as the same kiosk (its own nonces)."""
        return KioskClient(self.base_url, kiosk.kiosk_id, kiosk.key)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.state.close()


def start_server(db_url: str, key_dir: Path, backend: str, staff_token: str | None = None) -> LiveServer:
    state = ServerState.open(
        ServerConfig(db_url=db_url, key_dir=key_dir, staff_token=staff_token, sandbox_payments=True)
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(state), log_level="warning", lifespan="off", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"uvicorn-{backend}")
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", state, backend, server, thread)


class KioskClient:
    """Signs every request as the kiosk would (sync/auth.py)."""

    def __init__(self, base_url: str, kiosk_id: str, key: bytes) -> None:
        self.kiosk_id, self.key = kiosk_id, key
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def request(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
                raw: bytes | None = None) -> httpx.Response:
        content = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        h = headers if headers is not None else self.sign(method, path, content)
        if content:
            h = {**h, "Content-Type": "application/json"}
        return self.http.request(method, path, content=content, headers=h)

    def sign(self, method: str, path: str, content: bytes, **kw: Any) -> dict[str, str]:
        return sign_headers(self.kiosk_id, self.key, method, path, content, **kw)

    def get(self, path: str) -> httpx.Response:
        return self.request("GET", path)

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.request("POST", path, body)

    def upload(self, rows: list[RowEnvelope]) -> httpx.Response:
        return self.post("/v1/upload", {"kiosk_id": self.kiosk_id, "rows": [r.model_dump() for r in rows]})

    def close(self) -> None:
        self.http.close()


@dataclass
class Chain:
    """Builds a kiosk's journal rows as the kiosk would."""

    kiosk_id: str
    rows: list[RowEnvelope] = field(default_factory=list)

    def add(self, kind: str, body: dict[str, Any], txn_id: str | None = None) -> RowEnvelope:
        seq = len(self.rows) + 1
        prev = self.rows[-1].row_hash if self.rows else GENESIS
        text = canonical_json(body)
        txn = txn_id or f"T{seq:06d}"
        row = RowEnvelope(
            kiosk_id=self.kiosk_id, seq=seq, txn_id=txn, kind=kind, body=text,
            prev_hash=prev, row_hash=row_hash(prev, self.kiosk_id, seq, txn, kind, text),
        )
        self.rows.append(row)
        return row

    def purchases(self, n: int) -> list[RowEnvelope]:
        return [self.add("purchase.created", {"amount_fen": 1000 + i, "customer_no": "0000000042"}) for i in range(n)]


def rehash(row: RowEnvelope, **changes: Any) -> RowEnvelope:
    """The row with fields changed and its row_hash recomputed (a consistent forgery)."""
    data = row.model_dump() | changes
    data["row_hash"] = row_hash(data["prev_hash"], data["kiosk_id"], data["seq"], data["txn_id"], data["kind"], data["body"])
    return RowEnvelope(**data)


# --------------------------------------------------------------------------- PostgreSQL


def start_pg_cluster() -> tuple[str, list[str]]:
    """Runs packaging/test-services/postgres.sh as run-tests.sh would; returns the URL and
    the stop commands."""
    script = (
        "set -euo pipefail; STOP_CMDS=(); unset KIOSK_TEST_PG_URL; "
        "source packaging/test-services/postgres.sh; "
        'echo "URL=${KIOSK_TEST_PG_URL:-}"; for c in "${STOP_CMDS[@]}"; do echo "STOP=$c"; done'
    )
    out = subprocess.run(
        ["bash", "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    url = next((ln[4:] for ln in out.stdout.splitlines() if ln.startswith("URL=")), "")
    stops = [ln[5:] for ln in out.stdout.splitlines() if ln.startswith("STOP=")]
    if not url:
        raise RuntimeError(f"could not start PostgreSQL: {out.stderr.strip()}")
    return url, stops


def stop_pg_cluster(stops: list[str]) -> None:
    for cmd in reversed(stops):
        subprocess.run(["bash", "-c", cmd], timeout=60, check=False)


def fresh_pg_database(admin_url: str) -> tuple[str, str]:
    """CREATE DATABASE with a random name; returns (its URL, its name)."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"kiosk_test_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, name


def drop_pg_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_admin_url() -> str | None:
    return os.environ.get("KIOSK_TEST_PG_URL") or None


def iter_lines(text: str) -> Iterator[str]:
    yield from text.splitlines()


# --------------------------------------------------------------------------- kiosk journal


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.t = start or datetime(2026, 11, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))

    def now(self) -> datetime:
        return self.t

    def advance(self, **kw: float) -> None:
        self.t += timedelta(**kw)


def open_journal(path: Path, kiosk_id: str) -> Journal:
    journal = Journal(path, kiosk_id)
    journal.open()
    return journal


def append_rows(journal: Journal, clock: Clock, n: int, kind: str = "purchase.created") -> None:
    def do(s: Session) -> None:
        for i in range(n):
            store.append(s, journal.kiosk_id, f"T{uuid.uuid4().hex[:12]}", kind, {"amount_fen": 100 + i}, clock.now())

    journal.call(do)


def journal_chain(journal: Journal) -> list[tuple[int, str]]:
    return journal.call(
        lambda s: [(int(a), str(b)) for a, b in s.execute(select(JRow.seq, JRow.row_hash).order_by(JRow.seq))]
    )


def unsent(journal: Journal) -> int:
    n = journal.call(lambda s: s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.sent == 0)))
    return int(n or 0)


def server_chain(sf: service.SF, kiosk_id: str) -> list[tuple[int, str]]:
    with sf() as s:
        rows = s.execute(
            select(JournalRow.seq, JournalRow.row_hash).where(JournalRow.kiosk_id == kiosk_id).order_by(JournalRow.seq)
        )
        return [(int(a), str(b)) for a, b in rows]
