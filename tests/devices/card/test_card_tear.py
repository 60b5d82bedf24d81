"""A tear at every APDU of a write (and at byte prefixes of the IC slot write), each
followed by a fresh insertion (a kiosk restart) and the oracle: the card changed 0 or 1
times, the oracle says which, and recovery completes the same transaction exactly once.

Every prefix of the IC slot write, through the journal, a kiosk restart and recovery, is in
tests/integration/test_integration_cards.py; here, at the profile level, a representative
set of prefixes runs by default and all 33 under the soak scale (KIOSK_CRASH_SCALE > 20)."""
from __future__ import annotations

import os

from devices.card.ic_layout import current_slot, encode_record
from devices.card.ic_profile import record_for
from devices.card.readers import CardReaders, CardSessionHandle
from devices.sim.emulator import CardEmulator
from devices.sim.harness import credit_for, insert_and_open
from kiosk.card import CardCredit, CreditOutcome
from kiosk.errors import CardPulled

SOAK = int(os.environ.get("KIOSK_CRASH_SCALE", "20")) > 20
PREFIXES = range(33) if SOAK else (0, 1, 2, 16, 30, 31, 32)
IC_SERIAL = "5566778899AABBCC"
CPU_SERIAL = "66778899AABBCCDD"


def _ic_current(emu: CardEmulator, name: str) -> bytes:
    mem = bytes.fromhex(emu.dump(name)["memory"])
    slots = (mem[0x40:0x60], mem[0x60:0x80])
    return slots[current_slot(slots)]


def _count_write_apdus(emu: CardEmulator, readers: CardReaders, name: str) -> int:
    with insert_and_open(emu, readers, name) as s:
        credit = credit_for(s.read(), txn_id="probe")
        before = emu.slots[0].apdu_count
        s.write_credit(credit)
        return emu.slots[0].apdu_count - before


def _torn_write(emu: CardEmulator, s: CardSessionHandle, credit: CardCredit, **tear: object) -> bool:
    """Arm the tear, write; True when the tear fired (the write then raised CardPulled)."""
    emu.tear(**tear)  # type: ignore[arg-type]
    try:
        s.write_credit(credit)
        fired = False
    except CardPulled:
        fired = True
    emu.disarm()
    s.close()
    return fired


def test_ic_tear_at_every_apdu_and_every_prefix(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_ic("probe", "00000000000000FF")
    n_apdus = _count_write_apdus(emu, readers, "probe")
    assert n_apdus == 5  # read image, read EC, present PSC, write slot, read back
    emu.issue_ic("c", IC_SERIAL)
    cases: list[dict[str, object]] = [{"mode": m, "nth": i} for m in ("before", "after") for i in range(n_apdus)]
    cases += [{"mode": "prefix", "match": "FFD0", "prefix": k} for k in PREFIXES]
    s = insert_and_open(emu, readers, "c")
    applied_on_first_look = 0
    for n, tear in enumerate(cases):
        snap = s.read()
        credit = credit_for(snap, txn_id=f"T{n}", volume_units=100 + n)
        old, new = _ic_current(emu, "c"), encode_record(record_for(credit))
        assert _torn_write(emu, s, credit, **tear), f"tear {tear} did not fire"
        s = insert_and_open(emu, readers, "c")  # kiosk restart: a fresh insertion
        outcome, proof = s.check_credit(credit)
        now = _ic_current(emu, "c")
        assert now in (old, new), f"{tear}: the card changed into something else"
        assert (outcome is CreditOutcome.APPLIED) == (now == new), tear
        if outcome is CreditOutcome.APPLIED:
            applied_on_first_look += 1
        else:  # recovery: the same transaction, written once (a torn slot is its target)
            assert s.read().counter == credit.counter_before
            proof = s.write_credit(credit)
            assert s.check_credit(credit)[0] is CreditOutcome.APPLIED
            s.close()  # this insertion has used its PSC: the next case starts afresh
            s = insert_and_open(emu, readers, "c")
        assert proof is not None and proof.counter_after == credit.counter_before + 1
        assert _ic_current(emu, "c") == new
        emu.meter_load("c")  # the resident takes the card to the meter before buying again
    s.close()
    # applied by the time of the tear: before the read-back, after the write, after the
    # read-back, and the full 32-byte prefix
    assert applied_on_first_look == 4
    assert emu.dump("c")["ec"] == 7


def test_cpu_tear_at_every_apdu(emu: CardEmulator, readers: CardReaders) -> None:
    emu.issue_cpu("probe", "00000000000000EE", balance=0)
    n_apdus = _count_write_apdus(emu, readers, "probe")
    assert n_apdus == 6  # select, read info, initialize, credit, balance, initialize(0)
    emu.issue_cpu("p", CPU_SERIAL, balance=1000)
    s = insert_and_open(emu, readers, "p")
    applied_first = 0
    for n, tear in enumerate({"mode": m, "nth": i} for m in ("before", "after", "prefix") for i in range(n_apdus)):
        snap = s.read()
        credit = credit_for(snap, txn_id=f"L{n}", amount_fen=10 + n)
        old = (emu.dump("p")["balance"], emu.dump("p")["atc"])
        assert _torn_write(emu, s, credit, **tear), f"tear {tear} did not fire"
        s = insert_and_open(emu, readers, "p")
        outcome, proof = s.check_credit(credit)
        d = emu.dump("p")
        now = (d["balance"], d["atc"])
        new = (old[0] + credit.amount_fen, old[1] + 1)
        assert now in (old, new), tear
        assert (outcome is CreditOutcome.APPLIED) == (now == new), tear
        if outcome is CreditOutcome.NOT_APPLIED:
            proof = s.write_credit(credit)
        else:
            applied_first += 1
            assert proof is not None and proof.tac is not None
        assert proof is not None and proof.counter_after == credit.counter_before + 1
        d = emu.dump("p")
        assert (d["balance"], d["atc"]) == new
    s.close()
    # the load is on the card when the tear comes after CREDIT FOR LOAD (APDU 3): before/prefix
    # at APDUs 4 and 5, after at 3, 4 and 5
    assert applied_first == 7
