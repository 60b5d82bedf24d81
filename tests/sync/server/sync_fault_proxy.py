"""A small TCP fault proxy between the kiosk's client and the server, on 127.0.0.1.

Each accepted connection takes the next mode from `script` (then `default`):
  pass            forward both ways
  drop_response   forward the request; when the server's answer starts (so it has
                  committed), close the kiosk's side with a reset and send it nothing
  reset_request   forward half of the first request chunk, then reset both sides
  reset_response  forward half of the first answer chunk, then reset both sides
  blackhole       accept and read, never forward, never answer
  refuse          accept and reset at once
  delay           forward both ways after `delay_s`
  answer          read the request, answer with the bytes in `answer` (a forger, a replay)
`tamper`, when set, rewrites each chunk of every forwarded answer (a man in the middle);
`responses` keeps the bytes of every answer forwarded whole (what a replay would send).
The kiosk's client should not keep connections alive, so every request meets a mode.
"""
from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable

logger = logging.getLogger(__name__)

MODES = ("pass", "drop_response", "reset_request", "reset_response", "blackhole", "refuse", "delay", "answer")


def _reset(sock: socket.socket) -> None:
    """Abort the connection with a RST. shutdown(SHUT_RD) first wakes a recv() blocked on
    this socket in another thread (close() alone would not, and would delay the RST)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def _read_request(sock: socket.socket) -> bytes:
    """One whole HTTP request (headers, then Content-Length bytes of body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def http_answer(body: bytes, headers: dict[str, str] | None = None) -> bytes:
    """A whole HTTP 200 answer with a JSON body, for `answer` mode (a forger's answer)."""
    head = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return (f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
            f"connection: close\r\n{head}\r\n").encode() + body


class FaultProxy:
    def __init__(self, upstream_port: int, *, default: str = "pass", delay_s: float = 0.3) -> None:
        self.upstream_port = upstream_port
        self.default = default
        self.delay_s = delay_s
        self.script: deque[str] = deque()
        self.answer = b""
        self.tamper: Callable[[bytes], bytes] | None = None
        self.responses: list[bytes] = []
        self.counts: dict[str, int] = {m: 0 for m in MODES}
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._socks: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_script(self, modes: list[str]) -> None:
        with self._lock:
            self.script = deque(modes)

    def _next_mode(self) -> str:
        with self._lock:
            mode = self.script.popleft() if self.script else self.default
            self.counts[mode] += 1
            return mode

    def response_after(self, before: int, timeout_s: float = 10.0) -> bytes:
        """The first answer recorded after `before` answers were (the pump records an answer
        as it finishes, maybe just after the client has read it)."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                if len(self.responses) > before:
                    return self.responses[before]
            if time.monotonic() > deadline:
                raise AssertionError(f"the proxy recorded no answer after {before}")
            time.sleep(0.01)

    def close(self) -> None:
        self._stop.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        _reset(self._listener)
        with self._lock:
            socks = list(self._socks)
        for s in socks:
            _reset(s)
        self._thread.join(timeout=5)

    def _track(self, s: socket.socket) -> None:
        with self._lock:
            self._socks.add(s)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._track(client)
            mode = self._next_mode()
            threading.Thread(target=self._serve, args=(client, mode), daemon=True).start()

    def _serve(self, client: socket.socket, mode: str) -> None:
        if mode == "refuse":
            _reset(client)
            return
        if mode == "answer":
            try:
                client.settimeout(10)
                _read_request(client)
                client.sendall(self.answer)
            except OSError:
                pass
            _reset(client)
            return
        if mode == "blackhole":
            try:
                client.settimeout(60)
                while not self._stop.is_set() and client.recv(65536):
                    pass
            except OSError:
                pass
            _reset(client)
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
        except OSError:
            _reset(client)
            return
        self._track(upstream)
        done = threading.Event()
        up = threading.Thread(target=self._pump, args=(client, upstream, mode, "request", done), daemon=True)
        up.start()
        self._pump(upstream, client, mode, "response", done)
        up.join(timeout=60)

    def _pump(self, src: socket.socket, dst: socket.socket, mode: str, direction: str, done: threading.Event) -> None:
        first = True
        seen = bytearray()
        try:
            src.settimeout(60)
            while not done.is_set():
                data = src.recv(65536)
                if not data:
                    break
                if mode == "delay":
                    time.sleep(self.delay_s)
                if first and direction == "response" and mode == "drop_response":
                    break
                if first and mode == f"reset_{direction}":
                    dst.sendall(data[: max(1, len(data) // 2)])
                    break
                if direction == "response":
                    seen += data
                    if self.tamper is not None:
                        data = self.tamper(data)
                dst.sendall(data)
                first = False
        except OSError:
            pass
        if direction == "response" and seen:
            with self._lock:
                self.responses.append(bytes(seen))
        if not done.is_set():
            done.set()
            _reset(src)
            _reset(dst)
