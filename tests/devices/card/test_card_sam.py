"""The SAM pulled in the middle of a load: the card is never credited, the authorisation is
never sent twice, and the kiosk finds the SAM again once it is back."""
from __future__ import annotations

import pytest

from devices.card.readers import CardReaders
from devices.sim.emulator import SAM_SLOT, CardEmulator
from devices.sim.harness import credit_for, insert_and_open
from kiosk.errors import CardWriteFailed, SamUnavailable


@pytest.mark.parametrize("mode", ["before", "after"])
def test_sam_pulled_during_authorisation(emu: CardEmulator, readers: CardReaders, mode: str) -> None:
    emu.issue_cpu("p", "4455667788990011", balance=0)
    sam = readers.sam()
    assert sam is not None
    quota = sam.info().quota_fen
    authorisations = emu.dump("sam")["authorisations"]
    try:
        with insert_and_open(emu, readers, "p") as s:
            credit = credit_for(s.read(), amount_fen=40)
            emu.tear(slot=SAM_SLOT, match="8070", mode=mode)
            with pytest.raises(CardWriteFailed) as info:
                s.write_credit(credit)
            assert info.value.data["cause"] == SamUnavailable.code
            with pytest.raises(CardWriteFailed):  # no SAM now: refused, nothing written
                s.write_credit(credit)
        d = emu.dump("p")
        assert (d["loads_applied"], d["balance"], d["atc"]) == (0, 0, 0)
        assert emu.dump("sam")["authorisations"] - authorisations == (1 if mode == "after" else 0)
    finally:
        emu.disarm(slot=SAM_SLOT)
        emu.slots[SAM_SLOT].insert(emu.sam)
    assert readers.wait_for_card(5)
    _wait_for_sam(readers)  # pcscd polls presence about every 400 ms
    assert sam.info().quota_fen == quota - (40 if mode == "after" else 0)
    with insert_and_open(emu, readers, "p") as s:
        proof = s.write_credit(credit_for(s.read(), amount_fen=40))
    assert proof.balance_after_fen == 40


def _wait_for_sam(readers: CardReaders, timeout_s: float = 10.0) -> None:
    import time

    _card, sam_reader = readers.names()
    assert sam_reader is not None
    end = time.monotonic() + timeout_s
    while not readers.status([sam_reader])[0].present:
        assert time.monotonic() < end, "pcscd did not see the SAM come back"
        time.sleep(0.05)
