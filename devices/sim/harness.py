"""Test and demo harness: one in-process CardEmulator plus one CardReaders per process.

vpcd takes one connection per slot, so a process shares a single emulator (the SAM stays
in slot 1); `reset()` gives each test a clean wallet. `require_pcscd()` fails loudly (never
skips) when pcscd with the vpcd readers is missing."""
from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from devices.card.readers import CardReaders, CardSessionHandle
from kiosk.card import CardCredit, CardSnapshot

from .emulator import SAM_SLOT, CardEmulator

logger = logging.getLogger(__name__)

DEFAULT_QUOTA_FEN = 1_000_000
LOCK_WAIT_S = 240.0  # another test run may hold the virtual reader for a while
VPCD_READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")

_lock = threading.Lock()
_shared: tuple[CardEmulator, CardReaders] | None = None


class PcscdMissing(RuntimeError):
    pass


def require_pcscd() -> None:
    readers = CardReaders()
    try:
        names = readers.readers()
    except Exception as exc:
        raise PcscdMissing(
            f"pcscd is not reachable ({exc}); start it with `bash packaging/run-tests.sh` "
            "or `source packaging/test-services/pcscd.sh`"
        ) from exc
    finally:
        readers.close()
    missing = [r for r in VPCD_READERS if r not in names]
    if missing:
        raise PcscdMissing(f"pcscd runs but the vpcd readers {missing} are missing (readers: {names})")


def shared() -> tuple[CardEmulator, CardReaders]:
    """The process-wide emulator (SAM inserted) and reader service."""
    global _shared
    with _lock:
        if _shared is None:
            require_pcscd()
            emu = CardEmulator(quota_fen=DEFAULT_QUOTA_FEN)
            emu.start(lock_timeout_s=LOCK_WAIT_S)
            readers = CardReaders()
            _shared = (emu, readers)
            atexit.register(_close)
        return _shared


def release_shared() -> None:
    """Give the virtual reader back (e.g. before starting the emulator as a subprocess)."""
    _close()


def _close() -> None:
    global _shared
    if _shared is not None:
        emu, readers = _shared
        readers.close()
        emu.stop()
        _shared = None


def reset(emu: CardEmulator) -> None:
    """Empty slot 0 (and wait until pcscd sees it empty), no cards, default SAM quota."""
    emu.remove()
    emu.disarm()
    emu.cards.clear()
    emu.set_quota(DEFAULT_QUOTA_FEN)
    emu.sam.faults.clear()
    if _shared is not None and _shared[0] is emu:
        _shared[1].wait_for_card(2.0, present=False)


def wait_for_sam(readers: CardReaders, present: bool = True, timeout_s: float = 10.0) -> None:
    """pcscd polls presence about every 400 ms: wait until it sees the SAM slot as wanted."""
    _card, sam = readers.names()
    end = time.monotonic() + timeout_s
    while sam is None or readers.status([sam])[0].present != present:
        if time.monotonic() > end:
            raise TimeoutError(f"pcscd did not see the SAM {'inserted' if present else 'removed'}")
        time.sleep(0.05)
        _card, sam = readers.names()


@contextmanager
def sam_removed(emu: CardEmulator, readers: CardReaders) -> Iterator[None]:
    """A kiosk whose SAM does not answer (slot 1 empty) for the duration; put back after."""
    emu.slots[SAM_SLOT].remove()
    wait_for_sam(readers, present=False)
    try:
        yield
    finally:
        emu.slots[SAM_SLOT].insert(emu.sam)
        wait_for_sam(readers, present=True)


def insert_and_open(emu: CardEmulator, readers: CardReaders, name: str) -> CardSessionHandle:
    """(Re)insert a card and open a fresh session on it (a new insertion)."""
    emu.insert(name)
    if not readers.wait_for_card(5.0):
        raise TimeoutError(f"pcscd did not see card {name!r}")
    return readers.open_session()


def credit_for(
    snap: CardSnapshot, txn_id: str = "T1", volume_units: int = 1000, amount_fen: int = 3000,
    when: datetime | None = None, terminal: int = 7,
) -> CardCredit:
    """A credit on top of what the snapshot shows (IC: next record; CPU: load amount_fen)."""
    from datetime import date

    from kiosk.card import CardTech

    rec = snap.record
    return CardCredit(
        txn_id=txn_id,
        serial=snap.serial,
        tech=snap.tech,
        counter_before=snap.counter,
        volume_units=volume_units,
        amount_fen=amount_fen,
        balance_before_fen=(snap.balance_fen or 0) if snap.tech is CardTech.CPU else 0,
        lifetime_units_after=(rec.lifetime_units if rec else 0) + volume_units,
        tier_year_units_after=(rec.tier_year_units if rec else 0) + volume_units,
        tier_year_start=rec.tier_year_start if rec else date(2026, 1, 1),
        when=when or datetime(2026, 11, 22, 10, 30, 0),
        terminal=terminal,
    )
