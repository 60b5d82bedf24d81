"""One session per insertion for callers that do not manage sessions (recovery's CardFor)."""
from __future__ import annotations

import pytest

from devices.card.readers import CardReaders
from devices.sim.emulator import CardEmulator
from devices.sim.harness import credit_for
from kiosk.errors import CardWriteFailed


def test_current_session_follows_insertions(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("a", "1000000000000001")
    emu.issue_ic("b", "1000000000000002", card_key="00" * 32)  # a card the SAM's key does not open
    emu.insert("a")
    assert readers.wait_for_card(5)
    first = readers.current_session()
    assert readers.current_session() is first
    assert readers.session_for("1000000000000001") is first
    assert readers.session_for("1000000000000002") is None
    emu.insert("b")  # removes a, inserts b: a new insertion
    assert readers.wait_for_card(5)
    s = readers.session_for("1000000000000002")
    assert s is not None and s is not first
    for _ in range(3):  # every caller of this insertion shares the one PSC presentation
        with pytest.raises(CardWriteFailed):
            readers.current_session().write_credit(credit_for(s.read()))
    assert emu.dump("b")["psc_presentations"] == 1 and emu.dump("b")["ec"] == 3
    emu.remove()
    assert readers.wait_for_card(5, present=False)
    assert readers.session_for("1000000000000002") is None
