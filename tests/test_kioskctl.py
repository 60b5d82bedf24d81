"""kioskctl as an installed console script: quote and journal verify, with clear errors."""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from kiosk.journal import Journal

from .kiosk.world import TARIFF, World

KIOSKCTL = shutil.which("kioskctl") or str(Path(__file__).parents[1] / ".venv/bin/kioskctl")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KIOSKCTL, *args], capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.fixture()
def tariff(tmp_path: Path) -> Path:
    p = tmp_path / "tariff.json"
    p.write_text(json.dumps(TARIFF))
    return p


def test_quote_by_amount(tariff: Path) -> None:
    r = run("quote", "--tariff", str(tariff), "--used", "34900", "--amount", "100000")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["volume"] == 28643 and out["cost_fen"] == 99998 and out["remainder_fen"] == 2
    assert [t["tier"] for t in out["tiers"]] == [1, 2, 3]
    assert sum(t["cost_fen"] for t in out["tiers"]) == out["cost_fen"]


def test_quote_by_volume(tariff: Path) -> None:
    r = run("quote", "--tariff", str(tariff), "--used", "0", "--volume", "35000")
    assert r.returncode == 0 and json.loads(r.stdout)["cost_fen"] == 91350


@pytest.mark.parametrize("content, words", [
    ("{not json", "not valid JSON"),
    (json.dumps({**TARIFF, "tiers": [{"up_to_m3": "350", "price": 2.61}]}), "tiers[0].price"),
    (json.dumps({k: v for k, v in TARIFF.items() if k != "version"}), "version: missing"),
])
def test_quote_malformed_tariff_is_a_clear_error(tmp_path: Path, content: str, words: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    r = run("quote", "--tariff", str(bad), "--used", "0", "--amount", "100")
    assert r.returncode == 2
    assert words in r.stderr and "Traceback" not in r.stderr + r.stdout


def test_quote_missing_tariff_file(tmp_path: Path) -> None:
    r = run("quote", "--tariff", str(tmp_path / "none.json"), "--used", "0", "--amount", "100")
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr


def _journal_with_purchase(d: Path) -> Path:
    w = World.open(d, notes=(5000,))
    try:
        from kiosk.ports import PaymentMethod

        check = w.svc.check_card(w.card.read())
        txn = w.svc.begin(check, "amount", 5000, PaymentMethod.CASH)
        w.svc.take_note(txn, w.acceptor)
        w.svc.finish_payment(txn)
    finally:
        w.close()
    return d / "journal.db"


def test_journal_verify_ok(tmp_path: Path) -> None:
    db = _journal_with_purchase(tmp_path / "k")
    r = run("journal", "verify", "--db", str(db))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["ok"] and out["integrity"] == ["ok"] and out["rows"] >= 4


def test_journal_verify_names_the_broken_row(tmp_path: Path) -> None:
    db = _journal_with_purchase(tmp_path / "k")
    con = sqlite3.connect(db)
    con.execute("UPDATE journal SET body = replace(body, '5000', '9000') WHERE seq = 3")
    con.commit()
    con.close()
    r = run("journal", "verify", "--db", str(db))
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["broken_row"]["seq"] == 3 and "row 3" in out["error"]


def test_journal_verify_missing_db_and_running_kiosk(tmp_path: Path) -> None:
    r = run("journal", "verify", "--db", str(tmp_path / "nope.db"))
    assert r.returncode == 2 and "no journal database" in r.stderr and "Traceback" not in r.stderr
    j = Journal(tmp_path / "live.db", "K1")
    j.open()
    try:
        r = run("journal", "verify", "--db", str(tmp_path / "live.db"))
        assert r.returncode == 2 and "running kiosk" in r.stderr
    finally:
        j.close()


def test_journal_verify_not_a_database(tmp_path: Path) -> None:
    f = tmp_path / "junk.db"
    f.write_bytes(b"this is not sqlite" * 100)
    r = run("journal", "verify", "--db", str(f))
    assert r.returncode == 2 and "not a readable SQLite database" in r.stderr


def _cash_status(db: Path, sim: object) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "KIOSK_JOURNAL": str(db), "KIOSK_ID": "K0001"}
    return subprocess.run([KIOSKCTL, "cash", "status", "--url", sim.url],  # type: ignore[attr-defined]
                          capture_output=True, text=True, timeout=60, env=env, check=False)


def test_cash_status_reports_the_acceptor_and_the_box(tmp_path: Path) -> None:
    from devices.sim.cash_sim import CashSimulator

    db = _journal_with_purchase(tmp_path / "k")  # one 50 yuan note stacked, counter 0 -> 1
    sim = CashSimulator()
    sim.accept_counter = 1  # the acceptor stacked that note: it agrees with the journal
    sim.start()
    try:
        r = _cash_status(db, sim)
    finally:
        sim.stop()
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["reachable"] is True and out["stacked_counter"] == 1
    assert out["cash_box"]["total_fen"] == 5000 and out["cash_box"]["notes"] == {"5000": 1}
    assert out["cash_box"]["acceptor_counter"] == out["cash_box"]["expected_counter"] == 1
    assert out["counter_matches"] is True and out["cash_box"]["differences"] == []


def test_cash_status_exits_non_zero_when_the_box_and_the_acceptor_differ(tmp_path: Path) -> None:
    from devices.sim.cash_sim import CashSimulator

    db = _journal_with_purchase(tmp_path / "k")  # the journal expects counter 1
    sim = CashSimulator()  # an acceptor that counted nothing
    sim.start()
    try:
        r = _cash_status(db, sim)
    finally:
        sim.stop()
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert out["counter_matches"] is False
    d = out["counter_mismatch"]
    assert (d["acceptor_counter"], d["expected_counter"], d["notes"]) == (0, 1, -1)
    assert d in out["cash_box"]["differences"]
    assert "cash box and acceptor differ" in r.stderr and "Traceback" not in r.stderr
