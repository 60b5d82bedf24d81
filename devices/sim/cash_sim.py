"""A ccTalk bill validator simulator behind a TCP server (`socket://127.0.0.1:PORT`).

It answers the bill validator header set byte-exactly, with simple 8-bit checksums or in
ccTalk's 16-bit CRC mode (`checksum="crc16"`), ignores frames with a bad checksum or for
another address (as a device on a shared bus does), keeps the
5-event buffer and event counter (1..255, wrapping to 1, 0 after power-up), and keeps a
lifetime accept (stacked) counter that survives power cycles.

Control API (thread-safe, for tests and the demo): insert_note, insert_counterfeit,
insert_suspect, jam / clear_jam, remove_cassette / replace_cassette, escrow_timeout,
power_cycle, stacked_notes, run_command (the console's words), plus fault injection (corrupt_next_replies, drop_next_replies,
set_event_counter). Standalone: `python -m devices.sim.cash_sim --port N`.
"""
from __future__ import annotations

import argparse
import json
import logging
import socket
import socketserver
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable
from pathlib import Path
from typing import Self

from devices.cash import cctalk as ct

logger = logging.getLogger(__name__)

# CNY notes by bill type; values with scaling factor 100, 2 decimals -> fen.
CNY_BILLS: dict[int, str] = {
    1: "CN0001A", 2: "CN0005A", 3: "CN0010A", 4: "CN0020A", 5: "CN0050A", 6: "CN0100A",
}
SCALING = 100
DECIMALS = 2
INTER_BYTE_TIMEOUT = 0.05  # the receiver resynchronises after a 50 ms gap
IDENTITY: dict[int, bytes] = {
    ct.H_SIMPLE_POLL: b"",
    ct.H_REQUEST_EQUIPMENT_CATEGORY: b"Bill Validator",
    ct.H_REQUEST_MANUFACTURER_ID: b"KIOSKSIM",
    ct.H_REQUEST_PRODUCT_CODE: b"BV-SIM-CNY",
    ct.H_REQUEST_SERIAL_NUMBER: (123456).to_bytes(3, "little"),
}


def bill_fen(code: str) -> int:
    """'CN0050A' -> 5000 fen (value x scaling factor, in units of 10**-DECIMALS yuan)."""
    return int(code[2:6]) * SCALING


class CashSimulator:
    def __init__(
        self,
        *,
        address: int = ct.BILL_VALIDATOR_ADDRESS,
        echo: bool = False,
        checksum: ct.Checksum = "simple",
        state_file: Path | None = None,
        cassette_capacity: int = 1000,
    ) -> None:
        self.address = address
        self.echo = echo
        self.checksum = checksum
        self.state_file = state_file
        self.cassette_capacity = cassette_capacity
        self._lock = threading.RLock()
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None
        # persistent ("NVRAM") state
        self.accept_counter = 0
        self.cassette: Counter[int] = Counter()  # fen -> notes
        # volatile state, reset by power_cycle
        self.event_counter = 0
        self.events: deque[tuple[int, int]] = deque(maxlen=5)
        self.event_reads = 0  # how often the host read the event buffer (tests wait on it)
        self.master_enabled = False
        self.inhibit_mask = 0
        self.mode = 0
        self.escrow_type: int | None = None
        # physical state
        self.cassette_present = True
        self.jam_stage: str | None = None
        self._armed_jam: str | None = None
        self.returned_notes: list[int] = []  # fen given back to the resident
        self.jammed_notes: list[int] = []  # fen stuck inside, handed to the technician
        self._corrupt = 0
        self._drop = 0
        self._hold_stack = False
        self._held: int | None = None
        self._load()

    # ---- server ---------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        sim = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sim._serve(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        server = socketserver.ThreadingTCPServer((host, port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="cash-sim",
                                        daemon=True)
        self._thread.start()
        logger.info("cash simulator listening on %s", self.url)
        return self.url

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("simulator not started")
        host, port = self._server.socket.getsockname()[:2]
        return f"socket://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def __enter__(self) -> Self:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(INTER_BYTE_TIMEOUT)
        buf = bytearray()
        while True:
            try:
                chunk = sock.recv(512)
            except TimeoutError:
                buf.clear()  # inter-byte timeout: drop a partial frame
                continue
            except OSError:
                return
            if not chunk:
                return
            if self.echo:
                sock.sendall(chunk)
            buf += chunk
            while len(buf) >= 2 and len(buf) >= buf[1] + 5:
                n = buf[1] + 5
                raw, buf = bytes(buf[:n]), buf[n:]
                reply = self.handle_frame(raw)
                if reply is not None:
                    sock.sendall(reply)

    # ---- protocol -------------------------------------------------------------------
    def handle_frame(self, raw: bytes) -> bytes | None:
        """One request frame in, the reply frame out (None: stay silent)."""
        try:
            req = ct.decode_frame(raw, self.checksum)
        except ct.FrameError as exc:
            logger.debug("sim: ignoring bad frame: %s", exc)
            return None
        if req.dest not in (self.address, ct.BROADCAST_ADDRESS):
            return None
        with self._lock:
            result = self._answer(req.header, req.data)
            if self._drop:  # the command was carried out, its reply is lost on the wire
                self._drop -= 1
                return None
            header, data = (ct.NAK, b"") if result is None else (ct.ACK, result)
            # a crc16 request names no source: the reply goes to the host address
            to = ct.HOST_ADDRESS if req.source is None else req.source
            reply = ct.encode_frame(to, self.address, header, data, self.checksum)
            if self._corrupt:
                self._corrupt -= 1
                reply = reply[:-1] + bytes([(reply[-1] + 1) & 0xFF])
            return reply

    def _answer(self, header: int, data: bytes) -> bytes | None:
        if header in IDENTITY and not data:
            return IDENTITY[header]
        if header == ct.H_READ_BUFFERED_BILL_EVENTS:
            self.event_reads += 1
            pairs = list(self.events) + [(0, 0)] * (5 - len(self.events))
            return bytes([self.event_counter] + [x for p in pairs for x in p])
        if header == ct.H_ROUTE_BILL and len(data) == 1:
            return self._route(data[0])
        if header == ct.H_MODIFY_INHIBIT_STATUS and len(data) == 2:
            self.inhibit_mask = int.from_bytes(data, "little")
            return b""
        if header == ct.H_REQUEST_INHIBIT_STATUS:
            return self.inhibit_mask.to_bytes(2, "little")
        if header == ct.H_MODIFY_MASTER_INHIBIT and len(data) == 1:
            self.master_enabled = bool(data[0] & 1)
            return b""
        if header == ct.H_REQUEST_MASTER_INHIBIT:
            return bytes([1 if self.master_enabled else 0])
        if header == ct.H_MODIFY_BILL_OPERATING_MODE and len(data) == 1:
            self.mode = data[0] & 0x03
            return b""
        if header == ct.H_REQUEST_BILL_OPERATING_MODE:
            return bytes([self.mode])
        if header == ct.H_REQUEST_ACCEPT_COUNTER:
            return (self.accept_counter & 0xFFFFFF).to_bytes(3, "little")
        if header == ct.H_REQUEST_BILL_ID and len(data) == 1:
            return CNY_BILLS.get(data[0], ".......").encode("ascii")
        if header == ct.H_REQUEST_COUNTRY_SCALING and len(data) == 2:
            if data == b"CN":
                return bytes([SCALING & 0xFF, SCALING >> 8, DECIMALS])
            return bytes([0, 0, 0])
        return None  # unknown header or bad data: NAK

    def _route(self, code: int) -> bytes:
        if self.escrow_type is None:
            return bytes([ct.ROUTE_ERR_ESCROW_EMPTY])
        t = self.escrow_type
        if code == ct.ROUTE_RETURN:
            self.escrow_type = None
            self.returned_notes.append(bill_fen(CNY_BILLS[t]))
            self._event(0, 1)
        elif code == ct.ROUTE_STACK:
            if not self.cassette_present:
                return bytes([ct.ROUTE_ERR_FAILED])
            if self._hold_stack:  # ACKed; the note is on its way until release_stack()
                self._held = t
                self.escrow_type = None
                return b""
            self.escrow_type = None
            if self._armed_jam == "stacker":
                self._armed_jam = None
                self.jam_stage = "stacker"
                self.jammed_notes.append(bill_fen(CNY_BILLS[t]))
                self._event(0, 7)
            else:
                self._stack(t)
        elif code != ct.ROUTE_EXTEND_ESCROW:
            return bytes([ct.ROUTE_ERR_FAILED])
        return b""

    def _event(self, a: int, b: int) -> None:
        self.event_counter = self.event_counter % 255 + 1
        self.events.appendleft((a, b))

    def _stack(self, t: int) -> None:
        self.cassette[bill_fen(CNY_BILLS[t])] += 1
        self.accept_counter += 1
        self._event(t, 0)
        if sum(self.cassette.values()) >= self.cassette_capacity:
            self._event(0, 14)
        self._save()

    # ---- control API ------------------------------------------------------------------
    def insert_note(self, fen: int) -> str:
        """A resident inserts a genuine note. Returns what happened: 'escrow', 'stacked',
        'rejected' (with an event) or 'refused' (device not taking notes, no event)."""
        with self._lock:
            types = [t for t, c in CNY_BILLS.items() if bill_fen(c) == fen]
            if (not self.cassette_present or self.jam_stage is not None
                    or self.escrow_type is not None):
                self.returned_notes.append(fen)
                return "refused"
            if not types:
                return self._reject(fen, 2)
            if not self.master_enabled:
                return self._reject(fen, 0)
            t = types[0]
            if not self.inhibit_mask & (1 << (t - 1)):
                return self._reject(fen, 4)
            if self._armed_jam == "transport":
                self._armed_jam = None
                self.jam_stage = "transport"
                self.jammed_notes.append(fen)
                self._event(0, 16)
                return "jammed"
            if self.mode & ct.MODE_USE_ESCROW:
                self.escrow_type = t
                self._event(t, 1)
                return "escrow"
            self._stack(t)
            return "stacked"

    def _reject(self, fen: int, code: int) -> str:
        self.returned_notes.append(fen)
        self._event(0, code)
        return "rejected"

    def insert_counterfeit(self, fen: int = 10000) -> str:
        """A note that fails validation: rejected, event 'invalid bill (validation fail)'."""
        with self._lock:
            return self._reject(fen, 2)

    def insert_suspect(self, kind: str = "string", fen: int = 10000) -> str:
        """A fraud attempt: 'string' (18), 'opto' (17), 'pulled' (8) or 'tamper' (9)."""
        code = {"opto": 17, "string": 18, "pulled": 8, "tamper": 9}[kind]
        with self._lock:
            return self._reject(fen, code)

    def jam(self, stage: str = "stacker") -> None:
        """Arm a jam: 'stacker' jams the next note routed to the stacker, 'transport' the
        next note inserted."""
        if stage not in ("stacker", "transport"):
            raise ValueError(stage)
        with self._lock:
            self._armed_jam = stage

    def clear_jam(self) -> list[int]:
        """The technician clears the jam; returns the notes taken out."""
        with self._lock:
            self.jam_stage = None
            notes, self.jammed_notes = self.jammed_notes, []
            return notes

    def remove_cassette(self) -> dict[int, int]:
        """Collection: the cassette comes out and is emptied; returns its notes by fen."""
        with self._lock:
            self.cassette_present = False
            counts = dict(self.cassette)
            self.cassette.clear()
            self._event(0, 11)
            self._save()
            return counts

    def replace_cassette(self) -> None:
        with self._lock:
            self.cassette_present = True
            self._event(0, 12)

    def escrow_timeout(self) -> bool:
        """The escrow hold time runs out: the note is given back (event 'returned')."""
        with self._lock:
            if self.escrow_type is None:
                return False
            self._route(ct.ROUTE_RETURN)
            return True

    def power_cycle(self) -> None:
        """Power off and on: a note in escrow is given back, nothing is stacked, the event
        counter restarts at 0, settings return to power-up defaults (all inhibited)."""
        with self._lock:
            if self.escrow_type is not None:
                self.returned_notes.append(bill_fen(CNY_BILLS[self.escrow_type]))
                self.escrow_type = None
            self.event_counter = 0
            self.events.clear()
            self.master_enabled = False
            self.inhibit_mask = 0
            self.mode = 0
            self._save()

    def stacked_notes(self) -> dict[int, int]:
        """Notes in the cassette now, by denomination in fen."""
        with self._lock:
            return dict(self.cassette)

    @property
    def escrow_note(self) -> int | None:
        with self._lock:
            t = self.escrow_type
            return None if t is None else bill_fen(CNY_BILLS[t])

    def set_event_counter(self, n: int) -> None:
        """Test hook: move the event counter (e.g. to 254 to test the wrap to 1)."""
        with self._lock:
            self.event_counter = n

    def hold_stacking(self) -> None:
        """A slow stacker: route-to-stack is ACKed but the credit waits for release_stack()."""
        with self._lock:
            self._hold_stack = True

    def release_stack(self) -> None:
        with self._lock:
            self._hold_stack = False
            if self._held is not None:
                self._stack(self._held)
                self._held = None

    def corrupt_next_replies(self, n: int = 1) -> None:
        with self._lock:
            self._corrupt = n

    def drop_next_replies(self, n: int = 1) -> None:
        with self._lock:
            self._drop = n

    # ---- persistence ------------------------------------------------------------------
    def _load(self) -> None:
        if self.state_file is None or not self.state_file.exists():
            return
        st = json.loads(self.state_file.read_text())
        self.accept_counter = int(st["accept_counter"])
        self.cassette = Counter({int(k): int(v) for k, v in st["cassette"].items()})

    def _save(self) -> None:
        if self.state_file is None:
            return
        st = {"accept_counter": self.accept_counter,
              "cassette": {str(k): v for k, v in self.cassette.items()}}
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(st))
        tmp.replace(self.state_file)


HELP = ("commands: insert <yuan> | counterfeit | suspect [opto|string|pulled|tamper] | "
        "jam [stacker|transport] | clear | remove | replace | timeout | power | counts | quit")


def run_command(sim: CashSimulator, line: str) -> object:
    """One console/demo control command (see HELP); returns what to print."""
    cmd, *args = line.split() or [""]
    actions: dict[str, Callable[[list[str]], object]] = {
        "insert": lambda a: sim.insert_note(int(a[0]) * 100),
        "counterfeit": lambda a: sim.insert_counterfeit(),
        "suspect": lambda a: sim.insert_suspect(a[0] if a else "string"),
        "jam": lambda a: sim.jam(a[0] if a else "stacker"),
        "clear": lambda a: sim.clear_jam(),
        "remove": lambda a: sim.remove_cassette(),
        "replace": lambda a: sim.replace_cassette(),
        "timeout": lambda a: sim.escrow_timeout(),
        "power": lambda a: sim.power_cycle(),
        "counts": lambda a: json.dumps({"cassette_fen": sim.stacked_notes(),
                                        "accept_counter": sim.accept_counter}),
    }
    try:
        return actions[cmd](args) if cmd in actions else (HELP if cmd else None)
    except (ValueError, IndexError, KeyError) as exc:
        return f"error: {exc}"


def _console(sim: CashSimulator) -> bool:
    """Read control commands from stdin; True on 'quit', False at end of input."""
    print(HELP, flush=True)
    for line in sys.stdin:
        if line.strip() == "quit":
            return True
        result = run_command(sim, line)
        if result is not None:
            print(result, flush=True)
    return False


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="cash_sim", description="ccTalk bill validator simulator")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--echo", action="store_true", help="echo requests as a 1-wire bus does")
    p.add_argument("--checksum", choices=ct.CHECKSUMS, default="simple",
                   help="frame checksum: simple 8-bit or ccTalk CRC-16")
    p.add_argument("--state", type=Path, default=None, help="persist counters to this file")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    sim = CashSimulator(echo=args.echo, checksum=ct.checksum_mode(args.checksum),
                        state_file=args.state)
    print(sim.start(args.host, args.port), flush=True)
    try:
        if sys.stdin is None or not _console(sim):  # until 'quit'; at end of input serve on
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
