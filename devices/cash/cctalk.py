"""ccTalk over pyserial: framing, the bus transport, and the bill validator header set.

Written by hand: there is no maintained ccTalk library on PyPI. Two frame layouts, chosen
per device (a validator is configured for one of them):

    simple:  [dest] [data length] [source]  [header] [data ...] [checksum]
    crc16:   [dest] [data length] [CRC lsb] [header] [data ...] [CRC msb]

With the simple 8-bit checksum the last byte makes the sum of all bytes 0 modulo 256. In
16-bit CRC mode there is no source address on the wire: its place carries the low byte of
a CRC-16/CCITT (polynomial 0x1021, initial value 0, no reflection: the XMODEM variant,
`binascii.crc_hqx(data, 0)`) computed over dest, data length, header and the data, in that
order; the high byte ends the frame. A reply is addressed back to the sender with header 0
(ACK; data is the answer) or 5 (NAK). On a single-wire bus the host hears its own request
before the reply (``echo=True``).

Every frame sent and received is logged at TRAFFIC (5), below DEBUG.
"""
from __future__ import annotations

import binascii
import logging
import threading
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

import serial

from kiosk.errors import AcceptorFault, AcceptorUnreachable

logger = logging.getLogger(__name__)

TRAFFIC = 5
logging.addLevelName(TRAFFIC, "TRAFFIC")

HOST_ADDRESS = 1
BILL_VALIDATOR_ADDRESS = 40
BROADCAST_ADDRESS = 0

# Reply headers
ACK = 0
NAK = 5
BUSY = 6

# Headers used (bill validator set + generic)
H_SIMPLE_POLL = 254
H_REQUEST_MANUFACTURER_ID = 246
H_REQUEST_EQUIPMENT_CATEGORY = 245
H_REQUEST_PRODUCT_CODE = 244
H_REQUEST_SERIAL_NUMBER = 242
H_MODIFY_INHIBIT_STATUS = 231
H_REQUEST_INHIBIT_STATUS = 230
H_MODIFY_MASTER_INHIBIT = 228
H_REQUEST_MASTER_INHIBIT = 227
H_REQUEST_ACCEPT_COUNTER = 225
H_READ_BUFFERED_BILL_EVENTS = 159
H_REQUEST_BILL_ID = 157
H_REQUEST_COUNTRY_SCALING = 156
H_ROUTE_BILL = 154
H_MODIFY_BILL_OPERATING_MODE = 153
H_REQUEST_BILL_OPERATING_MODE = 152

# Route bill (154) codes and its error replies
ROUTE_RETURN = 0
ROUTE_STACK = 1
ROUTE_EXTEND_ESCROW = 255
ROUTE_ERR_ESCROW_EMPTY = 254
ROUTE_ERR_FAILED = 255

# Bill operating mode (153) bits
MODE_USE_STACKER = 0x01
MODE_USE_ESCROW = 0x02

MAX_DATA = 252

Checksum = Literal["simple", "crc16"]
CHECKSUMS: tuple[str, ...] = get_args(Checksum)


def checksum_mode(name: str) -> Checksum:
    """A configured checksum name -> the mode; ValueError naming the choices."""
    if name not in CHECKSUMS:
        raise ValueError(f"ccTalk checksum must be one of {', '.join(CHECKSUMS)}, not {name!r}")
    return name  # type: ignore[return-value]


class FrameError(Exception):
    """A malformed frame (bad checksum, length, address). Internal: retried by the bus."""


class Port(Protocol):
    """The part of pyserial's SerialBase the bus uses."""

    def write(self, data: bytes, /) -> int | None: ...

    def read(self, size: int = 1, /) -> bytes: ...

    def reset_input_buffer(self) -> None: ...

    def close(self) -> None: ...


def checksum(body: bytes) -> int:
    """The simple checksum: the byte that makes the whole frame sum to 0 mod 256."""
    return (-sum(body)) & 0xFF


def crc16(covered: bytes) -> int:
    """ccTalk's 16-bit CRC: CRC-16/CCITT, polynomial 0x1021, initial value 0 (XMODEM)."""
    return binascii.crc_hqx(covered, 0)


def encode_frame(dest: int, source: int, header: int, data: bytes = b"",
                 mode: Checksum = "simple") -> bytes:
    """One frame. In crc16 mode `source` is not sent (the CRC's low byte takes its place)."""
    if len(data) > MAX_DATA:
        raise ValueError(f"ccTalk data too long: {len(data)}")
    for name, v in (("dest", dest), ("source", source), ("header", header)):
        if not 0 <= v <= 255:
            raise ValueError(f"{name} out of range: {v}")
    if mode == "crc16":
        crc = crc16(bytes([dest, len(data), header]) + data)
        return bytes([dest, len(data), crc & 0xFF, header]) + data + bytes([crc >> 8])
    body = bytes([dest, len(data), source, header]) + data
    return body + bytes([checksum(body)])


@dataclass(frozen=True)
class Frame:
    dest: int
    source: int | None  # None in crc16 mode: not on the wire
    header: int
    data: bytes

    def encode(self, mode: Checksum = "simple") -> bytes:
        return encode_frame(self.dest, self.source or 0, self.header, self.data, mode)


def decode_frame(raw: bytes, mode: Checksum = "simple") -> Frame:
    """Decode one complete frame; raises FrameError on a bad length or checksum."""
    if len(raw) < 5:
        raise FrameError(f"frame too short ({len(raw)} bytes)")
    if len(raw) != raw[1] + 5:
        raise FrameError(f"length byte {raw[1]} does not match frame size {len(raw)}")
    data = bytes(raw[4:-1])
    if mode == "crc16":
        if crc16(bytes([raw[0], raw[1], raw[3]]) + data) != raw[2] | raw[-1] << 8:
            raise FrameError(f"bad CRC in {raw.hex(' ')}")
        return Frame(dest=raw[0], source=None, header=raw[3], data=data)
    if sum(raw) & 0xFF:
        raise FrameError(f"bad checksum in {raw.hex(' ')}")
    return Frame(dest=raw[0], source=raw[2], header=raw[3], data=data)


class CcTalkBus:
    """The byte-level transport: one request, one reply, with echo check, timeouts and
    retries. Thread-safe (one exchange at a time)."""

    def __init__(
        self,
        port: Port,
        *,
        host_address: int = HOST_ADDRESS,
        echo: bool = False,
        retries: int = 2,
        checksum: Checksum = "simple",
    ) -> None:
        self._port = port
        self.host_address = host_address
        self.echo = echo
        self.retries = retries
        self.checksum = checksum
        self._lock = threading.RLock()

    def close(self) -> None:
        self._port.close()

    def request(self, dest: int, header: int, data: bytes = b"") -> bytes:
        """Send `header` to `dest`, return the ACK's data. NAK raises AcceptorFault; no valid
        reply after all retries raises AcceptorUnreachable."""
        frame = encode_frame(dest, self.host_address, header, data, self.checksum)
        last: str = "no reply"
        with self._lock:
            for attempt in range(self.retries + 1):
                try:
                    reply = self._exchange(frame)
                except (serial.SerialException, OSError) as exc:
                    raise AcceptorUnreachable(f"ccTalk port failed: {exc}", header=header,
                                              dest=dest, reason=str(exc)) from exc
                except FrameError as exc:
                    last = str(exc)
                    logger.debug("ccTalk header %d to %d attempt %d: %s", header, dest,
                                 attempt + 1, exc)
                    continue
                # crc16 frames carry no source: the address of the reply is its dest only
                if reply.dest != self.host_address or reply.source not in (dest, None):
                    last = f"reply from {reply.source} to {reply.dest}"
                    logger.debug("ccTalk: ignoring %s", last)
                    continue
                if reply.header == NAK:
                    raise AcceptorFault(f"device {dest} NAKed header {header}",
                                        header=header, dest=dest)
                if reply.header == BUSY:
                    last = "busy"
                    continue
                if reply.header != ACK:
                    last = f"unexpected reply header {reply.header}"
                    continue
                return reply.data
        raise AcceptorUnreachable(f"ccTalk device {dest}: header {header}: {last}",
                                  header=header, dest=dest, reason=last)

    def _exchange(self, frame: bytes) -> Frame:
        port = self._port
        port.reset_input_buffer()
        logger.log(TRAFFIC, "ccTalk >> %s", frame.hex(" "))
        port.write(frame)
        if self.echo:
            echoed = port.read(len(frame))
            if echoed != frame:
                raise FrameError(f"echo mismatch: {echoed.hex(' ')}")
        head = port.read(2)
        if len(head) < 2:
            raise FrameError("timeout waiting for reply")
        rest = port.read(head[1] + 3)
        raw = head + rest
        logger.log(TRAFFIC, "ccTalk << %s", raw.hex(" "))
        if len(rest) < head[1] + 3:
            raise FrameError(f"timeout in reply, got {raw.hex(' ')}")
        return decode_frame(raw, self.checksum)


@dataclass(frozen=True)
class EventBuffer:
    """Answer to header 159: the event counter and 5 (result A, result B) pairs, newest
    first."""

    counter: int
    results: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class BillId:
    bill_type: int
    country: str
    value: int
    issue: str
    raw: str


class BillValidatorCommands:
    """The bill validator header set, one method per header. Stateless apart from the bus."""

    def __init__(self, bus: CcTalkBus, address: int = BILL_VALIDATOR_ADDRESS) -> None:
        self.bus = bus
        self.address = address

    def _req(self, header: int, data: bytes = b"", expect: int | None = None) -> bytes:
        reply = self.bus.request(self.address, header, data)
        if expect is not None and len(reply) != expect:
            raise AcceptorFault(f"header {header}: expected {expect} bytes, got {len(reply)}",
                                header=header, reply=reply.hex())
        return reply

    def simple_poll(self) -> None:
        self._req(H_SIMPLE_POLL, expect=0)

    def _ascii(self, header: int, data: bytes = b"") -> str:
        return self._req(header, data).decode("ascii", errors="replace")

    def equipment_category(self) -> str:
        return self._ascii(H_REQUEST_EQUIPMENT_CATEGORY)

    def manufacturer_id(self) -> str:
        return self._ascii(H_REQUEST_MANUFACTURER_ID)

    def product_code(self) -> str:
        return self._ascii(H_REQUEST_PRODUCT_CODE)

    def serial_number(self) -> int:
        return int.from_bytes(self._req(H_REQUEST_SERIAL_NUMBER, expect=3), "little")

    def read_events(self) -> EventBuffer:
        r = self._req(H_READ_BUFFERED_BILL_EVENTS, expect=11)
        pairs = tuple((r[1 + 2 * i], r[2 + 2 * i]) for i in range(5))
        return EventBuffer(counter=r[0], results=pairs)

    def route_bill(self, code: int) -> int | None:
        """None when accepted, else the device's error code (254 escrow empty, 255 failed)."""
        r = self._req(H_ROUTE_BILL, bytes([code]))
        return r[0] if r else None

    def set_inhibit_mask(self, mask: int) -> None:
        """Bit n-1 set = bill type n enabled (ccTalk: 1 = accept, 0 = inhibit)."""
        self._req(H_MODIFY_INHIBIT_STATUS, mask.to_bytes(2, "little"), expect=0)

    def inhibit_mask(self) -> int:
        return int.from_bytes(self._req(H_REQUEST_INHIBIT_STATUS, expect=2), "little")

    def set_master_enabled(self, enabled: bool) -> None:
        """Header 228: bit 0 = 1 normal operation, 0 = master inhibit active."""
        self._req(H_MODIFY_MASTER_INHIBIT, bytes([1 if enabled else 0]), expect=0)

    def master_enabled(self) -> bool:
        return bool(self._req(H_REQUEST_MASTER_INHIBIT, expect=1)[0] & 1)

    def set_operating_mode(self, mode: int) -> None:
        self._req(H_MODIFY_BILL_OPERATING_MODE, bytes([mode]), expect=0)

    def operating_mode(self) -> int:
        return self._req(H_REQUEST_BILL_OPERATING_MODE, expect=1)[0]

    def accept_counter(self) -> int:
        """Header 225: notes accepted (stacked) over the device's life, 3 bytes LSB first."""
        return int.from_bytes(self._req(H_REQUEST_ACCEPT_COUNTER, expect=3), "little")

    def bill_id(self, bill_type: int) -> BillId | None:
        """Header 157, e.g. 'CN0100A'; None for an unprogrammed slot ('.......')."""
        raw = self._ascii(H_REQUEST_BILL_ID, bytes([bill_type]))
        if len(raw) != 7 or not raw[2:6].isdigit():
            return None
        return BillId(bill_type, raw[:2], int(raw[2:6]), raw[6], raw)

    def country_scaling(self, country: str) -> tuple[int, int]:
        """Header 156: (scaling factor, decimal places) for a 2-letter country code."""
        r = self._req(H_REQUEST_COUNTRY_SCALING, country.encode("ascii"), expect=3)
        return r[0] | (r[1] << 8), r[2]
