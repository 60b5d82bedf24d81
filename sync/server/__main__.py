"""Command line of the sync server.

    python -m sync.server --db URL --port N [--host H] [--key-dir DIR] [--signing-key PEM]
                          [--card-keys JSON] [--staff-token T] [--sandbox-payments]
                          [--public-url URL]
    python -m sync.server admin [--db URL] [--key-dir DIR] add-kiosk ID   (prints the key)
    python -m sync.server admin [--db URL] revoke ID
    python -m sync.server admin [--db URL] [--key-dir DIR] publish-tariff FILE.json
    python -m sync.server admin [--key-dir DIR] public-key
    python -m sync.server admin [--key-dir DIR] staff-token   (prints a new staff console token)

URL is an SQLAlchemy URL or a file path (SQLite); defaults: $KIOSK_SERVER_DB or
var/sync-server.db, keys in $KIOSK_SERVER_KEY_DIR or var/sync-server-keys.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from .config import ServerConfig

logger = logging.getLogger(__name__)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=os.environ.get("KIOSK_SERVER_DB", "var/sync-server.db"))
    p.add_argument("--key-dir", type=Path, default=Path(os.environ.get("KIOSK_SERVER_KEY_DIR", "var/sync-server-keys")))
    p.add_argument("--signing-key", type=Path, default=None, help="Ed25519 PEM (created if missing)")
    p.add_argument("--card-keys", type=Path, default=None, help="card key store JSON (created if missing)")
    p.add_argument("--staff-token", default=os.environ.get("KIOSK_SERVER_STAFF_TOKEN"),
                   help="the staff console's token (default: the one `admin staff-token` made)")
    p.add_argument("--sandbox-payments", action="store_true", help="enable the sandbox QR payment provider")
    p.add_argument("--public-url", default=None, help="base URL put in payment QR codes")


def _config(a: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        db_url=a.db,
        key_dir=a.key_dir,
        signing_key_path=a.signing_key,
        card_keys_path=a.card_keys,
        staff_token=a.staff_token,
        sandbox_payments=a.sandbox_payments,
        public_url=a.public_url,
    )


def serve(argv: list[str]) -> int:
    import uvicorn

    from .app import create_app
    from .state import ServerState

    p = argparse.ArgumentParser(prog="python -m sync.server", description="Gas kiosk sync server")
    _common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--log-level", default="info")
    a = p.parse_args(argv)
    logging.basicConfig(level=a.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    state = ServerState.open(_config(a))
    logger.info("tariff signing key id %s (public key %s)", state.signer.key_id, state.signer.public_key_hex)
    if not state.staff.enabled:
        logger.warning("the staff console is disabled until a staff token exists: "
                       "python -m sync.server admin staff-token")
    if a.sandbox_payments:
        logger.warning("sandbox payments are enabled: anyone can 'pay' an order; never in production")
    try:
        uvicorn.run(create_app(state), host=a.host, port=a.port, log_level=a.log_level.lower())
    finally:
        state.close()
    return 0


def admin(argv: list[str]) -> int:
    from . import service
    from .state import ServerState

    p = argparse.ArgumentParser(prog="python -m sync.server admin")
    _common(p)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("add-kiosk", help="register a kiosk (or rotate its key); prints the key").add_argument("kiosk_id")
    sub.add_parser("revoke", help="revoke a kiosk").add_argument("kiosk_id")
    sub.add_parser("publish-tariff", help="sign and publish a tariff document").add_argument("file", type=Path)
    sub.add_parser("public-key", help="print the tariff signing public key (hex)")
    sub.add_parser("staff-token", help="make a new staff console token (printed once; replaces the old one)")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    state = ServerState.open(_config(a))
    try:
        if a.cmd == "add-kiosk":
            print(service.add_kiosk(state.sf, a.kiosk_id))
        elif a.cmd == "revoke":
            try:
                service.revoke_kiosk(state.sf, a.kiosk_id)
            except service.NotFound:
                print(f"unknown kiosk {a.kiosk_id}", file=sys.stderr)
                return 1
            print(f"revoked {a.kiosk_id}")
        elif a.cmd == "publish-tariff":
            env = service.publish_tariff(state.sf, state.signer, json.loads(a.file.read_text()))
            print(env.model_dump_json())
        elif a.cmd == "public-key":
            print(state.signer.public_key_hex)
        elif a.cmd == "staff-token":
            from .staff_auth import new_token

            print(new_token(a.key_dir))
    finally:
        state.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "admin":
        return admin(args[1:])
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
