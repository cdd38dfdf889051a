"""File → Models…: the models on this computer, and downloads from Hugging Face."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reasoner_desktop.inference import hub
from reasoner_desktop.inference.errors import ModelLoadError
from reasoner_desktop.inference.library import LibraryError, ModelLibrary, describe, recommended_models
from reasoner_desktop.ui.model_settings import ModelSettingsDialog
from reasoner_desktop.ui.remote_tab import RemoteTab
from reasoner_desktop.workers.download_worker import DownloadWorker


def _gb(n) -> str:
    if not n:
        return ""
    return f"{n / 2**30:.2f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def _duration(seconds) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


class ModelsDialog(QDialog):
    modelChosen = Signal(str)  # library entry name
    settingsChanged = Signal(str)  # library entry name
    searchRequested = Signal(str)
    filesRequested = Signal(str)
    downloadRequested = Signal(str, object)

    def __init__(self, library: ModelLibrary, worker: DownloadWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelsDialog")
        self.setWindowTitle(self.tr("Models"))
        self.resize(900, 560)
        self.library = library
        self.worker = worker
        self.files: list = []
        self.repo_id = ""
        self.downloading = False

        self.tabs = QTabWidget()
        self.tabs.addTab(self._local_tab(), self.tr("On this computer"))
        self.tabs.addTab(self._hub_tab(), self.tr("Download from Hugging Face"))
        self.remote = RemoteTab(library)
        self.tabs.addTab(self.remote, self.tr("Remote"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

        # dialog -> worker (queued: the worker lives on its own thread)
        self.searchRequested.connect(worker.search)
        self.filesRequested.connect(worker.listFiles)
        self.downloadRequested.connect(worker.download)
        # worker -> dialog
        worker.searchDone.connect(self._on_search_done)
        worker.filesDone.connect(self._on_files_done)
        worker.progress.connect(self._on_progress)
        worker.downloaded.connect(self._on_downloaded)
        worker.failed.connect(self._on_failed)
        self.remote.probeRequested.connect(worker.probeRemote)
        worker.remoteProbed.connect(self.remote.on_probed)
        self.remote.added.connect(self._on_remote_added)
        self.refresh_library()

    # -- this computer ---------------------------------------------------------------

    def _local_tab(self) -> QWidget:
        self.library_table = QTableWidget(0, 7)
        self.library_table.setObjectName("libraryTable")
        self.library_table.setHorizontalHeaderLabels(
            [self.tr(h) for h in ("Name", "Source", "Size", "Quantisation", "Architecture", "Trained context", "Thinking")])
        self._table_style(self.library_table)
        self.library_table.doubleClicked.connect(lambda _: self._use())
        use = QPushButton(self.tr("Use this model"))
        use.setObjectName("useModelButton")
        use.clicked.connect(self._use)
        add = QPushButton(self.tr("Add GGUF file…"))
        add.setObjectName("addModelButton")
        add.clicked.connect(self._add_file)
        remove = self.remove_button = QPushButton(self.tr("Remove"))
        remove.setObjectName("removeModelButton")
        remove.clicked.connect(self._remove)
        self.library_table.itemSelectionChanged.connect(self._selection_changed)
        settings = self.settings_button = QPushButton(self.tr("Settings…"))
        settings.setObjectName("modelSettingsButton")
        settings.clicked.connect(self.edit_settings)
        buttons = QHBoxLayout()
        for b in (use, settings, add, remove):
            buttons.addWidget(b)
        buttons.addStretch(1)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.library_table)
        layout.addLayout(buttons)
        return tab

    @staticmethod
    def _table_style(table: QTableWidget) -> None:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def refresh_library(self) -> None:
        rows = [describe(e) for e in self.library.entries()]
        self.library_table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = [row["name"], self._source(row), _gb(row.get("size_bytes")), row.get("quantization", ""),
                     row.get("architecture", ""), str(row.get("context_length") or ""),
                     self._thinking(row.get("reasoning_format", "")) if "error" not in row else row["error"]]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row["name"])
                item.setToolTip(row["path"])
                self.library_table.setItem(r, c, item)
        self.library_table.resizeColumnsToContents()
        self.library_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self._selection_changed()

    def _on_remote_added(self, name: str) -> None:
        self.refresh_library()
        self.modelChosen.emit(name)
        self.accept()

    def _thinking(self, fmt: str) -> str:
        return self.tr("prompted only") if fmt == "none" else fmt

    def _source(self, row: dict) -> str:
        if row["source"] == "downloaded":
            return self.tr("Hugging Face · %1").replace("%1", row.get("repo_id") or "")
        if row["source"] == "remote":
            return self.tr("Server · %1").replace("%1", row["remote"].get("base_url", ""))
        return self.tr("Bundled") if row["source"] == "bundled" else self.tr("Your file")

    def _selected_name(self) -> str | None:
        items = self.library_table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _selection_changed(self) -> None:
        name = self._selected_name()
        entry = self.library.get(name) if name else None
        bundled = entry is not None and entry.source == "bundled"
        self.remove_button.setEnabled(entry is not None and not bundled)
        self.remove_button.setToolTip(self.tr("The bundled model comes with the app and cannot be removed")
                                      if bundled else "")
        remote = entry is not None and entry.source == "remote"
        self.settings_button.setEnabled(not remote)
        self.settings_button.setToolTip(self.tr("A remote model runs as its server is set up") if remote else "")

    def _use(self) -> None:
        name = self._selected_name()
        if name:
            self.modelChosen.emit(name)
            self.accept()

    def edit_settings(self) -> ModelSettingsDialog | None:
        name = self._selected_name()
        entry = self.library.get(name) if name else None
        if entry is None:
            return None
        dialog = ModelSettingsDialog(self.library, entry, self)
        dialog.accepted.connect(lambda: (self.refresh_library(), self.settingsChanged.emit(entry.name)))
        dialog.open()
        return dialog

    def add_path(self, path: str) -> str | None:
        try:
            entry = self.library.add(path)
        except (LibraryError, ModelLoadError) as exc:
            QMessageBox.warning(self, self.tr("Cannot add this file"), str(exc))
            return None
        self.refresh_library()
        return entry.name

    def _add_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Add a GGUF model"), "", self.tr("GGUF models (*.gguf)"))
        if path:
            self.add_path(path)

    def _remove(self) -> None:
        name = self._selected_name()
        entry = self.library.get(name) if name else None
        if entry is None:
            return
        files = self.library.deletes_files(entry)
        if files:
            size = sum(f.stat().st_size for f in files)
            question = self.tr("Remove %1 and delete its downloaded file (%2) from this computer?"
                               ).replace("%1", name).replace("%2", _gb(size))
        else:
            question = self.tr("Remove %1 from the list? The file stays where it is on disk.").replace("%1", name)
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Remove model"), question,
                          QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("confirmRemoveDialog")
        box.setTextFormat(Qt.TextFormat.PlainText)
        delete = box.addButton(self.tr("Delete") if files else self.tr("Remove"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is not delete:
            return
        try:
            self.library.remove(name)
        except LibraryError as exc:
            QMessageBox.warning(self, self.tr("Cannot remove"), str(exc))
            return
        self.refresh_library()

    # -- Hugging Face ----------------------------------------------------------------

    def _hub_tab(self) -> QWidget:
        self.search_box = QLineEdit()
        self.search_box.setObjectName("hubSearch")
        self.search_box.setPlaceholderText(self.tr("Search GGUF models, e.g. qwen3 or deepseek r1"))
        self.search_box.returnPressed.connect(self.search)
        search = QPushButton(self.tr("Search"))
        search.setObjectName("hubSearchButton")
        search.clicked.connect(self.search)
        top = QHBoxLayout()
        top.addWidget(self.search_box, 1)
        top.addWidget(search)

        self.repo_list = QListWidget()
        self.repo_list.setObjectName("repoList")
        self.repo_list.setWordWrap(True)
        self.repo_list.setSpacing(2)
        self.repo_list.currentItemChanged.connect(self._on_repo_selected)
        self.file_table = QTableWidget(0, 4)
        self.file_table.setObjectName("fileTable")
        self.file_table.setHorizontalHeaderLabels([self.tr(h) for h in ("File", "Size", "Quantisation", "")])
        self._table_style(self.file_table)
        self.file_table.itemSelectionChanged.connect(self._sync_download_label)
        lists = QHBoxLayout()
        lists.addWidget(self.repo_list, 2)
        lists.addWidget(self.file_table, 3)

        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setObjectName("downloadButton")
        self.download_button.clicked.connect(self.download_selected)
        self.cancel_button = QPushButton(self.tr("Cancel download"))
        self.cancel_button.setObjectName("cancelDownloadButton")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_download)
        self.progress = QProgressBar()
        self.progress.setObjectName("downloadProgress")
        self.progress.setRange(0, 1000)
        self.status = QLabel(self.tr("Recommended reasoning models for laptops are listed; or search the hub."))
        self.status.setObjectName("hubStatus")
        self.status.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.download_button)
        bottom.addWidget(self.cancel_button)

        for rec in recommended_models():
            item = QListWidgetItem(f"{rec['repo_id']}\n    ~{rec['size_gb']:.1f} GB · {rec['note']}")
            item.setData(Qt.ItemDataRole.UserRole, rec["repo_id"])
            item.setToolTip(rec["file"])
            self.repo_list.addItem(item)

        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(top)
        layout.addLayout(lists, 1)
        layout.addWidget(self.status)
        layout.addLayout(bottom)
        return tab

    def search(self) -> None:
        self.status.setText(self.tr("Searching…"))
        self.searchRequested.emit(self.search_box.text().strip())

    def _on_search_done(self, query: str, repos: list) -> None:
        self.repo_list.clear()
        for repo in repos:
            item = QListWidgetItem(repo)
            item.setData(Qt.ItemDataRole.UserRole, repo)
            self.repo_list.addItem(item)
        self.status.setText(self.tr("%n repository(ies) found.", "", len(repos)) if repos else
                            self.tr("No GGUF repositories match “%1”.").replace("%1", query))

    def _on_repo_selected(self, item: QListWidgetItem | None, _prev=None) -> None:
        if item is None:
            return
        self.repo_id = item.data(Qt.ItemDataRole.UserRole)
        self.file_table.setRowCount(0)
        self.status.setText(self.tr("Listing the files of %1…").replace("%1", self.repo_id))
        self.filesRequested.emit(self.repo_id)

    def _on_files_done(self, repo_id: str, files: list, suggested: str) -> None:
        if repo_id != self.repo_id:
            return
        self.files = files
        self.file_table.setRowCount(len(files))
        for r, f in enumerate(files):
            note = self.tr("best fit for this computer") if f.name == suggested else (
                self.tr("%n part(s)", "", len(f.parts)) if len(f.parts) > 1 else "")
            for c, text in enumerate([f.name, _gb(f.size), f.quant, note]):
                self.file_table.setItem(r, c, QTableWidgetItem(text))
            if f.name == suggested:
                self.file_table.selectRow(r)
        self.file_table.resizeColumnsToContents()
        self.file_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.status.setText(self.tr("%n GGUF file(s). The suggestion is the largest that fits in free memory.", "",
                                    len(files)) if files else self.tr("This repository has no GGUF files."))

    def _selected_file(self):
        rows = {i.row() for i in self.file_table.selectedItems()}
        return self.files[min(rows)] if rows and min(rows) < len(self.files) else None

    def _sync_download_label(self) -> None:
        """"Resume download" where a part of the selected file is already on disk."""
        f = self._selected_file()
        folder = self.library.download_dir(self.repo_id) if self.repo_id else None
        partial = bool(f and folder and any((folder / (p + hub.PART_SUFFIX)).exists() for p in f.parts))
        self.download_button.setText(self.tr("Resume download") if partial else self.tr("Download"))

    def download_selected(self) -> None:
        model = self._selected_file()
        if model is None or self.downloading:
            return
        self.downloading = True
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(self.tr("Starting the download of %1…").replace("%1", model.name))
        self.downloadRequested.emit(self.repo_id, model)

    def cancel_download(self) -> None:
        # A direct call from the GUI thread: the worker's thread is busy in the download loop,
        # so a queued call would only run after the download ended.
        self.worker.cancel()
        self.status.setText(self.tr("Cancelling…"))

    def _on_progress(self, p: dict) -> None:
        self.progress.setValue(int(1000 * p["done"] / p["total"]) if p["total"] else 0)
        if p["phase"] == "verifying":
            self.status.setText(self.tr("Checking %1 against the hub's sha256…").replace("%1", p["filename"]))
            return
        self.status.setText(
            f"{p['filename']}: {p['done'] / 2**20:,.1f} / {p['total'] / 2**20:,.1f} MB · "
            f"{p['speed'] / 2**20:.1f} MB/s · " + self.tr("%1 left").replace("%1", _duration(p["eta_seconds"])))

    def _download_ended(self) -> None:
        self.downloading = False
        self.download_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self._sync_download_label()

    def _on_downloaded(self, name: str, path: str) -> None:
        self._download_ended()
        self.progress.setValue(1000)
        self.status.setText(self.tr("Downloaded and verified: %1. Find it under “On this computer”.")
                            .replace("%1", name))
        self.refresh_library()

    def _on_failed(self, message: str) -> None:
        self._download_ended()
        self.status.setText(message)
