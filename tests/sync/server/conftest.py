"""Fixtures of the sync server tests: `live` is a real server per backend (SQLite file and
PostgreSQL), session-scoped; every test makes its own kiosks, so tests do not see each other.

PostgreSQL comes from KIOSK_TEST_PG_URL (packaging/test-services/postgres.sh under
run-tests.sh); when unset, the fixture starts a throwaway cluster with that same script and
stops it at the end. If none can be had, the PostgreSQL tests fail, they never skip."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# the helpers beside this file import by their own names, also if tests/sync becomes a package
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_server_harness import (
    LiveServer,
    drop_pg_database,
    fresh_pg_database,
    pg_admin_url,
    start_pg_cluster,
    start_server,
    stop_pg_cluster,
)

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    url = pg_admin_url()
    if url is not None:
        yield url
        return
    try:
        url, stops = start_pg_cluster()
    except RuntimeError as exc:
        pytest.fail(f"PostgreSQL is needed: set KIOSK_TEST_PG_URL or install postgresql ({exc})")
    try:
        yield url
    finally:
        stop_pg_cluster(stops)


def _db_url(request: pytest.FixtureRequest, backend: str, tmp: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'server.db'}", None
    admin: str = request.getfixturevalue("pg_url")
    return fresh_pg_database(admin)


@pytest.fixture(scope="session", params=BACKENDS)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    backend: str = request.param
    tmp = tmp_path_factory.mktemp(f"server-{backend}")
    url, pg_name = _db_url(request, backend, tmp)
    server = start_server(url, tmp / "keys", backend)
    try:
        yield server
    finally:
        server.stop()
        if pg_name is not None:
            drop_pg_database(request.getfixturevalue("pg_url"), pg_name)
