"""`kioskctl card read` and `kioskctl card selftest`. Clear errors, never a traceback."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date, datetime
from typing import Any

from kiosk.card import CardSnapshot, CardTech
from kiosk.errors import KioskError

from .readers import CardReaders
from .selftest import run_selftest

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAIL, EXIT_CARD = 0, 1, 2


def add_commands(subparsers: Any) -> None:
    card = subparsers.add_parser("card", help="gas cards: read a card, check readers and SAM")
    sub = card.add_subparsers(dest="card_command", required=True)
    read = sub.add_parser("read", help="decode the inserted card")
    read.add_argument("--reader", help="card reader name (default: the first non-SAM reader)")
    read.add_argument("--sam-reader", help="SAM reader name")
    read.add_argument("--json", action="store_true", help="machine-readable output")
    read.add_argument("--full", action="store_true", help="show personal numbers unmasked")
    read.add_argument("--wait", type=float, default=0.0, metavar="S", help="wait S seconds for a card")
    read.set_defaults(func=cmd_read)
    test = sub.add_parser("selftest", help="readers, memory-card support, SAM and its quota")
    test.add_argument("--json", action="store_true")
    test.set_defaults(func=cmd_selftest)


def mask(number: str, full: bool) -> str:
    if full or len(number) <= 4:
        return number
    return "*" * (len(number) - 4) + number[-4:]


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if hasattr(value, "value") and hasattr(value, "name"):  # enums
        return value.name.lower()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def snapshot_dict(snap: CardSnapshot, reader: str, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "reader": reader,
        "profile": snap.profile,
        "tech": snap.tech.value,
        "serial": snap.serial,
        "kind": snap.kind.name.lower(),
        "utility_code": snap.utility_code,
        "customer_no": mask(snap.customer_no, full),
        "meter_no": mask(snap.meter_no, full),
        "replacement_count": snap.replacement_count,
        "meter_zone": _plain(snap.meter),
        "problems": list(snap.problems),
    }
    if snap.tech is CardTech.IC:
        out["record"] = _plain(snap.record)
        if snap.record is not None:
            loaded = (snap.meter.loaded_seq == snap.record.seq) if snap.meter else (
                snap.record.seq == 0 and snap.record.volume_units == 0)
            out["meter_has_loaded_last_purchase"] = loaded
    else:
        out["balance_fen"] = snap.balance_fen
        out["atc"] = snap.atc
    return out


def _print_dict(d: dict[str, Any], indent: str = "") -> None:
    for key, value in d.items():
        if isinstance(value, dict):
            print(f"{indent}{key}:")
            _print_dict(value, indent + "  ")
        else:
            print(f"{indent}{key}: {'-' if value is None else value}")


def _fail(what: str, exc: BaseException) -> int:
    code = getattr(exc, "code", "E")
    reason = getattr(exc, "data", {}).get("reason") if isinstance(exc, KioskError) else None
    extra = f" [{reason}]" if reason else ""
    print(f"{what}: {code} {type(exc).__name__}: {exc}{extra}", file=sys.stderr)
    return EXIT_CARD if isinstance(exc, KioskError) else EXIT_FAIL


def cmd_read(args: argparse.Namespace) -> int:
    readers: CardReaders | None = None
    try:
        readers = CardReaders(card_reader=args.reader, sam_reader=args.sam_reader)
        with readers.open_session(wait_s=args.wait) as session:
            snap = session.read()
            data = snapshot_dict(snap, session.reader, args.full)
        if args.json:
            print(json.dumps(data, indent=2, sort_keys=False))
        else:
            _print_dict(data)
        return EXIT_OK
    except KioskError as exc:
        return _fail("card read", exc)
    except Exception as exc:
        logger.debug("card read failed", exc_info=True)
        return _fail("card read", exc)
    finally:
        if readers is not None:
            readers.close()


def cmd_selftest(args: argparse.Namespace) -> int:
    readers: CardReaders | None = None
    try:
        readers = CardReaders()
        report = run_selftest(readers)
    except Exception as exc:
        logger.debug("card selftest failed", exc_info=True)
        return _fail("card selftest", exc)
    finally:
        if readers is not None:
            readers.close()
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for r in report.readers:
            card = f"card {r.atr}" if r.card_present else "no card"
            print(f"reader {r.name!r}: role {r.role}, {card}, memory cards: {r.memory_cards}")
        if report.sam_ok:
            print(f"SAM {report.sam_id}: offline quota {report.sam_quota_fen} fen, counter {report.sam_counter}")
        print("serves today: " + (", ".join(report.serves) or "nothing"))
        if report.serves_offline != report.serves:
            print("while the server does not answer: " + (", ".join(report.serves_offline) or "nothing"))
        for p in report.problems:
            print(f"problem: {p}")
    return EXIT_OK if report.serves else EXIT_FAIL

