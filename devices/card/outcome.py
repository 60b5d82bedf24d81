"""The write_credit error contract shared by the profiles (kiosk.ports.CardSession):

- before anything that could change the card was sent, every refusal is CardWriteFailed
  (the card verifiably does not carry the credit); the original error's code and reason
  travel in `data` (`cause`, `reason`);
- from the moment the write / CREDIT FOR LOAD is sent, every failure is CardPulled (or its
  subclass CardOutcomeUnknown): the outcome is for the oracle (check_credit) to decide;
- a card whose counter moved past counter_before without showing this credit, where the
  oracle cannot decide, is CardOutcomeUnknown too (never a guess)."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from kiosk.errors import (
    CardOracleUnavailable,
    CardOutcomeUnknown,
    CardPulled,
    CardWriteFailed,
    KioskError,
)

from .apdu import StatusError

logger = logging.getLogger(__name__)


class WriteGuard:
    """Tracks the point of no return of one write_credit call."""

    def __init__(self) -> None:
        self.sent = False

    def point_of_no_return(self) -> None:
        self.sent = True


@contextmanager
def write_contract(txn_id: str) -> Iterator[WriteGuard]:
    guard = WriteGuard()
    try:
        yield guard
    except (CardPulled, CardWriteFailed):
        raise
    except CardOracleUnavailable as exc:  # the card moved on and cannot say: unknown
        raise CardOutcomeUnknown(str(exc), cause=exc.code, reason="oracle") from exc
    except (KioskError, StatusError) as exc:
        code = getattr(exc, "code", "sw")
        data = getattr(exc, "data", {})
        if guard.sent:
            logger.error("credit %s: outcome unknown after the write: %s", txn_id, exc)
            raise CardOutcomeUnknown(f"card answer after the write is not consistent: {exc}",
                                     cause=code, reason=data.get("reason")) from exc
        logger.info("credit %s refused before any write: %s", txn_id, exc)
        raise CardWriteFailed(str(exc), cause=code, reason=data.get("reason", type(exc).__name__)) from exc
