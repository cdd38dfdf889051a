"""First run: what the bundled tiny model is, and the ways to a real reasoning model."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

SETTING_WELCOMED = "app/welcomed"


class WelcomeDialog(QDialog):
    downloadRequested = Signal()
    openFileRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeDialog")
        self.setWindowTitle(self.tr("Welcome to Reasoner Desktop"))
        title = QLabel(self.tr("<h2>Welcome to Reasoner Desktop</h2>"))
        text = QLabel(self.tr(
            "Everything runs on this computer; nothing you type leaves it.<br><br>"
            "A tiny model, <b>SmolLM2-135M</b>, came with the app so you can try it right away. It is not a "
            "reasoning model: the app <i>prompts</i> it to think first, and you can watch its chain of thought "
            "in the pane on the right. It is fast but not clever.<br><br>"
            "For real answers, download a reasoning model such as <b>Qwen3</b> or a <b>DeepSeek-R1</b> distill "
            "(about 1–5 GB), or open a GGUF file you already have."))
        text.setWordWrap(True)
        download = QPushButton(self.tr("Download a reasoning model…"))
        download.setObjectName("welcomeDownload")
        download.clicked.connect(lambda: (self.accept(), self.downloadRequested.emit()))
        open_file = QPushButton(self.tr("Open a GGUF file…"))
        open_file.setObjectName("welcomeOpenFile")
        open_file.clicked.connect(lambda: (self.accept(), self.openFileRequested.emit()))
        start = QPushButton(self.tr("Start with the tiny model"))
        start.setObjectName("welcomeStart")
        start.setDefault(True)
        start.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(download)
        buttons.addWidget(open_file)
        buttons.addStretch(1)
        buttons.addWidget(start)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)
