"""The server's TAC check: the route a kiosk with no SAM asks (POST /v1/card/verify-tac), the
card layer using it in a load and in recovery (through pcscd and the vpcd emulator with its
SAM slot empty), and the check of every CPU load's TAC when its journal row arrives."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from sync_fault_proxy import FaultProxy, http_answer
from sync_server_harness import LiveServer

from devices.card import crypto
from devices.sim import harness
from kiosk.outbox import drain
from kiosk.ports import TacClaim
from kiosk.purchase.states import S
from sync.card_online import server_mac2, server_tac
from sync.client import HttpServer, ServerUnreachable
from sync.server import service
from tests.integration.test_integration_cards import Core

pytestmark = pytest.mark.parametrize("live", ["sqlite"], indirect=True)


def _client(live: LiveServer) -> tuple[str, HttpServer]:
    k = live.new_kiosk()
    k.close()
    return k.kiosk_id, HttpServer(live.base_url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex, timeout_s=5.0)


def _claim(live: LiveServer) -> TacClaim:
    """A load of 30 yuan at ATC 4 by terminal 12 whose TAC is the card's (the server's keys)."""
    serial, terminal = bytes.fromhex("0A0B0C0D0E0F0201"), bytes.fromhex("00000000000C")
    dtk = crypto.diversify(live.state.card_keys.mtk, serial)
    tac = crypto.tac(dtk, 3500, 4, 3000, terminal, bytes.fromhex("20261122"), bytes.fromhex("100000"))
    return TacClaim(serial=serial.hex().upper(), new_balance_fen=3500, online_atc=4, amount_fen=3000,
                    terminal=terminal.hex().upper(), date="20261122", time="100000", tac=tac.hex().upper())


def test_verify_tac_route(live: LiveServer) -> None:
    _kiosk, server = _client(live)
    claim = _claim(live)
    verify = server_tac(server)
    dead = HttpServer("http://127.0.0.1:9", "K-NONE", b"\0" * 32, server_key="00" * 32, timeout_s=1.0)
    try:
        assert verify(claim) is True
        assert verify(replace(claim, terminal="000000000007")) is False  # another kiosk's load
        assert verify(replace(claim, time="100001")) is False
        with pytest.raises(ServerUnreachable):
            server_tac(dead)(claim)
    finally:
        server.close()
        dead.close()


def test_a_tac_answer_the_server_did_not_sign_is_no_answer(live: LiveServer) -> None:
    """The TAC check is signed like every /v1 answer and the kiosk believes nothing else: a
    forged "verified", the server's real "verified" replayed for another request, and its
    "does not verify" turned into "verified" on the way are no answer (ServerUnreachable:
    nobody knows, the card layer holds the money), never a verdict."""
    k = live.new_kiosk()
    k.close()
    proxy = FaultProxy(live.port)
    http = HttpServer(proxy.url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex,
                      timeout_s=3, keepalive=False)
    verify = server_tac(http)
    ours = _claim(live)
    theirs = replace(ours, terminal="000000000007")  # another kiosk's load: does not verify
    try:
        before = len(proxy.responses)
        assert verify(ours) is True  # signed, through the proxy: believed
        genuine = proxy.response_after(before)
        assert b"x-server-signature" in genuine.lower() and genuine.endswith(b'{"verified":true}')
        assert verify(theirs) is False
        proxy.default, proxy.answer = "answer", http_answer(b'{"verified":true}')
        with pytest.raises(ServerUnreachable, match="not signed"):
            verify(theirs)
        proxy.answer = genuine  # signed, but over another request's nonce
        with pytest.raises(ServerUnreachable, match="bad server signature"):
            verify(theirs)
        proxy.default = "pass"
        proxy.tamper = lambda data: data.replace(b'"verified":false', b'"verified":true ')
        with pytest.raises(ServerUnreachable, match="bad server signature"):
            verify(theirs)
        proxy.tamper = None
        assert verify(theirs) is False
    finally:
        http.close()
        proxy.close()


def _wire(readers, server: HttpServer | None) -> None:  # type: ignore[no-untyped-def]
    readers.online_mac2 = server_mac2(server) if server else None
    readers.online_tac = server_tac(server) if server else None


def test_no_sam_online_the_server_tells_our_load_from_another_kiosks(live: LiveServer, card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu, readers = card_env
    keys = live.state.card_keys
    for name, serial in (("ours", "0A0B0C0D0E0F0202"), ("theirs", "0A0B0C0D0E0F0203")):
        emu.issue_cpu(name, serial, balance=500, mlk=keys.mlk[1].hex(), mtk=keys.mtk.hex())
    kiosk_id, server = _client(live)
    txns = {}
    try:
        _wire(readers, server)
        with harness.sam_removed(emu, readers):
            for name, mode in (("ours", "after"), ("theirs", "before")):
                core = Core(tmp_path / name, kiosk_id=kiosk_id)
                try:
                    with harness.insert_and_open(emu, readers, name) as s:
                        txns[name] = core.pay(s, 3000)
                        emu.tear(mode=mode, match="8052")
                        assert core.svc.write_card(txns[name], s) is S.MANUAL_REVIEW
                        assert emu.disarm()["fired"]
                finally:
                    core.close()
            with harness.insert_and_open(emu, readers, "theirs") as s:  # another kiosk, same amount
                s.write_credit(harness.credit_for(s.read(), txn_id="other", amount_fen=3000, terminal=7,
                                                  when=datetime(2026, 11, 22, 11, 0, 0)))
            for name, want in (("ours", S.OUTBOX), ("theirs", S.MANUAL_REVIEW)):
                core = Core(tmp_path / name, kiosk_id=kiosk_id)
                try:
                    with harness.insert_and_open(emu, readers, name) as s:
                        core.recover(s)
                    assert core.svc.get(txns[name]).state == want.value, name
                finally:
                    core.close()
    finally:
        _wire(readers, None)
        server.close()
    assert emu.dump("ours")["loads_applied"] == emu.dump("theirs")["loads_applied"] == 1


def test_the_server_alerts_on_a_load_whose_tac_does_not_verify(live: LiveServer, card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu, readers = card_env
    keys = live.state.card_keys
    emu.issue_cpu("good", "0A0B0C0D0E0F0204", balance=0, mlk=keys.mlk[1].hex(), mtk=keys.mtk.hex())
    emu.issue_cpu("bad", "0A0B0C0D0E0F0205", balance=0, mlk=keys.mlk[1].hex(), mtk="22" * 16)
    kiosk_id, server = _client(live)
    core = Core(tmp_path, kiosk_id=kiosk_id)
    try:
        _wire(readers, server)
        tacs = {}
        with harness.sam_removed(emu, readers):
            for name in ("good", "bad"):
                with harness.insert_and_open(emu, readers, name) as s:
                    txn = core.pay(s, 2000)
                    assert core.svc.write_card(txn, s) is S.CARD_DONE
                    core.finish(txn)
                    p = core.svc.get(txn)
                    assert p.proof is not None
                    tacs[name] = (txn, p.proof)
        assert '"tac_verified": true' in tacs["good"][1] and '"tac_verified": false' in tacs["bad"][1]
        assert drain(core.journal, server, core.svc.ctx.clock) > 0
        alerts = service.alerts(live.sf, kiosk_id=kiosk_id)
        assert [a.kind for a in alerts] == ["bad_tac"]
        assert tacs["bad"][0] in alerts[0].detail and tacs["good"][0] not in alerts[0].detail
        tac = json.loads(tacs["bad"][1])["tac"]
        assert tac not in alerts[0].detail
    finally:
        _wire(readers, None)
        core.close()
        server.close()
