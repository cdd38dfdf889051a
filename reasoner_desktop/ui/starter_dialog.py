"""First start of a pip install: there is no model yet. Say what the starter model is and where it comes
from, and fetch it only when asked (or let the user open a GGUF file they already have)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from reasoner_desktop.inference import starter_model


class StarterModelDialog(QDialog):
    downloadRequested = Signal()
    cancelRequested = Signal()
    openFileRequested = Signal()
    ready = Signal(str)  # the model's library name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("starterModelDialog")
        self.setWindowTitle(self.tr("Get a model"))
        text = QLabel(self.tr(
            "Reasoner Desktop needs a model to answer, and none is installed yet.\n\n"
            "Download the starter model now? %1. It is downloaded once, its checksums are checked, and it is kept "
            "in your data folder. Nothing else is sent or installed.\n\n"
            "Or open a GGUF model file you already have, or pick one from Hugging Face under File → Models…")
            .replace("%1", starter_model.describe()))
        text.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("starterStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("starterProgress")
        self.progress.setRange(0, 1000)
        self.progress.hide()
        buttons = QDialogButtonBox()
        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setObjectName("starterDownloadButton")
        self.download_button.setDefault(True)
        self.open_button = QPushButton(self.tr("Open a GGUF file…"))
        self.open_button.setObjectName("starterOpenButton")
        self.close_button = QPushButton(self.tr("Not now"))
        self.close_button.setObjectName("starterCloseButton")
        buttons.addButton(self.download_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.download_button.clicked.connect(self._download)
        self.open_button.clicked.connect(self._open_file)
        self.close_button.clicked.connect(self.reject)
        self.downloading = False
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(560, 260)

    def _download(self) -> None:
        self.downloading = True
        self.download_button.setEnabled(False)
        self.close_button.setText(self.tr("Cancel"))
        self.progress.show()
        self.progress.setValue(0)
        self.status.setText(self.tr("Connecting to PyPI…"))
        self.downloadRequested.emit()

    def _open_file(self) -> None:
        self.accept()
        self.openFileRequested.emit()

    def reject(self) -> None:
        if self.downloading:  # Cancel: the worker stops before its next chunk and says so
            self.cancelRequested.emit()
            self.status.setText(self.tr("Cancelling…"))
            return
        super().reject()

    def on_progress(self, p: dict) -> None:
        if not self.downloading:
            return
        self.progress.setValue(int(1000 * p["done"] / p["total"]) if p["total"] else 0)
        if p["phase"] == "verifying":
            self.status.setText(self.tr("Checking the download…"))
        elif p["phase"] == "downloading":
            self.status.setText(f"{p['done'] / 1e6:,.0f} / {p['total'] / 1e6:,.0f} MB")

    def on_downloaded(self, name: str, path: str) -> None:
        if not self.downloading:
            return
        self.downloading = False
        self.progress.setValue(1000)
        self.accept()
        self.ready.emit(name)

    def on_failed(self, message: str) -> None:
        if not self.downloading:
            return
        self.downloading = False
        self.download_button.setEnabled(True)
        self.download_button.setText(self.tr("Try again"))
        self.close_button.setText(self.tr("Not now"))
        self.status.setText(message)
