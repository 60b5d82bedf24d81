"""The kiosk as a site runs it (main.py --config): the configuration builds the real card
readers (pcscd + the vpcd emulator with its SAM), the ESC/POS printer, the ccTalk acceptor,
the journal and the sync client against the real server. A cash purchase, then the journal
reaches the server and the heartbeat tells the staff console that paper is near its end."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sync_server_harness import LiveServer

from devices.cash.acceptor import BillAcceptor
from devices.sim.cash_sim import CashSimulator
from devices.sim.printer_sim import PrinterSim
from kiosk.cashbox import CashBox
from kiosk.config import parse_config
from kiosk.help import HelpDesk, record_rating
from kiosk.ports import PaymentMethod
from kiosk.purchase.states import S
from kiosk.repair import RepairDesk, RepairRequest
from kiosk.technician import hash_pin
from main import build_site
from sync.server import service
from tests.kiosk.world import TARIFF


@pytest.mark.parametrize("live", ["sqlite"], indirect=True)
def test_site_from_its_configuration(live: LiveServer, card_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu, _shared_readers = card_env
    tariff = {**TARIFF, "tariff_id": f"site-{uuid.uuid4().hex[:6]}"}
    service.publish_tariff(live.sf, live.state.signer, tariff)
    k = live.new_kiosk()
    k.close()
    (tmp_path / "kiosk.key").write_text(k.key.hex())
    (tmp_path / "server.pub").write_text(live.state.signer.public_key_hex)
    cash, printer = CashSimulator(), PrinterSim().start()
    cash.start()
    emu.issue_ic("c", "5A5A5A5A00000001")
    cfg = parse_config({
        "kiosk": {"id": k.kiosk_id, "terminal": 21, "data_dir": str(tmp_path / "var"),
                  "tariff_id": tariff["tariff_id"]},
        "devices": {"printer_url": printer.url, "printer_model": "80", "cash_url": cash.url},
        "server": {"url": live.base_url, "kiosk_key_file": str(tmp_path / "kiosk.key"),
                   "public_key_file": str(tmp_path / "server.pub")},
        "technician": {"staff": {"T07": hash_pin("860412", iterations=1000)}, "max_failures": 3},
    })
    site = build_site(cfg)
    acceptor = None
    try:
        assert sorted(site.selftest.serves) == ["cpu", "ic"], site.selftest.problems
        assert len(site.svc.ctx.tariffs) == 0  # nothing trusted before the first download
        site.sync.download_job()
        assert site.sync.online is True
        # the signed tariffs the server publishes (other tests on this server publish theirs)
        assert tariff["tariff_id"] in [t.tariff_id for t in site.svc.ctx.tariffs]

        emu.insert("c")
        assert site.readers.wait_for_card(5.0)
        session = site.readers.current_session()
        check = site.svc.check_card(session.read(), session.offline_quota_fen())
        assert not check.offline and check.tariff.tariff_id == tariff["tariff_id"]
        txn = site.svc.begin(check, "amount", 5000, PaymentMethod.CASH)
        acceptor = BillAcceptor.open(cfg.cash_url, poll_interval=0.02, stack_timeout=3.0)
        site.svc.cash_enable(txn, acceptor)
        assert cash.insert_note(5000) == "escrow"
        assert site.svc.take_note(txn, acceptor) == 5000
        assert site.svc.finish_payment(txn) is S.PAID
        assert site.svc.write_card(txn, session) is S.CARD_DONE
        assert site.svc.print_receipt(txn) is S.RECEIPT_DONE
        site.svc.close(txn)
        assert any("50.00" in line for line in printer.lines())

        tech = site.devices.service  # what the technician screen reads, on the site's devices
        assert tech.gate.check("860412").technician == "T07"
        assert tech.gate.check("000000").tries_left == 2  # max_failures from the config
        # kept in the site's journal: a restart does not give a guesser fresh tries
        assert site.journal.raw("SELECT value FROM kiosk_meta WHERE key = 'technician_gate'") != []
        st = tech.sync_status()
        assert st.online is True and st.unsent_rows > 0 and not st.alert and st.server == live.base_url
        assert tech.printer_report()["state"] == "ok"
        assert sorted(tech.card_selftest()["serves"]) == ["cpu", "ic"]

        # the technician's and the resident's other journal rows: collection and its slip reprint,
        # help call, repair
        box = CashBox(site.journal, site.svc.ctx.clock)
        box.collect(acceptor.stacked_counter(), None, "T07")
        box.slip_reprint()
        HelpDesk(site.journal, site.svc.ctx.clock, cfg.kiosk_id).call("account", txn, "K006")
        RepairDesk(site.journal, site.svc.ctx.clock, cfg.kiosk_id).submit(
            RepairRequest("no_gas", "13812345678", "morning", "no flame"))
        assert site.svc.reprint(txn)
        record_rating(site.journal, site.svc.ctx.clock, cfg.kiosk_id, txn, 4)

        assert site.sync.upload_job() > 0
        assert tech.sync_status().unsent_rows == 0
        # every row the kiosk wrote parses on the server: no "bad_body" (or any other) alert
        assert service.alerts(live.sf, kiosk_id=k.kiosk_id) == []
        kinds = {r[0] for r in site.journal.raw("SELECT DISTINCT kind FROM journal")}
        assert {"cash.collection", "cash.collection_reprint", "help.call", "repair.request", "receipt.reprint",
                "rating"} <= kinds
        last = site.journal.raw("SELECT max(seq) FROM journal")[0][0]
        assert site.server.status().last_seq == last
        assert site.svc.get(txn).state == S.ACKED.value

        printer.set_paper("near_end")
        assert tech.printer_report()["state"] == "paper_near_end"
        site.sync.heartbeat_job()
        mine = next(x for x in service.kiosks(live.sf) if x.kiosk_id == k.kiosk_id)
        health = service.health_of(mine)
        assert health["printer"] == "paper_near_end" and health["cash_box_notes"] == 0  # collected
        assert health["sam_quota_fen"] is not None
        assert health["in_service"] is True and health["service_reason"] is None
        # what the kiosk's UI sets (KioskService.out_of_service) reaches the console's health
        site.devices.state.set("S001 taken out of service by technician T07")
        site.sync.heartbeat_job()
        mine = next(x for x in service.kiosks(live.sf) if x.kiosk_id == k.kiosk_id)
        health = service.health_of(mine)
        assert health["in_service"] is False and "T07" in health["service_reason"]

        # the SAM quota job is wired to the site's SAM with the configured threshold
        assert site.sync.settings.sam_replenish_below_fen == cfg.sam_replenish_below_fen
        quota = emu.dump("sam")["quota"]
        assert quota >= cfg.sam_replenish_below_fen  # the emulator's SAM: nothing to top up
        assert site.sync.sam_job() is None
        assert site.sync.sam_quota_fen == quota and site.sync.sam_error is None
    finally:
        if acceptor is not None:
            acceptor.close()
        site.close()
        printer.stop()
        cash.stop()
