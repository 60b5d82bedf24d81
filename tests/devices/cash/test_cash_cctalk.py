"""ccTalk framing and the bus, against the simulator over a real TCP socket."""
from __future__ import annotations

import socket

import pytest

from devices.cash import cctalk as ct
from devices.cash.acceptor import open_bus
from devices.sim.cash_sim import CashSimulator
from kiosk.errors import AcceptorFault, AcceptorUnreachable


def test_encode_simple_poll_exact_bytes() -> None:
    # dest 40, no data, source 1, header 254; 40+0+1+254+217 = 512 = 0 mod 256
    assert ct.encode_frame(40, 1, 254) == bytes([40, 0, 1, 254, 217])
    assert ct.encode_frame(40, 1, 231, b"\x0f\x00") == bytes([40, 2, 1, 231, 15, 0, 223])


def test_decode_roundtrip_and_rejects_bad_frames() -> None:
    raw = ct.encode_frame(1, 40, 0, b"Bill Validator")
    assert ct.decode_frame(raw) == ct.Frame(1, 40, 0, b"Bill Validator")
    bad = raw[:-1] + bytes([(raw[-1] + 1) & 0xFF])
    with pytest.raises(ct.FrameError, match="checksum"):
        ct.decode_frame(bad)
    with pytest.raises(ct.FrameError, match="length"):
        ct.decode_frame(raw[:-2] + raw[-1:])
    with pytest.raises(ValueError):
        ct.encode_frame(40, 1, 300)


def test_poll_and_identity(sim: CashSimulator) -> None:
    bus = open_bus(sim.url, timeout=0.1)
    bv = ct.BillValidatorCommands(bus)
    bv.simple_poll()
    assert bv.equipment_category() == "Bill Validator"
    assert bv.bill_id(6) == ct.BillId(6, "CN", 100, "A", "CN0100A")
    assert bv.bill_id(7) is None
    assert bv.country_scaling("CN") == (100, 2)
    bus.close()


def test_simulator_ignores_bad_checksum_and_other_addresses(sim: CashSimulator) -> None:
    host, port = sim.url.removeprefix("socket://").split(":")
    with socket.create_connection((host, int(port)), timeout=0.3) as s:
        good = ct.encode_frame(40, 1, 254)
        s.sendall(good[:-1] + b"\x00")  # bad checksum: a real device stays silent
        s.sendall(ct.encode_frame(41, 1, 254))  # another device's frame
        s.sendall(good)
        reply = s.recv(64)
    assert reply == ct.encode_frame(1, 40, 0)  # exactly one ACK, for the good frame


def test_bad_reply_checksum_is_retried(sim: CashSimulator) -> None:
    bus = open_bus(sim.url, timeout=0.1, retries=2)
    bv = ct.BillValidatorCommands(bus)
    sim.corrupt_next_replies(2)
    bv.simple_poll()  # third try succeeds
    sim.corrupt_next_replies(3)
    with pytest.raises(AcceptorUnreachable, match="checksum"):
        bv.simple_poll()
    bus.close()


def test_no_reply_times_out_then_unreachable(sim: CashSimulator) -> None:
    bus = open_bus(sim.url, timeout=0.05, retries=1)
    with pytest.raises(AcceptorUnreachable):
        ct.BillValidatorCommands(bus, address=41).simple_poll()
    bus.close()


def test_unknown_header_is_naked(sim: CashSimulator) -> None:
    bus = open_bus(sim.url, timeout=0.1)
    with pytest.raises(AcceptorFault):
        bus.request(40, 200)
    bus.close()


def test_single_wire_echo() -> None:
    with CashSimulator(echo=True) as sim:
        bus = open_bus(sim.url, timeout=0.1, echo=True)
        assert ct.BillValidatorCommands(bus).equipment_category() == "Bill Validator"
        bus.close()


def test_unreachable_url_is_a_typed_error() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(AcceptorUnreachable):
        open_bus(f"socket://127.0.0.1:{port}")


def test_frames_logged_at_traffic_level(sim: CashSimulator,
                                        caplog: pytest.LogCaptureFixture) -> None:
    bus = open_bus(sim.url, timeout=0.1)
    with caplog.at_level(ct.TRAFFIC, logger="devices.cash.cctalk"):
        ct.BillValidatorCommands(bus).simple_poll()
    bus.close()
    lines = [r.getMessage() for r in caplog.records if r.levelno == ct.TRAFFIC]
    assert lines == ["ccTalk >> 28 00 01 fe d9", "ccTalk << 01 00 28 00 d7"]
