"""The staff console in headless Chromium (Debian's chromium package; no browser download):
open help calls, repair tickets, kiosk health and alerts, and a status change submitted by
the browser that the kiosk then downloads. Fails (never skips) when chromium is missing."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from sync_server_harness import Chain, LiveServer, rehash, start_server

from kiosk.hashchain import canonical_json
from sync.protocol import TicketKind
from sync.server import service

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")


def _chromium() -> str:
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("headless Chromium is needed: apt-get install chromium (packaging/install-system-deps.sh)")


def dump_dom(url: str, *, wait_ms: int | None = None) -> str:
    # a profile of its own each time: a shared one hands the URL to a chromium still exiting
    with tempfile.TemporaryDirectory(prefix="kiosk-test-chromium-") as profile:
        args = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}"]
        if wait_ms is not None:
            args.append(f"--virtual-time-budget={wait_ms}")
        out = subprocess.run([*args, "--dump-dom", url], capture_output=True, text=True, timeout=90, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def _row(dom: str, attr: str, value: str) -> str:
    m = re.search(rf'<tr class="([^"]*)" data-{attr}="{re.escape(value)}">(.*?)</tr>', dom, re.DOTALL)
    assert m is not None, f"no row data-{attr}={value}"
    return f"{m.group(1)}|{m.group(2)}"


def test_console_shows_calls_tickets_health_and_alerts(live: LiveServer, tmp_path: Path) -> None:
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

    dom = dump_dom(f"{live.base_url}/console")
    assert "<h1>Kiosk console</h1>" in dom
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

    # the browser submits the ticket's status form; the kiosk then sees the change
    help_id = tickets["help"]["ticket_id"]
    form = tmp_path / "submit.html"
    form.write_text(
        "<html><body onload='document.forms[0].submit()'>"
        f"<form method='post' action='{live.base_url}/console/tickets/{help_id}/status'>"
        "<input name='status' value='in_progress'><input name='note' value='technician called'>"
        "</form></body></html>"
    )
    dump_dom(form.as_uri(), wait_ms=5000)
    since = max(t["version"] for t in tickets.values())
    deadline = time.monotonic() + 15
    while not (changed := k.get(f"/v1/tickets?since={since}").json()["items"]):
        assert time.monotonic() < deadline, "the browser's form post did not arrive"
        time.sleep(0.1)
    assert [(t["ticket_id"], t["status"], t["note"]) for t in changed] == [(help_id, "in_progress", "technician called")]
    after = dump_dom(f"{live.base_url}/console")
    assert 'class="status">in_progress<' in _row(after, "ticket", str(help_id))


def test_console_needs_the_staff_token_when_one_is_configured(tmp_path: Path) -> None:
    server = start_server(f"sqlite:///{tmp_path / 's.db'}", tmp_path / "keys", "sqlite", staff_token="s3cret")
    try:
        assert httpx.get(f"{server.base_url}/console").status_code == 401
        assert httpx.get(f"{server.base_url}/console?token=wrong").status_code == 401
        with server.sf.begin() as s:
            ticket = service.create_ticket(s, "K-x", TicketKind.HELP, "ref-1", "help me")
            ticket_id = ticket.id
        url = f"{server.base_url}/console/tickets/{ticket_id}/status"
        assert httpx.post(url, data={"status": "closed"}).status_code == 401
        dom = dump_dom(f"{server.base_url}/console?token=s3cret")
        assert "<h1>Kiosk console</h1>" in dom and f"/console/tickets/{ticket_id}/status?token=s3cret" in dom
        with server.sf.begin() as s:
            service.raise_alert(s, "K-x", "gap", "seq 3 missing", 3)
        alert_id = service.alerts(server.sf)[0].id
        assert httpx.post(f"{server.base_url}/console/alerts/{alert_id}/resolve").status_code == 401
        done = httpx.post(f"{server.base_url}/console/alerts/{alert_id}/resolve?token=s3cret")
        assert done.status_code == 303 and service.alerts(server.sf) == []
    finally:
        server.stop()
