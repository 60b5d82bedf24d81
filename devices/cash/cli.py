"""`kioskctl cash status [--url URL | --config FILE]`: the bill acceptor and the cash box as
JSON, read-only, and whether they agree.

The probe only reads (poll, category, ids, inhibit state, event buffer, accept counter): it
never changes the acceptor's settings, so it is safe next to a running kiosk on a shared
simulator; on a real serial port the kiosk must be stopped (the port is exclusive).

Hook for the core: `set_cash_box_reporter(fn)` registers a function that, given the
acceptor's accept counter (None when it did not answer), returns the cash box from the
journal (a JSON-able dict, kiosk.cashbox.BoxReport.to_json: counts, expected counter,
differences); its result is reported under "cash_box".

Exit codes: 0 the acceptor answered and its counter agrees with the journal, 1 they differ
(`counter_mismatch` says by how many notes; count the cassette) or the box could not be
read, 2 the acceptor is unreachable or the configuration is bad.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from kiosk.errors import CashError, ConfigError

from . import cctalk as ct
from .acceptor import open_bus, read_denominations
from .events import decode_result

logger = logging.getLogger(__name__)

DEFAULT_URL = os.environ.get("KIOSK_CASH_URL", "/dev/ttyUSB0")

CashBoxReporter = Callable[[int | None], dict[str, Any]]
_cash_box_reporter: CashBoxReporter | None = None


def set_cash_box_reporter(fn: CashBoxReporter | None) -> None:
    """The core registers the journal's cash-box report here (counts per denomination,
    expected total, last collection). Until then "cash_box" is null."""
    global _cash_box_reporter
    _cash_box_reporter = fn


def probe(url: str, *, timeout: float = 0.5, echo: bool = False,
          checksum: ct.Checksum = "simple") -> dict[str, Any]:
    """Read-only report of the acceptor at `url`. Raises CashError when unreachable."""
    bus = open_bus(url, timeout=timeout, echo=echo, retries=1, checksum=checksum)
    try:
        bv = ct.BillValidatorCommands(bus)
        bv.simple_poll()
        report: dict[str, Any] = {"url": url, "reachable": True}
        report["category"] = bv.equipment_category()
        report["manufacturer"] = bv.manufacturer_id()
        report["product"] = bv.product_code()
        report["serial_number"] = bv.serial_number()
        denoms = read_denominations(bv)
        mask = bv.inhibit_mask()
        master = bv.master_enabled()
        report["denominations_fen"] = sorted(denoms.values())
        report["master_inhibit"] = not master
        report["enabled_notes_fen"] = sorted(
            fen for t, fen in denoms.items() if master and mask & (1 << (t - 1)))
        report["inhibit_mask"] = f"{mask:#06x}"
        mode = bv.operating_mode()
        report["escrow_mode"] = bool(mode & ct.MODE_USE_ESCROW)
        buf = bv.read_events()
        report["event_counter"] = buf.counter
        n = min(buf.counter, len(buf.results))  # after a reset fewer than 5 are real
        report["last_events"] = [
            decode_result(a, b, (buf.counter - i - 1) % 255 + 1, denoms).as_dict()
            for i, (a, b) in enumerate(buf.results[:n] if buf.counter else ())
        ]
        report["stacked_counter"] = bv.accept_counter()
        return report
    finally:
        bus.close()


def _settings(args: argparse.Namespace) -> tuple[str, bool, ct.Checksum]:
    """URL, echo and checksum: from the command line, else the kiosk configuration, else the
    defaults. Raises ConfigError."""
    url, echo, checksum = args.url, args.echo, args.checksum
    if args.config:
        from kiosk.config import load_config

        cfg = load_config(args.config)
        url = url or cfg.cash_url
        echo = echo or cfg.cash_echo
        checksum = checksum or cfg.cash_checksum
    return url or DEFAULT_URL, bool(echo), ct.checksum_mode(checksum or "simple")


def _status(args: argparse.Namespace) -> int:
    report: dict[str, Any]
    rc = 0
    try:
        url, echo, checksum = _settings(args)
    except (ConfigError, ValueError) as exc:
        print(f"cash status: {exc}", file=sys.stderr)
        return 2
    try:
        report = probe(url, timeout=args.timeout, echo=echo, checksum=checksum)
    except CashError as exc:
        report = {"url": url, "reachable": False, "error": str(exc),
                  "error_code": exc.code}
        rc = 2
    counter = report.get("stacked_counter")
    try:
        box = _cash_box_reporter(counter) if _cash_box_reporter else None
    except Exception as exc:  # the box report must not hide the acceptor's
        logger.exception("cash box report failed")
        box = {"error": str(exc)}
        rc = rc or 1
    report["cash_box"] = box
    mismatch = [d for d in (box or {}).get("differences", []) if d.get("kind") == "counter_mismatch"]
    report["counter_matches"] = None if counter is None or not box or "error" in box else not mismatch
    if mismatch:
        report["counter_mismatch"] = mismatch[0]
        rc = rc or 1
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    if rc == 2:
        print(f"cash acceptor not reachable at {url}: {report['error']}", file=sys.stderr)
    elif mismatch:
        print(f"cash box and acceptor differ: {mismatch[0]['explanation']}", file=sys.stderr)
    elif box and "error" in box:
        print(f"cash box not read: {box['error']}", file=sys.stderr)
    return rc


def add_commands(subparsers: Any) -> None:
    """Register `cash status` on kioskctl's sub-parsers."""
    cash = subparsers.add_parser("cash", help="bill acceptor and cash box")
    cash_sub = cash.add_subparsers(dest="cash_command", required=True)
    st = cash_sub.add_parser("status", help="report the acceptor (and the cash box) as JSON")
    st.add_argument("--url", default=None,
                    help="pyserial URL, e.g. /dev/ttyUSB0 or socket://127.0.0.1:PORT "
                         f"(default: the configuration's devices.cash_url, else {DEFAULT_URL})")
    st.add_argument("--config", default=None,
                    help="the kiosk configuration (kiosk.toml): devices.cash_url, cash_checksum, cash_echo")
    st.add_argument("--timeout", type=float, default=0.5, help="reply timeout in seconds")
    st.add_argument("--echo", action="store_true", default=None,
                    help="single-wire bus (request echoed)")
    st.add_argument("--checksum", choices=ct.CHECKSUMS, default=None,
                    help="the acceptor's frame checksum: simple 8-bit or ccTalk CRC-16 (default simple)")
    st.set_defaults(func=_status)
