"""Hugging Face search, listing and downloads on their own QThread (network never blocks the GUI)."""

from __future__ import annotations

import threading
from dataclasses import asdict

from PySide6.QtCore import QObject, Signal, Slot

from reasoner_desktop.inference import hub
from reasoner_desktop.inference.library import ModelLibrary


class DownloadWorker(QObject):
    searchDone = Signal(str, list)  # query, [repo ids]
    filesDone = Signal(str, list, str)  # repo id, [GGUFFile], suggested name ("" if none fits)
    progress = Signal(dict)  # hub.Progress as a dict
    downloaded = Signal(str, str)  # library entry name, path
    failed = Signal(str)  # one sentence (hub down, checksum, disk, cancelled...)

    def __init__(self, library: ModelLibrary) -> None:
        super().__init__()
        self.library = library
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Thread-safe: stop the running download before its next chunk (the partial file stays)."""
        self._cancel.set()

    @Slot(str)
    def search(self, query: str) -> None:
        try:
            self.searchDone.emit(query, [h.repo_id for h in hub.search_gguf_repos(query)])
        except hub.HubError as exc:
            self.failed.emit(str(exc))

    @Slot(str)
    def listFiles(self, repo_id: str) -> None:
        from reasoner_desktop.inference.engine import _available_memory

        try:
            files = hub.list_gguf_files(repo_id)
        except hub.HubError as exc:
            self.failed.emit(str(exc))
            return
        best = hub.suggest(files, _available_memory())
        self.filesDone.emit(repo_id, files, best.name if best else "")

    @Slot(str, object)
    def download(self, repo_id: str, model: hub.GGUFFile) -> None:
        self._cancel.clear()
        try:
            result = hub.download(repo_id, model, self.library.download_dir(repo_id),
                                  progress=lambda p: self.progress.emit(asdict(p)), cancel=self._cancel.is_set)
        except hub.HubError as exc:
            self.failed.emit(str(exc))
            return
        except OSError as exc:
            self.failed.emit(f"The download could not be written: {exc.strerror or exc}")
            return
        entry = self.library.add_downloaded(result.path, repo_id, model.name,
                                            result.sha256[0] if result.sha256 else None)
        self.downloaded.emit(entry.name, entry.path)
