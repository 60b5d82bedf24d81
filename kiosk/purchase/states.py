"""The purchase state machine, as a table. No I/O, no Qt: tested on its own."""
from __future__ import annotations

import enum


class S(str, enum.Enum):
    INIT = "INIT"  # priced; money may be arriving
    PAID = "PAID"  # all money the resident will give is in the journal
    CARD_PENDING = "CARD_PENDING"  # the card write may be in flight
    CARD_DONE = "CARD_DONE"  # the card carries the credit (read back)
    CARD_FAILED = "CARD_FAILED"  # the card verifiably does not carry it
    RECEIPT_DONE = "RECEIPT_DONE"
    RECEIPT_FAILED = "RECEIPT_FAILED"  # a normal end: the credit stands, reprint offered
    REFUND_PENDING = "REFUND_PENDING"  # electronic payment being returned
    REFUNDED = "REFUNDED"
    CANCELLED = "CANCELLED"  # no money was taken
    MANUAL_REVIEW = "MANUAL_REVIEW"  # money held for staff (voucher printed / card outcome unknown)
    OUTBOX = "OUTBOX"  # finished locally; its rows wait for the server
    ACKED = "ACKED"  # the server stored every row of it


class Ev(str, enum.Enum):
    PAID = "paid"
    CANCEL = "cancel"
    CARD_PENDING = "card_pending"
    CARD_DONE = "card_done"
    CARD_FAILED = "card_failed"
    CARD_UNKNOWN = "card_unknown"
    RECEIPT_DONE = "receipt_done"
    RECEIPT_FAILED = "receipt_failed"
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"
    VOUCHER = "voucher"
    CLOSED = "closed"
    ACKED = "acked"


TRANSITIONS: dict[tuple[S, Ev], S] = {
    (S.INIT, Ev.PAID): S.PAID,
    (S.INIT, Ev.CANCEL): S.CANCELLED,
    (S.PAID, Ev.CARD_PENDING): S.CARD_PENDING,
    (S.CARD_PENDING, Ev.CARD_DONE): S.CARD_DONE,
    (S.CARD_PENDING, Ev.CARD_FAILED): S.CARD_FAILED,
    (S.CARD_PENDING, Ev.CARD_UNKNOWN): S.MANUAL_REVIEW,
    # the same transaction retried: counter_before is the idempotency key
    (S.CARD_FAILED, Ev.CARD_PENDING): S.CARD_PENDING,
    (S.CARD_FAILED, Ev.REFUND_PENDING): S.REFUND_PENDING,
    (S.CARD_FAILED, Ev.VOUCHER): S.MANUAL_REVIEW,
    (S.PAID, Ev.REFUND_PENDING): S.REFUND_PENDING,
    (S.PAID, Ev.VOUCHER): S.MANUAL_REVIEW,
    (S.REFUND_PENDING, Ev.REFUNDED): S.REFUNDED,
    # a card whose outcome was unknown comes back: the oracle settles it
    (S.MANUAL_REVIEW, Ev.CARD_DONE): S.CARD_DONE,
    (S.MANUAL_REVIEW, Ev.CARD_FAILED): S.CARD_FAILED,
    (S.CARD_DONE, Ev.RECEIPT_DONE): S.RECEIPT_DONE,
    (S.CARD_DONE, Ev.RECEIPT_FAILED): S.RECEIPT_FAILED,
    (S.RECEIPT_DONE, Ev.CLOSED): S.OUTBOX,
    (S.RECEIPT_FAILED, Ev.CLOSED): S.OUTBOX,
    (S.REFUNDED, Ev.CLOSED): S.OUTBOX,
    (S.CANCELLED, Ev.CLOSED): S.OUTBOX,
    (S.OUTBOX, Ev.ACKED): S.ACKED,
}

# Rows in these states are finished for recovery; MANUAL_REVIEW waits for staff or the card.
SETTLED = frozenset({S.OUTBOX, S.ACKED, S.MANUAL_REVIEW})
OPEN = frozenset(S) - SETTLED


class IllegalTransition(Exception):
    def __init__(self, state: S, event: Ev) -> None:
        super().__init__(f"no transition from {state.value} on {event.value}")
        self.state, self.event = state, event


def next_state(state: S, event: Ev) -> S:
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state, event) from None
