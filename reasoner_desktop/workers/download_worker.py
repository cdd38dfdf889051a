"""Hugging Face search, listing and downloads on their own QThread (network never blocks the GUI)."""

from __future__ import annotations

import threading
from dataclasses import asdict

from PySide6.QtCore import QObject, Signal, Slot

from reasoner_desktop.inference import hub, starter_model
from reasoner_desktop.inference.hardware import available_memory
from reasoner_desktop.inference.library import LibraryError, ModelLibrary
from reasoner_desktop.logs import record_crash, unexpected_error_sentence


class DownloadWorker(QObject):
    searchDone = Signal(str, list)  # query, [repo ids]
    filesDone = Signal(str, list, str)  # repo id, [GGUFFile], suggested name ("" if none fits)
    progress = Signal(dict)  # hub.Progress as a dict
    downloaded = Signal(str, str)  # library entry name, path
    failed = Signal(str)  # one sentence (hub down, checksum, disk, cancelled...)
    remoteProbed = Signal(list, str)  # a server's model ids, or [] and one sentence

    def __init__(self, library: ModelLibrary) -> None:
        super().__init__()
        self.library = library
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Thread-safe: stop the running download before its next chunk (the partial file stays)."""
        self._cancel.set()

    def _guarded(self, action: str, job) -> None:
        """Run one job; any failure becomes one sentence on `failed` (the dialog never waits forever)."""
        try:
            job()
        except (hub.HubError, LibraryError) as exc:
            self.failed.emit(str(exc))
        except OSError as exc:
            self.failed.emit(f"{action} failed: {exc.strerror or exc}")
        except Exception as exc:  # noqa: BLE001
            record_crash(exc, action)
            self.failed.emit(unexpected_error_sentence(exc, action))

    @Slot(str)
    def search(self, query: str) -> None:
        self._guarded("The search", lambda: self.searchDone.emit(
            query, [h.repo_id for h in hub.search_gguf_repos(query)]))

    @Slot(str)
    def listFiles(self, repo_id: str) -> None:
        def job() -> None:
            files = hub.list_gguf_files(repo_id)
            best = hub.suggest(files, available_memory())
            self.filesDone.emit(repo_id, files, best.name if best else "")

        self._guarded("Listing the files", job)

    @Slot(str, object)
    def download(self, repo_id: str, model: hub.GGUFFile) -> None:
        self._cancel.clear()

        def job() -> None:
            result = hub.download(repo_id, model, self.library.download_dir(repo_id),
                                  progress=lambda p: self.progress.emit(asdict(p)), cancel=self._cancel.is_set)
            entry = self.library.add_downloaded(result.path, repo_id, model.name,
                                                result.sha256[0] if result.sha256 else None)
            self.downloaded.emit(entry.name, entry.path)

        self._guarded("The download", job)

    @Slot(str, str, str)
    def probeRemote(self, base_url: str, api_key: str, kind: str) -> None:
        """Models → Remote → Test connection: the server's /models, on this thread (the network never
        blocks the window)."""
        from reasoner_desktop.inference.remote import RemoteEngine, RemoteError, RemoteSettings

        try:
            engine = RemoteEngine("probe", RemoteSettings(base_url.rstrip("/"), "", api_key=api_key or None,
                                                          kind=kind), check=False)
            try:
                self.remoteProbed.emit(engine.list_models(), "")
            finally:
                engine.close()
        except RemoteError as exc:
            self.remoteProbed.emit([], str(exc))
        except Exception as exc:  # noqa: BLE001 - the dialog must not wait forever
            record_crash(exc, "testing a remote server")
            self.remoteProbed.emit([], unexpected_error_sentence(exc, "Testing the connection"))

    @Slot()
    def fetchStarter(self) -> None:
        """The starter model for a pip install (see inference/starter_model.py); `downloaded` names it."""
        self._cancel.clear()

        def job() -> None:
            path = starter_model.download_starter_model(
                self.library.data_dir, progress=lambda p: self.progress.emit(asdict(p)), cancel=self._cancel.is_set)
            self.downloaded.emit(path.stem, str(path))

        self._guarded("The download", job)
