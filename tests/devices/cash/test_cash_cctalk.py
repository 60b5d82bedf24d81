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


# --- the 16-bit CRC mode ----------------------------------------------------------------
def _crc16_bitwise(data: bytes) -> int:
    """CRC-16/CCITT as ccTalk defines it, bit by bit (polynomial 0x1021, initial 0, MSB
    first): an independent reference for the table-driven binascii.crc_hqx."""
    crc = 0
    for byte in data:
        for i in range(8):
            bit = (byte >> (7 - i)) & 1
            top = (crc >> 15) & 1
            crc = (crc << 1) & 0xFFFF
            if top ^ bit:
                crc ^= 0x1021
    return crc


def test_crc16_is_ccitt_xmodem() -> None:
    assert ct.crc16(b"123456789") == 0x31C3 == _crc16_bitwise(b"123456789")  # the check value
    for data in (b"", b"\x28\x00\xfe", bytes(range(256))):
        assert ct.crc16(data) == _crc16_bitwise(data)


def test_crc16_frame_layout_exact_bytes() -> None:
    # simple poll to 40: the CRC covers dest 40, length 0, header 254 (not the source)
    crc = _crc16_bitwise(bytes([40, 0, 254]))
    assert crc == 0x21B6
    assert ct.encode_frame(40, 1, 254, mode="crc16") == bytes([40, 0, 0xB6, 254, 0x21])
    # with data: dest, length, [CRC lsb], header, data..., [CRC msb]
    crc = _crc16_bitwise(bytes([40, 2, 231, 0x0F, 0x00]))
    assert ct.encode_frame(40, 1, 231, b"\x0f\x00", mode="crc16") == bytes(
        [40, 2, crc & 0xFF, 231, 0x0F, 0x00, crc >> 8])
    # the source address is not on the wire: any source gives the same frame
    assert ct.encode_frame(40, 7, 254, mode="crc16") == ct.encode_frame(40, 1, 254, mode="crc16")


def test_crc16_decode_roundtrip_and_rejects_bad_frames() -> None:
    raw = ct.encode_frame(1, 40, 0, b"Bill Validator", mode="crc16")
    assert ct.decode_frame(raw, "crc16") == ct.Frame(1, None, 0, b"Bill Validator")
    for i in (2, len(raw) - 1, 5):  # the CRC's two bytes, and a data byte
        bad = raw[:i] + bytes([raw[i] ^ 0x01]) + raw[i + 1:]
        with pytest.raises(ct.FrameError, match="CRC"):
            ct.decode_frame(bad, "crc16")
    # a frame in the other mode is refused, both ways
    with pytest.raises(ct.FrameError):
        ct.decode_frame(raw, "simple")
    with pytest.raises(ct.FrameError):
        ct.decode_frame(ct.encode_frame(1, 40, 0, b"Bill Validator"), "crc16")
    with pytest.raises(ValueError, match="crc16"):
        ct.checksum_mode("crc8")


@pytest.mark.parametrize("echo", [False, True])
def test_crc16_mode_through_the_simulator(echo: bool, caplog: pytest.LogCaptureFixture) -> None:
    with CashSimulator(checksum="crc16", echo=echo) as sim:
        bus = open_bus(sim.url, timeout=0.1, echo=echo, checksum="crc16")
        bv = ct.BillValidatorCommands(bus)
        with caplog.at_level(ct.TRAFFIC, logger="devices.cash.cctalk"):
            bv.simple_poll()
        assert bv.equipment_category() == "Bill Validator"
        assert bv.bill_id(6) == ct.BillId(6, "CN", 100, "A", "CN0100A")
        sim.corrupt_next_replies(1)  # a bad CRC in the reply is retried
        assert bv.accept_counter() == 0
        bus.close()
        lines = [r.getMessage() for r in caplog.records if r.levelno == ct.TRAFFIC]
        assert lines[0] == "ccTalk >> 28 00 b6 fe 21"
        assert lines[1] == "ccTalk << " + ct.encode_frame(1, 40, 0, mode="crc16").hex(" ")


def test_a_simple_host_gets_no_answer_from_a_crc16_device() -> None:
    with CashSimulator(checksum="crc16") as sim:
        bus = open_bus(sim.url, timeout=0.05, retries=1)
        with pytest.raises(AcceptorUnreachable):
            ct.BillValidatorCommands(bus).simple_poll()  # the device ignores the bad frame
        bus.close()
