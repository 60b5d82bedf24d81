"""The cross-process lock on a vpcd reader (no pcscd: a base port no reader uses): the one
who waits in vain is told who holds it, and a released lock is free at once."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from devices.sim.vpcd import VpcdLock

FREE_PORT = 35000  # no vpcd reader listens here: only the lock file's name comes from it


def test_a_held_lock_names_its_holder_and_a_released_one_is_free(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    holder, waiter = VpcdLock(FREE_PORT), VpcdLock(FREE_PORT)
    holder.acquire(0.0)
    try:
        with pytest.raises(TimeoutError) as exc:
            waiter.acquire(0.3)
        msg = str(exc.value)
        assert re.search(rf"\(pid {os.getpid()}: \S*python", msg), msg  # the pid and its command line
        assert "test_a_held_lock_names_its_holder" in msg  # under pytest: the holder's test
    finally:
        holder.release()
    waiter.acquire(0.0)  # free as soon as it is released
    waiter.release()
