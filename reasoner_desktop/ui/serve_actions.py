"""File → Serve the model to other programs: the OpenAI-compatible API on this computer (127.0.0.1), with
the model the window has loaded; the status bar shows its address while it runs. app.py wires the toggle
to the API server (workers/serve_worker.py)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel

SETTING_PORT = "serve/port"
DEFAULT_PORT = 8765


class ServeActions(QObject):
    startRequested = Signal(int)  # port
    stopRequested = Signal()
    serving = Signal(str)  # the address, once the server listens ("" when it stops)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.url = ""
        self.label = QLabel()
        self.label.setObjectName("serveLabel")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.hide()

    @property
    def port(self) -> int:
        try:
            return int(self.w.settings.value(SETTING_PORT, DEFAULT_PORT))
        except (TypeError, ValueError):
            return DEFAULT_PORT

    def toggle(self, on: bool) -> None:
        if on:
            self.label.setText(self.tr("API: starting…"))
            self.label.show()
            self.startRequested.emit(self.port)
        else:
            self.stopRequested.emit()
            self.on_stopped()

    def on_started(self, url: str) -> None:
        self.url = url
        self.label.setText(self.tr("API: %1").replace("%1", url))
        self.label.setToolTip(self.tr("Other programs on this computer can use the model with any OpenAI "
                                      "client at %1 (the thought comes in reasoning_content).").replace("%1", url))
        self.w.statusBar().showMessage(self.tr("Serving the model at %1").replace("%1", url), 8000)
        self.serving.emit(url)

    def on_failed(self, sentence: str) -> None:
        self.on_stopped()
        self.w.show_error(self.tr("Serve"), sentence)

    def on_stopped(self) -> None:
        was, self.url = self.url, ""
        self.label.hide()
        if was:
            self.serving.emit("")
        action = self.w.actions.serve
        if action.isChecked():
            action.blockSignals(True)
            action.setChecked(False)
            action.blockSignals(False)
