"""The staff console in headless Chromium (Debian's chromium package; no browser download),
driven like a person would: sign in, read open help calls, repair tickets, kiosk health and
alerts, change a ticket's status (the kiosk then downloads it). Forged POSTs from other pages
change nothing; without a staff credential there is no console. Fails (never skips) when
chromium is missing."""
from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sync_chromium import Browser
from sync_server_harness import Chain, LiveServer, rehash, start_server

from kiosk.hashchain import canonical_json
from sync.protocol import TicketKind
from sync.server import service

TOKEN = "console-test-token-7f3a"


def _row(dom: str, attr: str, value: str) -> str:
    m = re.search(rf'<tr class="([^"]*)" data-{attr}="{re.escape(value)}">(.*?)</tr>', dom, re.DOTALL)
    assert m is not None, f"no row data-{attr}={value}"
    return f"{m.group(1)}|{m.group(2)}"


@pytest.fixture
def staffed(live: LiveServer) -> Iterator[LiveServer]:
    """The shared server with a staff token, for this test only."""
    live.state.staff.token = TOKEN
    live.state.staff.limiter.reset()  # every test signs in with one wrong token first
    try:
        yield live
    finally:
        live.state.staff.token = None


class Pages:
    """Another web site's pages (an attacker's), on 127.0.0.1 and as http://localhost."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def forged_post(self, name: str, action: str, **fields: str) -> None:
        inputs = "".join(f"<input name='{k}' value='{v}'>" for k, v in fields.items())
        self.pages[f"/{name}.html"] = (f"<html><body onload='document.forms[0].submit()'><form method='post' "
                                       f"action='{action}'>{inputs}</form></body></html>")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _sign_in(b: Browser, base: str) -> str:
    page = b.open(f"{base}/console")  # not signed in: the sign-in page
    assert "Kiosk console: sign in" in page and "<h1>Kiosk console</h1>" not in page
    assert "That is not the staff token" in b.submit("document.forms[0]", token="wrong")
    return b.submit("document.forms[0]", token=TOKEN)


def test_console_shows_calls_tickets_health_and_alerts(staffed: LiveServer, tmp_path: Path) -> None:
    live = staffed
    k = live.new_kiosk()
    chain = Chain(k.kiosk_id)
    chain.add("help.call", {"reason": "resident cannot read the screen"})
    chain.add("repair.request", {"category": "meter", "description": "leak smell"})
    assert k.upload(chain.rows).status_code == 200
    assert k.upload([rehash(chain.rows[0], body=canonical_json({"reason": "other"}))]).status_code == 422
    assert k.post("/v1/heartbeat", {"printer": "paper_out", "cash_box_notes": 120, "reader": "ok"}).status_code == 200
    tickets = {t["kind"]: t for t in k.get("/v1/tickets?since=0").json()["items"]}
    stopped = live.new_kiosk()  # a kiosk a technician took out of service: the staff see why
    assert stopped.post("/v1/heartbeat", {"in_service": False, "service_reason":
                                          "S001 taken out of service by technician T07"}).status_code == 200

    with Browser() as b:
        dom = _sign_in(b, live.base_url)
        assert "<h1>Kiosk console</h1>" in dom
        assert TOKEN not in dom and TOKEN not in str(b.eval("location.href"))  # never in a URL
        assert b.eval("document.cookie") == ""  # HttpOnly: page scripts cannot read the session
        help_row = _row(dom, "ticket", str(tickets["help"]["ticket_id"]))
        assert "resident cannot read the screen" in help_row and k.kiosk_id in help_row
        assert "meter: leak smell" in _row(dom, "ticket", str(tickets["repair"]["ticket_id"]))
        kiosk_row = _row(dom, "kiosk", k.kiosk_id)
        assert kiosk_row.startswith("kiosk bad|") and "paper_out" in kiosk_row and "120/1000" in kiosk_row
        assert re.search(r'class="lag">\d+ s<', kiosk_row)  # sync lag since the last upload
        assert 'class="state">active<' in kiosk_row
        stopped_row = _row(dom, "kiosk", stopped.kiosk_id)
        assert stopped_row.startswith("kiosk bad|")
        assert 'class="state">out of service: S001 taken out of service by technician T07<' in stopped_row
        alert_ids = [a for a in re.findall(r'data-alert="(\d+)"', dom)]
        assert any(k.kiosk_id in _row(dom, "alert", a) and "conflict" in _row(dom, "alert", a) for a in alert_ids)

        # staff change the help call's status in the browser; the kiosk then sees the change
        help_id = tickets["help"]["ticket_id"]
        after = b.submit(f"document.querySelector('tr[data-ticket=\"{help_id}\"] form')",
                         status="in_progress", note="technician called")
        assert 'class="status">in_progress<' in _row(after, "ticket", str(help_id))
    since = max(t["version"] for t in tickets.values())
    changed = k.get(f"/v1/tickets?since={since}").json()["items"]
    assert [(t["ticket_id"], t["status"], t["note"]) for t in changed] == [(help_id, "in_progress", "technician called")]


def test_forged_posts_from_other_pages_change_nothing(staffed: LiveServer) -> None:
    """Signed in, the staff member's browser opens an attacker's page that posts to the
    console: from another site (the SameSite=Strict cookie stays home) and from a page on
    the same host (the cookie goes along, but the page cannot know the CSRF token)."""
    live = staffed
    with live.sf.begin() as s:
        service.raise_alert(s, "K-forged", "gap", "seq 9 missing", 9)
    alert = next(a for a in service.alerts(live.sf) if a.kiosk_id == "K-forged")
    action = f"{live.base_url}/console/alerts/{alert.id}/resolve"
    pages = Pages()
    try:
        pages.forged_post("cross", action)
        pages.forged_post("same", action, csrf="0" * 32)
        with Browser() as b:
            assert "<h1>Kiosk console</h1>" in _sign_in(b, live.base_url)
            cross = b.open(f"http://localhost:{pages.port}/cross.html", loads=2)
            same = b.open(f"http://127.0.0.1:{pages.port}/same.html", loads=2)
            assert "sign in first" in cross or "Kiosk console: sign in" in cross, cross[:300]
            assert "did not come from the console" in same, same[:300]
            assert alert.id in [a.id for a in service.alerts(live.sf)]  # still open
            dom = b.open(f"{live.base_url}/console")
            b.submit(f"document.querySelector('tr[data-alert=\"{alert.id}\"] form')")
            assert alert.id not in [a.id for a in service.alerts(live.sf)]  # the console's own form works
            assert "<h1>Kiosk console</h1>" in dom
    finally:
        pages.close()


def test_console_refuses_without_a_credential_a_session_or_a_csrf_token(tmp_path: Path) -> None:
    bare = start_server(f"sqlite:///{tmp_path / 'bare.db'}", tmp_path / "bare-keys", "sqlite")
    try:  # no staff credential configured: no console at all
        for path in ("/console", "/console/login"):
            r = httpx.get(f"{bare.base_url}{path}")
            assert r.status_code == 503 and "admin staff-token" in r.text
        assert httpx.post(f"{bare.base_url}/console/login", data={"token": ""}).status_code == 503
    finally:
        bare.stop()
    server = start_server(f"sqlite:///{tmp_path / 's.db'}", tmp_path / "keys", "sqlite", staff_token="s3cret")
    try:
        base = server.base_url
        r = httpx.get(f"{base}/console")
        assert r.status_code == 303 and r.headers["location"] == "/console/login"
        assert httpx.get(f"{base}/console?token=s3cret").status_code == 303  # a URL token is nothing now
        with server.sf.begin() as s:
            ticket_id = service.create_ticket(s, "K-x", TicketKind.HELP, "ref-1", "help me").id
            service.raise_alert(s, "K-x", "gap", "seq 3 missing", 3)
        alert_id = service.alerts(server.sf)[0].id
        assert httpx.post(f"{base}/console/tickets/{ticket_id}/status", data={"status": "closed"}).status_code == 401
        assert httpx.post(f"{base}/console/login", data={"token": "wrong"}).status_code == 401
        signed = httpx.post(f"{base}/console/login", data={"token": "s3cret"})
        assert signed.status_code == 303
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert "Path=/console" in cookie and "s3cret" not in cookie
        with httpx.Client(base_url=base, cookies=signed.cookies) as staff:
            page = staff.get("/console")
            assert page.status_code == 200 and "<h1>Kiosk console</h1>" in page.text
            csrf = re.search(r"name='csrf' value='([0-9a-f]+)'", page.text)
            assert csrf is not None
            assert staff.post(f"/console/alerts/{alert_id}/resolve").status_code == 403  # no CSRF token
            assert staff.post(f"/console/alerts/{alert_id}/resolve", data={"csrf": "f" * 32}).status_code == 403
            assert len(service.alerts(server.sf)) == 1
            done = staff.post(f"/console/alerts/{alert_id}/resolve", data={"csrf": csrf.group(1)})
            assert done.status_code == 303 and service.alerts(server.sf) == []
        forged = signed.cookies["staff_session"].split(".")
        forged[0] = str(int(forged[0]) + 10**6)  # a longer session, without the server's key
        r = httpx.get(f"{base}/console", cookies={"staff_session": ".".join(forged)})
        assert r.status_code == 303
    finally:
        server.stop()
