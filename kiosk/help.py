"""Help calls ("call staff"): journalled locally (kind `help.call`), so the hall's staff
console sees them through the outbox; the UI also raises a server ticket when online."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from .journal import Journal
from .journal.store import append
from .ports import Clock

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HelpCall:
    call_id: str
    seq: int
    screen: str


class HelpDesk:
    def __init__(self, journal: Journal, clock: Clock, kiosk_id: str) -> None:
        self.journal = journal
        self.clock = clock
        self.kiosk_id = kiosk_id

    def call(self, screen: str, txn_id: str | None = None, code: str | None = None,
             customer_no: str | None = None) -> HelpCall:
        """Blocks on the journal's writer: call from a worker thread, never the GUI. The body
        is the server's HelpCallEvent (reason, screen, customer_no) plus extras."""
        cid = uuid.uuid4().hex
        now = self.clock.now()
        reason = f"error {code}" if code else "call staff"
        body: dict[str, Any] = {"reason": reason, "screen": screen, "customer_no": customer_no,
                                "purchase_txn": txn_id, "error_code": code}

        def write(s: Any) -> int:
            return int(append(s, self.kiosk_id, cid, "help.call", body, now).seq)

        seq = self.journal.call(write)
        logger.info("help call %s from screen %s", seq, screen)
        return HelpCall(cid, seq, screen)


def record_rating(journal: Journal, clock: Clock, kiosk_id: str, txn_id: str | None,
                  level: int) -> int:
    """The resident's 1..5 rating of a visit (skippable: nothing is written then); the body
    is the server's RatingEvent (kind `rating`)."""
    if not 1 <= level <= 5:
        raise ValueError("rating is 1..5")
    now = clock.now()
    body: dict[str, Any] = {"score": level, "comment": "", "purchase_txn_id": txn_id}

    def write(s: Any) -> int:
        return int(append(s, kiosk_id, uuid.uuid4().hex, "rating", body, now).seq)

    return int(journal.call(write))
