"""A receipt-printer simulator: a TCP server (port 9100 style) that takes ESC/POS.

It answers DLE EOT n (real time, even when offline) and GS r 1 (in sequence, only while
online), can run out of paper after a chosen number of bytes, be set to paper-near-end,
cover-open or offline, drop the connection at a chosen byte, and decodes what it printed
into pages of text lines (GB18030), QR payloads, rasters and cuts, and into a PNG.

    sim = PrinterSim().start()        # ephemeral port on 127.0.0.1
    printer = EscposReceiptPrinter.from_config(sim.url, "80")
    ...; sim.lines(); sim.render_png("receipt.png"); sim.stop()

Standalone: `python -m devices.sim.printer_sim --port 9100 [--control-port 9101]`; the
control port takes one command per line: `paper ok|near_end|out`, `out_after N`,
`cover open|closed`, `cover_after N`, `offline on|off`, `lines` (a JSON list), `png PATH`, `clear`;
it answers one line: `ok`, `error: ...` or the JSON.
"""
from __future__ import annotations

import argparse
import json
import logging
import socket
import socketserver
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Self

from .escpos_decode import Cut, Decoder, Page, Printed, StatusQuery
from .escpos_render import render_png

logger = logging.getLogger(__name__)
TRAFFIC = 5

Listener = Callable[[Page], None]


class PrinterSim:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, width_dots: int = 576) -> None:
        self.width_dots = width_dots
        self._lock = threading.RLock()
        self._pages: list[Page] = [Page()]
        self._received = bytearray()
        self._near_end = False
        self._paper_out = False
        self._out_at: int | None = None
        self._cover_at: int | None = None
        self._drop_at: int | None = None
        self._cover_open = False
        self._offline = False
        self._mute = False
        self._listeners: list[Listener] = []
        sim = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sim._serve(self.request)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self._server = Server((host, port), Handler, bind_and_activate=True)
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------
    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def url(self) -> str:
        host, port = self.address
        return f"tcp://{host}:{port}"

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="printer-sim", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (idempotent); connections already open end with their client."""
        if self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- control -------------------------------------------------------------------
    def set_paper(self, state: str) -> None:
        """"ok" (a fresh roll), "near_end" or "out"."""
        if state not in ("ok", "near_end", "out"):
            raise ValueError(f"paper state {state!r}")
        with self._lock:
            self._near_end = state == "near_end"
            self._paper_out = state == "out"
            self._out_at = None

    def run_out_of_paper_after(self, nbytes: int | None) -> None:
        """Paper runs out once `nbytes` more bytes have arrived (None: never)."""
        with self._lock:
            self._out_at = None if nbytes is None else len(self._received) + nbytes

    def open_cover_after(self, nbytes: int | None) -> None:
        """Someone opens the cover once `nbytes` more bytes have arrived (None: never)."""
        with self._lock:
            self._cover_at = None if nbytes is None else len(self._received) + nbytes

    def drop_connection_after(self, nbytes: int | None) -> None:
        """Close the client's connection once `nbytes` more bytes have arrived."""
        with self._lock:
            self._drop_at = None if nbytes is None else len(self._received) + nbytes

    def set_cover_open(self, is_open: bool) -> None:
        with self._lock:
            self._cover_open = is_open

    def set_offline(self, offline: bool) -> None:
        with self._lock:
            self._offline = offline

    def set_mute(self, mute: bool) -> None:
        """A mute printer takes data but answers no status query."""
        with self._lock:
            self._mute = mute

    def on_page(self, listener: Listener) -> None:
        """Call `listener(page)` (on the server thread) after every cut."""
        self._listeners.append(listener)

    def clear(self) -> None:
        """Forget what was printed and received (the state of the paper stays)."""
        with self._lock:
            self._pages = [Page()]
            self._received.clear()
            self._out_at = self._drop_at = self._cover_at = None

    # --- what came out -----------------------------------------------------------
    def pages(self) -> list[Page]:
        """Pages printed so far; the last one may be still uncut (or empty)."""
        with self._lock:
            return [Page(list(p.items), p.cut) for p in self._pages if p.items or p.cut]

    def cut_pages(self) -> list[Page]:
        return [p for p in self.pages() if p.cut]

    def lines(self) -> list[str]:
        """Every text line printed so far, in order."""
        return [line for page in self.pages() for line in page.lines]

    def qr_payloads(self) -> list[str]:
        return [q for page in self.pages() for q in page.qr_payloads]

    def received(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    def render_png(self, path: str | Path | None = None) -> bytes:
        return render_png(self.pages(), self.width_dots, path)

    # --- the printer -----------------------------------------------------------------
    def _online(self) -> bool:
        return not (self._paper_out or self._cover_open or self._offline)

    def _status_byte(self, command: str, n: int) -> bytes | None:
        out, cover = self._paper_out, self._cover_open
        if command == "GS r":
            if not self._online():
                return None  # processed in sequence: an offline printer never gets to it
            if n == 1:
                return bytes(((0x03 if self._near_end else 0),))
            return b"\x00"
        if n == 1:
            return bytes((0x12 | (0x00 if self._online() else 0x08),))
        if n == 2:
            return bytes((0x12 | (0x04 if cover else 0) | (0x20 if out else 0),))
        if n == 4:
            return bytes((0x12 | (0x0C if out or self._near_end else 0) | (0x60 if out else 0),))
        return b"\x12"

    def _serve(self, conn: socket.socket) -> None:
        decoder = Decoder()
        with self._lock:
            start = len(self._received)
        try:
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                logger.log(TRAFFIC, "sim << %s", data.hex(" "))
                with self._lock:
                    drop = False
                    if self._drop_at is not None:
                        keep = self._drop_at - len(self._received)
                        if keep <= len(data):
                            data, drop, self._drop_at = data[: max(0, keep)], True, None
                    self._received += data
                    replies = self._process(decoder, start, data)
                if replies:
                    logger.log(TRAFFIC, "sim >> %s", replies.hex(" "))
                    conn.sendall(replies)
                if drop:
                    logger.info("printer sim: dropping the connection")
                    return
        finally:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def _process(self, decoder: Decoder, start: int, data: bytes) -> bytes:
        replies = bytearray()
        finished: list[Page] = []
        for event in decoder.feed(data):
            if self._out_at is not None and start + event.end > self._out_at:
                self._paper_out, self._out_at = True, None
                logger.info("printer sim: paper out at byte %d", start + event.end)
            if self._cover_at is not None and start + event.end > self._cover_at:
                self._cover_open, self._cover_at = True, None
                logger.info("printer sim: cover opened at byte %d", start + event.end)
            if isinstance(event, StatusQuery):
                answer = None if self._mute else self._status_byte(event.command, event.n)
                if answer is not None:
                    replies += answer
            elif not self._online():
                continue  # nothing comes out of an offline printer
            elif isinstance(event, Printed):
                self._pages[-1].items.append(event.item)
            elif isinstance(event, Cut):
                self._pages[-1].cut = True
                finished.append(self._pages[-1])
                self._pages.append(Page())
        if self._out_at is not None and len(self._received) > self._out_at:
            self._paper_out, self._out_at = True, None
        if self._cover_at is not None and len(self._received) > self._cover_at:
            self._cover_open, self._cover_at = True, None
        for page in finished:
            for listener in self._listeners:
                listener(page)
        return bytes(replies)


# --- standalone --------------------------------------------------------------------
def control(sim: PrinterSim, command: str) -> str:
    words = command.split()
    if not words:
        return ""
    verb, args = words[0], words[1:]
    try:
        if verb == "paper":
            sim.set_paper(args[0])
        elif verb == "out_after":
            sim.run_out_of_paper_after(int(args[0]))
        elif verb == "cover":
            sim.set_cover_open(args[0] == "open")
        elif verb == "cover_after":
            sim.open_cover_after(int(args[0]))
        elif verb == "offline":
            sim.set_offline(args[0] == "on")
        elif verb == "lines":
            return json.dumps(sim.lines(), ensure_ascii=False)  # one line
        elif verb == "png":
            sim.render_png(args[0])
        elif verb == "clear":
            sim.clear()
        else:
            return f"error: unknown command {verb}"
    except (IndexError, ValueError) as exc:
        return f"error: {exc}"
    return "ok"


def serve_control(sim: PrinterSim, host: str, port: int) -> socketserver.ThreadingTCPServer:
    class ControlHandler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            for raw in self.rfile:
                answer = control(sim, raw.decode("utf-8", errors="replace").strip())
                self.wfile.write((answer + "\n").encode("utf-8"))

    server = socketserver.ThreadingTCPServer((host, port), ControlHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="printer-sim-control", daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="ESC/POS receipt printer simulator")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9100)
    ap.add_argument("--model", choices=("58", "80"), default="80")
    ap.add_argument("--control-port", type=int, default=None)
    ap.add_argument("--png-dir", default=None, help="write each cut receipt as a PNG here")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    sim = PrinterSim(args.host, args.port, width_dots=384 if args.model == "58" else 576)
    count = 0

    def show(page: Page) -> None:
        nonlocal count
        count += 1
        print(f"--- receipt {count} (cut) ---")
        print("\n".join(page.lines))
        for payload in page.qr_payloads:
            print(f"[QR] {payload}")
        if args.png_dir:
            path = Path(args.png_dir) / f"receipt-{count:04d}.png"
            render_png([page], sim.width_dots, path)
            print(f"[PNG] {path}")

    sim.on_page(show)
    sim.start()
    print(f"printer simulator on {sim.url}", flush=True)
    if args.control_port is not None:
        serve_control(sim, args.host, args.control_port)
        print(f"control on {args.host}:{args.control_port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
