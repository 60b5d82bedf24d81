"""The emulator's side of the vsmartcard vpcd link (shared/specs/gas-cards.md section 1).

One `VpcdSlot` per reader slot: the emulator connects to 127.0.0.1:35963+slot, every
message is a 2-byte big-endian length plus payload; one-byte payloads are control
(00 power off, 01 power on, 02 reset, 04 get ATR), longer ones are command APDUs.
Closing the socket is card removal. Tear injection lives here: an armed `Tear` drops the
connection at the n-th matching APDU, before applying it, after applying it, or after
applying a prefix of a memory write."""
from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger(__name__)

VPCD_BASE_PORT = 35963
MIN_OUT_S = 1.0  # pcscd polls presence about every 400 ms: keep a removed card out >= 1 s

TEAR_BEFORE = "before"  # drop the connection without applying the APDU
TEAR_AFTER = "after"  # apply the APDU, then drop without replying
TEAR_PREFIX = "prefix"  # apply the first `prefix` bytes of a memory write, then drop
TEAR_MODES = (TEAR_BEFORE, TEAR_AFTER, TEAR_PREFIX)

# last removal per vpcd address in this process, so a new emulator also keeps the 1 s rule
_LAST_REMOVED: dict[tuple[str, int], float] = {}


def _command_of(pid: str) -> str:
    """': <command line>' of a running process, for the message naming the lock's holder."""
    try:
        with open(f"/proc/{int(pid)}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except (OSError, ValueError):
        return ""
    return f": {cmd[:200]}" if cmd else ""


class VpcdLock:
    """Cross-process lock on one vpcd reader: vpcd serves a single emulator per slot, so
    two emulators (two test runs) must take turns instead of stealing each other's slots."""

    def __init__(self, base_port: int = VPCD_BASE_PORT) -> None:
        self.path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"kiosk-vpcd-{base_port}.lock")
        self._fd: int | None = None

    def acquire(self, timeout_s: float) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    pid, _, test = os.pread(fd, 512, 0).decode(errors="replace").strip().partition("\n")
                    os.close(fd)
                    raise TimeoutError(f"vpcd is in use by another emulator (pid {pid or '?'}{_command_of(pid)}"
                                       f"{', test ' + test if test else ''})") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        # the holder's pid, and under pytest its test: the message of whoever waits names it
        os.pwrite(fd, f"{os.getpid()}\n{os.environ.get('PYTEST_CURRENT_TEST', '')}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class VirtualCard(Protocol):
    """A card (or SAM) the slot plays."""

    atr: bytes

    def power_event(self) -> None:
        """Power off, power on or reset: clear every volatile state."""
        ...

    def process(self, apdu: bytes, prefix: int | None = None) -> bytes:
        """Answer one command APDU. `prefix` (tear injection): apply only that many bytes
        of a write; the reply is then discarded."""
        ...


@dataclass
class Tear:
    nth: int = 0  # 0: the next matching APDU
    mode: str = TEAR_AFTER
    match: bytes = b""  # APDU prefix to match (b"": any APDU)
    prefix: int = 0  # TEAR_PREFIX: bytes of the write that land

    def __post_init__(self) -> None:
        if self.mode not in TEAR_MODES:
            raise ValueError(f"tear mode must be one of {TEAR_MODES}")


class VpcdSlot:
    """One vpcd slot. insert() connects the card, remove() closes the socket."""

    def __init__(
        self,
        slot: int,
        host: str = "127.0.0.1",
        base_port: int = VPCD_BASE_PORT,
        min_out_s: float = MIN_OUT_S,
    ) -> None:
        self.slot = slot
        self.addr = (host, base_port + slot)
        self.min_out_s = min_out_s
        self.card: VirtualCard | None = None
        self.card_lock = threading.RLock()  # held while the card processes anything
        self.apdu_count = 0
        self.tears_fired = 0
        self._tear: Tear | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._seen = threading.Event()
        self._removed_at = 0.0
        self._lock = threading.Lock()

    # --- control ------------------------------------------------------------------
    @property
    def inserted(self) -> bool:
        return self._sock is not None

    def insert(self, card: VirtualCard, wait_seen_s: float = 3.0) -> None:
        self.remove()
        last = max(self._removed_at, _LAST_REMOVED.get(self.addr, 0.0))
        delay = last + self.min_out_s - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sock = socket.create_connection(self.addr, timeout=2.0)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _quickack(sock)
        with self._lock:
            self.card = card
            self._sock = sock
            self._seen.clear()
            self._thread = threading.Thread(
                target=self._serve, args=(sock, card), name=f"vpcd-slot{self.slot}", daemon=True
            )
            self._thread.start()
        logger.info("slot %d: card inserted (%s)", self.slot, card.atr.hex())
        if wait_seen_s > 0 and not self._seen.wait(wait_seen_s):
            self.remove()
            raise ConnectionError(
                f"vpcd slot {self.slot} ({self.addr[1]}) did not take the card within {wait_seen_s}s: "
                "is pcscd running, or another emulator connected to that slot?"
            )

    def remove(self) -> None:
        with self._lock:
            sock, thread = self._sock, self._thread
            self._sock = None
            self._thread = None
        if sock is None:
            return
        _close(sock)
        if thread is not None and thread is not threading.current_thread():
            thread.join(2.0)
        self._removed_at = _LAST_REMOVED[self.addr] = time.monotonic()
        logger.info("slot %d: card removed", self.slot)

    def arm_tear(self, tear: Tear | None) -> None:
        self._tear = tear

    @property
    def tear_armed(self) -> bool:
        return self._tear is not None

    # --- link ---------------------------------------------------------------------
    def _serve(self, sock: socket.socket, card: VirtualCard) -> None:
        try:
            while True:
                head = _recv_exact(sock, 2)
                if head is None:
                    break
                msg = _recv_exact(sock, int.from_bytes(head, "big"))
                if msg is None:
                    break
                _quickack(sock)
                self._seen.set()
                reply = self._handle(card, msg)
                if reply is _DROP:
                    break
                if reply:
                    sock.sendall(len(reply).to_bytes(2, "big") + reply)
        except OSError as exc:
            logger.debug("slot %d: link closed: %s", self.slot, exc)
        finally:
            with self._lock:
                mine = self._sock is sock
                if mine:
                    self._sock = None
                    self._thread = None
            if mine:
                _close(sock)
                self._removed_at = _LAST_REMOVED[self.addr] = time.monotonic()
                logger.info("slot %d: card dropped off the link", self.slot)

    def _handle(self, card: VirtualCard, msg: bytes) -> bytes:
        if len(msg) == 1:
            if msg[0] in (0x00, 0x01, 0x02):
                with self.card_lock:
                    card.power_event()
                return b""
            if msg[0] == 0x04:
                return card.atr
            logger.warning("slot %d: unknown control byte %02X", self.slot, msg[0])
            return b""
        if not msg:
            return b""
        with self.card_lock:
            self.apdu_count += 1
            tear = self._tear
            if tear is not None and msg.startswith(tear.match):
                if tear.nth > 0:
                    tear.nth -= 1
                else:
                    self._tear = None
                    self.tears_fired += 1
                    logger.info("slot %d: tear %s at %s", self.slot, tear.mode, msg[:4].hex())
                    if tear.mode == TEAR_AFTER:
                        card.process(msg)
                    elif tear.mode == TEAR_PREFIX:
                        card.process(msg, prefix=tear.prefix)
                    return _DROP
            reply = card.process(msg)
        return reply or b"\x6f\x00"  # never reply with zero bytes


_DROP = b"\x00drop"


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        _quickack(sock)  # the kernel drops quick-ack mode on its own: re-arm after every recv
        buf += chunk
    return buf


def _quickack(sock: socket.socket) -> None:
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
        except OSError:
            pass


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
