"""The emulator as another process: `python -m devices.sim.cards` driven by ControlClient,
read by the kiosk side through pcscd."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.card.readers import CardReaders
from devices.sim import harness
from devices.sim.control import ControlClient, ControlError
from devices.sim.emulator import CardEmulator
from devices.sim.harness import credit_for
from kiosk.card import CreditOutcome
from kiosk.errors import CardAbsent

ROOT = Path(__file__).resolve().parents[3]


def test_in_process_emulator_through_pcscd(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", "0102030405060708")
    with harness.insert_and_open(emu, readers, "c") as s:
        snap = s.read()
    assert snap.serial == "0102030405060708"
    assert emu.dump()["inserted"] == "c"
    emu.remove()
    assert readers.wait_for_card(3.0, present=False)


def test_standalone_emulator_and_control_client(emu: CardEmulator) -> None:
    harness.release_shared()  # the subprocess needs the virtual reader
    proc = subprocess.Popen(
        [sys.executable, "-m", "devices.sim.cards", "--control-port", "0", "--wait-lock", "240",
         "--ic", "c1:1111222233334444"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    readers = CardReaders()
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("READY control="), proc.stderr.read() if proc.stderr else line
        host, port = line.split("=", 1)[1].strip().rsplit(":", 1)
        with ControlClient(host, int(port)) as ctl:
            ctl.issue_cpu("p1", "5555666677778888", balance=900)
            ctl.insert("c1")
            assert readers.wait_for_card(5.0)
            with readers.open_session() as s:
                snap = s.read()
                proof = s.write_credit(credit_for(snap))
                assert proof.counter_after == 1
            assert ctl.dump("c1")["writes_applied"] == 1
            ctl.meter_load("c1", used_units=10)
            ctl.tear(mode="before", nth=0)
            with pytest.raises(CardAbsent):
                readers.open_session()
            ctl.call("disarm")
            ctl.insert("p1")
            assert readers.wait_for_card(5.0)
            with readers.open_session() as s:
                snap = s.read()
                assert snap.balance_fen == 900
                assert s.check_credit(credit_for(snap, amount_fen=5))[0] is CreditOutcome.NOT_APPLIED
            with pytest.raises(ControlError):
                ctl.insert("nope")
            assert ctl.dump()["sam"]["quota"] == 1_000_000
    finally:
        readers.close()
        proc.terminate()
        proc.wait(10)
    assert proc.returncode == 0
    time.sleep(0.1)
