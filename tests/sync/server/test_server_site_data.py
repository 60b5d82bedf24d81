"""The site's data access (main.SiteAccounts) over the download cache the sync job fills from
the real server: notices only while in force, blocked and replaced cards refused before any
money, and nothing the server did not sign, neither at download nor when read back."""
from __future__ import annotations

import random
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sync_server_harness import FakeClock, LiveServer, open_journal

from kiosk.errors import CardBlocked, CardReplaced
from kiosk.fakes import FakeCard, FakePrinter
from kiosk.pricing import parse_tariff
from kiosk.purchase.service import KioskContext, PurchaseService
from main import SiteAccounts
from sync.cache import DownloadCache
from sync.client import HttpServer
from sync.jobs import SyncClient
from sync.protocol import AccountSnapshot, AccountStatus, BlockedCard, CardReplacement, Notice
from sync.server import service
from tests.kiosk.world import TARIFF


@pytest.fixture
def site(live: LiveServer, tmp_path: Path) -> Iterator[tuple[SyncClient, SiteAccounts, FakeClock, str]]:
    k = live.new_kiosk()
    k.close()
    journal = open_journal(tmp_path / "journal.db", k.kiosk_id)
    cache = DownloadCache(tmp_path / "cache.db")
    clock = FakeClock()
    pub = live.state.signer.public_key_hex
    http = HttpServer(live.base_url, k.kiosk_id, k.key, server_key=pub, timeout_s=5)
    sync = SyncClient(journal, http, clock, cache, pub, rnd=random.Random(3))
    try:
        yield sync, SiteAccounts(cache, sync, pub, clock), clock, k.kiosk_id
    finally:
        http.close()
        cache.close()
        journal.close()


def test_withdrawn_expired_and_future_notices_are_not_shown(live: LiveServer, site) -> None:  # type: ignore[no-untyped-def]
    sync, accounts, clock, kiosk_id = site
    now = clock.now()
    tag = uuid.uuid4().hex[:6]
    for nid, kw in ((f"live-{tag}", {"valid_until": now + timedelta(days=1)}),
                    (f"open-{tag}", {}),
                    (f"gone-{tag}", {"withdrawn": True}),
                    (f"old-{tag}", {"valid_from": now - timedelta(days=9), "valid_until": now - timedelta(days=2)}),
                    (f"soon-{tag}", {"valid_from": now + timedelta(hours=3)})):
        service.put_notice(live.sf, Notice(notice_id=nid, title=nid, text="x", kiosk_id=kiosk_id, **kw))
    # a notice first published, then withdrawn by a newer version
    service.put_notice(live.sf, Notice(notice_id=f"pulled-{tag}", title="t", text="x", kiosk_id=kiosk_id))
    service.put_notice(live.sf, Notice(notice_id=f"pulled-{tag}", title="t", text="x", kiosk_id=kiosk_id,
                                       withdrawn=True))
    sync.download_job()
    assert sync.online is True
    shown = {n["notice_id"] for n in accounts.notices() if n["notice_id"].endswith(tag)}
    assert shown == {f"live-{tag}", f"open-{tag}"}
    clock.advance(hours=4)
    shown = {n["notice_id"] for n in accounts.notices() if n["notice_id"].endswith(tag)}
    assert shown == {f"live-{tag}", f"open-{tag}", f"soon-{tag}"}
    clock.advance(days=1)
    shown = {n["notice_id"] for n in accounts.notices() if n["notice_id"].endswith(tag)}
    assert shown == {f"open-{tag}", f"soon-{tag}"}


def _snapshot(customer: str, blocked: str, old: str, new: str, when: object) -> AccountSnapshot:
    return AccountSnapshot(customer_no=customer, status=AccountStatus.ACTIVE, arrears_fen=0,
                           blocked_cards=[BlockedCard(serial=blocked, reason="lost", blocked_at=when)],  # type: ignore[arg-type]
                           replaced_cards=[CardReplacement(old_serial=old, new_serial=new, replaced_at=when)])  # type: ignore[arg-type]


def test_a_replaced_card_is_refused_before_any_money(live: LiveServer, site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sync, accounts, clock, kiosk_id = site
    customer = uuid.uuid4().hex[:10]
    old, new, blocked = (uuid.uuid4().hex[:16].upper() for _ in range(3))
    service.put_account(live.sf, _snapshot(customer, blocked, old, new, clock.now()))
    sync.download_job()
    journal = sync.journal
    svc = PurchaseService(KioskContext(
        kiosk_id=kiosk_id, terminal_no=3, journal=journal, clock=clock, printer=FakePrinter(),
        tariffs=[parse_tariff(TARIFF)], is_blocked=accounts.is_blocked, is_online=lambda: True))
    with pytest.raises(CardReplaced) as replaced:
        svc.check_card(FakeCard(tmp_path / "old.json", tech="ic", serial=old).read())
    assert replaced.value.data["new_serial"] == new and replaced.value.code == "K017"
    with pytest.raises(CardBlocked) as refused:
        svc.check_card(FakeCard(tmp_path / "blocked.json", tech="ic", serial=blocked).read())
    assert not isinstance(refused.value, CardReplaced)
    assert svc.check_card(FakeCard(tmp_path / "new.json", tech="ic", serial=new).read()).max_fen > 0
    assert journal.raw("SELECT count(*) FROM journal") == [(0,)]  # nothing begun, no money

    from ui.messages import describe

    view = describe(replaced.value, 0, "read")
    assert view.title == "This card was replaced by a new one"
    assert view.next_step == "Use the new card or ask staff." and view.code == "K017"
    assert view.money == "No money was taken."


def test_an_account_altered_in_the_cache_is_not_believed(live: LiveServer, site, caplog) -> None:  # type: ignore[no-untyped-def]
    sync, accounts, clock, _kiosk_id = site
    customer = uuid.uuid4().hex[:10]
    lost = uuid.uuid4().hex[:16].upper()
    service.put_account(live.sf, _snapshot(customer, lost, "A" * 16, "B" * 16, clock.now()))
    sync.download_job()
    assert accounts.is_blocked(lost) and accounts.account(customer) is not None
    # someone with the kiosk's disk unblocks the lost card in the cache file
    db = sqlite3.connect(_cache_file(sync))
    db.execute("UPDATE items SET data = replace(data, ?, ?) WHERE kind = 'accounts'", (lost, "0" * 16))
    db.commit()
    db.close()
    assert accounts.account(customer) is None  # the altered snapshot is dropped, not trusted
    assert not accounts.is_blocked("0" * 16)
    assert "cached account" in caplog.text and "bad signature" in caplog.text


def _cache_file(sync: SyncClient) -> str:
    row = sync.cache._db.execute("PRAGMA database_list").fetchone()
    return str(row[2])
