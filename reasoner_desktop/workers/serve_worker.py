"""The window's Serve toggle: the API server (server/) on a thread of its own, sharing the inference worker's
engine. Each request's model work is posted to that worker as a job, so it takes turns with the window's
own questions and the engine is still touched by its one thread."""

from __future__ import annotations

import threading
from concurrent.futures import Future

from PySide6.QtCore import QObject, Signal

from reasoner_desktop.logs import record_crash
from reasoner_desktop.server.runner import Busy


class WorkerRunner(QObject):
    """server.runner.EngineRunner on the inference worker: jobs go to it through a queued signal."""

    posted = Signal(object)  # connected (queued) to ChatWorker.runJob

    def __init__(self, worker, *, max_queue: int = 16) -> None:
        super().__init__()
        self.worker = worker
        self.max_queue = max_queue
        self._lock = threading.Lock()
        self._pending = 0

    @property
    def engine(self):
        return self.worker.engine

    @property
    def model_name(self) -> str:
        engine = self.engine
        return engine.name if engine is not None else ""

    def waiting(self) -> int:
        return max(0, self._pending - 1)

    def submit(self, job) -> Future:
        with self._lock:
            if self._pending > self.max_queue:
                raise Busy(f"{self._pending - 1} requests are already waiting for the model")
            self._pending += 1
        future: Future = Future()

        def run(engine) -> None:
            try:
                if not future.set_running_or_notify_cancel():
                    return
                if engine is None:
                    raise RuntimeError("no model is loaded in the app")
                future.set_result(job(engine))
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
                if not future.done():
                    future.set_exception(exc)
            finally:
                with self._lock:
                    self._pending -= 1

        self.posted.emit(run)
        return future


class ApiServer(QObject):
    """Starts and stops the server; says where it listens, or why it could not."""

    started = Signal(str)  # the base URL
    failed = Signal(str)  # one sentence
    stopped = Signal()

    def __init__(self, runner: WorkerRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def address(self) -> str | None:
        return self._server.address if self._server is not None and self._server.started else None

    def start(self, port: int, host: str = "127.0.0.1", api_key: str | None = None) -> None:
        if self.running:
            if not self._server.should_exit:
                return  # already serving
            self._thread.join(5)  # switched off a moment ago: let it finish first
        from reasoner_desktop.server.listen import make_server

        try:
            server = make_server(self.runner, host=host, port=port, api_key=api_key,
                                 on_ready=lambda url: self.started.emit(url))
        except ValueError as exc:
            self.failed.emit(str(exc))
            return
        self._server = server

        def serve() -> None:
            try:
                server.run()
            except BaseException as exc:  # noqa: BLE001 - the window hears of it
                record_crash(exc, "serving the API")
            if not server.started:
                self.failed.emit(f"Could not listen on {host}:{port}: the port is in use, or not allowed.")
            else:
                self.stopped.emit()

        self._thread = threading.Thread(target=serve, name="api-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening; the server's thread ends by itself (open streams get a few seconds) and says
        `stopped`. Never waits: the window stays responsive."""
        if self._server is not None:
            self._server.should_exit = True

    def shutdown(self) -> None:
        """The window closes: stop, and wait for the server's thread (before the engine goes)."""
        self.stop()
        if self._thread is not None:
            self._thread.join(10)
