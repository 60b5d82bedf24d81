"""The kiosk's sync client: APScheduler 3 jobs (misfire_grace_time=None, coalesce, one
instance each) that upload the outbox in seq order and in batches (kiosk.outbox marks a row
sent only after the server said it stored it), download what the server publishes into the
DownloadCache, send a heartbeat with device health, and, when the kiosk has a SAM, top up
the SAM's offline quota from the server when it runs low (`sam_job`).

"Online" means the server answered the last request (any HTTP answer), not that a link is
up. Failures back off exponentially with full jitter, capped, and never give up.
`sync_alert()` is what the technician screen shows when the oldest unsent row is older than
the threshold.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from pydantic import BaseModel

from devices.card.apdu import StatusError
from devices.card.cpu_profile import Mac2Refused
from devices.card.sam import SamPort
from kiosk import outbox
from kiosk.errors import KioskError
from kiosk.journal import Journal
from kiosk.ports import Clock
from kiosk.technician import SyncStatus

from .cache import DownloadCache
from .card_online import replenish_sam
from .client import HttpServer, ServerUnreachable, SyncError
from .protocol import AccountSnapshot, DeviceHealthEvent, Notice, PendingCredit, Ticket
from .tariff_verify import ItemRejected, TariffRejected, verify_item, verify_tariff

logger = logging.getLogger(__name__)


class _Page(Protocol):
    @property
    def version(self) -> int: ...
    @property
    def more(self) -> bool: ...
    @property
    def items(self) -> Sequence[BaseModel]: ...


class DownloadRefused(SyncError):
    """The server answered with an item it did not sign (or signed with another key)."""


@dataclass(frozen=True)
class SyncSettings:
    upload_interval_s: float = 10.0
    download_interval_s: float = 300.0
    heartbeat_interval_s: float = 60.0
    batch: int = 200
    max_batches_per_run: int = 50
    backoff_base_s: float = 2.0
    backoff_max_s: float = 300.0
    unsent_alert_after: timedelta = timedelta(hours=1)
    # the SAM's offline quota is topped up (to the server's quota) when it is below this
    sam_replenish_below_fen: int = 1_000_000
    sam_interval_s: float = 600.0


class Backoff:
    """Exponential backoff with full jitter; never gives up. Monotonic time."""

    def __init__(self, base_s: float, max_s: float, rnd: random.Random | None = None) -> None:
        self.base_s, self.max_s = base_s, max_s
        self.failures = 0
        self._next_at = 0.0
        self._rnd = rnd or random.Random()

    def ready(self, now: float | None = None) -> bool:
        return (time.monotonic() if now is None else now) >= self._next_at

    def failed(self, now: float | None = None) -> float:
        self.failures += 1
        ceiling = min(self.max_s, self.base_s * 2 ** min(self.failures - 1, 30))
        delay = self._rnd.uniform(0, ceiling)
        self._next_at = (time.monotonic() if now is None else now) + delay
        return delay

    def succeeded(self) -> None:
        self.failures, self._next_at = 0, 0.0


@dataclass(frozen=True)
class SyncAlert:
    oldest_unsent_at: datetime | None
    age: timedelta | None
    unsent_rows: int
    problem: str | None = None  # the server refuses the journal (SyncClient.problem)


class SyncClient:
    def __init__(
        self,
        journal: Journal,
        server: HttpServer,
        clock: Clock,
        cache: DownloadCache,
        tariff_public_key: bytes | str,
        *,
        settings: SyncSettings | None = None,
        health: Callable[[], DeviceHealthEvent] | None = None,
        sam: Callable[[], SamPort | None] | None = None,
        rnd: random.Random | None = None,
    ) -> None:
        self.journal, self.server, self.clock, self.cache = journal, server, clock, cache
        self.public_key = tariff_public_key
        self.settings = settings or SyncSettings()
        self.health = health
        self.sam = sam  # the kiosk's SAM, None when it has none (then no SAM job)
        s = self.settings
        self.upload_backoff = Backoff(s.backoff_base_s, s.backoff_max_s, rnd)
        self.download_backoff = Backoff(s.backoff_base_s, s.backoff_max_s, rnd)
        self.sam_backoff = Backoff(s.backoff_base_s, s.backoff_max_s, rnd)
        self.online: bool | None = None  # None: not asked yet
        self.last_answer_at: datetime | None = None
        self.last_error: str | None = None
        # what the SAM job last saw, for the technician screen: the SAM's offline quota as
        # last read (after a top-up, the new one), when, and the last failure (None after a
        # run that did what it had to)
        self.sam_quota_fen: int | None = None
        self.sam_checked_at: datetime | None = None
        self.sam_error: str | None = None
        # the server reported holding fewer rows than the kiosk had sent (see check_server_seq);
        # cleared once an upload reaches the server again
        self.server_gap: str | None = None
        # the last upload the server answered with a refusal (422), None after one it took
        self.refusal: str | None = None
        self._scheduler: BackgroundScheduler | None = None
        self._lock = threading.Lock()

    # --- state ------------------------------------------------------------------------
    def _answered(self) -> None:
        self.online, self.last_answer_at = True, self.clock.now()

    def _failed(self, exc: SyncError, backoff: Backoff) -> None:
        if isinstance(exc, ServerUnreachable):
            self.online = False
        else:
            self._answered()  # it answered, just not with what we wanted
        self.last_error = str(exc)[:300]
        delay = backoff.failed()
        logger.warning("sync failed (%d in a row, next try in %.1f s): %s", backoff.failures, delay, exc)

    # --- jobs -------------------------------------------------------------------------
    def upload_job(self) -> int:
        """Uploads until the outbox is empty (bounded per run). Returns rows confirmed."""
        if not self.upload_backoff.ready():
            return 0
        total = 0
        try:
            for _ in range(self.settings.max_batches_per_run):
                self.server.last_refusal, self.server.last_ack_seq = [], None
                n = outbox.upload_once(self.journal, self.server, self.clock, self.settings.batch)
                self._answered()
                total += n
                if self.server.last_refusal:
                    self._upload_refused()
                    return total
                if self.server.last_ack_seq is not None:
                    self.refusal = None
                    if n:
                        self.server_gap = None
                if n == 0:
                    break
        except SyncError as exc:
            self._failed(exc, self.upload_backoff)
            return total
        self.upload_backoff.succeeded()
        return total

    def _upload_refused(self) -> None:
        """The server answered 422: it stored none (or only part) of the batch. A failure
        like any other (backoff, never give up), shown at once on the technician screen; when
        the server holds fewer rows than were sent (a restored server), they go again."""
        refused = self.server.last_refusal
        self.refusal = "; ".join(f"seq {r.seq} {r.status.value}" + (f": {r.detail}" if r.detail else "")
                                 for r in refused[:3])[:300]
        self.last_error = f"upload refused: {self.refusal}"
        if self.server.last_ack_seq is not None:
            self.check_server_seq(self.server.last_ack_seq, "upload")
        delay = self.upload_backoff.failed()
        logger.error("upload refused by the server (%d in a row, next try in %.1f s): %s",
                     self.upload_backoff.failures, delay, self.refusal)

    def download_job(self) -> None:
        if not self.download_backoff.ready():
            return
        try:
            self._download_tariffs()
            self._download("accounts", self.server.accounts, AccountSnapshot, "customer_no")
            self._download("notices", self.server.notices, Notice, "notice_id")
            self._download("pending_credits", self.server.pending_credits, PendingCredit, "credit_id")
            self._download("tickets", self.server.tickets, Ticket, "ticket_id")
        except SyncError as exc:
            self._failed(exc, self.download_backoff)
            return
        self._answered()
        self.download_backoff.succeeded()

    def _download_tariffs(self) -> None:
        while True:
            since = self.cache.version("tariffs")
            page = self.server.tariff_page(since)
            good: list[tuple[str, str]] = []
            for env in page.items:
                try:
                    doc = verify_tariff(env, self.public_key)
                except TariffRejected as exc:
                    logger.error("tariff refused: %s", exc.reason)
                    continue
                good.append((f"{doc.tariff_id}:{doc.version:09d}", env.model_dump_json()))
            self.cache.apply("tariffs", good, page.version)
            if not page.more:
                return

    def _download(self, kind: str, fetch: Callable[[int], _Page], model: type[BaseModel], key: str) -> None:
        """Pages into the cache; a page with an item the server did not sign is refused whole
        (nothing of it stored, the cache keeps the last good data) and the job backs off."""
        while True:
            page = fetch(self.cache.version(kind))
            good: list[tuple[str, str]] = []
            for item in page.items:
                try:
                    verify_item(model, item, self.public_key)
                except ItemRejected as exc:
                    logger.error("%s download refused, the cache keeps what it had: %s", kind, exc)
                    raise DownloadRefused(f"{kind}: {exc}") from None
                good.append((str(getattr(item, key)), item.model_dump_json()))
            self.cache.apply(kind, good, page.version)
            if not page.more:
                return

    def heartbeat_job(self) -> None:
        base = self.health() if self.health is not None else DeviceHealthEvent()
        last_seq, oldest, _n = self._journal_state()
        health = base.model_copy(update={"journal_last_seq": last_seq, "oldest_unsent_at": oldest})
        try:
            ack = self.server.heartbeat(health)
        except SyncError as exc:
            if isinstance(exc, ServerUnreachable):
                self.online = False
            self.last_error = str(exc)[:300]
            logger.info("heartbeat failed: %s", exc)
            return
        self._answered()
        self.check_server_seq(ack.last_seq, "heartbeat")

    def check_server_seq(self, server_last_seq: int, where: str) -> int:
        """The server's last stored seq (a heartbeat or upload ack) below what this kiosk had
        marked sent: those rows are lost there. Mark them unsent (the upload job sends them
        again from there) and alert. Returns how many rows were marked unsent."""
        sent = int(self.journal.call(outbox.highest_sent))
        if server_last_seq >= sent:
            return 0
        note = f"{where}: the server holds seq {server_last_seq}, this kiosk had sent up to {sent}"
        n = int(self.journal.call(lambda s: outbox.resend_after(s, server_last_seq, note)))
        self.server_gap = f"{note}; {n} rows queued again" if n else None
        return n

    def sam_job(self) -> int | None:
        """Reads the SAM's offline quota and, below `sam_replenish_below_fen`, asks the server
        for a quota token (which it grants only when it holds the whole journal) and applies
        it. Returns the new quota after a top-up, else None. Never raises: a failure is logged,
        kept in `sam_error` and backed off like the other jobs."""
        if self.sam is None or not self.sam_backoff.ready():
            return None
        try:
            sam = self.sam()
            if sam is None:  # no SAM reader (any more): nothing to top up
                return None
            return self._top_up(sam)
        except Exception as exc:  # the scheduler thread must not die of a device surprise
            logger.exception("SAM quota job failed unexpectedly")
            self._sam_failed(f"{type(exc).__name__}: {exc}")
            return None

    def _top_up(self, sam: SamPort) -> int | None:
        below = self.settings.sam_replenish_below_fen
        try:
            info = sam.info()
        except (KioskError, StatusError) as exc:
            self._sam_failed(f"SAM not readable: {exc}")
            return None
        self.sam_quota_fen, self.sam_checked_at = info.quota_fen, self.clock.now()
        if info.quota_fen >= below:
            self.sam_error = None
            self.sam_backoff.succeeded()
            return None
        last_seq, _oldest, _n = self._journal_state()
        logger.info("SAM %s offline quota %d fen is below %d fen: asking the server for a token",
                    info.sam_id, info.quota_fen, below)
        try:
            new = replenish_sam(self.server, sam, last_seq, below)
        except SyncError as exc:
            self._failed(exc, self.sam_backoff)
            self.sam_error = f"server: {str(exc)[:300]}"
            return None
        except Mac2Refused as exc:  # the server answered; the SAM refused its token
            self._answered()
            self._sam_failed(str(exc))
            return None
        except (KioskError, StatusError) as exc:
            self._sam_failed(f"SAM: {exc}")
            return None
        self._answered()
        self.sam_backoff.succeeded()
        self.sam_error = None
        if new is not None:
            self.sam_quota_fen, self.sam_checked_at = new, self.clock.now()
            logger.info("SAM %s offline quota topped up to %d fen", info.sam_id, new)
        return new

    def _sam_failed(self, message: str) -> None:
        self.sam_error = message[:300]
        delay = self.sam_backoff.failed()
        logger.warning("SAM quota job failed (%d in a row, next try in %.1f s): %s",
                       self.sam_backoff.failures, delay, message)

    # --- the technician screen -------------------------------------------------------
    def _journal_state(self) -> tuple[int, datetime | None, int]:
        state: tuple[int, datetime | None, int] = self.journal.call(outbox.unsent_state)
        return state

    def status(self) -> SyncStatus:
        """Everything the technician screen shows about sync (its `alert` is sync_alert())."""
        _last, oldest, n = self._journal_state()
        return SyncStatus(online=self.online, last_answer_at=self.last_answer_at, last_error=self.last_error,
                          unsent_rows=n, oldest_unsent_at=oldest, alert_after=self.settings.unsent_alert_after,
                          now=self.clock.now(), server=self.server.base_url, sam_quota_fen=self.sam_quota_fen,
                          sam_error=self.sam_error, problem=self.problem())

    def problem(self) -> str | None:
        """The server answers but does not take the journal as sent (alert at once)."""
        parts = [p for p in (self.refusal and f"upload refused: {self.refusal}", self.server_gap) if p]
        return "; ".join(parts) or None

    def run_now(self) -> None:
        """The technician's "upload now": the scheduled upload job runs at once (on the
        scheduler's thread, never beside itself); without a scheduler it runs here."""
        if self._scheduler is None:
            self.upload_job()
            return
        self.upload_backoff.succeeded()  # a technician asking is worth a try before the backoff ends
        self._scheduler.modify_job("sync-upload", next_run_time=datetime.now().astimezone())

    def sync_alert(self) -> SyncAlert | None:
        """An alert when the oldest unsent row is older than the threshold, or at once when
        the server refuses the journal (`problem`)."""
        _last, oldest, n = self._journal_state()
        problem = self.problem()
        age = None if oldest is None else self.clock.now() - oldest
        if problem is None and (age is None or age <= self.settings.unsent_alert_after):
            return None
        return SyncAlert(oldest_unsent_at=oldest, age=age, unsent_rows=n, problem=problem)

    # --- scheduling -------------------------------------------------------------------
    def start(self) -> BackgroundScheduler:
        s = self.settings
        sched = BackgroundScheduler(daemon=True)
        common = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1, "replace_existing": True}
        sched.add_job(self.upload_job, "interval", seconds=s.upload_interval_s, id="sync-upload",
                      next_run_time=datetime.now().astimezone(), **common)
        sched.add_job(self.download_job, "interval", seconds=s.download_interval_s, id="sync-download",
                      next_run_time=datetime.now().astimezone(), **common)
        sched.add_job(self.heartbeat_job, "interval", seconds=s.heartbeat_interval_s, id="sync-heartbeat",
                      next_run_time=datetime.now().astimezone(), **common)
        if self.sam is not None:
            sched.add_job(self.sam_job, "interval", seconds=s.sam_interval_s, id="sync-sam-quota",
                          next_run_time=datetime.now().astimezone(), **common)
        sched.start()
        self._scheduler = sched
        logger.info("sync jobs started")
        return sched

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
