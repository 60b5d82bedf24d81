"""The purchase state table, without a QApplication and without I/O."""
from __future__ import annotations

import pytest

from kiosk.purchase.states import OPEN, SETTLED, TRANSITIONS, Ev, IllegalTransition, S, next_state


def test_every_state_is_reachable_from_init() -> None:
    seen, todo = {S.INIT}, [S.INIT]
    while todo:
        s = todo.pop()
        for (a, _), b in TRANSITIONS.items():
            if a is s and b not in seen:
                seen.add(b)
                todo.append(b)
    assert seen == set(S)


def test_every_open_state_can_end_acked_or_in_review() -> None:
    ends = {S.ACKED, S.MANUAL_REVIEW}
    for start in OPEN:
        seen, todo = {start}, [start]
        while todo:
            s = todo.pop()
            for (a, _), b in TRANSITIONS.items():
                if a is s and b not in seen:
                    seen.add(b)
                    todo.append(b)
        assert seen & ends, start


def test_happy_path() -> None:
    s = S.INIT
    for ev in (Ev.PAID, Ev.CARD_PENDING, Ev.CARD_DONE, Ev.RECEIPT_DONE, Ev.CLOSED, Ev.ACKED):
        s = next_state(s, ev)
    assert s is S.ACKED


@pytest.mark.parametrize("state, ev", [
    (S.INIT, Ev.CARD_PENDING),  # never write a card before the money is in
    (S.CARD_DONE, Ev.REFUND_PENDING),  # never refund a credit that stands
    (S.CARD_DONE, Ev.VOUCHER),
    (S.PAID, Ev.CANCEL),  # money taken cannot be cancelled away
    (S.ACKED, Ev.CARD_PENDING),
    (S.CARD_PENDING, Ev.RECEIPT_DONE),
    (S.REFUNDED, Ev.CARD_PENDING),
])
def test_forbidden_transitions(state: S, ev: Ev) -> None:
    with pytest.raises(IllegalTransition):
        next_state(state, ev)


def test_terminal_states() -> None:
    assert S.ACKED in SETTLED and S.MANUAL_REVIEW in SETTLED
    assert not any(a is S.ACKED for a, _ in TRANSITIONS)
