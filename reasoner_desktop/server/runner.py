"""Who runs the engine for the API server: one thread that owns it, jobs first come first served.

The command line's `serve` gives the server a ThreadRunner (a thread of its own). The window gives it a
runner that posts each job to its inference worker (workers/serve_worker.py), so that the server shares the
model the window has loaded and takes turns with the window's own questions: the engine is still touched by
one thread only."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

Job = Callable[[Any], Any]  # job(engine) -> result, run on the engine's thread


class Busy(Exception):
    """Too many requests are waiting for the model."""


class EngineRunner(Protocol):
    model_name: str
    engine: Any  # read for what it is (name, thinks_natively, max_paths, recommended_sampling), run via submit

    def submit(self, job: Job) -> Future: ...

    def waiting(self) -> int: ...


class ThreadRunner:
    """The engine on a thread of its own: one job runs, at most `max_queue` more wait their turn."""

    def __init__(self, engine, *, max_queue: int = 16) -> None:
        self.engine = engine
        self.model_name = engine.name
        self.max_queue = max_queue
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="api-engine")
        self._lock = threading.Lock()
        self._pending = 0  # running and waiting

    def waiting(self) -> int:
        return max(0, self._pending - 1)

    def submit(self, job: Job) -> Future:
        with self._lock:
            if self._pending > self.max_queue:
                raise Busy(f"{self._pending - 1} requests are already waiting for the model")
            self._pending += 1

        def run():
            try:
                return job(self.engine)
            finally:
                with self._lock:
                    self._pending -= 1

        return self._pool.submit(run)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
