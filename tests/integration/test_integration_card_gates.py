"""The money side of the card stack through pcscd and the vpcd emulator: which load a CPU
card's ATC and TAC prove is ours (never another kiosk's load of the same amount at the same
ATC), the card types the kiosk cannot serve refused before any money, a server MAC2 failing
after the money is in, a TAC that does not verify recorded for staff, a SAM fault during
recovery."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from devices.sim import harness
from devices.sim.emulator import CardEmulator
from kiosk.errors import CardTypeNotServed, TacUnverifiable
from kiosk.ports import PaymentMethod
from kiosk.purchase.ledger import credit_from_json
from kiosk.purchase.recovery import Recovery
from kiosk.purchase.states import S
from kiosk.serving import CPU_OFFLINE_NEEDS_SAM, IC_NEEDS_SAM
from kiosk.technician import Severity, diagnose, unverified_tacs
from sync.card_online import server_mac2
from sync.client import HttpServer
from tests.integration.test_integration_cards import Core

CPU_SERIAL = "22334455667788CC"
IC_SERIAL = "22334455667788DD"


def _torn_load(emu: CardEmulator, readers, d: Path, name: str, mode: str) -> str:  # type: ignore[no-untyped-def]
    """Kiosk KC01 (terminal 12) pays 30 yuan for card `name` and is pulled at CREDIT FOR LOAD
    (`before`: the load never reached the card; `after`: it did); the kiosk then goes down."""
    core = Core(d)
    try:
        with harness.insert_and_open(emu, readers, name) as s:
            txn = core.pay(s, 3000)
            emu.tear(mode=mode, match="8052")
            assert core.svc.write_card(txn, s) is S.MANUAL_REVIEW
            assert emu.disarm()["fired"]
        return txn
    finally:
        core.close()


def _other_kiosk_loads(emu: CardEmulator, readers, name: str, amount_fen: int) -> None:  # type: ignore[no-untyped-def]
    with harness.insert_and_open(emu, readers, name) as s:
        credit = harness.credit_for(s.read(), txn_id="other-kiosk", amount_fen=amount_fen, terminal=7,
                                    when=datetime(2026, 11, 22, 11, 0, 0))
        s.write_credit(credit)


def _after_restart(emu: CardEmulator, readers, d: Path, name: str, txn: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    core = Core(d)
    try:
        with harness.insert_and_open(emu, readers, name) as s:
            core.recover(s)
        p = core.svc.get(txn)
        return p.state, p.review_fen
    finally:
        core.close()


def test_same_amount_at_our_atc_by_another_kiosk_is_not_credited_to_us(card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """INV-1/INV-2: our load never reached the card; another kiosk loaded the same 30 yuan at
    the same ATC. The balance grew by our amount and the ATC by one, but the TAC (checked by
    the SAM for our terminal and time) is not ours: the money stays held, never 'credited'."""
    emu, readers = card_env
    emu.issue_cpu("p", CPU_SERIAL, balance=500)
    txn = _torn_load(emu, readers, tmp_path, "p", "before")
    _other_kiosk_loads(emu, readers, "p", 3000)
    assert _after_restart(emu, readers, tmp_path, "p", txn) == (S.MANUAL_REVIEW.value, 3000)
    assert (emu.dump("p")["balance"], emu.dump("p")["loads_applied"]) == (3500, 1)


def test_with_no_sam_and_no_server_the_kiosk_does_not_guess(card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Offline with no SAM nobody can verify a TAC: recovery leaves both rows unknown (the
    other kiosk's load and our own), the resident is told when the card comes back; once the
    SAM answers again, our own load is credited and the other one stays held."""
    emu, readers = card_env
    emu.issue_cpu("a", CPU_SERIAL, balance=500)  # the other kiosk loaded it
    emu.issue_cpu("b", "22334455667788CE", balance=500)  # our own load reached it
    theirs = _torn_load(emu, readers, tmp_path / "a", "a", "before")
    _other_kiosk_loads(emu, readers, "a", 3000)
    ours = _torn_load(emu, readers, tmp_path / "b", "b", "after")
    with harness.sam_removed(emu, readers):
        for name, txn in (("a", theirs), ("b", ours)):
            assert _after_restart(emu, readers, tmp_path / name, name, txn) == (S.MANUAL_REVIEW.value, 3000)
        core = Core(tmp_path / "b")
        try:
            with harness.insert_and_open(emu, readers, "b") as s:
                recovery = Recovery(core.svc, None, {"qr": core.payment}, lambda _serial: None)
                with pytest.raises(TacUnverifiable):  # the resident's screen says so (K015)
                    recovery.reconcile_card(s.read().serial, s)
            assert core.svc.get(ours).state == S.MANUAL_REVIEW.value
        finally:
            core.close()
    assert _after_restart(emu, readers, tmp_path / "a", "a", theirs) == (S.MANUAL_REVIEW.value, 3000)
    assert _after_restart(emu, readers, tmp_path / "b", "b", ours) == (S.OUTBOX.value, 0)


def test_card_types_the_kiosk_cannot_serve_are_refused_before_money(card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu, readers = card_env
    emu.issue_ic("c", IC_SERIAL)
    emu.issue_cpu("p", CPU_SERIAL, balance=0)
    online, offline = Core(tmp_path / "on"), Core(tmp_path / "off", online=False)
    try:
        with harness.sam_removed(emu, readers):
            with harness.insert_and_open(emu, readers, "c") as s:
                for core in (online, offline):  # no SAM: no PSC, online or not
                    with pytest.raises(CardTypeNotServed) as info:
                        core.svc.check_card(s.read(), s.offline_quota_fen())
                    assert info.value.data["reason"] == IC_NEEDS_SAM
            with harness.insert_and_open(emu, readers, "p") as s:
                snap, quota = s.read(), s.offline_quota_fen()
                assert quota == 0
                with pytest.raises(CardTypeNotServed) as info:
                    offline.svc.check_card(snap, quota)
                assert info.value.data["reason"] == CPU_OFFLINE_NEEDS_SAM
                assert online.svc.check_card(snap, quota).max_fen == 200_000  # the server's MAC2
        for core in (online, offline):
            assert core.journal.raw("SELECT count(*) FROM purchases") == [(0,)]
    finally:
        online.close()
        offline.close()
    assert emu.dump("c")["psc_presentations"] == 0 and emu.dump("c")["writes_applied"] == 0
    assert emu.dump("p")["loads_applied"] == 0


def test_server_mac2_failing_after_payment_with_too_little_quota_refunds_cleanly(card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Online the server's MAC2 is used and the SAM quota is not asked for; when the server
    fails between payment and write and the SAM cannot cover the amount, the card is not
    touched (CARD_FAILED, verified not written) and the payment is refunded."""
    emu, readers = card_env
    emu.issue_cpu("p", CPU_SERIAL, balance=0)
    emu.set_quota(50)
    dead = HttpServer("http://127.0.0.1:9", "K-NONE", b"\0" * 32, server_key="00" * 32, timeout_s=1.0)
    readers.online_mac2 = server_mac2(dead)
    core = Core(tmp_path)
    try:
        with harness.insert_and_open(emu, readers, "p") as s:
            txn = core.pay(s, 3000)  # online: not capped by the SAM's 50 fen
            assert core.svc.write_card(txn, s) is S.CARD_FAILED
            assert core.svc.fail_without_credit(txn, core.payment) is S.REFUNDED
            assert s.read().balance_fen == 0
        p = core.svc.get(txn)
        assert (p.paid_fen, p.refunded_fen, p.credit_applied_fen) == (3000, 3000, 0)
        assert core.payment.charged_fen(txn) == 0
    finally:
        core.close()
        readers.online_mac2 = None
        dead.close()
    assert emu.dump("p")["loads_applied"] == 0 and emu.dump("sam")["quota"] == 50


def test_a_tac_that_does_not_verify_is_journalled_and_found(card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu, readers = card_env
    emu.issue_cpu("p", CPU_SERIAL, balance=0, mtk="22" * 16)  # a card with a TAC key of no one
    core = Core(tmp_path)
    try:
        with harness.insert_and_open(emu, readers, "p") as s:
            txn = core.pay(s, 3000)
            assert core.svc.write_card(txn, s) is S.CARD_DONE  # the load is on the card
        (body,) = core.journal.raw(
            f"SELECT body FROM journal WHERE txn_id = '{txn}' AND kind = 'purchase.card_done'")[0]
        proof = json.loads(body)["proof"]
        assert proof["tac_verified"] is False and proof["tac"]
        found = core.journal.call(unverified_tacs)
        assert found == [f"{txn[:8]} card 2233********88CC"]
        alerts = [f for f in diagnose(None, {"state": "ok"}, None, {"serves": ["ic", "cpu"]}, tac_failed=found)
                  if f.code == "CARD-TAC"]
        assert len(alerts) == 1 and alerts[0].severity is Severity.ALERT
    finally:
        core.close()


def test_sam_fault_while_verifying_a_tac_leaves_the_row_unknown(card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu, readers = card_env
    emu.issue_cpu("p", CPU_SERIAL, balance=0)
    txn = _torn_load(emu, readers, tmp_path, "p", "after")
    emu.sam_fault(0x72, "6F00")  # the SAM answers verify TAC with an unexpected status once
    assert _after_restart(emu, readers, tmp_path, "p", txn) == (S.MANUAL_REVIEW.value, 3000)
    assert _after_restart(emu, readers, tmp_path, "p", txn) == (S.OUTBOX.value, 0)
    core = Core(tmp_path)
    try:
        p = core.svc.get(txn)
        assert p.credit is not None and p.counter_after == credit_from_json(p.credit).counter_before + 1
        assert p.method == PaymentMethod.QR.value
    finally:
        core.close()
    assert emu.dump("p")["loads_applied"] == 1
