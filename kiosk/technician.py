"""The technician's side of the kiosk, without Qt: who may open the service screen (a PIN
checked against PBKDF2 hashes from the configuration, locked out after repeated failures),
what the screen reports (sync state and its alert, printer, cash box, card readers, journal)
turned into findings with a severity, the recent purchases a reprint can be made from, and a
ring of recent log lines.

The PIN itself is never stored: the configuration holds `pbkdf2_sha256$<iterations>$<salt
hex>$<hash hex>` per technician (`kioskctl technician pin-hash` makes one)."""
from __future__ import annotations

import collections
import enum
import hashlib
import hmac
import json
import logging
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import ConfigError, OutOfService
from .journal.models import Purchase
from .journal.store import meta_get, meta_put
from .masking import mask_serial
from .ports import Clock

logger = logging.getLogger(__name__)

PIN_SCHEME = "pbkdf2_sha256"
PIN_ITERATIONS = 100_000
PIN_MIN_LEN = 6  # a 4-digit PIN is guessed in 10 000 tries; the lockout makes 6 digits slow enough


# --- the PIN --------------------------------------------------------------------------------
def hash_pin(pin: str, iterations: int = PIN_ITERATIONS, salt: bytes | None = None) -> str:
    if not pin.isdigit() or len(pin) < PIN_MIN_LEN:
        raise ConfigError(f"a technician PIN is at least {PIN_MIN_LEN} digits")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"{PIN_SCHEME}${iterations}${salt.hex()}${digest.hex()}"


def _parse(encoded: str) -> tuple[int, bytes, bytes]:
    try:
        scheme, iters, salt, digest = encoded.split("$")
        if scheme != PIN_SCHEME:
            raise ValueError(scheme)
        return int(iters), bytes.fromhex(salt), bytes.fromhex(digest)
    except ValueError as exc:
        raise ConfigError(f"technician PIN hash is not {PIN_SCHEME}$iterations$salt$hash") from exc


def pin_hash_ok(encoded: str) -> None:
    """Raises ConfigError when `encoded` is not a PIN hash this module can check."""
    _parse(encoded)


def pin_matches(pin: str, encoded: str) -> bool:
    iters, salt, digest = _parse(encoded)
    return hmac.compare_digest(hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iters), digest)


class GateOutcome(enum.Enum):
    OPEN = "open"
    WRONG = "wrong"
    LOCKED = "locked"
    DISABLED = "disabled"  # no technician configured: the service screen cannot be opened


@dataclass(frozen=True)
class GateResult:
    outcome: GateOutcome
    technician: str | None = None
    tries_left: int = 0
    locked_until: datetime | None = None


GATE_KEY = "technician_gate"
SERVICE_HOLD_KEY = "service_hold"

# `journal.call`: runs a function with the writer's Session (kiosk.journal.Journal.call)
JournalCall = Callable[[Callable[[Session], Any]], Any]


class TechnicianGate:
    """PIN -> technician id. After `max_failures` wrong PINs in a row the gate stays shut
    for `lockout` (even for the right PIN); every attempt is logged, never the PIN. Thread
    safe: the check runs on a worker (PBKDF2 takes tens of milliseconds per hash).

    With `journal_call` the count of wrong PINs and the lockout are kept in the journal's
    kiosk_meta table, so pulling the plug does not give a guesser five fresh tries."""

    def __init__(self, staff: Mapping[str, str], clock: Clock, max_failures: int = 5,
                 lockout: timedelta = timedelta(minutes=5),
                 journal_call: JournalCall | None = None) -> None:
        for who, encoded in staff.items():
            _parse(encoded)  # a malformed hash is a configuration error at start-up
            if not who:
                raise ConfigError("a technician needs an id")
        self.staff = dict(staff)
        self.clock = clock
        self.max_failures = max_failures
        self.lockout = lockout
        self.failures = 0
        self.locked_until: datetime | None = None
        self._lock = threading.Lock()
        self._journal_call = journal_call
        self._loaded = journal_call is None

    def _load(self) -> None:
        assert self._journal_call is not None
        raw = self._journal_call(lambda s: meta_get(s, GATE_KEY))
        if raw:
            try:
                d = json.loads(raw)
                self.failures = int(d.get("failures", 0))
                until = d.get("locked_until")
                self.locked_until = datetime.fromisoformat(until) if until else None
            except (ValueError, TypeError, AttributeError):
                # unreadable: the safe side is a fresh lockout, not five fresh tries
                logger.error("technician gate state unreadable (%r): locking the gate", raw[:80])
                self.failures, self.locked_until = 0, self.clock.now() + self.lockout
        self._loaded = True

    def _save(self) -> None:
        if self._journal_call is None:
            return
        value = None if not self.failures and self.locked_until is None else json.dumps(
            {"failures": self.failures,
             "locked_until": None if self.locked_until is None else self.locked_until.isoformat()})
        self._journal_call(lambda s: meta_put(s, GATE_KEY, value))

    def check(self, pin: str) -> GateResult:
        with self._lock:
            if not self._loaded:
                self._load()
            res = self._check(pin)
            self._save()
            return res

    def _check(self, pin: str) -> GateResult:
        now = self.clock.now()
        if not self.staff:
            return GateResult(GateOutcome.DISABLED)
        if self.locked_until is not None and now < self.locked_until:
            logger.warning("technician PIN entered while locked out (until %s)", self.locked_until)
            return GateResult(GateOutcome.LOCKED, locked_until=self.locked_until)
        who = next((w for w, h in self.staff.items() if pin_matches(pin, h)), None)
        if who is not None:
            self.failures, self.locked_until = 0, None
            logger.warning("technician %s opened the service screen", who)
            return GateResult(GateOutcome.OPEN, technician=who)
        self.failures += 1
        logger.warning("wrong technician PIN (%d in a row)", self.failures)
        if self.failures >= self.max_failures:
            self.failures = 0
            self.locked_until = now + self.lockout
            logger.error("technician PIN locked until %s", self.locked_until)
            return GateResult(GateOutcome.LOCKED, locked_until=self.locked_until)
        return GateResult(GateOutcome.WRONG, tries_left=self.max_failures - self.failures)


# --- out of service by a technician ----------------------------------------------------------
@dataclass(frozen=True)
class ServiceHold:
    """A technician took the kiosk out of service. Kept in the journal's kiosk_meta table: a
    restart (a power cut, a reboot) leaves the kiosk out of service until a technician puts
    it back, it does not sell gas from a machine someone stopped on purpose."""

    by: str
    since: str  # ISO time

    def as_error(self) -> OutOfService:
        return OutOfService(f"taken out of service by technician {self.by} at {self.since}")


class ServiceState:
    """Whether the kiosk sells gas now, readable from any thread: the UI sets it (a fault at
    start-up, a technician's hold), the heartbeat reports it to the staff console."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reason: str | None = None

    def set(self, reason: str | None) -> None:
        with self._lock:
            self._reason = None if reason is None else (reason or "out of service")[:200]

    @property
    def reason(self) -> str | None:
        with self._lock:
            return self._reason

    @property
    def in_service(self) -> bool:
        return self.reason is None


def load_service_hold(session: Session) -> ServiceHold | None:
    raw = meta_get(session, SERVICE_HOLD_KEY)
    if raw is None:
        return None
    try:
        d = json.loads(raw)
        return ServiceHold(str(d["by"]), str(d["since"]))
    except (ValueError, TypeError, KeyError):
        # unreadable: still a hold, the kiosk stays out of service
        logger.error("service hold unreadable (%r): staying out of service", raw[:80])
        return ServiceHold("?", "?")


def put_service_hold(session: Session, hold: ServiceHold | None) -> None:
    meta_put(session, SERVICE_HOLD_KEY,
             None if hold is None else json.dumps({"by": hold.by, "since": hold.since}))


# --- what the service screen reports --------------------------------------------------------
@dataclass(frozen=True)
class SyncStatus:
    """The sync client's state as the technician sees it. `online` None: not asked yet."""

    online: bool | None
    last_answer_at: datetime | None
    last_error: str | None
    unsent_rows: int
    oldest_unsent_at: datetime | None
    alert_after: timedelta
    now: datetime
    server: str = ""
    sam_quota_fen: int | None = None
    sam_error: str | None = None
    # the server answered but does not take the journal (a refused upload: conflict, chain
    # break), or holds fewer rows than the kiosk had sent (rows queued again): at once an alert
    problem: str | None = None

    @property
    def unsent_age(self) -> timedelta | None:
        return None if self.oldest_unsent_at is None else self.now - self.oldest_unsent_at

    @property
    def alert(self) -> bool:
        """The oldest unsent row is older than the threshold, or the server refuses the
        journal (sync.jobs.SyncClient.sync_alert)."""
        age = self.unsent_age
        return self.problem is not None or (age is not None and age > self.alert_after)


class Severity(enum.IntEnum):
    OK = 0
    NOTE = 1
    WARNING = 2
    ALERT = 3


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str  # short, stable: what a technician reports and searches the manual for
    text: str  # English; the screen words the known codes in its language from `args`
    args: tuple[str, ...] = ()


def age_text(d: timedelta) -> str:
    minutes = int(d.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h {minutes % 60} min" if hours < 48 else f"{hours // 24} d {hours % 24} h"


def diagnose(sync: SyncStatus | None, printer: Mapping[str, Any] | None,
             box: Mapping[str, Any] | None, cards: Mapping[str, Any] | None,
             journal_ok: bool | None = None, tac_failed: Sequence[str] = ()) -> list[Finding]:
    """Every report turned into findings, worst first. Missing reports are findings too.
    `tac_failed`: the CPU loads whose TAC did not verify, read from the journal when the
    findings are made (unverified_tacs), not from the card self-test's snapshot."""
    out: list[Finding] = []
    if sync is None:
        out.append(Finding(Severity.WARNING, "SYNC-NONE", "no sync client: transactions are not uploaded"))
    else:
        age = sync.unsent_age
        if sync.problem is not None:
            out.append(Finding(Severity.ALERT, "SYNC-REFUSED", f"the server does not take the journal: {sync.problem}",
                               (sync.problem,)))
        if sync.alert and age is not None and age > sync.alert_after:
            out.append(Finding(Severity.ALERT, "SYNC-LAG",
                               f"{sync.unsent_rows} rows unsent, the oldest for {age_text(age)}"
                               f" (alert after {age_text(sync.alert_after)})",
                               (str(sync.unsent_rows), age_text(age), age_text(sync.alert_after))))
        if sync.online is False:
            out.append(Finding(Severity.WARNING, "SYNC-OFFLINE",
                               "the server does not answer" + (f": {sync.last_error}" if sync.last_error else ""),
                               (sync.last_error or "",)))
        if sync.sam_error:
            out.append(Finding(Severity.WARNING, "SAM-QUOTA", f"SAM quota top-up failed: {sync.sam_error}"))
    if printer is None:
        out.append(Finding(Severity.WARNING, "PRN-UNKNOWN", "printer status unknown"))
    else:
        state = str(printer.get("state", "offline"))
        if state == "paper_near_end":
            out.append(Finding(Severity.WARNING, "PRN-NEAR-END", "paper near end: load a new roll"))
        elif state != "ok":
            out.append(Finding(Severity.ALERT, "PRN-" + state.upper().replace("_", "-"),
                               f"printer {state.replace('_', ' ')}: residents get no paper receipt"))
    if box is not None:
        for d in box.get("differences", []):
            # money a resident handed over that is not counted, or a box that disagrees with
            # the journal: a person must act
            sev = Severity.ALERT if d.get("kind") in ("counter_mismatch", "note_jammed") else Severity.WARNING
            # a jammed note: (fen, txn, at); fen "" for a note of unknown value (stuck in the
            # transport before the acceptor validated it)
            amount = d.get("amount_fen")
            args = (("" if amount is None else str(amount), str(d.get("txn_id", "")), str(d.get("at", "")))
                    if d.get("kind") == "note_jammed" else ())
            out.append(Finding(sev, "CASH-" + str(d.get("kind", "")).upper().replace("_", "-"),
                               str(d.get("explanation", "")), args))
    if cards is not None:
        if not cards.get("serves"):
            out.append(Finding(Severity.ALERT, "CARD-NONE", "no card type can be served"))
        for p in cards.get("problems", []):
            out.append(Finding(Severity.WARNING, "CARD-PROBLEM", str(p)))
    for t in tac_failed:
        out.append(Finding(Severity.ALERT, "CARD-TAC",
                           f"CPU load {t}: the card's TAC does not verify (the server alerts too)", (str(t),)))
    if journal_ok is False:
        out.append(Finding(Severity.ALERT, "JOURNAL", "the journal failed its check: take the kiosk out of service"))
    out.sort(key=lambda f: -f.severity)
    return out


# --- recent purchases for a reprint ---------------------------------------------------------
REPRINTABLE = frozenset({"RECEIPT_DONE", "RECEIPT_FAILED", "OUTBOX", "ACKED"})


@dataclass(frozen=True)
class RecentPurchase:
    txn_id: str
    created_at: str
    state: str
    method: str
    cost_fen: int
    paid_fen: int
    card: str  # masked serial
    receipt_prints: int

    @property
    def reprintable(self) -> bool:
        """A receipt exists to reprint once the card holds the credit (CARD_DONE and after)."""
        return self.state in REPRINTABLE


def recent_purchases(s: Session, limit: int = 10) -> list[RecentPurchase]:
    rows = s.scalars(select(Purchase).order_by(Purchase.created_seq.desc()).limit(limit))
    return [RecentPurchase(p.txn_id, p.created_at, p.state, p.method, p.cost_fen, p.paid_fen,
                           mask_serial(p.card_serial), p.receipt_prints) for p in rows]


def unverified_tacs(s: Session, limit: int = 20) -> list[str]:
    """CPU loads whose card TAC did not verify (journalled in the proof as tac_verified false):
    'txn-prefix card ...1234', newest first, for the CARD-TAC finding (read each time the
    technician's findings are made: a bad TAC seen after start shows at once)."""
    rows = s.scalars(select(Purchase).where(Purchase.proof.like('%"tac_verified": false%'))
                     .order_by(Purchase.created_seq.desc()).limit(limit))
    return [f"{p.txn_id[:8]} card {mask_serial(p.card_serial)}" for p in rows]


# --- recent log lines -----------------------------------------------------------------------
class LogRing(logging.Handler):
    """The last `size` log records (WARNING and above by default) for the service screen."""

    def __init__(self, size: int = 200, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.lines: collections.deque[str] = collections.deque(maxlen=size)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                            "%m-%d %H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - logging must never raise into the caller
            self.handleError(record)

    def tail(self, n: int = 30) -> list[str]:
        return list(self.lines)[-n:]
