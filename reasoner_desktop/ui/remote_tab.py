"""Models → Remote: a model on an OpenAI-compatible server (vLLM, SGLang, llama-server, Ollama, LM Studio,
another Reasoner Desktop's `serve`, a hosted API). The connection test and the model list run on the
download worker's thread; the key goes to the OS keychain (or a 0600 file, said here), never models.json."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reasoner_desktop.inference.library import LibraryError, ModelLibrary
from reasoner_desktop.inference.remote import SERVER_KINDS
from reasoner_desktop.inference.secrets import FILE, KEY_FILE, save_key, where


class RemoteTab(QWidget):
    probeRequested = Signal(str, str, str)  # base URL, API key, server kind
    added = Signal(str)  # the new library entry's name

    def __init__(self, library: ModelLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("remoteTab")
        self.library = library
        self.name = QLineEdit()
        self.name.setObjectName("remoteName")
        self.name.setPlaceholderText(self.tr("e.g. qwen3-32b on the lab server"))
        self.url = QLineEdit()
        self.url.setObjectName("remoteUrl")
        self.url.setPlaceholderText("http://gpu-box:8000/v1")
        self.key = QLineEdit()
        self.key.setObjectName("remoteKey")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(self.tr("only if the server needs one"))
        self.kind = QComboBox()
        self.kind.setObjectName("remoteKind")
        for key, kind in SERVER_KINDS.items():
            self.kind.addItem(kind.label, key)
        self.model = QComboBox()
        self.model.setObjectName("remoteModel")
        self.model.setEditable(True)
        self.model.setMinimumContentsLength(24)
        self.model.lineEdit().setPlaceholderText(self.tr("Test the connection to list the server's models"))
        self.ctx = QSpinBox()
        self.ctx.setObjectName("remoteContext")
        self.ctx.setRange(0, 1 << 22)
        self.ctx.setSingleStep(1024)
        self.ctx.setSpecialValueText(self.tr("not known (32,768 assumed)"))
        self.thinks = QCheckBox(self.tr("A reasoning model (else thinking is prompted)"))
        self.thinks.setObjectName("remoteThinks")
        self.thinks.setChecked(True)

        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Base URL"), self.url)
        form.addRow(self.tr("API key"), self.key)
        form.addRow(self.tr("Server"), self.kind)
        form.addRow(self.tr("Model id"), self.model)
        form.addRow(self.tr("Context"), self.ctx)
        form.addRow("", self.thinks)

        self.test_button = QPushButton(self.tr("Test connection"))
        self.test_button.setObjectName("remoteTestButton")
        self.test_button.clicked.connect(self.test_connection)
        self.add_button = QPushButton(self.tr("Add and use"))
        self.add_button.setObjectName("remoteAddButton")
        self.add_button.clicked.connect(self.add)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("remoteStatus")
        self.status.setWordWrap(True)
        self.keys_note = QLabel(self._keys_note())
        self.keys_note.setObjectName("remoteKeysNote")
        self.keys_note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.keys_note)

    def _keys_note(self) -> str:
        if where(self.library.data_dir) == FILE:
            return self.tr("No OS keychain was found: API keys are kept in %1, a file only you can read.").replace(
                "%1", str(Path(self.library.data_dir) / KEY_FILE))
        return self.tr("API keys are kept in the OS keychain, never in the model list or in exports.")

    def test_connection(self) -> None:
        url = self.url.text().strip()
        if not url:
            self.status.setText(self.tr("Give the server's base URL first."))
            return
        self.test_button.setEnabled(False)
        self.status.setText(self.tr("Connecting…"))
        self.probeRequested.emit(url, self.key.text().strip(), str(self.kind.currentData()))

    def on_probed(self, models: list, error: str) -> None:
        self.test_button.setEnabled(True)
        if error:
            self.status.setText(error)
            return
        current = self.model.currentText()
        self.model.clear()
        self.model.addItems(models)
        if current:
            self.model.setCurrentText(current)
        self.status.setText(self.tr("Connected: the server has %n model(s).", "", len(models)) if models else
                            self.tr("Connected (the server does not list its models: type the model id)."))

    def add(self) -> str | None:
        key = self.key.text().strip()
        try:
            entry = self.library.add_remote(self.name.text(), self.url.text(), self.model.currentText(),
                                            kind=str(self.kind.currentData()), n_ctx=self.ctx.value() or None,
                                            thinks=self.thinks.isChecked())
        except LibraryError as exc:
            self.status.setText(str(exc))
            return None
        if key:
            save_key(self.library.data_dir, entry.name, key)
        self.key.clear()
        self.status.setText(self.tr("Added %1.").replace("%1", entry.name))
        self.added.emit(entry.name)
        return entry.name
