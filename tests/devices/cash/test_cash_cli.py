"""`kioskctl cash status` and the standalone simulator."""
from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from devices.cash import cli
from devices.sim.cash_sim import CashSimulator

ROOT = Path(__file__).resolve().parents[3]


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kioskctl")
    cli.add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    rc: int = args.func(args)
    return rc


def test_status_reports_the_acceptor(sim: CashSimulator,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    sim.master_enabled, sim.inhibit_mask, sim.mode = True, 0b000111, 3
    sim.insert_note(1000)
    sim.insert_counterfeit()
    assert run(["cash", "status", "--url", sim.url, "--timeout", "0.1"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["reachable"] is True and rep["category"] == "Bill Validator"
    assert rep["master_inhibit"] is False and rep["enabled_notes_fen"] == [100, 500, 1000]
    assert rep["event_counter"] == 2 and rep["stacked_counter"] == 0
    assert [e["reason"] for e in rep["last_events"]] == ["invalid_bill_validation_fail",
                                                         "bill_held_in_escrow"]
    assert rep["cash_box"] is None
    # read-only: the probe changed nothing on the device
    assert sim.inhibit_mask == 0b000111 and sim.escrow_note == 1000


def test_status_includes_the_cash_box_hook(sim: CashSimulator,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[int | None] = []

    def box(counter: int | None) -> dict[str, object]:
        seen.append(counter)
        return {"notes": {"10000": 3}, "differences": []}

    cli.set_cash_box_reporter(box)
    try:
        assert run(["cash", "status", "--url", sim.url]) == 0
    finally:
        cli.set_cash_box_reporter(None)
    rep = json.loads(capsys.readouterr().out)
    assert rep["cash_box"] == {"notes": {"10000": 3}, "differences": []}
    assert seen == [0] and rep["counter_matches"] is True  # the acceptor's counter was given


def test_status_reads_url_checksum_and_echo_from_the_configuration(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = (ROOT / "packaging" / "kiosk.example.toml").read_text()
    with CashSimulator(checksum="crc16", echo=True) as sim:
        cfg = tmp_path / "kiosk.toml"
        cfg.write_text(example.replace('cash_url = "/dev/ttyUSB0"', f'cash_url = "{sim.url}"')
                       .replace('cash_checksum = "simple"', 'cash_checksum = "crc16"')
                       .replace("cash_echo = false", "cash_echo = true"))
        assert run(["cash", "status", "--config", str(cfg), "--timeout", "0.1"]) == 0
        assert json.loads(capsys.readouterr().out)["url"] == sim.url
    assert run(["cash", "status", "--config", str(tmp_path / "none.toml")]) == 2
    assert "no configuration file" in capsys.readouterr().err


def test_status_unreachable_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    assert run(["cash", "status", "--url", f"socket://127.0.0.1:{port}"]) == 2
    out, err = capsys.readouterr()
    rep = json.loads(out)
    assert rep["reachable"] is False and rep["error_code"] == "N001"
    assert "not reachable" in err and "Traceback" not in err


def test_standalone_simulator_console() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "devices.sim.cash_sim", "--port", "0"], cwd=ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("socket://127.0.0.1:")
        from devices.cash.cli import probe

        assert probe(url, timeout=0.2)["category"] == "Bill Validator"
        out, _ = proc.communicate("counterfeit\ncounts\nquit\n", timeout=10)
        assert "rejected" in out and '"accept_counter": 0' in out
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
