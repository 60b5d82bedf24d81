"""Control interface of the card emulator: JSON lines over TCP on 127.0.0.1.

Request  {"op": "insert", "args": {"name": "c1"}}
Reply    {"ok": true, "result": {...}}  or  {"ok": false, "error": "...", "type": "ValueError"}

`ControlServer` exposes a `CardEmulator` (the whitelisted ops below); `ControlClient` is
the same API from another process (tests, the demo, a technician's shell)."""
from __future__ import annotations

import json
import logging
import socket
import socketserver
import threading
from typing import Any, Self

from .emulator import CardEmulator

logger = logging.getLogger(__name__)

OPS = (
    "issue_ic",
    "issue_cpu",
    "issue_blank",
    "issue_unknown",
    "insert",
    "remove",
    "tear",
    "disarm",
    "dump",
    "poke",
    "set_ec",
    "freeze",
    "refuse_write",
    "set_quota",
    "sam_fault",
    "meter_load",
)


class ControlError(Exception):
    """The emulator refused a control request."""


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        for line in self.rfile:
            if not line.strip():
                continue
            reply = self.server.dispatch(line)
            self.wfile.write(json.dumps(reply).encode() + b"\n")
            self.wfile.flush()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], emulator: CardEmulator) -> None:
        super().__init__(addr, _Handler)
        self.emulator = emulator

    def dispatch(self, line: bytes) -> dict[str, Any]:
        try:
            req = json.loads(line)
            op = req.get("op")
            if op not in OPS:
                raise ValueError(f"unknown op {op!r}")
            result = getattr(self.emulator, op)(**req.get("args", {}))
            return {"ok": True, "result": result}
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the caller
            logger.info("control request failed: %s", exc)
            return {"ok": False, "error": str(exc), "type": type(exc).__name__}


class ControlServer:
    def __init__(self, emulator: CardEmulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), emulator)
        self.address: tuple[str, int] = self._server.server_address[:2]  # type: ignore[assignment]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sim-control", daemon=True
        )

    def start(self) -> ControlServer:
        self._thread.start()
        logger.info("card emulator control on %s:%d", *self.address)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class ControlClient:
    """The emulator from another process. Methods mirror CardEmulator."""

    def __init__(self, host: str = "127.0.0.1", port: int = 35990, timeout: float = 10.0) -> None:
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._file = self._sock.makefile("rwb")

    def call(self, op: str, **args: Any) -> Any:
        self._file.write(json.dumps({"op": op, "args": args}).encode() + b"\n")
        self._file.flush()
        line = self._file.readline()
        if not line:
            raise ControlError("emulator closed the control connection")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise ControlError(f"{reply.get('type')}: {reply.get('error')}")
        return reply.get("result")

    def close(self) -> None:
        self._file.close()
        self._sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # convenience mirrors
    def issue_ic(self, name: str, serial: str, **kw: Any) -> Any:
        return self.call("issue_ic", name=name, serial=serial, **kw)

    def issue_cpu(self, name: str, serial: str, **kw: Any) -> Any:
        return self.call("issue_cpu", name=name, serial=serial, **kw)

    def insert(self, name: str) -> Any:
        return self.call("insert", name=name)

    def remove(self) -> Any:
        return self.call("remove")

    def tear(self, **kw: Any) -> Any:
        return self.call("tear", **kw)

    def dump(self, name: str | None = None) -> Any:
        return self.call("dump", name=name)

    def meter_load(self, name: str, **kw: Any) -> Any:
        return self.call("meter_load", name=name, **kw)

    def refuse_write(self, name: str, count: int = 1) -> Any:
        return self.call("refuse_write", name=name, count=count)
