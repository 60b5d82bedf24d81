"""One worker thread per reader: every call to a reader runs on its thread (asserted)."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ReaderWorker:
    def __init__(self, name: str) -> None:
        self.name = name
        self._ident: int | None = None
        self._ready = threading.Event()
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"reader[{name}]", initializer=self._init
        )
        self._executor.submit(lambda: None).result()

    def _init(self) -> None:
        self._ident = threading.get_ident()
        self._ready.set()

    @property
    def on_thread(self) -> bool:
        return threading.get_ident() == self._ident

    def assert_on_thread(self) -> None:
        assert self.on_thread, f"reader {self.name!r} used off its worker thread"

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        return self._executor.submit(fn)

    def call(self, fn: Callable[[], T], timeout: float | None = None) -> T:
        """Run fn on the worker and wait for it (re-raising its exception)."""
        if self.on_thread:
            return fn()
        return self._executor.submit(fn).result(timeout)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
