"""First run: what the bundled tiny model is, and the ways to a real reasoning model. Shown inside
the empty chat (not as a window of its own), so typing goes straight to the message box; it goes
away with the first message."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

SETTING_WELCOMED = "app/welcomed"


class WelcomePanel(QFrame):
    downloadRequested = Signal()
    openFileRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePanel")
        self.setMaximumWidth(640)
        self.setStyleSheet("QFrame#welcomePanel { background: palette(alternate-base); border-radius: 12px; }")
        title = QLabel(self.tr("<h2>Welcome to Reasoner Desktop</h2>"))
        text = QLabel(self.tr(
            "Everything runs on this computer; nothing you type leaves it.<br><br>"
            "A tiny model, <b>SmolLM2-135M</b>, came with the app so you can try it right away. It is not a "
            "reasoning model: the app <i>prompts</i> it to think first, and you can watch its chain of thought "
            "in the pane on the right. It is fast but not clever.<br><br>"
            "For real answers, download a reasoning model such as <b>Qwen3</b> or a <b>DeepSeek-R1</b> distill "
            "(about 1–5 GB), or open a GGUF file you already have."))
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        download = QPushButton(self.tr("Download a reasoning model…"))
        download.setObjectName("welcomeDownload")
        download.clicked.connect(self.downloadRequested)
        open_file = QPushButton(self.tr("Open a GGUF file…"))
        open_file.setObjectName("welcomeOpenFile")
        open_file.clicked.connect(self.openFileRequested)
        for b in (download, open_file):
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click does not take the focus from the message box
        start = QLabel(self.tr("Or just type a question below to start with the tiny model."))
        start.setObjectName("welcomeStart")
        start.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(download)
        buttons.addWidget(open_file)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 16)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addLayout(buttons)
        layout.addWidget(start)
