"""`kioskctl card read` / `kioskctl card selftest`: masked by default, clear errors."""
from __future__ import annotations

import argparse
import json

import pytest

from devices.card import cli
from devices.card.readers import CardReaders
from devices.card.selftest import run_selftest
from devices.sim.emulator import CardEmulator
from devices.sim.harness import sam_removed


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kioskctl")
    sub = parser.add_subparsers(dest="command", required=True)
    cli.add_commands(sub)
    args = parser.parse_args(list(argv))
    rc: int = args.func(args)
    return rc


def test_read_ic_masked_and_full(emu: CardEmulator, readers: CardReaders, capsys: pytest.CaptureFixture[str]) -> None:
    emu.issue_ic("c", "0102030405060708", customer_no="1234567890", meter_no="5555666677")
    emu.insert("c")
    assert run("card", "read", "--json", "--wait", "5") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["customer_no"] == "******7890" and data["meter_no"] == "******6677"
    assert data["serial"] == "0102030405060708" and data["record"]["seq"] == 0
    assert data["meter_has_loaded_last_purchase"] is True
    assert run("card", "read", "--full", "--reader", "Virtual PCD 00 00") == 0
    out = capsys.readouterr().out
    assert "customer_no: 1234567890" in out and "profile: GasCard-IC v1" in out


def test_read_cpu(emu: CardEmulator, readers: CardReaders, capsys: pytest.CaptureFixture[str]) -> None:
    emu.issue_cpu("p", "1122334455667788", balance=777, online_atc=3)
    emu.insert("p")
    assert run("card", "read", "--json", "--wait", "5") == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["balance_fen"], data["atc"], data["tech"]) == (777, 3, "cpu")


def test_read_errors_are_one_line(emu: CardEmulator, readers: CardReaders, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("card", "read") == cli.EXIT_CARD
    err = capsys.readouterr().err
    assert "CardAbsent" in err and "Traceback" not in err
    emu.issue_blank("b")
    emu.insert("b")
    assert run("card", "read", "--wait", "5") == cli.EXIT_CARD
    err = capsys.readouterr().err
    assert "UnknownCard" in err and "[blank]" in err and "Traceback" not in err
    assert run("card", "read", "--reader", "No Such Reader") != 0
    assert "Traceback" not in capsys.readouterr().err


def test_selftest(emu: CardEmulator, readers: CardReaders, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("card", "selftest", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sam_ok"] and report["sam_quota_fen"] == 1_000_000
    assert sorted(report["serves"]) == ["cpu", "ic"]
    roles = {r["name"]: r["role"] for r in report["readers"]}
    assert roles == {"Virtual PCD 00 00": "card", "Virtual PCD 00 01": "sam"}
    # nothing in the card reader to try the dialect with: not known (a name proves nothing);
    # the SAM's slot is not asked
    memory = {r["role"]: r["memory_cards"] for r in report["readers"]}
    assert memory == {"card": "unknown", "sam": "n/a"}
    assert report["serves_offline"] == report["serves"]
    assert run("card", "selftest") == 0
    assert "serves today: ic, cpu" in capsys.readouterr().out


def test_selftest_memory_support_is_what_a_memory_card_answered(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", "0102030405060711")
    emu.insert("c")
    assert readers.wait_for_card(5)
    report = run_selftest(readers)
    memory = {r.role: r.memory_cards for r in report.readers}
    assert memory == {"card": "yes", "sam": "n/a"}
    assert emu.dump("c")["writes_applied"] == 0 and emu.dump("c")["psc_presentations"] == 0
    readers.current_session().read()  # a resident's session: the self-test leaves it alone
    assert {r.role: r.memory_cards for r in run_selftest(readers).readers}["card"] == "unknown"
    assert readers.current_session().read().serial == "0102030405060711"


def test_selftest_serves_follows_the_purchase_rule(emu: CardEmulator, readers: CardReaders) -> None:
    emu.set_quota(0)
    report = run_selftest(readers)
    assert report.sam_ok and report.sam_quota_fen == 0
    assert report.serves == report.serves_offline == ["ic"]  # no server MAC2 in kioskctl
    assert any(p.startswith("cpu: not served") for p in report.problems)
    readers.online_mac2 = lambda req: b"\0" * 4  # the site wires the server's MAC2
    try:
        report = run_selftest(readers)
        assert report.serves == ["ic", "cpu"] and report.serves_offline == ["ic"]
        assert any("while the server does not answer" in p for p in report.problems)
        emu.set_quota(1_000_000)
        with sam_removed(emu, readers):
            report = run_selftest(readers)
            assert not report.sam_ok
            assert report.serves == ["cpu"] and report.serves_offline == []
            assert any(p.startswith("ic: not served") for p in report.problems)
    finally:
        readers.online_mac2 = None
