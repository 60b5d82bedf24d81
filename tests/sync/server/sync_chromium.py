"""Headless Chromium (Debian's chromium package, no browser download) driven over the DevTools
protocol on a pipe (--remote-debugging-pipe: JSON messages ended by NUL on fds 3 and 4), so a
test can sign in, keep the session cookie, read the DOM, submit a form the way a person would,
and open another site's page in the same browser. Fails (never skips) without chromium."""
from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from typing import Any, Self

import pytest

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")


def chromium_path() -> str:
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("headless Chromium is needed: apt-get install chromium (packaging/install-system-deps.sh)")


class Browser:
    def __init__(self, timeout_s: float = 30.0) -> None:
        self.timeout_s = timeout_s
        self._profile = tempfile.TemporaryDirectory(prefix="kiosk-test-chromium-")
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()
        # chromium reads commands on its fd 3 and answers on fd 4: bash puts the pipe
        # ends there (no preexec_fn: this process has threads)
        self._proc = subprocess.Popen(
            ["/bin/bash", "-c", f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w} {to_chrome_r}<&- {from_chrome_w}>&-',
             chromium_path(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-dev-shm-usage", f"--user-data-dir={self._profile.name}", "--remote-debugging-pipe",
             "about:blank"],
            pass_fds=(to_chrome_r, from_chrome_w), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._id = 0
        self._events: list[dict[str, Any]] = []
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")

    # --- the pipe ------------------------------------------------------------------------
    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._r], [], [], left)[0]:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise ConnectionError("chromium closed its pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def _send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session is not None:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout_s
        while True:
            got = self._read_message(deadline)
            if got.get("id") == self._id:
                if "error" in got:
                    raise RuntimeError(f"{method}: {got['error']}")
                return got.get("result", {})
            self._events.append(got)

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self._send(method, params, self._session)

    def _wait_event(self, method: str) -> None:
        deadline = time.monotonic() + self.timeout_s
        while True:
            for i, ev in enumerate(self._events):
                if ev.get("method") == method and ev.get("sessionId") == self._session:
                    del self._events[: i + 1]
                    return
            self._events.append(self._read_message(deadline))

    # --- what a test does ------------------------------------------------------------------
    def open(self, url: str, loads: int = 1) -> str:
        """Navigate and wait for the page (after redirects) to load, `loads` times for a page
        that goes on by itself (a form submitted on load); the DOM then."""
        self._events.clear()
        self.call("Page.navigate", {"url": url})
        for _ in range(loads):
            self._wait_event("Page.loadEventFired")
        return self.dom()

    def dom(self) -> str:
        return str(self.eval("document.documentElement.outerHTML"))

    def eval(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})["result"].get("value")

    def submit(self, js_selecting_a_form: str, **fields: str) -> str:
        """Fill the form's fields, submit it as a click would, wait for the next page."""
        self._events.clear()
        sets = "".join(f"f.elements[{json.dumps(k)}].value = {json.dumps(v)};" for k, v in fields.items())
        self.eval(f"(() => {{ const f = {js_selecting_a_form}; {sets} f.requestSubmit(); }})()")
        self._wait_event("Page.loadEventFired")
        return self.dom()

    def click(self, js_selecting_a_button: str, **fields: str | bool) -> str:
        """Fill the fields of the button's form (True / False ticks or clears a checkbox),
        click the button as a person would (its name and value go with the form), wait for
        the next page."""
        self._events.clear()
        sets = "".join(
            f"f.elements[{json.dumps(k)}].checked = {json.dumps(v)};" if isinstance(v, bool)
            else f"f.elements[{json.dumps(k)}].value = {json.dumps(v)};" for k, v in fields.items())
        self.eval(f"(() => {{ const b = {js_selecting_a_button}; const f = b.form; {sets} b.click(); }})()")
        self._wait_event("Page.loadEventFired")
        return self.dom()

    def close(self) -> None:
        try:
            self._send("Browser.close")
        except (OSError, TimeoutError, ConnectionError, RuntimeError):
            pass
        try:
            self._proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=15)
        os.close(self._w)
        os.close(self._r)
        self._profile.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
