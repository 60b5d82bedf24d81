"""Run the card emulator standalone: `python -m devices.sim.cards [--control-port 35990]
[--ic NAME:SERIAL] [--cpu NAME:SERIAL] [--insert NAME]`.

It connects the SAM to vpcd slot 1 at once, issues the requested demo cards, optionally
inserts one into slot 0, and serves the JSON-lines control interface (control.py) until
interrupted."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from .control import ControlServer
from .emulator import CardEmulator

logger = logging.getLogger(__name__)


def start_in_background(
    control_port: int = 35990,
    quota_fen: int = 1_000_000,
    ic: tuple[tuple[str, str], ...] = (),
    cpu: tuple[tuple[str, str], ...] = (),
    insert: str | None = None,
    lock_timeout_s: float = 0.0,
) -> tuple[CardEmulator, ControlServer]:
    """For the demo: the emulator in this process (SAM in slot 1, the given (name, serial)
    cards issued, one optionally inserted) with its control server on control_port (0: any
    free port, see server.address). Stop with server.stop(); emu.stop()."""
    emu = CardEmulator(quota_fen=quota_fen)
    for name, serial in ic:
        emu.issue_ic(name, serial)
    for name, serial in cpu:
        emu.issue_cpu(name, serial)
    server = ControlServer(emu, "127.0.0.1", control_port).start()
    try:
        emu.start(lock_timeout_s=lock_timeout_s)
        if insert:
            emu.insert(insert)
    except BaseException:
        server.stop()
        emu.stop()
        raise
    return emu, server


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m devices.sim.cards", description=__doc__)
    p.add_argument("--control-host", default="127.0.0.1")
    p.add_argument("--control-port", type=int, default=35990)
    p.add_argument("--vpcd-port", type=int, default=35963, help="vpcd port of slot 0")
    p.add_argument("--quota", type=int, default=1_000_000, help="SAM offline quota, fen")
    p.add_argument("--no-sam", action="store_true", help="leave slot 1 empty")
    p.add_argument("--ic", action="append", default=[], metavar="NAME:SERIAL")
    p.add_argument("--cpu", action="append", default=[], metavar="NAME:SERIAL")
    p.add_argument("--insert", metavar="NAME")
    p.add_argument("--wait-lock", type=float, default=0.0, metavar="S",
                   help="wait S seconds for another emulator to release the virtual reader")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    emu = CardEmulator(quota_fen=args.quota, base_port=args.vpcd_port)
    try:
        for spec in args.ic:
            name, serial = spec.split(":", 1)
            emu.issue_ic(name, serial)
        for spec in args.cpu:
            name, serial = spec.split(":", 1)
            emu.issue_cpu(name, serial)
        server = ControlServer(emu, args.control_host, args.control_port).start()
        emu.start(with_sam=not args.no_sam, lock_timeout_s=args.wait_lock)
        if args.insert:
            emu.insert(args.insert)
    except (OSError, ValueError) as exc:  # TimeoutError / ConnectionError are OSErrors
        print(f"card emulator: {exc}", file=sys.stderr)
        emu.stop()
        return 2
    print(f"READY control={server.address[0]}:{server.address[1]}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    server.stop()
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
