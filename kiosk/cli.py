"""`kioskctl` core commands: quote and journal verify. Wired by main.py (the composition
root), next to the device command groups. Errors are one clear line, never a traceback."""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from .errors import HashChainError, JournalGuardError, KioskError, TariffError
from .pricing import load_tariff_file, quote_amount, quote_volume

DEFAULT_DB = "var/journal.db"


def _fail(message: str, code: int = 2, **extra: Any) -> int:
    print(json.dumps({"ok": False, "error": message, **extra}, ensure_ascii=False))
    print(f"kioskctl: {message}", file=sys.stderr)
    return code


def cmd_quote(args: argparse.Namespace) -> int:
    try:
        tariff = load_tariff_file(args.tariff)
        if args.used < 0:
            return _fail("--used must not be negative")
        if args.amount is not None:
            if args.amount < 0:
                return _fail("--amount must not be negative")
            q = quote_amount(tariff, args.used, args.amount)
        else:
            if args.volume < 0:
                return _fail("--volume must not be negative")
            q = quote_volume(tariff, args.used, args.volume)
    except TariffError as exc:
        return _fail(f"malformed tariff: {exc}", field=exc.data.get("field"))
    except KioskError as exc:
        return _fail(str(exc))
    print(json.dumps(q.to_json(), ensure_ascii=False, indent=2))
    return 0


def verify_journal(path: Path) -> dict[str, Any]:
    """Integrity and hash chain of a journal file, read-only, on one connection. The kiosk
    holds its journal exclusively, so this runs on a stopped kiosk or a copy."""
    from .hashchain import GENESIS, row_hash

    if not path.exists():
        raise JournalGuardError(f"no journal database at {path}")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.5)
    except sqlite3.Error as exc:
        raise JournalGuardError(f"cannot open {path}: {exc}") from None
    try:
        try:
            integrity = [r[0] for r in con.execute("PRAGMA integrity_check")]
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise JournalGuardError(f"{path} is held by a running kiosk; stop it or verify a"
                                        " copy (kioskctl journal verify --db COPY)") from None
            raise JournalGuardError(f"{path} is not a readable SQLite database: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise JournalGuardError(f"{path} is not a readable SQLite database: {exc}") from None
        report: dict[str, Any] = {"db": str(path), "integrity": integrity}
        if integrity != ["ok"]:
            raise HashChainError("integrity_check failed: " + "; ".join(integrity[:5]), report=report)
        try:
            cur = con.execute("SELECT seq, kiosk_id, txn_id, kind, body, prev_hash, row_hash"
                              " FROM journal ORDER BY seq")
        except sqlite3.OperationalError as exc:
            raise JournalGuardError(f"{path} is not a kiosk journal: {exc}") from None
        prev, expect, n = GENESIS, 1, 0
        for seq, kiosk, txn, kind, body, prev_hash, rh in cur:
            where = {"seq": seq, "txn_id": txn, "kind": kind}
            if seq != expect:
                raise HashChainError(f"row {expect} is missing (next is {seq})", row=where, report=report)
            if prev_hash != prev:
                raise HashChainError(f"row {seq}: prev_hash does not link to row {seq - 1}",
                                     row=where, report=report)
            if row_hash(prev_hash, kiosk, seq, txn, kind, body) != rh:
                raise HashChainError(f"row {seq}: row_hash does not match its content",
                                     row=where, report=report)
            prev, expect, n = rh, expect + 1, n + 1
        report.update(ok=True, rows=n, last_seq=expect - 1, last_hash=prev)
        return report
    finally:
        con.close()


def cmd_journal_verify(args: argparse.Namespace) -> int:
    try:
        report = verify_journal(Path(args.db))
    except HashChainError as exc:
        out = {"ok": False, "error": str(exc), "broken_row": exc.data.get("row")}
        print(json.dumps(out, ensure_ascii=False))
        print(f"kioskctl: journal broken: {exc}", file=sys.stderr)
        return 1
    except JournalGuardError as exc:
        return _fail(str(exc))
    print(json.dumps(report, ensure_ascii=False))
    return 0


def add_commands(sub: Any) -> None:
    q = sub.add_parser("quote", help="price a purchase under a tariff document")
    q.add_argument("--tariff", required=True, help="tariff document (JSON, shared/specs/pricing.md)")
    q.add_argument("--used", type=int, required=True, help="volume bought this tier year, 0.01 m3")
    g = q.add_mutually_exclusive_group(required=True)
    g.add_argument("--amount", type=int, help="money, fen")
    g.add_argument("--volume", type=int, help="volume, 0.01 m3 units")
    q.set_defaults(func=cmd_quote)

    j = sub.add_parser("journal", help="journal tools")
    jsub = j.add_subparsers(dest="journal_command", required=True)
    v = jsub.add_parser("verify", help="integrity check and hash chain")
    v.add_argument("--db", default=DEFAULT_DB, help=f"journal file (default {DEFAULT_DB})")
    v.set_defaults(func=cmd_journal_verify)

    t = sub.add_parser("technician", help="service-screen access")
    tsub = t.add_subparsers(dest="technician_command", required=True)
    h = tsub.add_parser("pin-hash", help="hash a technician PIN for [technician.staff] in the config"
                        " (the PIN is read from the terminal, or one line of stdin)")
    h.set_defaults(func=cmd_pin_hash)


def cmd_pin_hash(_args: argparse.Namespace) -> int:
    import getpass

    from .technician import hash_pin

    if sys.stdin.isatty():
        pin = getpass.getpass("PIN: ")
        if getpass.getpass("again: ") != pin:
            return _fail("the two PINs differ")
    else:
        pin = sys.stdin.readline().strip()
    try:
        encoded = hash_pin(pin)
    except KioskError as exc:
        return _fail(str(exc))
    print(encoded)
    return 0
