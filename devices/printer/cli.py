"""`kioskctl printer test [--url URL] [--model 58|80] [--config kiosk.toml]`: print a test
receipt (Chinese, a QR, a cut) and report the printer's status as JSON; `kioskctl printer
status` only reports. The URL and the model come from the command line, else from the kiosk
configuration (`devices.printer_url`, `devices.printer_model`), else from KIOSK_PRINTER_URL /
KIOSK_PRINTER_MODEL. Errors are one line on stderr, never a traceback.

Exit codes: 0 printed (or, for status, the printer answered), 1 the printer is reachable
but the receipt did not come out whole (paper out, cover open, offline), 2 unreachable
or bad configuration.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import datetime
from typing import Any

from kiosk.errors import ConfigError, PrinterError, PrinterUnreachable
from kiosk.receipt import Receipt, TierLine

from .printer import EscposReceiptPrinter

logger = logging.getLogger(__name__)

DEFAULT_URL = os.environ.get("KIOSK_PRINTER_URL", "tcp://127.0.0.1:9100")
DEFAULT_MODEL = os.environ.get("KIOSK_PRINTER_MODEL", "80")


def sample_receipt(now: datetime) -> Receipt:
    """A receipt that exercises every part of the layout (not a real transaction)."""
    return Receipt(
        utility_name="燃气自助终端",
        kiosk_id="TEST",
        txn_id="TEST-" + now.strftime("%Y%m%d%H%M%S"),
        seq=0,
        time=now,
        card_serial_masked="0000****0000",
        customer_masked="测*试",
        volume_units=1234,
        amount_paid_fen=5000,
        cost_fen=3272,
        remainder_fen=1728,
        tiers=(TierLine(1, 1000, "2.61", 2610), TierLine(2, 234, "2.83", 662)),
        payment_method="cash",
        tariff_version=0,
        offline=False,
        # laid out as a real code (KIOSK:SEQ:TXN:MAC); the server answers "unknown" for it
        verify_code="TEST:0:TEST-" + now.strftime("%Y%m%d%H%M%S") + ":" + "0" * 16,
        extra_lines=("打印机测试 PRINTER TEST，非购气凭证", "￥", "，。、：！"),
    )


def _target(args: argparse.Namespace) -> tuple[str, str]:
    """(URL, model): the command line, else the configuration, else the environment."""
    url, model = args.url, args.model
    if args.config:
        from kiosk.config import load_config

        cfg = load_config(args.config)
        url, model = url or cfg.printer_url, model or cfg.printer_model
    return url or DEFAULT_URL, model or DEFAULT_MODEL


def _run(args: argparse.Namespace, do_print: bool) -> int:
    try:
        url, model = _target(args)
    except ConfigError as exc:
        print(f"printer {'test' if do_print else 'status'}: {exc}", file=sys.stderr)
        return 2
    report: dict[str, Any] = {"url": url, "model": model, "printed": False,
                              "error": None, "status": None}
    rc = 0
    try:
        printer = EscposReceiptPrinter.from_config(url, model, status_timeout=args.timeout)
        if do_print:
            printer.print_receipt(sample_receipt(datetime.now().astimezone()))
            report["printed"] = True
        status = printer.status_report()
        report["status"] = status.to_json()
        if not status.answered:
            rc = 2
    except ConfigError as exc:
        report["error"] = {"code": exc.code, "message": str(exc)}
        rc = 2
    except PrinterError as exc:
        report["error"] = {"code": exc.code, "type": type(exc).__name__, "message": str(exc)}
        rc = 2 if isinstance(exc, PrinterUnreachable) else 1
        if report["status"] is None and not isinstance(exc, PrinterUnreachable):
            report["status"] = printer.status_report().to_json()
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    if report["error"] is not None:
        print(f"printer {'test' if do_print else 'status'} failed: {report['error']['message']}",
              file=sys.stderr)
    return rc


def _test(args: argparse.Namespace) -> int:
    return _run(args, do_print=True)


def _status(args: argparse.Namespace) -> int:
    return _run(args, do_print=False)


def add_commands(subparsers: Any) -> None:
    """Register `printer test` and `printer status` on kioskctl's sub-parsers."""
    printer = subparsers.add_parser("printer", help="receipt printer")
    sub = printer.add_subparsers(dest="printer_command", required=True)
    for name, func, help_text in (
        ("test", _test, "print a test receipt (Chinese, QR, cut) and report the status as JSON"),
        ("status", _status, "report the printer's status as JSON (prints nothing)"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--url", default=None,
                       help="tcp://HOST:PORT, usb://VID:PID or serial:///dev/ttyX?baudrate=N "
                            "(default: the configuration's, else env KIOSK_PRINTER_URL)")
        p.add_argument("--model", choices=("58", "80"), default=None,
                       help="58 mm / 32 columns or 80 mm / 48 columns "
                            "(default: the configuration's, else env KIOSK_PRINTER_MODEL)")
        p.add_argument("--config", default=None,
                       help="the kiosk configuration (kiosk.toml): devices.printer_url and printer_model")
        p.add_argument("--timeout", type=float, default=1.0, help="status reply timeout, s")
        p.set_defaults(func=func)
