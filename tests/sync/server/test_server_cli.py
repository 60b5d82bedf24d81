"""The server as an operator starts it: `python -m sync.server --db URL --port N` serves
/openapi.json; the admin CLI adds and revokes kiosks."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sync_server_harness import REPO, KioskClient

from sync.tariff_verify import verify_tariff

TARIFF = {
    "tariff_id": "residential", "version": 3, "valid_from": "2026-01-01", "tier_year_start": "01-01",
    "tiers": [{"up_to_m3": "350", "price": "2.61"}, {"up_to_m3": "500", "price": "2.83"},
              {"up_to_m3": None, "price": "4.23"}],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str, cwd: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "sync.server", *args], cwd=cwd, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)}, check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_cli_serves_openapi_and_admin_manages_kiosks(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    keys = str(tmp_path / "keys")
    key = _cli("admin", "--db", db, "--key-dir", keys, "add-kiosk", "K-cli", cwd=tmp_path)
    assert len(bytes.fromhex(key)) == 32
    pub = _cli("admin", "--db", db, "--key-dir", keys, "public-key", cwd=tmp_path)
    assert len(bytes.fromhex(pub)) == 32
    assert (tmp_path / "keys" / "tariff-signing-key.pem").stat().st_mode & 0o077 == 0
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync.server", "--db", db, "--key-dir", keys, "--port", str(port), "--log-level", "warning"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"{base}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        assert r.status_code == 200
        paths = r.json()["paths"]
        assert {"/v1/upload", "/v1/tariffs", "/v1/accounts", "/v1/notices", "/v1/pending-credits",
                "/v1/tickets", "/v1/card/mac2", "/v1/sam/quota", "/v1/heartbeat"} <= set(paths)
        assert httpx.get(f"{base}/v1/tariff-key").json()["public_key"] == pub
        kiosk = KioskClient(base, "K-cli", bytes.fromhex(key))
        assert kiosk.get("/v1/status").status_code == 200
        tariff = tmp_path / "tariff.json"
        tariff.write_text(json.dumps(TARIFF))
        _cli("admin", "--db", db, "--key-dir", keys, "publish-tariff", str(tariff), cwd=tmp_path)
        envs = kiosk.get("/v1/tariffs?since=0").json()["items"]
        assert [verify_tariff(e, pub).version for e in envs] == [3]
        assert _cli("admin", "--db", db, "--key-dir", keys, "revoke", "K-cli", cwd=tmp_path) == "revoked K-cli"
        assert kiosk.get("/v1/status").status_code == 403
    finally:
        proc.terminate()
        proc.wait(timeout=15)
