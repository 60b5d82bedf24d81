"""Named crash points for the crash matrix, and the planted bugs that prove it can fail.

`crash_point(name)` kills this process with SIGKILL when KIOSK_CRASH_AT names it (the n-th
time it is reached with KIOSK_CRASH_AT=name@n). Every journal transition has `before:EVENT`
and `after:EVENT`; every external effect has `effect:X:before` and `effect:X:after`.
Production never sets these variables; the kiosk refuses to start with a planted bug unless
KIOSK_ALLOW_PLANTED=1 (set only by the harness).
"""
from __future__ import annotations

import os
import signal
import threading

_hits: dict[str, int] = {}
_lock = threading.Lock()
_target: tuple[str, int] | None = None
_planted: frozenset[str] = frozenset()
_tracing = False
trace: list[str] = []  # points reached, when KIOSK_CRASH_TRACE=1

PLANTED_BUGS = frozenset({"recovery_blind_rewrite", "outbox_mark_before_send"})

# Every point the code can reach, declared here so the matrix knows them all.
EFFECTS = ("stack", "charge", "card_write", "print", "refund", "voucher", "upload")
TRANSITION_EVENTS = (
    "created", "note_escrow", "note_stacked", "note_returned", "note_jammed", "note_jammed_unknown",
    "paid", "cancel",
    "card_pending", "card_done", "card_failed", "card_unknown", "receipt_done",
    "receipt_failed", "refund_pending", "refunded", "voucher", "closed",
)
ALL_POINTS: tuple[str, ...] = tuple(
    [f"before:{e}" for e in TRANSITION_EVENTS]
    + [f"after:{e}" for e in TRANSITION_EVENTS]
    + [f"effect:{x}:before" for x in EFFECTS]
    + [f"effect:{x}:after" for x in EFFECTS]
    + ["outbox:marked", "acked"]
)


def configure_from_env() -> None:
    global _target, _planted, _tracing
    _tracing = os.environ.get("KIOSK_CRASH_TRACE") == "1"
    trace.clear()
    _target = None
    spec = os.environ.get("KIOSK_CRASH_AT", "")
    if spec:
        name, _, nth = spec.partition("@")
        _target = (name, int(nth or 1))
    bugs = frozenset(b for b in os.environ.get("KIOSK_PLANTED_BUG", "").split(",") if b)
    unknown = bugs - PLANTED_BUGS
    if unknown:
        raise RuntimeError(f"unknown planted bug(s): {sorted(unknown)}")
    if bugs and os.environ.get("KIOSK_ALLOW_PLANTED") != "1":
        raise RuntimeError("planted bugs are for the crash harness only")
    _planted = bugs
    _hits.clear()


def crash_point(name: str) -> None:
    if _tracing:
        trace.append(name)
    if _target is None or _target[0] != name:
        return
    with _lock:
        _hits[name] = _hits.get(name, 0) + 1
        n = _hits[name]
    if n == _target[1]:
        os.kill(os.getpid(), signal.SIGKILL)


def planted(bug: str) -> bool:
    return bug in _planted


configure_from_env()
