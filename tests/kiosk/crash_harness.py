"""The crash harness: run a purchase in a forked child process, SIGKILL it at a named crash
point (or at a random instant), restart, recover, sync, and check INV-1..INV-5.

A forked child is a real separate process with its own SQLite connection; fork (not exec)
keeps each run at a few milliseconds so the matrix can run every point x N."""
from __future__ import annotations

import faulthandler
import gc
import json
import os
import random
import signal
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select

from kiosk import crashpoints
from kiosk.errors import KioskError, NoteJammed
from kiosk.journal.models import Purchase
from kiosk.journal.store import verify_chain
from kiosk.outbox import drain
from kiosk.ports import PaymentMethod
from kiosk.purchase.states import S

from .world import World

CHILD_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Scenario:
    seed: int
    tech: str
    method: str
    mode: str
    value: int  # fen or units
    notes: tuple[int, ...]
    # None | "card_refuses" | "paper_out" | "pulled_applied" | "pulled_dropped" | "declined" |
    # "no_notes" | "jam" (one note: it jams while stacking; several: the first sticks in the
    # transport before escrow, its value never known)
    fault: str | None
    tier_units: int

    @classmethod
    def make(cls, seed: int) -> Scenario:
        rng = random.Random(seed)
        tech = rng.choice(["ic", "cpu"])
        method = rng.choice(["cash", "qr"])
        mode = rng.choice(["amount", "volume"])
        faults: list[str | None] = [None, None, "card_refuses", "paper_out", "pulled_applied",
                                    "pulled_dropped"]
        faults += ["declined"] if method != "cash" else ["no_notes", "jam"]
        fault = rng.choice(faults)
        tier_units = rng.choice([0, 34900, 49990])
        if mode == "amount":
            value = rng.choice([2000, 5000, 7000, 15000, 38800])
        else:
            value = rng.choice([500, 1234, 2500, 6000])
        notes: list[int] = []
        if method == "cash" and fault != "no_notes":
            target = value if mode == "amount" else value * 5  # enough for any tier
            left = target
            for d in (10000, 5000, 2000, 1000, 500, 100):
                while left >= d and len(notes) < 6:
                    notes.append(d)
                    left -= d
            if rng.random() < 0.5:
                notes.append(10000)  # one note too many: must be returned, never taken
        return cls(seed, tech, method, mode, value, tuple(notes), fault, tier_units)


def open_world(d: Path, sc: Scenario) -> World:
    return World.open(d, tech=sc.tech, notes=sc.notes,
                      card_kw={"tier_units": sc.tier_units, "seq": 5, "balance_fen": 1000})


def run_purchase(d: Path, sc: Scenario) -> None:
    """What the kiosk does for one resident, start to end (the child's work)."""
    w = open_world(d, sc)
    try:
        if sc.fault == "card_refuses":
            w.card.set(refuse_writes=True)
        if sc.fault == "paper_out":
            w.printer.set(fail_next=True)
        if sc.fault in ("pulled_applied", "pulled_dropped"):
            w.card.set(pull_on_write={"pulled_applied": "apply", "pulled_dropped": "drop"}[sc.fault])
        if sc.fault == "declined":
            w.payment.state.save({**w.payment.dump(), "decline": True})
        svc = w.svc
        check = svc.check_card(w.card.read())
        method = PaymentMethod(sc.method)
        txn = svc.begin(check, sc.mode, sc.value, method)
        if method is PaymentMethod.CASH:
            w.acceptor.enable(10000)
            target = svc.target_fen(txn)
            if sc.fault == "jam" and len(sc.notes) > 1:
                w.acceptor.set(jam_intake=0)  # the first note sticks in the transport: value unknown
            elif sc.fault == "jam":
                w.acceptor.set(jam_next=True)  # the only note jams while stacking: value known
            while w.acceptor.dump()["queue"] and svc.get(txn).paid_fen < target:
                try:
                    svc.take_note(txn, w.acceptor)
                except NoteJammed:
                    break  # the resident is told; the purchase goes on with what was stacked
            w.acceptor.escrow()
            w.acceptor.return_escrow()
            w.acceptor.inhibit()
            state = svc.finish_payment(txn)
        else:
            state = svc.pay_electronic(txn, w.payment)
        if state is S.PAID:
            state = svc.write_card(txn, w.card)
            if state is S.MANUAL_REVIEW:  # the resident puts the card back in
                w.recovery().reconcile_card(w.card.read().serial, w.card)
            elif state is S.CARD_FAILED:
                svc.fail_without_credit(txn, None if method is PaymentMethod.CASH else w.payment)
            elif state is S.CARD_DONE:
                svc.print_receipt(txn)
                svc.close(txn)
        drain(w.journal, w.server, svc.ctx.clock)
    finally:
        w.close()


def recover_and_sync(d: Path, sc: Scenario) -> None:
    """The kiosk restarting: recovery before any new money, then the outbox drains."""
    w = open_world(d, sc)
    try:
        w.card.set(refuse_writes=False)
        w.recovery().run()
        drain(w.journal, w.server, w.svc.ctx.clock)
    finally:
        w.close()


@dataclass
class ChildResult:
    killed: bool
    exit_code: int | None
    trace: list[str] = field(default_factory=list)
    error: str = ""


_FROZEN = False


def run_child(fn: Callable[[], None], env: dict[str, str], kill_after_s: float | None = None,
              trace_file: Path | None = None) -> ChildResult:
    # Freeze once, after the imports and the warm-up: the child then does not touch (and
    # copy) the parent's pages of long-lived objects. Freezing before every fork made each
    # case's garbage permanent: the soak grew 0.4 MB a case, 2 GB a worker after 6 000 cases.
    global _FROZEN
    if not _FROZEN:
        gc.collect()
        gc.freeze()
        _FROZEN = True
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        if trace_file is not None:  # a hung child reports its stacks and dies: never hangs CI
            hang = open(trace_file.with_suffix(".hang"), "w")  # noqa: SIM115
            faulthandler.dump_traceback_later(CHILD_TIMEOUT_S, exit=True, file=hang)
        try:
            os.environ.update(env)
            crashpoints.configure_from_env()
            if kill_after_s is not None:
                threading.Timer(kill_after_s, os.kill, (os.getpid(), signal.SIGKILL)).start()
            fn()
        except BaseException:  # noqa: BLE001 - reported through the exit code and a file
            code = 3
            if trace_file is not None:
                trace_file.with_suffix(".err").write_text(traceback.format_exc())
        if trace_file is not None:  # atomically: the random-instant kill may land right here
            part = trace_file.with_suffix(".part")
            part.write_text(json.dumps(crashpoints.trace))
            os.replace(part, trace_file)
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    res = ChildResult(killed, None if killed else os.WEXITSTATUS(status))
    if trace_file is not None:
        if trace_file.exists():
            res.trace = json.loads(trace_file.read_text())
        for suffix in (".err", ".hang"):
            f = trace_file.with_suffix(suffix)
            if f.exists() and f.stat().st_size:
                res.error += f.read_text()
    return res


# --- the invariants ---------------------------------------------------------------------
def check_invariants(d: Path, sc: Scenario) -> list[str]:
    v: list[str] = []
    w = open_world(d, sc)
    try:
        card, acc, pay = w.card.dump(), w.acceptor.dump(), w.payment.dump()
        purchases: list[Purchase] = w.journal.call(lambda s: list(s.scalars(select(Purchase))))
        # INV-5
        ic = w.journal.raw("PRAGMA integrity_check")
        if ic != [("ok",)]:
            v.append(f"INV-5 integrity_check: {ic}")
        try:
            w.journal.call(verify_chain)
        except KioskError as exc:
            v.append(f"INV-5 hash chain: {exc}")
        # INV-2: a transaction changes a card at most once
        per_txn: dict[str, int] = {}
        for wr in card["writes"]:
            per_txn[wr["txn"]] = per_txn.get(wr["txn"], 0) + 1
        for txn, n in per_txn.items():
            if n > 1:
                v.append(f"INV-2 txn {txn[:8]} changed the card {n} times")
        for p in purchases:
            if p.state in (S.CARD_DONE.value, S.RECEIPT_DONE.value, S.RECEIPT_FAILED.value,
                           S.OUTBOX.value, S.ACKED.value) and p.counter_after is not None:
                if per_txn.get(p.txn_id, 0) != 1:
                    v.append(f"INV-2 journal says txn {p.txn_id[:8]} credited, card disagrees")
            elif per_txn.get(p.txn_id, 0) and p.state != S.MANUAL_REVIEW.value:
                v.append(f"INV-2 card carries txn {p.txn_id[:8]}, journal says {p.state}")
        # INV-1: conservation. A note jammed inside the acceptor was taken from the resident
        # and is not counted: it is held for review (the journal's jammed cash notes)
        taken = (sum(acc["stacked"]) + sum(acc["jammed"]) + sum(pay["charges"].values())
                 - sum(pay["refunds"].values()))
        written = sum(wr["amount"] for wr in card["writes"])
        remainder = sum(p.remainder_fen for p in purchases)
        jammed = w.journal.raw("SELECT coalesce(sum(denom_fen), 0) FROM cash_notes"
                               " WHERE state = 'jammed'")[0][0]
        review = sum(p.review_fen for p in purchases) + jammed
        if taken != written + remainder + review:
            v.append(f"INV-1 taken {taken} != written {written} + remainder {remainder}"
                     f" + review {review} (jammed {jammed})")
        journal_paid = sum(p.paid_fen - p.refunded_fen for p in purchases) + jammed
        if journal_paid != taken:
            v.append(f"INV-1 journal says {journal_paid} taken, devices say {taken}")
        # a note stuck in the transport before validation is no money taken (its value was
        # never known), but each one is held for staff: a journal row of unknown value
        unknown = w.journal.raw("SELECT count(*) FROM journal WHERE kind = 'cash.note_jammed_unknown'")[0][0]
        if unknown != len(acc.get("stuck", [])):
            v.append(f"INV-1 {len(acc.get('stuck', []))} notes stuck in the acceptor's transport,"
                     f" the journal holds {unknown} for staff")
        # INV-4: nothing open but MANUAL_REVIEW
        for p in purchases:
            if p.state not in (S.ACKED.value, S.MANUAL_REVIEW.value):
                v.append(f"INV-4 txn {p.txn_id[:8]} left in {p.state}")
        unsent = w.journal.raw("SELECT count(*) FROM outbox WHERE sent = 0")[0][0]
        if unsent:
            v.append(f"INV-4 {unsent} outbox rows unsent")
        # INV-3: the server holds exactly the journal, once
        jrows = w.journal.raw("SELECT kiosk_id, seq, txn_id, kind, body, row_hash FROM journal"
                              " ORDER BY seq")
        srows = w.server.rows()
        if [tuple(r) for r in jrows] != [tuple(r) for r in srows]:
            missing = {r[1] for r in jrows} - {r[1] for r in srows}
            extra = {r[1] for r in srows} - {r[1] for r in jrows}
            v.append(f"INV-3 server ledger differs: missing seqs {sorted(missing)[:5]},"
                     f" extra {sorted(extra)[:5]}")
        for p in purchases:
            last = [json.loads(r[4]) for r in srows if r[2] == p.txn_id and r[3].startswith("purchase.")]
            if last and (last[-1].get("paid_fen"), last[-1].get("cost_fen")) != (p.paid_fen, p.cost_fen):
                v.append(f"INV-3 server amounts for {p.txn_id[:8]} differ from the journal")
    finally:
        w.close()
    return v


def db_integrity_standalone(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


@dataclass
class CaseResult:
    point: str
    nth: int
    seed: int
    killed: bool
    violations: list[str]
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _env(point: str | None, nth: int, planted: str, trace: bool = False) -> dict[str, str]:
    return {"KIOSK_CRASH_AT": f"{point}@{nth}" if point else "", "KIOSK_PLANTED_BUG": planted,
            "KIOSK_ALLOW_PLANTED": "1" if planted else "", "KIOSK_CRASH_TRACE": "1" if trace else "0"}


def run_case(base: Path, sc: Scenario, point: str | None, nth: int = 1,
             kill_after_s: float | None = None, planted: str = "",
             recover_point: str | None = None, recover_nth: int = 1,
             recover_kill_after_s: float | None = None) -> CaseResult:
    """Kill the purchase at `point` (or after kill_after_s); optionally kill the first
    recovery too (at recover_point or after recover_kill_after_s); then recover for good and
    check the invariants."""
    name = f"s{sc.seed}-{(point or 'rand').replace(':', '_')}-{nth}-{time.monotonic_ns()}"
    d = base / name
    label = point or "random"
    first = run_child(lambda: run_purchase(d, sc), _env(point, nth, planted), kill_after_s,
                      d.with_suffix(".t1"))
    if first.error:
        return CaseResult(label, nth, sc.seed, first.killed, [], "run: " + first.error)
    if recover_point or recover_kill_after_s is not None:
        mid = run_child(lambda: recover_and_sync(d, sc), _env(recover_point, recover_nth, planted),
                        recover_kill_after_s, d.with_suffix(".t2"))
        if mid.error:
            return CaseResult(label, nth, sc.seed, first.killed, [], "recover-1: " + mid.error)
    # The restart that survives runs here, in the harness process: a new SQLite connection
    # and new device objects on what the killed process left (one fork less per case).
    try:
        with _configured(_env(None, 1, planted)):
            recover_and_sync(d, sc)
    except Exception:  # noqa: BLE001 - a failed recovery is a finding, reported
        return CaseResult(label, nth, sc.seed, first.killed, [], "recover: " + traceback.format_exc())
    return CaseResult(label, nth, sc.seed, first.killed, check_invariants(d, sc))


@contextmanager
def _configured(env: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    crashpoints.configure_from_env()
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        crashpoints.configure_from_env()


def trace_recovery(base: Path, sc: Scenario, point: str, nth: int = 1) -> list[str]:
    """Kill the purchase at `point`, then trace what recovery passes through."""
    d = base / f"rtrace-{sc.seed}-{time.monotonic_ns()}"
    run_child(lambda: run_purchase(d, sc), _env(point, nth, ""), None, d.with_suffix(".t1"))
    res = run_child(lambda: recover_and_sync(d, sc), _env(None, 1, "", trace=True), None,
                    d.with_suffix(".t2"))
    if res.error:
        raise RuntimeError(f"recovery of {sc} after {point} failed: {res.error}")
    return res.trace


def trace_scenario(base: Path, sc: Scenario, planted: str = "") -> tuple[list[str], float]:
    """Run a scenario to its end once, recording every crash point reached and the time."""
    d = base / f"trace-{sc.seed}-{time.monotonic_ns()}"
    env = {"KIOSK_CRASH_AT": "", "KIOSK_CRASH_TRACE": "1", "KIOSK_PLANTED_BUG": planted,
           "KIOSK_ALLOW_PLANTED": "1" if planted else ""}
    t0 = time.perf_counter()
    res = run_child(lambda: run_purchase(d, sc), env, None, d.with_suffix(".t"))
    elapsed = time.perf_counter() - t0
    if res.error or res.exit_code:
        raise RuntimeError(f"scenario {sc} failed without a crash: {res.error}")
    return res.trace, elapsed
