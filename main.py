"""Composition root: config -> devices -> core -> UI. Also wires `kioskctl`."""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any


def cash_box_report() -> dict[str, Any]:
    """The cash box from the journal, for `kioskctl cash status` (the journal is held
    exclusively by a running kiosk: then this says so)."""
    from kiosk.cashbox import CashBox
    from kiosk.clock import SystemClock
    from kiosk.errors import JournalGuardError
    from kiosk.journal import Journal

    path = os.environ.get("KIOSK_JOURNAL", "var/journal.db")
    if not os.path.exists(path):
        return {"error": f"no journal at {path} (set KIOSK_JOURNAL)"}
    journal = Journal(path, os.environ.get("KIOSK_ID", "DEMO01"))
    try:
        journal.open()
    except JournalGuardError as exc:
        return {"error": str(exc)}
    try:
        return CashBox(journal, SystemClock()).status(None).to_json()
    finally:
        journal.close()


def build_kioskctl_parser() -> argparse.ArgumentParser:
    from kiosk import cli as core_cli

    parser = argparse.ArgumentParser(prog="kioskctl", description="Gas kiosk service tool")
    sub = parser.add_subparsers(dest="command", required=True)
    core_cli.add_commands(sub)
    # Device command groups (each module imports its own vendor library).
    for modname in ("devices.card.cli", "devices.printer.cli", "devices.cash.cli"):
        importlib.import_module(modname).add_commands(sub)
    importlib.import_module("devices.cash.cli").set_cash_box_reporter(cash_box_report)
    return parser


def kioskctl_main(argv: list[str] | None = None) -> int:
    parser = build_kioskctl_parser()
    args = parser.parse_args(argv)
    rc: int = args.func(args)
    return rc


def main(argv: list[str] | None = None) -> int:
    from ui.app import run_app

    return run_app(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
