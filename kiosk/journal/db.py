"""The journal database: one SQLite file, one connection, one writer thread.

Design against the SQLite WAL-reset bug (fixed in 3.51.3; Debian 12 ships 3.40): the bug
needs two connections to one database file. The kiosk opens exactly one connection and sets
`locking_mode=EXCLUSIVE` before WAL is entered, so SQLite keeps the WAL index in heap memory
and refuses every other connection, in this process or another (they get "database is
locked"). All reads and writes go through that connection, on its own thread.
"""
from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Self, TypeVar

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from ..errors import JournalGuardError

logger = logging.getLogger(__name__)
T = TypeVar("T")

MIN_SQLITE = (3, 35, 0)


def make_engine(path: str | Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        poolclass=StaticPool,
        connect_args={"check_same_thread": False, "isolation_level": None, "timeout": 0.5},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _rec: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA locking_mode=EXCLUSIVE")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def check_guards(conn: Connection) -> dict[str, Any]:
    """Refuse to run on a database whose settings the kiosk cannot trust."""
    version = tuple(int(x) for x in sqlite3.sqlite_version.split("."))
    facts: dict[str, Any] = {"sqlite_version": sqlite3.sqlite_version}
    if version < MIN_SQLITE:
        raise JournalGuardError(f"SQLite {sqlite3.sqlite_version} is older than 3.35")
    expect = {"journal_mode": "wal", "synchronous": 2, "locking_mode": "exclusive", "foreign_keys": 1}
    for pragma, want in expect.items():
        got = conn.exec_driver_sql(f"PRAGMA {pragma}").scalar()
        facts[pragma] = got
        if str(got).lower() != str(want):
            raise JournalGuardError(
                f"journal pragma {pragma} is {got!r}, the kiosk needs {want!r}", pragma=pragma
            )
    return facts


class Journal:
    """Owns the connection and the writer thread. `call(fn)` runs fn(session) on the writer
    thread inside BEGIN IMMEDIATE ... COMMIT and returns its result; never call it from the
    GUI thread (use `submit`, which returns a Future)."""

    def __init__(self, path: str | Path, kiosk_id: str) -> None:
        self.path = Path(path)
        self.kiosk_id = kiosk_id
        self._q: queue.Queue[tuple[Callable[[Session], Any], Future[Any], bool] | None] = (
            queue.Queue()
        )
        self._thread: threading.Thread | None = None
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self.facts: dict[str, Any] = {}

    # --- lifecycle ---------------------------------------------------------------------
    def open(self) -> None:
        ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="journal-writer",
                                        daemon=True)
        self._thread.start()
        ready.result()

    def close(self) -> None:
        if self._thread is not None:
            self._q.put(None)
            self._thread.join()
            self._thread = None

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, ready: Future[None]) -> None:
        try:
            self._startup()
        except BaseException as exc:  # noqa: BLE001 - reported to the opener
            ready.set_exception(exc)
            self._shutdown()
            return
        ready.set_result(None)
        while True:
            item = self._q.get()
            if item is None:
                break
            fn, fut, write = item
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(self._execute(fn, write))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                fut.set_exception(exc)
        self._shutdown()

    def _startup(self) -> None:
        from .migrate import upgrade

        if not self.path.parent.exists():
            raise JournalGuardError(f"journal directory does not exist: {self.path.parent}")
        self._engine = make_engine(self.path)
        try:
            self._conn = self._engine.connect()
            # touching the schema takes the exclusive lock now, not at the first write
            self._conn.exec_driver_sql("PRAGMA schema_version").scalar()
            self._conn.commit()
        except Exception as exc:
            if "locked" in str(exc):
                raise JournalGuardError(
                    f"the journal {self.path} is in use by another process (the kiosk holds it"
                    " exclusively)"
                ) from None
            raise
        self.facts = check_guards(self._conn)
        upgrade(self._conn)
        self._conn.commit()
        from .store import ensure_meta

        self._execute(lambda s: ensure_meta(s, self.kiosk_id), True)

    def _shutdown(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _execute(self, fn: Callable[[Session], T], write: bool) -> T:
        assert threading.current_thread() is self._thread, "journal used off its writer thread"
        assert self._conn is not None
        with Session(bind=self._conn, expire_on_commit=False) as session, session.begin():
            return fn(session)

    # --- use -------------------------------------------------------------------------
    def submit(self, fn: Callable[[Session], T]) -> Future[T]:
        if self._thread is None:
            raise JournalGuardError("journal is not open")
        fut: Future[T] = Future()
        self._q.put((fn, fut, True))
        return fut

    def call(self, fn: Callable[[Session], T]) -> T:
        if threading.current_thread() is self._thread:
            return self._execute(fn, True)
        return self.submit(fn).result()

    def raw(self, sql: str) -> list[tuple[Any, ...]]:
        """Run a read-only statement on the writer connection (diagnostics)."""
        return self.call(lambda s: [tuple(r) for r in s.connection().exec_driver_sql(sql)])
