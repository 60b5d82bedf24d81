"""The journal on a real SQLite file: pragmas, the single exclusive connection, the hash
chain, the outbox in the same transaction, Alembic at head."""
from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.errors import HashChainError, JournalGuardError
from kiosk.journal import Journal, append, check_guards, verify_chain
from kiosk.journal.migrate import current_revision, head_revision

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture()
def journal(tmp_path: Path):  # type: ignore[no-untyped-def]
    j = Journal(tmp_path / "journal.db", "K1")
    j.open()
    yield j
    j.close()


def test_pragmas_and_migration(journal: Journal) -> None:
    assert journal.facts["journal_mode"] == "wal"
    assert journal.facts["synchronous"] == 2
    assert journal.facts["locking_mode"] == "exclusive"
    assert journal.call(lambda s: current_revision(s.connection())) == head_revision()


def test_second_connection_is_refused_while_the_kiosk_runs(journal: Journal, tmp_path: Path) -> None:
    journal.call(lambda s: append(s, "K1", "t", "x", {}, NOW))
    con = sqlite3.connect(tmp_path / "journal.db", timeout=0.1)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        con.execute("SELECT count(*) FROM journal").fetchall()
    con.close()
    with pytest.raises(JournalGuardError, match="in use"):
        Journal(tmp_path / "journal.db", "K1").open()


@pytest.mark.parametrize("pragmas", [
    ("PRAGMA journal_mode=DELETE", "PRAGMA synchronous=FULL", "PRAGMA locking_mode=EXCLUSIVE"),
    ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA locking_mode=EXCLUSIVE"),
    ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA locking_mode=NORMAL"),
])
def test_guard_refuses_wrong_pragmas(tmp_path: Path, pragmas: tuple[str, ...]) -> None:
    from sqlalchemy import create_engine

    eng = create_engine(f"sqlite:///{tmp_path / 'weak.db'}")
    with eng.connect() as c:
        for p in pragmas:
            c.exec_driver_sql(p)
        c.exec_driver_sql("PRAGMA foreign_keys=ON")
        with pytest.raises(JournalGuardError, match="journal pragma"):
            check_guards(c)
    eng.dispose()


def test_guard_refuses_another_kiosks_journal(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db", "K1"):
        pass
    with pytest.raises(JournalGuardError, match="belongs to kiosk 'K1'"):
        Journal(tmp_path / "j.db", "K2").open()


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(JournalGuardError, match="does not exist"):
        Journal(tmp_path / "nope" / "j.db", "K1").open()


def test_seq_contiguous_and_outbox_in_the_same_transaction(journal: Journal) -> None:
    for i in range(5):
        journal.call(lambda s, i=i: append(s, "K1", f"t{i}", "x", {"i": i}, NOW))

    def append_then_fail(s):  # type: ignore[no-untyped-def]
        append(s, "K1", "t9", "x", {}, NOW)
        raise RuntimeError("power cut before commit")

    with pytest.raises(RuntimeError):
        journal.call(append_then_fail)
    rows = journal.raw("SELECT seq FROM journal ORDER BY seq")
    outbox = journal.raw("SELECT seq FROM outbox ORDER BY seq")
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5] == [r[0] for r in outbox]
    report = journal.call(verify_chain)
    assert report.rows == 5 and report.last_seq == 5


@pytest.mark.parametrize("tamper, msg", [
    ("UPDATE journal SET body = '{\"i\":99}' WHERE seq = 3", "row 3: row_hash"),
    ("DELETE FROM journal WHERE seq = 2", "row 2 is missing"),
    ("UPDATE journal SET prev_hash = row_hash WHERE seq = 4", "row 4: prev_hash"),
])
def test_hash_chain_names_the_first_broken_row(journal: Journal, tamper: str, msg: str) -> None:
    for i in range(5):
        journal.call(lambda s, i=i: append(s, "K1", f"t{i}", "x", {"i": i}, NOW))
    journal.call(lambda s: s.connection().exec_driver_sql("DELETE FROM outbox"))
    journal.call(lambda s: s.connection().exec_driver_sql(tamper))
    with pytest.raises(HashChainError, match=msg):
        journal.call(verify_chain)
