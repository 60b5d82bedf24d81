"""Bill validator events (ccTalk header 159) decoded into typed events, and the event-counter
bookkeeping: counter 1..255 wrapping to 1, 0 only after power-up/reset, 5-event buffer."""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field

from kiosk.errors import (
    AcceptorFault,
    CashError,
    CashEventsLost,
    NoteJammed,
    NoteRejected,
    NoteSuspect,
)

from .cctalk import EventBuffer

logger = logging.getLogger(__name__)

BUFFER_SIZE = 5


class EventKind(enum.Enum):
    ESCROW = "escrow"  # bill validated, held in escrow
    STACKED = "stacked"  # bill validated and sent to the stacker (credit)
    RETURNED = "returned"  # bill returned from escrow
    REJECTED = "rejected"  # not accepted, given back
    SUSPECT = "suspect"  # fraud attempt
    JAMMED = "jammed"
    CASHBOX = "cashbox"  # stacker OK / removed / inserted / full / faulty / jammed
    INHIBITED = "inhibited"  # master inhibit active when a note came
    RESET = "reset"  # the device powered up / reset (event counter 0)
    EVENTS_LOST = "events_lost"  # counter jumped by more than the buffer holds
    OTHER = "other"


# Result A = 0: result B is a status code. (code: name, kind, error class or None)
STATUS_CODES: dict[int, tuple[str, EventKind, type[CashError] | None]] = {
    0: ("master_inhibit_active", EventKind.INHIBITED, NoteRejected),
    1: ("bill_returned_from_escrow", EventKind.RETURNED, None),
    2: ("invalid_bill_validation_fail", EventKind.REJECTED, NoteRejected),
    3: ("invalid_bill_transport_problem", EventKind.REJECTED, NoteRejected),
    4: ("inhibited_bill_serial", EventKind.REJECTED, NoteRejected),
    5: ("inhibited_bill_dip_switches", EventKind.REJECTED, NoteRejected),
    6: ("bill_jammed_in_transport_unsafe", EventKind.JAMMED, NoteJammed),
    7: ("bill_jammed_in_stacker", EventKind.JAMMED, NoteJammed),
    8: ("bill_pulled_backwards", EventKind.SUSPECT, NoteSuspect),
    9: ("bill_tamper", EventKind.SUSPECT, NoteSuspect),
    10: ("stacker_ok", EventKind.CASHBOX, None),
    11: ("stacker_removed", EventKind.CASHBOX, AcceptorFault),
    12: ("stacker_inserted", EventKind.CASHBOX, None),
    13: ("stacker_faulty", EventKind.CASHBOX, AcceptorFault),
    14: ("stacker_full", EventKind.CASHBOX, AcceptorFault),
    15: ("stacker_jammed", EventKind.JAMMED, NoteJammed),
    16: ("bill_jammed_in_transport_safe", EventKind.JAMMED, NoteJammed),
    17: ("opto_fraud_detected", EventKind.SUSPECT, NoteSuspect),
    18: ("string_fraud_detected", EventKind.SUSPECT, NoteSuspect),
    19: ("anti_string_mechanism_faulty", EventKind.SUSPECT, AcceptorFault),
    20: ("barcode_detected", EventKind.REJECTED, NoteRejected),
    21: ("unknown_bill_type_stacked", EventKind.OTHER, AcceptorFault),
}

JAM_STAGE = {6: "transport", 7: "stacker", 15: "stacker", 16: "transport"}


@dataclass(frozen=True)
class CashEvent:
    """One acceptor event. `reason` is a stable name for logs and the technician;
    `error` is the typed error whose `code` the UI turns into words (None for plain news)."""

    kind: EventKind
    reason: str
    counter: int
    result_a: int = 0
    result_b: int = 0
    bill_type: int | None = None
    denomination_fen: int | None = None
    error: CashError | None = field(default=None, compare=False)

    @property
    def message_code(self) -> str | None:
        return self.error.code if self.error is not None else None

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "reason": self.reason,
            "counter": self.counter,
            "result": [self.result_a, self.result_b],
            "denomination_fen": self.denomination_fen,
            "message_code": self.message_code,
        }


def decode_result(a: int, b: int, counter: int, denominations: dict[int, int]) -> CashEvent:
    """Decode one (result A, result B) pair. A > 0 is a bill type (B 0 = stacked, 1 = escrow)."""
    if a > 0:
        fen = denominations.get(a)
        if b == 1:
            return CashEvent(EventKind.ESCROW, "bill_held_in_escrow", counter, a, b, a, fen)
        if b == 0:
            return CashEvent(EventKind.STACKED, "bill_stacked", counter, a, b, a, fen)
        return CashEvent(EventKind.OTHER, f"bill_{a}_result_{b}", counter, a, b, a, fen)
    name, kind, err_cls = STATUS_CODES.get(b, (f"status_{b}", EventKind.OTHER, None))
    err: CashError | None = None
    if err_cls is not None:
        data: dict[str, object] = {"reason": name, "cctalk_code": b, "counter": counter}
        if b in JAM_STAGE:
            data["stage"] = JAM_STAGE[b]
        err = err_cls(name.replace("_", " "), **data)
    return CashEvent(kind, name, counter, a, b, None, None, err)


def new_event_count(last: int, now: int) -> int:
    """How many events happened between two counter readings (both non-zero, or last 0 after
    a reset). The counter runs 1..255 and wraps to 1."""
    if now == last:
        return 0
    if last == 0:
        return now
    return (now - last) % 255


class EventTracker:
    """Turns successive 159 answers into the new events, oldest first, flagging resets and
    missed events. The first reading only synchronises (its buffer is history)."""

    def __init__(self) -> None:
        self.last_counter: int | None = None

    def update(self, buf: EventBuffer, denominations: dict[int, int]) -> list[CashEvent]:
        last, now = self.last_counter, buf.counter
        self.last_counter = now
        if last is None:
            return []
        if now == 0:
            if last == 0:
                return []
            return [CashEvent(EventKind.RESET, "acceptor_reset", 0)]
        n = new_event_count(last, now)
        events: list[CashEvent] = []
        if n > BUFFER_SIZE:
            lost = n - BUFFER_SIZE
            err = CashEventsLost(f"{lost} acceptor events lost", lost=lost,
                                 last_counter=last, counter=now)
            events.append(CashEvent(EventKind.EVENTS_LOST, "events_lost", now, error=err))
            n = BUFFER_SIZE
        # results are newest first; counter of results[i] is now - i (wrapping within 1..255)
        for i in reversed(range(n)):
            a, b = buf.results[i]
            c = (now - i - 1) % 255 + 1
            events.append(decode_result(a, b, c, denominations))
        return events
