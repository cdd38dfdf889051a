"""Imports on their own QThread: a 5,000-message ChatGPT chat takes seconds to parse and write, and the
window must keep painting and answering (Cancel included) meanwhile."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from reasoner_desktop.export.import_common import ImportCancelled
from reasoner_desktop.export.options import ImportFormatError
from reasoner_desktop.logs import record_crash, unexpected_error_sentence
from reasoner_desktop.services.importing import import_paths
from reasoner_desktop.storage.errors import DatabaseError
from reasoner_desktop.storage.repository import HistoryRepository


class ImportWorker(QObject):
    progress = Signal(int, int)  # conversations written, of (in the current file)
    finished = Signal(list)  # [FileReport]
    failed = Signal(str)  # one sentence; nothing of the failing file was written

    def __init__(self, repo: HistoryRepository) -> None:
        super().__init__()
        self.repo = repo
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Thread-safe: stop before the next conversation; the file's transaction rolls back. A Cancel that
        arrives before the queued import starts is honoured too (the flag is cleared when an import ends)."""
        self._cancel.set()

    @Slot(list, str, bool)
    def importFiles(self, paths: list, fmt: str, duplicate: bool) -> None:
        try:
            self._run(paths, fmt, duplicate)
        finally:
            self._cancel.clear()

    def _run(self, paths: list, fmt: str, duplicate: bool) -> None:
        try:
            reports = import_paths(self.repo, [Path(p) for p in paths], fmt=fmt or None, duplicate=duplicate,
                                   progress=self.progress.emit, cancel=self._cancel.is_set)
        except (ImportFormatError, ImportCancelled, DatabaseError) as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - the window must hear of it, and nothing was written
            record_crash(exc, "importing")
            self.failed.emit(unexpected_error_sentence(exc, "The import"))
        else:
            self.finished.emit(reports)
