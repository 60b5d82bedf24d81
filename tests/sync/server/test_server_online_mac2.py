"""Online MAC2 for CPU-card loads: the kiosk's card layer asks the server while it answers
(the server's key store, no SAM quota used) and the SAM when it does not. Through the real
pcscd, the vpcd card emulator and the real server."""
from __future__ import annotations

import pytest
from sync_server_harness import LiveServer

from devices.card.readers import CardReaders
from devices.sim import harness
from devices.sim.emulator import CardEmulator
from sync.card_online import server_mac2
from sync.client import HttpServer


def _load(emu: CardEmulator, readers: CardReaders, name: str, online: object) -> tuple[int, int]:
    readers.online_mac2 = online  # type: ignore[assignment]
    try:
        with harness.insert_and_open(emu, readers, name) as s:
            snap = s.read()
            proof = s.write_credit(harness.credit_for(snap, txn_id=f"T-{name}", amount_fen=2500))
        return proof.counter_after, proof.balance_after_fen or 0
    finally:
        readers.online_mac2 = None


@pytest.mark.parametrize("live", ["sqlite"], indirect=True)
def test_mac2_from_the_server_while_it_answers(live: LiveServer, card_env) -> None:  # type: ignore[no-untyped-def]
    emu, readers = card_env
    keys = live.state.card_keys
    # a card of the utility whose keys only the server holds: the SAM could not authorise it
    emu.issue_cpu("u", "0A0B0C0D0E0F0102", balance=100, mlk=keys.mlk[1].hex(), mtk=keys.mtk.hex())
    k = live.new_kiosk()
    k.close()
    server = HttpServer(live.base_url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex, timeout_s=5.0)
    quota = emu.dump("sam")["quota"]
    try:
        assert _load(emu, readers, "u", server_mac2(server)) == (1, 2600)
    finally:
        server.close()
    assert emu.dump("sam")["quota"] == quota  # the online load used no offline quota
    assert emu.dump("u")["loads_applied"] == 1


def test_the_sam_authorises_when_the_server_is_out_of_reach(card_env) -> None:  # type: ignore[no-untyped-def]
    emu, readers = card_env
    emu.issue_cpu("d", "0A0B0C0D0E0F0103", balance=0)  # keys of the kiosk's SAM
    dead = HttpServer("http://127.0.0.1:9", "K-NONE", b"\0" * 32, server_key="00" * 32, timeout_s=1.0)
    quota = emu.dump("sam")["quota"]
    try:
        assert _load(emu, readers, "d", server_mac2(dead)) == (1, 2500)
    finally:
        dead.close()
    assert emu.dump("sam")["quota"] == quota - 2500


@pytest.mark.parametrize("live", ["sqlite"], indirect=True)
def test_quota_token_replenishes_the_sam_once(live: LiveServer, card_env) -> None:  # type: ignore[no-untyped-def]
    from devices.card.cpu_profile import Mac2Refused
    from devices.sim.emulator import DEMO_KEYS
    from devices.sim.sam_card import SamKeys
    from sync.card_online import replenish_sam
    from sync.protocol import QuotaRequest

    emu, readers = card_env
    assert isinstance(DEMO_KEYS, SamKeys)
    sam = readers.sam()
    assert sam is not None
    sam_id = sam.info().sam_id.upper()
    live.state.card_keys.quota_keys[sam_id] = DEMO_KEYS.quota_key  # the utility provisions it
    emu.set_quota(100)
    k = live.new_kiosk()
    k.close()
    server = HttpServer(live.base_url, k.kiosk_id, k.key, server_key=live.state.signer.public_key_hex, timeout_s=5.0)
    try:
        # the server's token for the SAM's counter now: valid exactly once
        token = server.quota_token(QuotaRequest(sam_id=sam_id, sam_counter=sam.info().counter, journal_last_seq=0))
        assert sam.replenish_quota(token.new_quota_fen, token.sam_counter, bytes.fromhex(token.mac))
        assert emu.dump("sam")["quota"] == live.state.card_keys.quota_fen
        assert replenish_sam(server, sam, 0, below_fen=1000) is None  # enough now
        emu.set_quota(100)
        # the same real token replayed: the SAM's counter moved on, it refuses it
        assert not sam.replenish_quota(token.new_quota_fen, token.sam_counter, bytes.fromhex(token.mac))
        assert emu.dump("sam")["quota"] == 100
        assert replenish_sam(server, sam, 0, below_fen=1000) == live.state.card_keys.quota_fen  # a fresh one works
        emu.set_quota(100)
        with pytest.raises(Mac2Refused):
            live.state.card_keys.quota_keys[sam_id] = b"\x11" * 16  # a forged key on the server side
            replenish_sam(server, sam, 0, below_fen=1000)
        assert emu.dump("sam")["quota"] == 100
    finally:
        server.close()
