"""The journal's hash chain. Both ends (kiosk and server) compute it with this module.

row_hash = SHA-256 hex of  prev_hash || "\n" || canonical(kiosk_id, seq, txn_id, kind, body)
where canonical() is JSON with sorted keys, no spaces, UTF-8, and `body` is itself the
canonical JSON text of the event body. The first row of a kiosk has prev_hash GENESIS.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(prev_hash: str, kiosk_id: str, seq: int, txn_id: str, kind: str, body: str) -> str:
    payload = canonical_json(
        {"kiosk_id": kiosk_id, "seq": seq, "txn_id": txn_id, "kind": kind, "body": body}
    )
    return hashlib.sha256((prev_hash + "\n" + payload).encode("utf-8")).hexdigest()
