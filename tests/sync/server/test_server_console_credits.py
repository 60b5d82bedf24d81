"""Held credits paid elsewhere on the staff console, in headless Chromium and by HTTP: staff
release a held credit (open again, bound to the card's latest counter) or cancel it, each
kept with who and why, the credit_held alert resolved, and the kiosks' next download says
so; bad or stale forms change nothing. And the console's sign-in is rate-limited per client
address (429 with a clear message)."""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sync_chromium import Browser
from sync_server_harness import Chain, KioskClient, LiveServer, start_server

from sync.protocol import PendingCredit, PendingCreditStatus
from sync.server import held_credits, service
from sync.server.staff_auth import LoginLimiter
from sync.tariff_verify import verify_pending_credit

TOKEN = "console-credits-token-91c2"


@pytest.fixture
def staffed(live: LiveServer) -> Iterator[LiveServer]:
    live.state.staff.token = TOKEN
    live.state.staff.limiter.reset()
    try:
        yield live
    finally:
        live.state.staff.token = None


def _held(live: LiveServer) -> tuple[KioskClient, str, str]:
    """A credit bound to its card at counter 5; then a kiosk's journal shows the card at 7
    with no load from 5 the server knows: the credit is HELD (card_loads.py)."""
    k = live.new_kiosk()
    serial = uuid.uuid4().hex[:16].upper()
    chain = Chain(k.kiosk_id)
    chain.add("purchase.card_done", {"card_serial": serial, "counter_before": 4, "counter_after": 5,
                                     "state": "CARD_DONE"})
    assert k.upload(chain.rows).status_code == 200
    cid = f"C-{uuid.uuid4().hex[:8]}"
    service.put_pending_credit(live.sf, PendingCredit(credit_id=cid, customer_no="0000000042", amount_fen=3000,
                                                      paid_at=datetime.now(UTC), source="app", card_serial=serial))
    chain.add("purchase.created", {"card_serial": serial, "counter_before": 7, "method": "cash",
                                   "state": "INIT"})
    assert k.upload(chain.rows).status_code == 200
    assert _latest(k, cid).status is PendingCreditStatus.HELD
    return k, cid, serial


def _versions(k: KioskClient, cid: str, since: int = 0) -> list[PendingCredit]:
    items = [PendingCredit.model_validate(i) for i in k.get(f"/v1/pending-credits?since={since}").json()["items"]]
    return [c for c in items if c.credit_id == cid]


def _latest(k: KioskClient, cid: str) -> PendingCredit:
    return _versions(k, cid)[-1]


def _held_alerts(live: LiveServer, cid: str) -> list[int]:
    return [a.id for a in service.alerts(live.sf) if a.kind == "credit_held" and f"credit {cid} " in a.detail]


def _claim(k: KioskClient, cid: str, serial: str, counter: int) -> httpx.Response:
    return k.post(f"/v1/pending-credits/{cid}/claim",
                  {"txn_id": uuid.uuid4().hex, "card_serial": serial, "card_counter": counter})


def _row(dom: str, table: str, cid: str) -> str | None:
    m = re.search(rf"<table id=\"{table}\">(.*?)</table>", dom, re.DOTALL)
    assert m is not None, f"no table {table}"
    row = re.search(rf'<tr class="[^"]*" data-credit="{re.escape(cid)}">(.*?)</tr>', m.group(1), re.DOTALL)
    return None if row is None else row.group(1)


def _sign_in(b: Browser, base: str) -> str:
    b.open(f"{base}/console")
    return b.submit("document.forms[0]", token=TOKEN)


def test_staff_release_a_held_credit_and_the_kiosks_see_it_open_at_the_new_counter(staffed: LiveServer) -> None:
    live = staffed
    k, cid, serial = _held(live)
    before = _latest(k, cid)
    assert before.card_counter == 5 and _held_alerts(live, cid)
    assert _claim(k, cid, serial, 7).status_code == 409  # held: loadable nowhere
    with Browser() as b:
        dom = _sign_in(b, live.base_url)
        row = _row(dom, "held-credits", cid)
        assert row is not None and "30.00" in row and serial in row and 'class="latest">7<' in row
        assert "counter 5" in row  # why: the alert's words
        button = f"document.querySelector('tr[data-credit=\"{cid}\"] button[value=\"release\"]')"
        after = b.click(button, staff="Wang Li (S12)", checked=True,
                        reason="card history at the counter: load 5->6 was a cash purchase at K9")
        assert "<h1>Kiosk console</h1>" in after
        assert _row(after, "held-credits", cid) is None  # decided: not held any more
        done = _row(after, "credit-decisions", cid)
        assert done is not None and 'class="action">release<' in done and "Wang Li (S12)" in done
        assert "cash purchase at K9" in done
    # kept on the server with who and why, the alert resolved
    [d] = held_credits.decisions(live.sf, cid)
    assert (d.action, d.staff, d.card_serial, d.card_counter) == ("release", "Wang Li (S12)", serial, 7)
    assert "load 5->6" in d.reason
    assert _held_alerts(live, cid) == []
    # the kiosks' next download: a new signed version, open, bound to counter 7
    [new] = _versions(k, cid, since=before.version)
    assert new.version == d.version
    assert (new.status, new.card_serial, new.card_counter) == (PendingCreditStatus.OPEN, serial, 7)
    verify_pending_credit(new, live.state.signer.public_key_hex)
    assert _claim(k, cid, serial, 7).status_code == 200  # loadable once, from there


def test_staff_cancel_a_held_credit(staffed: LiveServer) -> None:
    live = staffed
    k, cid, serial = _held(live)
    before = _latest(k, cid)
    with Browser() as b:
        _sign_in(b, live.base_url)
        button = f"document.querySelector('tr[data-credit=\"{cid}\"] button[value=\"cancel\"]')"
        after = b.click(button, staff="Zhao", reason="refunded by the bank, ref 8812", checked=True)
        assert _row(after, "held-credits", cid) is None
        assert 'class="action">cancel<' in (_row(after, "credit-decisions", cid) or "")
    assert [(d.action, d.staff) for d in held_credits.decisions(live.sf, cid)] == [("cancel", "Zhao")]
    assert _held_alerts(live, cid) == []
    [new] = _versions(k, cid, since=before.version)
    assert new.status is PendingCreditStatus.CANCELLED and new.card_counter == 5
    assert _claim(k, cid, serial, 7).status_code == 409


def test_a_bad_or_stale_decision_changes_nothing(staffed: LiveServer) -> None:
    live = staffed
    k, cid, _serial = _held(live)
    version = _latest(k, cid).version
    base = live.base_url
    url = f"/console/credits/{cid}/decide"
    good = {"action": "release", "staff": "Wang", "reason": "checked the card", "checked": "yes"}
    assert httpx.post(f"{base}{url}", data=good).status_code == 401  # no session
    signed = httpx.post(f"{base}/console/login", data={"token": TOKEN})
    assert signed.status_code == 303
    with httpx.Client(base_url=base, cookies=signed.cookies) as staff:
        page = staff.get("/console")
        csrf = re.search(r"name='csrf' value='([0-9a-f]+)'", page.text)
        assert csrf is not None
        assert staff.post(url, data=good).status_code == 403  # no CSRF token: not from the console
        form = {**good, "csrf": csrf.group(1)}
        for change, words in (({"staff": "  "}, "say who decides"), ({"reason": ""}, "say why"),
                              ({"checked": ""}, "confirm that you checked"),
                              ({"action": "delete"}, "choose release or cancel"),
                              ({"staff": "x" * 65}, "longer than 64")):
            r = staff.post(url, data={**form, **change})
            assert r.status_code == 422 and words in r.text and "nothing changed" in r.text, (change, r.text)
        assert staff.post("/console/credits/C-none/decide", data=form).status_code == 404
        assert held_credits.decisions(live.sf, cid) == [] and _latest(k, cid).version == version
        assert _held_alerts(live, cid)  # still open
        assert staff.post(url, data=form).status_code == 303
        again = staff.post(url, data={**form, "action": "cancel"})  # a second tab, stale
        assert again.status_code == 409 and "is open now, not held" in again.text
    assert [d.action for d in held_credits.decisions(live.sf, cid)] == ["release"]
    assert _latest(k, cid).status is PendingCreditStatus.OPEN


def test_console_sign_in_is_rate_limited_per_client_address(tmp_path: Path) -> None:
    server = start_server(f"sqlite:///{tmp_path / 's.db'}", tmp_path / "keys", "sqlite", staff_token="s3cret")
    now = [1000.0]
    server.state.staff.limiter.clock = lambda: now[0]
    try:
        base = server.base_url
        for _ in range(5):
            r = httpx.post(f"{base}/console/login", data={"token": "guess"})
            assert r.status_code == 401 and "not the staff token" in r.text
        blocked = httpx.post(f"{base}/console/login", data={"token": "s3cret"})  # even the right one
        assert blocked.status_code == 429 and "staff_session" not in blocked.headers.get("set-cookie", "")
        assert "Too many wrong staff tokens from this address" in blocked.text
        assert "blocked for 5 minutes" in blocked.text and blocked.headers["Retry-After"] == "300"
        now[0] += 200
        r = httpx.post(f"{base}/console/login", data={"token": "s3cret"})
        assert r.status_code == 429 and "100 seconds" in r.text and r.headers["Retry-After"] == "100"
        with Browser() as b:  # what a person sees
            b.open(f"{base}/console")
            page = b.submit("document.forms[0]", token="s3cret")
            assert "Too many wrong staff tokens" in page and "<h1>Kiosk console</h1>" not in page
        now[0] += 100  # the oldest wrong token is 5 minutes old: one more try is allowed
        assert httpx.post(f"{base}/console/login", data={"token": "s3cret"}).status_code == 303
        assert httpx.post(f"{base}/console/login", data={"token": "guess"}).status_code == 401  # counts anew
    finally:
        server.stop()


def test_the_login_limiter_counts_each_address_in_its_window() -> None:
    now = [0.0]
    lim = LoginLimiter(max_failures=5, window_s=300, clock=lambda: now[0])
    for i in range(5):
        assert lim.retry_after("10.0.0.1") is None
        lim.failed("10.0.0.1")
        now[0] += 10 * (i + 1)  # failures at 0, 10, 30, 60, 100
    assert lim.retry_after("10.0.0.1") == 150  # now 150: the first (at 0) ages out at 300
    assert lim.retry_after("10.0.0.2") is None  # another address is not blocked
    now[0] = 300
    assert lim.retry_after("10.0.0.1") is None  # four left in the window
    lim.failed("10.0.0.1")
    assert lim.retry_after("10.0.0.1") == 10  # the one at 10 ages out at 310
    lim.succeeded("10.0.0.1")
    assert lim.retry_after("10.0.0.1") is None
