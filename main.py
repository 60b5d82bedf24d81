"""Composition root: config -> devices -> core -> UI. Also wires `kioskctl`."""
from __future__ import annotations

import argparse
import sys


def build_kioskctl_parser() -> argparse.ArgumentParser:
    from kiosk import cli as core_cli

    parser = argparse.ArgumentParser(prog="kioskctl", description="Gas kiosk service tool")
    sub = parser.add_subparsers(dest="command", required=True)
    core_cli.add_commands(sub)
    # Device command groups register themselves here (each module imports its vendor lib).
    for modname in ("devices.card.cli", "devices.printer.cli", "devices.cash.cli"):
        try:
            mod = __import__(modname, fromlist=["add_commands"])
        except ModuleNotFoundError as exc:
            if exc.name == modname:
                continue
            raise
        mod.add_commands(sub)
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
