"""Reader discovery, insertion/removal events, and thread-safe sessions.

`CardReaders` is what the composition root creates. Every reader gets one ReaderWorker;
everything that touches a reader (its PC/SC context, connection and APDUs) runs there.
`open_session()` identifies the inserted card through the profile registry and returns a
`CardSessionHandle` (kiosk.ports.CardSession) callable from any thread."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self, TypeVar

from kiosk.card import CardCredit, CardSnapshot, CardTech, CreditOutcome, CreditProof
from kiosk.errors import (
    CardAbsent,
    CardPulled,
    CardReaderError,
    KioskError,
    SamUnavailable,
    UnknownCard,
)
from kiosk.ports import TacVerifier

from .apdu import StatusError
from .cpu_profile import CpuSession, OnlineMac2
from .pcsc import PcscCard, PcscContext, ReaderStatus
from .profiles import ProfileSession, identify
from .sam import LoadAuthorisation, SamClient, SamInfo
from .sle4442 import SLE4442_ATRS, Sle4442
from .worker import ReaderWorker

logger = logging.getLogger(__name__)
T = TypeVar("T")

_local = threading.local()


def _context() -> PcscContext:
    """The PC/SC context of the current (worker) thread."""
    ctx: PcscContext | None = getattr(_local, "ctx", None)
    if ctx is None:
        ctx = PcscContext()
        _local.ctx = ctx
    return ctx


def pick_readers(names: list[str], card: str | None = None, sam: str | None = None) -> tuple[str | None, str | None]:
    """Default choice: the SAM is the reader named like a SAM slot (vpcd: '... 01'), the
    card reader the first other one."""
    sam_name = sam or next((n for n in names if "SAM" in n.upper()), None) or next(
        (n for n in names if n.startswith("Virtual PCD") and n.endswith(" 01")), None
    )
    card_name = card or next((n for n in names if n != sam_name), None)
    return card_name, sam_name


@dataclass(frozen=True)
class CardEvent:
    reader: str
    present: bool
    atr: bytes


class ThreadedSam:
    """SamPort whose every call runs on the SAM reader's worker; reconnects once."""

    def __init__(self, worker: ReaderWorker, reader: str) -> None:
        self.worker = worker
        self.reader = reader
        self._conn: PcscCard | None = None
        self._client: SamClient | None = None

    def _run(self, fn: Callable[[SamClient], T], idempotent: bool = True) -> T:
        """Run fn against the SAM; a stale connection is reopened and, for idempotent
        commands only, the command retried once (an authorisation is never sent twice)."""

        def job() -> T:
            self.worker.assert_on_thread()
            for attempt in (1, 2):
                fresh = self._client is None
                try:
                    if self._client is None or self._conn is None:
                        self._conn = _context().connect(self.reader)
                        self._client = SamClient(self._conn)
                    with self._conn.transaction():
                        return fn(self._client)
                except (CardAbsent, CardPulled) as exc:
                    self._drop()
                    if attempt == 2 or fresh or not idempotent:
                        raise SamUnavailable(f"SAM in {self.reader}: {exc}") from exc
            raise AssertionError("unreachable")

        return self.worker.call(job)

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                logger.debug("closing the SAM connection failed", exc_info=True)
        self._conn, self._client = None, None

    def close(self) -> None:
        self.worker.call(self._drop)

    def info(self) -> SamInfo:
        return self._run(lambda c: c.info())

    def authorise_load(self, serial: bytes, old_balance: int, amount: int, terminal: bytes,
                       random4: bytes, atc: int, mac1: bytes, date4: bytes, time3: bytes) -> LoadAuthorisation:
        return self._run(lambda c: c.authorise_load(serial, old_balance, amount, terminal, random4,
                                                    atc, mac1, date4, time3), idempotent=False)

    def verify_tac(self, serial: bytes, new_balance: int, atc: int, amount: int, terminal: bytes,
                   date4: bytes, time3: bytes, tac: bytes) -> bool:
        return self._run(lambda c: c.verify_tac(serial, new_balance, atc, amount, terminal, date4,
                                                time3, tac))

    def derive_ic_psc(self, serial: bytes) -> bytes:
        return self._run(lambda c: c.derive_ic_psc(serial))

    def replenish_quota(self, new_quota: int, counter: int, mac: bytes) -> bool:
        return self._run(lambda c: c.replenish_quota(new_quota, counter, mac), idempotent=False)


class CardSessionHandle:
    """kiosk.ports.CardSession for one insertion; safe to call from any thread (each call
    runs on the reader's worker and blocks until done). Close it when the card leaves."""

    def __init__(self, worker: ReaderWorker, conn: PcscCard, session: ProfileSession, tech: CardTech) -> None:
        self.worker = worker
        self.reader = conn.reader
        self.atr = conn.atr
        self.profile = session.profile
        self.tech = tech
        self._conn = conn
        self._session = session

    def _on_worker(self, fn: Callable[[], T]) -> T:
        def job() -> T:
            self.worker.assert_on_thread()
            with self._conn.transaction():
                return fn()

        return self.worker.call(job)

    def read(self) -> CardSnapshot:
        return self._on_worker(self._session.read)

    def write_credit(self, credit: CardCredit) -> CreditProof:
        return self._on_worker(lambda: self._session.write_credit(credit))

    def check_credit(self, credit: CardCredit) -> tuple[CreditOutcome, CreditProof | None]:
        return self._on_worker(lambda: self._session.check_credit(credit))

    def offline_quota_fen(self) -> int | None:
        return self._on_worker(self._session.offline_quota_fen)

    def close(self) -> None:
        def job() -> None:
            self.worker.assert_on_thread()
            self._conn.close()

        self.worker.call(job)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.close()
        except Exception:
            logger.debug("closing the card connection failed", exc_info=True)


class CardReaders:
    """The kiosk's card readers: one for the resident's card, one for the SAM."""

    def __init__(self, card_reader: str | None = None, sam_reader: str | None = None,
                 online_mac2: OnlineMac2 | None = None, online_tac: TacVerifier | None = None) -> None:
        """`online_mac2`: the server's MAC2 service for CPU-card loads (the SAM answers when
        the server does not); `online_tac`: the server's TAC check (used when no SAM answers);
        both wired by the composition root from the sync client."""
        self._want_card, self._want_sam = card_reader, sam_reader
        self.online_mac2 = online_mac2
        self.online_tac = online_tac
        self._workers: dict[str, ReaderWorker] = {}
        self._discovery = ReaderWorker("discovery")
        self._sam: ThreadedSam | None = None
        self._monitor: threading.Thread | None = None
        self._stop = threading.Event()
        self._current: tuple[int, CardSessionHandle] | None = None  # (insertion, session)
        self._current_lock = threading.Lock()

    def worker(self, reader: str) -> ReaderWorker:
        if reader not in self._workers:
            self._workers[reader] = ReaderWorker(reader)
        return self._workers[reader]

    def readers(self) -> list[str]:
        return self._discovery.call(lambda: _context().readers())

    def status(self, readers: list[str] | None = None) -> list[ReaderStatus]:
        names = readers if readers is not None else self.readers()
        return self._discovery.call(lambda: _context().status(names))

    def names(self) -> tuple[str | None, str | None]:
        return pick_readers(self.readers(), self._want_card, self._want_sam)

    def card_reader(self) -> str:
        card, _sam = self.names()
        if card is None:
            raise CardReaderError("no card reader found")
        return card

    def sam(self) -> ThreadedSam | None:
        """The SAM client, or None when no SAM reader exists."""
        if self._sam is None:
            _card, sam = self.names()
            if sam is None:
                return None
            self._sam = ThreadedSam(self.worker(sam), sam)
        return self._sam

    def wait_for_card(self, timeout_s: float, present: bool = True) -> bool:
        """Wait until the card reader shows a card (present=False: shows none)."""
        reader = self.card_reader()
        deadline = time.monotonic() + timeout_s
        while True:
            st = self.status([reader])[0]
            if st.present == present:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def open_session(self, wait_s: float = 0.0) -> CardSessionHandle:
        """Connect to the inserted card and identify it. CardAbsent / UnknownCard /
        CardReaderError; one session per insertion (the PSC rule counts on it)."""
        reader = self.card_reader()
        if wait_s > 0:
            self.wait_for_card(wait_s)
        worker = self.worker(reader)
        sam = self.sam()

        def job() -> CardSessionHandle:
            worker.assert_on_thread()
            conn = _context().connect(reader)
            try:
                profile = identify(conn)
                session = profile.open(conn, sam if profile.needs_sam else None)
                if isinstance(session, CpuSession):
                    session.online_mac2 = self.online_mac2
                    session.online_tac = self.online_tac
            except StatusError as exc:
                conn.close()
                raise CardPulled(f"card exchange failed while identifying: {exc}") from exc
            except CardPulled as exc:  # nothing was written: the card is simply not there
                conn.close()
                raise CardAbsent(f"card left {reader} while being identified: {exc}") from exc
            except BaseException:
                conn.close()
                raise
            return CardSessionHandle(worker, conn, session, profile.tech)

        return worker.call(job)

    def current_session(self) -> CardSessionHandle:
        """The one session of the card now in the reader, opened on first use and kept for
        the whole insertion (pcsc-lite's event counter tells insertions apart), so the IC
        rule "a PSC at most once per insertion" holds across callers. CardAbsent if none."""
        reader = self.card_reader()
        with self._current_lock:
            st = self.status([reader])[0]
            if self._current is not None and (not st.present or self._current[0] != st.event_count):
                old, self._current = self._current[1], None
                old.__exit__(None, None, None)
            if not st.present:
                raise CardAbsent(f"no card in {reader}", reader=reader)
            if self._current is None:
                self._current = (st.event_count, self.open_session())
            return self._current[1]

    def probe_memory_dialect(self, reader: str) -> bool | None:
        """Does the memory card in `reader` answer the ACS memory-card dialect (FF A4 select
        card type)? True / False when a card with an SLE4442 ATR is in it and answered; None
        when that cannot be told (no such card, or a resident's session is open on it: the
        select resets the chip, so it is never sent under a session)."""
        current, st = self._current, self.status([reader])[0]
        if current is not None and st.present and current[0] == st.event_count:
            return None  # this insertion has a session
        worker = self.worker(reader)

        def job() -> bool | None:
            worker.assert_on_thread()
            try:
                conn = _context().connect(reader)
            except KioskError:
                return None
            try:
                if conn.atr not in SLE4442_ATRS:
                    return None
                Sle4442(conn).select_card_type()
                return True
            except UnknownCard:  # 6D 00: the reader does not speak the dialect
                return False
            except (KioskError, StatusError):
                return None
            finally:
                conn.close()

        return worker.call(job)

    def session_for(self, serial: str) -> CardSessionHandle | None:
        """kiosk.purchase.recovery.CardFor: the current session if the card in the reader
        is `serial`, else None (no card, another card, or a card that cannot be read)."""
        try:
            session = self.current_session()
            if session.read().serial.upper() == serial.upper():
                return session
        except KioskError as exc:
            logger.info("card %s is not available: %s", serial, exc)
        return None

    # --- events -------------------------------------------------------------------------
    def start_monitor(self, callback: Callable[[CardEvent], None]) -> None:
        """Calls callback(CardEvent) on a monitor thread at every insertion and removal
        in the card reader (SCardGetStatusChange, its own PC/SC context)."""
        reader = self.card_reader()
        self._stop.clear()

        def loop() -> None:
            ctx = PcscContext()
            state = ctx.status([reader])[0]
            callback(CardEvent(reader, state.present, state.atr))
            while not self._stop.is_set():
                try:
                    changed = ctx.wait_change([(reader, state.state)], 300)
                except CardReaderError as exc:
                    logger.warning("card monitor: %s", exc)
                    time.sleep(1.0)
                    continue
                if changed is None:
                    continue
                new = changed[0]
                if new.present != state.present or new.event_count != state.event_count:
                    callback(CardEvent(reader, new.present, new.atr))
                state = new
            ctx.close()

        self._monitor = threading.Thread(target=loop, name="card-monitor", daemon=True)
        self._monitor.start()

    def stop_monitor(self) -> None:
        self._stop.set()
        if self._monitor is not None:
            self._monitor.join(2.0)
            self._monitor = None

    def close(self) -> None:
        self.stop_monitor()
        if self._current is not None:
            self._current[1].__exit__(None, None, None)
            self._current = None
        if self._sam is not None:
            try:
                self._sam.close()
            except Exception:
                logger.debug("closing the SAM failed", exc_info=True)
        for worker in self._workers.values():
            worker.close()
        self._discovery.close()
