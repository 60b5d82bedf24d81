"""INV-1..INV-5 under SIGKILL at every named crash point (x KIOSK_CRASH_SCALE, default 20),
at random instants (in the purchase and in recovery), and proof that the harness fails
when a planted bug is switched on."""
from __future__ import annotations

import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.crashpoints import ALL_POINTS

from .crash_harness import (
    CaseResult,
    Scenario,
    run_case,
    run_child,
    run_purchase,
    trace_recovery,
    trace_scenario,
)

SCALE = int(os.environ.get("KIOSK_CRASH_SCALE", "20"))
SEEDS = range(32)
PLANTED_ONLY = {"outbox:marked"}
MATRIX_POINTS = [p for p in ALL_POINTS if p not in PLANTED_ONLY]

pytestmark = pytest.mark.crash


@dataclass
class Traces:
    base: Path
    elapsed: dict[int, float] = field(default_factory=dict)
    # point -> [(seed, hits)] reached while buying
    run: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    # point -> [(seed, first kill point, hits)] reached only while recovering
    recover: dict[str, list[tuple[int, str, int]]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Traces]:
    # The harness kills processes, it does not cut power: the page cache survives a SIGKILL,
    # so a tmpfs (where fsync costs nothing) tests exactly the same thing, faster.
    shm = Path("/dev/shm")
    base = (Path(tempfile.mkdtemp(prefix="kiosk-crash-", dir=shm)) if shm.is_dir()
            else tmp_path_factory.mktemp("crash"))
    try:
        yield _build_traces(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _build_traces(base: Path) -> Traces:
    run_purchase(base / "warm-up", Scenario.make(1))  # import everything before forking
    t = Traces(base)
    per_seed: dict[int, list[str]] = {}
    for seed in SEEDS:
        trace, elapsed = trace_scenario(base, Scenario.make(seed))
        t.elapsed[seed] = elapsed
        per_seed[seed] = trace
        for p in sorted(set(trace)):
            t.run.setdefault(p, []).append((seed, trace.count(p)))
    missing = {p for p in MATRIX_POINTS if p not in t.run}
    for seed in SEEDS:  # find recovery paths through the points no purchase reaches
        if not missing:
            break
        for first in dict.fromkeys(per_seed[seed]):
            found = set(trace_recovery(base, Scenario.make(seed), first)) & missing
            for p in found:
                t.recover.setdefault(p, []).append((seed, first, 1))
            missing -= found
            if not missing:
                break
    return t


def _report(failures: list[CaseResult]) -> str:
    return "\n".join(f"{f.point}@{f.nth} seed={f.seed}: {f.violations or f.error[-800:]}"
                     for f in failures[:10])


@pytest.mark.parametrize("point", MATRIX_POINTS)
def test_kill_at_every_point(point: str, traces: Traces) -> None:
    failures: list[CaseResult] = []
    killed = 0
    if point in traces.run:
        cands = traces.run[point]
        for i in range(SCALE):
            seed, hits = cands[i % len(cands)]
            nth = 1 + (i // len(cands)) % hits
            r = run_case(traces.base, Scenario.make(seed), point, nth)
            killed += r.killed
            if r.error or r.violations:
                failures.append(r)
    else:
        rc = traces.recover.get(point)
        assert rc, f"crash point {point} is reached by no scenario, buying or recovering"
        for i in range(SCALE):  # kill the purchase, then kill its recovery at the point
            seed, first, _ = rc[i % len(rc)]
            r = run_case(traces.base, Scenario.make(seed), first, 1, recover_point=point)
            killed += r.killed
            if r.error or r.violations:
                failures.append(r)
    assert not failures, _report(failures)
    assert killed == SCALE, f"only {killed} of {SCALE} runs were killed at {point}"


def test_kill_at_random_instants(traces: Traces) -> None:
    rng = random.Random(20261122)
    failures: list[CaseResult] = []
    killed = 0
    n = SCALE * 5
    for _ in range(n):
        seed = rng.choice(list(SEEDS))
        budget = traces.elapsed[seed]
        recover_kill = rng.uniform(0, budget / 2) if rng.random() < 0.3 else None
        r = run_case(traces.base, Scenario.make(seed), None, kill_after_s=rng.uniform(0, budget),
                     recover_kill_after_s=recover_kill)
        killed += r.killed
        if r.error or r.violations:
            failures.append(r)
    assert not failures, _report(failures)
    assert killed > n // 3, f"random kills landed in only {killed} of {n} runs"


def _planted_violations(traces: Traces, bug: str, points: list[str]) -> list[str]:
    found: list[str] = []
    for point in points:
        for seed, hits in traces.run.get(point, []) or [(s, 1) for s in SEEDS]:
            r = run_case(traces.base, Scenario.make(seed), point, 1, planted=bug)
            found += r.violations
            if r.error and "planted" not in r.error:
                found.append("error: " + r.error[-200:])
    return found


def test_harness_catches_blind_card_rewrite(traces: Traces) -> None:
    """Recovery that rewrites the card without checking its sequence/ATC double-credits."""
    v = _planted_violations(traces, "recovery_blind_rewrite",
                            ["effect:card_write:after", "before:card_done"])
    assert any(x.startswith("INV-2") for x in v), v
    assert any(x.startswith("INV-1") for x in v), v


def test_harness_catches_outbox_marked_before_answer(traces: Traces) -> None:
    """An outbox row marked sent before the server answered is lost on a crash."""
    seeds = [seed for seed, _ in traces.run["effect:upload:before"]][:3]
    v: list[str] = []
    for seed in seeds:
        r = run_case(traces.base, Scenario.make(seed), "outbox:marked", 1,
                     planted="outbox_mark_before_send")
        assert r.killed, "the planted point was not reached"
        v += r.violations
    assert any(x.startswith("INV-3") for x in v), v
    assert any(x.startswith("INV-4") for x in v), v


def test_same_points_without_bug_are_clean(traces: Traces) -> None:
    """The control: the points the planted bugs use are clean without the bugs."""
    for point in ("effect:card_write:after", "before:card_done", "effect:upload:before"):
        for seed, _ in traces.run[point][:4]:
            r = run_case(traces.base, Scenario.make(seed), point, 1)
            assert r.killed and not r.violations and not r.error, r


def test_child_killed_while_writing_its_trace_leaves_no_half_file(tmp_path: Path) -> None:
    """A random-instant kill can land after the purchase, while the child writes its trace
    (CI found one: an empty trace file read as JSON). The write is atomic, so the harness
    sees a whole trace or none."""
    import signal

    parent = os.getpid()
    real_write = Path.write_text

    def write_half_then_die(self: Path, data: str, *a: object, **kw: object) -> int:
        if os.getpid() != parent:
            real_write(self, data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        return real_write(self, data)

    trace_file = tmp_path / "case.t1"
    orig = Path.write_text
    Path.write_text = write_half_then_die  # type: ignore[method-assign,assignment]
    try:
        res = run_child(lambda: None, {}, None, trace_file)
    finally:
        Path.write_text = orig  # type: ignore[method-assign]
    assert res.killed
    assert res.trace == [] and res.error == ""
    assert not trace_file.exists()


def test_child_killed_while_copying_its_journal_leaves_no_half_journal(tmp_path: Path) -> None:
    """The same race one step earlier: a random kill in the first copy of the journal
    template. The restarted kiosk must find a whole journal or none, never half of one."""
    import signal

    from . import world

    parent = os.getpid()
    real_copy = shutil.copyfile

    def copy_half_then_die(src: Path, dst: Path, *a: object, **kw: object) -> Path:
        if os.getpid() != parent:
            data = Path(src).read_bytes()
            Path(dst).write_bytes(data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        return real_copy(src, dst)

    d = tmp_path / "case"
    world.shutil.copyfile = copy_half_then_die  # type: ignore[assignment]
    try:
        res = run_child(lambda: world.World.open(d).close(), {}, None, tmp_path / "case.t1")
    finally:
        world.shutil.copyfile = real_copy  # type: ignore[assignment]
    assert res.killed
    assert not (d / "journal.db").exists()
    w = world.World.open(d)  # the restart
    try:
        assert w.journal.raw("PRAGMA integrity_check") == [("ok",)]
    finally:
        w.close()
