"""Background work for the UI, as Anki's aqt/operations: one typed helper runs a function
on a worker thread and delivers its result (or its exception) to a callback on the GUI
thread, through a queued Qt signal. One `Worker` per device (card, cash, printer) and one
for the core: every call to a device runs on that device's thread, in submission order.
The GUI thread never waits on I/O."""
from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

logger = logging.getLogger(__name__)

T = TypeVar("T")


class _Bridge(QObject):
    """Lives on the GUI thread; worker threads emit, Qt queues the call to the GUI thread."""

    deliver = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.deliver.connect(self._run)

    @Slot(object)
    def _run(self, thunk: Callable[[], None]) -> None:
        try:
            thunk()
        except Exception:
            logger.exception("UI callback failed")


_bridge: _Bridge | None = None


def bridge() -> _Bridge:
    global _bridge
    if _bridge is None:
        _bridge = _Bridge()
    return _bridge


def on_gui(fn: Callable[[], None]) -> None:
    """Run fn on the GUI thread (from any thread)."""
    bridge().deliver.emit(fn)


class Worker:
    """One thread, one FIFO queue. `assert_here()` lets adapters check their calls."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._q: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name=f"ui-{name}", daemon=True)
        self._busy = 0
        self._lock = threading.Lock()
        self._thread.start()

    def _loop(self) -> None:
        while True:
            job = self._q.get()
            if job is None:
                return
            try:
                job()
            finally:
                with self._lock:
                    self._busy -= 1

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            self._busy += 1
        self._q.put(job)

    @property
    def pending(self) -> int:
        with self._lock:
            return self._busy

    def assert_here(self) -> None:
        assert threading.current_thread() is self._thread, f"not on the {self.name} worker"

    def stop(self, timeout: float = 5.0) -> None:
        self._q.put(None)
        self._thread.join(timeout)


class Op(Generic[T]):
    """Run `fn` on `worker`; `on_success(result)` or `on_failure(exc)` on the GUI thread.
    `alive()` is checked on the GUI thread before a callback: a session that was reset
    (timeout, card pulled) drops late results."""

    def __init__(self, worker: Worker, fn: Callable[[], T],
                 on_success: Callable[[T], None] | None = None,
                 on_failure: Callable[[Exception], None] | None = None,
                 alive: Callable[[], bool] = lambda: True) -> None:
        self.worker, self.fn = worker, fn
        self.on_success, self.on_failure, self.alive = on_success, on_failure, alive

    def run(self) -> None:
        b = bridge()

        def job() -> None:
            try:
                result = self.fn()
            except Exception as exc:  # noqa: BLE001 - delivered to on_failure
                logger.info("op on %s failed: %r", self.worker.name, exc)
                b.deliver.emit(lambda e=exc: self._fail(e))
                return
            b.deliver.emit(lambda: self._ok(result))

        self.worker.submit(job)

    def _ok(self, result: T) -> None:
        if self.alive() and self.on_success is not None:
            self.on_success(result)

    def _fail(self, exc: Exception) -> None:
        if not self.alive():
            return
        if self.on_failure is None:
            logger.error("unhandled op failure: %r", exc)
            return
        self.on_failure(exc)


def run_op(worker: Worker, fn: Callable[[], T], on_success: Callable[[T], None] | None = None,
           on_failure: Callable[[Exception], None] | None = None,
           alive: Callable[[], bool] = lambda: True) -> None:
    Op(worker, fn, on_success, on_failure, alive).run()


def stop_all(workers: dict[str, Worker]) -> None:
    for w in workers.values():
        w.stop()


__all__ = ["Any", "Op", "Worker", "bridge", "on_gui", "run_op", "stop_all"]
