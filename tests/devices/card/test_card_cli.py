"""`kioskctl card read` / `kioskctl card selftest`: masked by default, clear errors."""
from __future__ import annotations

import argparse
import json

import pytest

from devices.card import cli
from devices.card.readers import CardReaders
from devices.sim.emulator import CardEmulator


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
    assert run("card", "selftest") == 0
    assert "serves today: ic, cpu" in capsys.readouterr().out
