"""Every APDU is logged at TRAFFIC (below DEBUG) with PSCs, MACs and TACs masked."""
from __future__ import annotations

import logging
import threading

import pytest

from devices.card.readers import CardReaders
from devices.card.traffic import TRAFFIC, TrafficLog, format_command, format_response
from devices.sim.emulator import CardEmulator
from devices.sim.harness import credit_for, insert_and_open
from devices.sim.issue import DEMO_KEYS
from devices.sim.sam_card import ic_psc


def test_traffic_level_is_below_debug() -> None:
    assert TRAFFIC < logging.DEBUG and logging.getLevelName(TRAFFIC) == "TRAFFIC"


def test_masking_table() -> None:
    assert format_command(bytes.fromhex("FF20000003A1B2C3")) == "FF 20 00 00 03 ** ** **"
    assert format_response(bytes.fromhex("8074000008"), bytes.fromhex("A1B2C3"), 0x9000) == "** ** ** 9000"
    assert format_response(bytes.fromhex("FFB1000004"), bytes.fromhex("07A1B2C3"), 0x9000) == "07 ** ** ** 9000"
    assert format_command(bytes.fromhex("FFB0000004")) == "FF B0 00 00 04"


def test_real_session_logs_every_apdu_without_secrets(
    emu: CardEmulator, readers: CardReaders, caplog: pytest.LogCaptureFixture
) -> None:
    serial = "0102030405060799"
    psc = ic_psc(DEMO_KEYS.card_key, bytes.fromhex(serial)).hex().upper()
    emu.issue_ic("c", serial)
    emu.issue_cpu("p", "1122334455667799", balance=10)
    caplog.set_level(TRAFFIC, logger="devices.card")
    with insert_and_open(emu, readers, "c") as s:
        s.write_credit(credit_for(s.read()))
    with insert_and_open(emu, readers, "p") as s:
        proof = s.write_credit(credit_for(s.read(), amount_fen=5))
    lines = [r.getMessage() for r in caplog.records if r.levelno == TRAFFIC]
    text = "\n".join(lines)
    assert any(">> FF D0 00" in line for line in lines) and any(">> 80 52 00 00" in line for line in lines)
    assert " ".join(psc[i : i + 2] for i in range(0, 6, 2)) not in text
    assert proof.tac and " ".join(proof.tac[i : i + 2] for i in range(0, 8, 2)) not in text
    assert proof.mac2 and " ".join(proof.mac2[i : i + 2] for i in range(0, 8, 2)) not in text


def test_transport_asserts_its_thread(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", "0102030405060798")
    with insert_and_open(emu, readers, "c") as s:
        conn = s._conn  # the raw transport belongs to the reader's worker thread
        errors: list[BaseException] = []

        def off_thread() -> None:
            try:
                conn.transmit(bytes.fromhex("FFB0000004"))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        t = threading.Thread(target=off_thread)
        t.start()
        t.join()
        assert errors and isinstance(errors[0], AssertionError)
        assert s.read().serial == "0102030405060798"  # through the handle: fine from any thread


def test_monitor_reports_insertion_and_removal(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("c", "0102030405060797")
    events: list[bool] = []
    seen = threading.Event()

    def on_event(ev: object) -> None:
        events.append(ev.present)  # type: ignore[attr-defined]
        seen.set()

    mon = CardReaders()
    mon.start_monitor(on_event)
    try:
        assert seen.wait(3) and events[0] is False
        emu.insert("c")
        assert readers.wait_for_card(5)
        emu.remove()
        for _ in range(60):
            if events[-1] is False and True in events:
                break
            threading.Event().wait(0.1)
    finally:
        mon.close()
    assert events[0] is False and True in events and events[-1] is False


def test_t0_get_response_is_masked_by_the_command_that_caused_it(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("devices.card.test_t0")
    caplog.set_level(TRAFFIC, logger=log.name)
    t = TrafficLog(log, "R")
    prove = bytes.fromhex("805A000202000108")  # GET TRANSACTION PROVE: MAC2 || TAC
    t.exchange(prove, b"", 0x6108, 0.1)
    t.exchange(bytes.fromhex("00C0000008"), bytes.fromhex("A1B2C3D4E5F60718"), 0x9000, 0.1)
    # INITIALIZE FOR LOAD answered in two pieces: MAC1 (bytes 12..15) in the second one
    t.exchange(bytes.fromhex("805000020B0100000BB800000000000C10"), b"", 0x6108, 0.1)
    t.exchange(bytes.fromhex("00C0000008"), bytes.fromhex("0000000000110101"), 0x6108, 0.1)
    t.exchange(bytes.fromhex("00C0000008"), bytes.fromhex("9ABCDEF0CAFEBABE"), 0x9000, 0.1)
    # a GET RESPONSE of a command not seen (the chain was lost) is masked whole
    t.exchange(bytes.fromhex("00C0000004"), bytes.fromhex("DEADBEEF"), 0x9000, 0.1)
    # and one of a command with nothing secret is not masked
    t.exchange(bytes.fromhex("00B095001E"), b"", 0x6102, 0.1)
    t.exchange(bytes.fromhex("00C0000002"), bytes.fromhex("1234"), 0x9000, 0.1)
    got = [r.getMessage() for r in caplog.records if "<<" in r.getMessage()]
    assert got[1].startswith("R << ** ** ** ** ** ** ** ** 9000")
    assert got[3].startswith("R << 00 00 00 00 00 11 01 01 6108")
    assert got[4].startswith("R << 9A BC DE F0 ** ** ** ** 9000")
    assert got[5].startswith("R << ** ** ** ** 9000")
    assert got[7].startswith("R << 12 34 9000")
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("A1 B2", "CA FE", "DE AD"):
        assert secret not in text
