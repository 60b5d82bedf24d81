"""BillAcceptor (kiosk.ports.CashAcceptor) against the simulator over a real TCP socket."""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from devices.cash.acceptor import BillAcceptor
from devices.cash.events import EventKind
from devices.sim.cash_sim import CashSimulator
from kiosk.errors import (
    AcceptorFault,
    AcceptorUnreachable,
    CashEventsLost,
    EscrowLost,
    NoteJammed,
    NoteRejected,
    NoteSuspect,
)
from kiosk.ports import CashAcceptor

OpenAcceptor = Callable[[str], BillAcceptor]

CNY_FEN = [100, 500, 1000, 2000, 5000, 10000]


def kinds(acc: BillAcceptor) -> list[str]:
    return [f"{e.kind.value}:{e.reason}" for e in acc.take_events()]


def test_open_reads_note_table_and_leaves_it_inhibited(acc: BillAcceptor,
                                                      sim: CashSimulator) -> None:
    port: CashAcceptor = acc  # satisfies the core's port
    assert port.stacked_counter() == 0
    assert acc.category == "Bill Validator"
    assert sorted(acc.denominations.values()) == CNY_FEN
    assert sim.mode == 3  # stacker + escrow
    assert not sim.master_enabled and sim.inhibit_mask == 0


def test_inhibit_mask_per_denomination(acc: BillAcceptor, sim: CashSimulator) -> None:
    acc.enable(2000)
    assert sim.master_enabled and sim.inhibit_mask == 0b001111  # 1, 5, 10, 20 yuan
    acc.enable(9999)
    assert sim.inhibit_mask == 0b011111
    acc.enable(50)
    assert not sim.master_enabled and sim.inhibit_mask == 0
    acc.enable(1000)
    assert sim.insert_note(5000) == "rejected"
    assert acc.escrow() is None
    [ev] = acc.take_events()
    assert ev.kind is EventKind.REJECTED and ev.reason == "inhibited_bill_serial"
    assert isinstance(ev.error, NoteRejected) and ev.message_code == "N003"
    acc.inhibit()
    assert not sim.master_enabled and sim.inhibit_mask == 0
    assert sim.insert_note(100) == "rejected"
    assert acc.escrow() is None
    assert kinds(acc) == ["inhibited:master_inhibit_active"]
    assert sim.returned_notes == [5000, 100]


def test_escrow_then_stack_moves_the_counter(acc: BillAcceptor, sim: CashSimulator) -> None:
    acc.enable(10000)
    assert acc.escrow() is None
    assert sim.insert_note(10000) == "escrow"
    assert acc.escrow() == 10000
    assert sim.stacked_notes() == {}  # nothing stacked before the core says so
    assert acc.stack() == 1
    assert acc.escrow() is None
    assert sim.stacked_notes() == {10000: 1}
    sim.insert_note(500)
    assert acc.escrow() == 500
    assert acc.stack() == 2 == acc.stacked_counter()
    assert sim.stacked_notes() == {10000: 1, 500: 1}
    assert kinds(acc) == ["escrow:bill_held_in_escrow", "stacked:bill_stacked"] * 2


def test_escrow_then_return(acc: BillAcceptor, sim: CashSimulator) -> None:
    acc.enable(10000)
    sim.insert_note(2000)
    assert acc.escrow() == 2000
    acc.return_escrow()
    assert acc.escrow() is None
    assert sim.returned_notes == [2000] and sim.stacked_notes() == {}
    assert acc.stacked_counter() == 0
    assert kinds(acc) == ["escrow:bill_held_in_escrow", "returned:bill_returned_from_escrow"]
    with pytest.raises(EscrowLost) as ei:
        acc.stack()
    assert ei.value.data["stacked_counter"] == 0


def test_jam_in_stacker_while_stacking(acc: BillAcceptor, sim: CashSimulator) -> None:
    acc.enable(10000)
    sim.insert_note(5000)
    assert acc.escrow() == 5000
    sim.jam("stacker")
    with pytest.raises(NoteJammed) as ei:
        acc.stack()
    assert ei.value.code == "N005"
    assert ei.value.data == {"denomination_fen": 5000, "stacked_counter": 0, "stacked": False,
                             "stage": "stacker"}
    assert sim.insert_note(100) == "refused"  # out of order until the technician clears it
    assert sim.clear_jam() == [5000]


def test_jam_in_transport_raised_from_escrow(acc: BillAcceptor, sim: CashSimulator) -> None:
    acc.enable(10000)
    sim.jam("transport")
    assert sim.insert_note(1000) == "jammed"
    with pytest.raises(NoteJammed) as ei:
        acc.escrow()
    assert ei.value.data["stage"] == "transport"
    assert acc.stacked_counter() == 0


def test_fraud_attempt_is_an_event_with_a_code(acc: BillAcceptor, sim: CashSimulator) -> None:
    acc.enable(10000)
    sim.insert_suspect("string")
    sim.insert_suspect("opto")
    assert acc.escrow() is None
    evs = acc.take_events()
    assert [e.reason for e in evs] == ["string_fraud_detected", "opto_fraud_detected"]
    assert all(isinstance(e.error, NoteSuspect) and e.message_code == "N004" for e in evs)
    assert sim.stacked_notes() == {}


def test_counterfeit_rejected(acc: BillAcceptor, sim: CashSimulator) -> None:
    acc.enable(10000)
    assert sim.insert_counterfeit() == "rejected"
    assert acc.escrow() is None
    [ev] = acc.take_events()
    assert ev.kind is EventKind.REJECTED and ev.reason == "invalid_bill_validation_fail"
    assert ev.as_dict()["message_code"] == "N003"


def test_event_counter_wraps_255_to_1(open_acceptor: OpenAcceptor) -> None:
    with CashSimulator() as sim:
        sim.set_event_counter(254)
        acc = open_acceptor(sim.url)
        acc.enable(10000)
        sim.insert_counterfeit()  # counter 255
        sim.insert_note(100)  # counter 1 (never 0 again until a reset)
        assert acc.escrow() == 100
        evs = acc.take_events()
        assert [(e.counter, e.kind) for e in evs] == [(255, EventKind.REJECTED),
                                                       (1, EventKind.ESCROW)]
        assert acc.stack() == 1
        assert sim.event_counter == 2


def test_missed_events_gap_detected(acc: BillAcceptor, sim: CashSimulator) -> None:
    acc.enable(10000)
    for _ in range(7):  # more than the 5-event buffer between two polls
        sim.insert_counterfeit()
    with pytest.raises(CashEventsLost) as ei:
        acc.escrow()
    assert ei.value.data["lost"] == 2
    evs = acc.take_events()
    assert evs[0].kind is EventKind.EVENTS_LOST
    assert [e.counter for e in evs[1:]] == [3, 4, 5, 6, 7]


def test_power_cycle_with_note_in_escrow(acc: BillAcceptor, sim: CashSimulator) -> None:
    acc.enable(5000)
    sim.insert_note(5000)
    assert acc.escrow() == 5000
    # the core commits the note to its journal here ... and the power goes
    sim.power_cycle()
    assert sim.event_counter == 0 and sim.escrow_note is None
    with pytest.raises(EscrowLost) as ei:
        acc.stack()
    assert ei.value.data["stacked_counter"] == 0  # the oracle: nothing was stacked
    assert sim.returned_notes == [5000] and sim.stacked_notes() == {}
    assert "reset:acceptor_reset" in kinds(acc)
    # the driver re-applied escrow mode and the core's last enable after the reset
    assert sim.mode == 3 and sim.master_enabled and sim.inhibit_mask == 0b011111
    sim.insert_note(1000)  # counter 0 -> 1
    assert acc.escrow() == 1000
    assert acc.stack() == 1


def test_stacker_removed_stops_intake(acc: BillAcceptor, sim: CashSimulator) -> None:
    acc.enable(10000)
    sim.insert_note(100)
    acc.escrow()
    acc.stack()
    assert sim.remove_cassette() == {100: 1}
    with pytest.raises(AcceptorFault) as ei:
        acc.escrow()
    assert ei.value.data["reason"] == "stacker_removed"
    sim.replace_cassette()
    assert acc.escrow() is None
    assert acc.stacked_counter() == 1  # lifetime counter survives a collection


def test_lost_route_reply_is_not_stacked_twice(acc: BillAcceptor, sim: CashSimulator) -> None:
    acc.enable(10000)
    sim.insert_note(2000)
    assert acc.escrow() == 2000
    sim.drop_next_replies(1)  # the stack command is carried out, its ACK is lost
    assert acc.stack() == 1  # retry answers "escrow empty"; the credit event settles it
    assert sim.stacked_notes() == {2000: 1}


def test_state_file_keeps_the_counter(tmp_path: Path, open_acceptor: OpenAcceptor) -> None:
    state = tmp_path / "bv.json"
    with CashSimulator(state_file=state) as sim:
        acc = open_acceptor(sim.url)
        acc.enable(10000)
        sim.insert_note(100)
        acc.escrow()
        assert acc.stack() == 1
    with CashSimulator(state_file=state) as sim2:
        assert sim2.accept_counter == 1 and sim2.stacked_notes() == {100: 1}


def test_escrow_timed_out_before_stack(acc: BillAcceptor, sim: CashSimulator) -> None:
    acc.enable(10000)
    sim.insert_note(10000)
    assert acc.escrow() == 10000
    assert sim.escrow_timeout()  # the acceptor's hold time ran out: note given back
    with pytest.raises(EscrowLost) as ei:
        acc.stack()
    assert ei.value.data["stacked_counter"] == 0
    assert sim.returned_notes == [10000] and sim.stacked_notes() == {}


def test_unexplained_counter_jump_restores_settings(acc: BillAcceptor,
                                                    sim: CashSimulator) -> None:
    acc.enable(2000)
    sim.power_cycle()  # a reset the host never saw at counter 0 ...
    sim.set_event_counter(100)  # ... followed by more events than the buffer holds
    with pytest.raises(CashEventsLost):
        acc.escrow()
    # the driver cannot know what happened, so it puts its settings back
    assert sim.mode == 3 and sim.master_enabled and sim.inhibit_mask == 0b001111


def test_calls_from_a_second_thread_are_refused(acc: BillAcceptor) -> None:
    acc.stacked_counter()
    errors: list[RuntimeError] = []

    def other() -> None:
        try:
            acc.stacked_counter()
        except RuntimeError as exc:
            errors.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert len(errors) == 1 and isinstance(errors[0], RuntimeError)


def test_host_restart_with_note_in_escrow(acc: BillAcceptor, sim: CashSimulator,
                                          open_acceptor: OpenAcceptor) -> None:
    acc.enable(10000)
    sim.insert_note(2000)
    assert acc.escrow() == 2000
    # the kiosk restarts; the acceptor kept its power and still holds the note
    again = open_acceptor(sim.url)
    assert again.escrow() == 2000  # recovery sees it and decides: stack (it is journalled)
    assert again.stack() == 1 and sim.stacked_notes() == {2000: 1}


def test_stack_refused_keeps_the_note_in_escrow(acc: BillAcceptor,
                                               sim: CashSimulator) -> None:
    acc.enable(10000)
    sim.insert_note(500)
    assert acc.escrow() == 500
    sim.remove_cassette()  # the acceptor refuses to route: the note stays in escrow
    with pytest.raises(AcceptorFault) as ei:
        acc.stack()
    assert ei.value.data["stacked_counter"] == 0
    assert sim.escrow_note == 500
    sim.replace_cassette()
    assert acc.stack() == 1


def test_slow_stack_is_uncertain_not_lost(acc: BillAcceptor, sim: CashSimulator) -> None:
    acc.enable(10000)
    sim.insert_note(5000)
    assert acc.escrow() == 5000
    acc.stack_timeout = 0.05
    sim.hold_stacking()
    with pytest.raises(AcceptorFault) as ei:
        acc.stack()
    assert ei.value.data["uncertain"] is True and ei.value.data["stacked_counter"] == 0
    sim.release_stack()  # the note lands after all: the counter (the oracle) says so
    assert acc.stacked_counter() == 1
    [ev] = acc.poll()
    assert ev.kind is EventKind.STACKED and ev.denomination_fen == 5000


@pytest.mark.parametrize("checksum, echo", [("simple", False), ("simple", True),
                                            ("crc16", False), ("crc16", True)])
def test_a_note_is_stacked_in_every_bus_mode(checksum: str, echo: bool) -> None:
    """The whole escrow-stack cycle in both checksum modes, with and without bus echo."""
    from devices.cash import cctalk as ct

    mode = ct.checksum_mode(checksum)
    with CashSimulator(checksum=mode, echo=echo) as sim:
        acc = BillAcceptor.open(sim.url, timeout=0.1, poll_interval=0.005, stack_timeout=1.0,
                                echo=echo, checksum=mode)
        try:
            acc.enable(10000)
            assert sim.insert_note(5000) == "escrow"
            assert acc.escrow() == 5000
            assert acc.stack() == 1 == acc.stacked_counter()
            assert sim.stacked_notes() == {5000: 1}
        finally:
            acc.close()


def test_the_site_configuration_chooses_checksum_and_echo(tmp_path: Path) -> None:
    """devices.cash_checksum / cash_echo of kiosk.toml reach the driver (main.open_acceptor)."""
    import tomllib

    import main
    from kiosk.config import parse_config

    example = Path(__file__).parents[3] / "packaging" / "kiosk.example.toml"
    doc = tomllib.loads(example.read_text())
    with CashSimulator(checksum="crc16", echo=True) as sim:
        doc["devices"].update(cash_url=sim.url, cash_checksum="crc16", cash_echo=True)
        acc = main.open_acceptor(parse_config(doc))
        try:
            assert acc.bus.checksum == "crc16" and acc.bus.echo is True
            assert acc.category == "Bill Validator"
        finally:
            acc.close()
        doc["devices"].update(cash_checksum="simple", cash_echo=False)
        with pytest.raises(AcceptorUnreachable):  # the device ignores simple-checksum frames
            main.open_acceptor(parse_config(doc))


def test_cassette_out_and_in_are_seen_for_a_collection(acc: BillAcceptor, sim: CashSimulator) -> None:
    from kiosk.cashbox import CassetteWatch

    watch = CassetteWatch()
    assert acc.reports_cassette and acc.cassette_events() == []
    sim.replace_cassette()  # an insertion before any removal is not the collection's
    assert watch.feed(acc.cassette_events()) == "removal"
    sim.remove_cassette()
    assert watch.feed(acc.cassette_events()) == "insertion"
    assert watch.feed(acc.cassette_events()) == "insertion"  # nothing new
    sim.replace_cassette()
    assert watch.feed(acc.cassette_events()) == "done"
    # out and in between two polls: both seen, in order
    w2 = CassetteWatch()
    sim.remove_cassette()
    sim.replace_cassette()
    assert acc.cassette_events() == ["removed", "inserted"]
    assert w2.feed(["removed", "inserted"]) == "done"


def test_a_jam_is_known_to_the_acceptor_until_notes_move_again(acc: BillAcceptor, sim: CashSimulator,
                                                             open_acceptor: OpenAcceptor) -> None:
    """CashAcceptor.jammed(): the oracle recovery asks for a note left in escrow."""
    assert acc.jammed() is None  # a fresh (just reset) acceptor cannot tell yet
    acc.enable(10000)
    assert sim.insert_note(1000) == "escrow" and acc.escrow() == 1000
    assert acc.jammed() is False  # notes move
    acc.stack()
    sim.jam("stacker")
    assert sim.insert_note(2000) == "escrow"
    assert acc.escrow() == 2000
    with pytest.raises(NoteJammed):
        acc.stack()
    assert acc.jammed() is True
    # a kiosk restarting (the acceptor did not) reads it from the buffered events
    assert open_acceptor(sim.url).jammed() is True
    sim.clear_jam()
    sim.power_cycle()  # after a reset the acceptor cannot tell
    assert open_acceptor(sim.url).jammed() is None
