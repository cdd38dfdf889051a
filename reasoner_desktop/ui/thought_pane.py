"""The Chain of thought pane: one answer's thought, live while it streams."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QToolButton, QHBoxLayout, QVBoxLayout, QWidget, QFrame


def thought_label(seconds: float | None, tokens: int | None = None, *, streaming: bool = False) -> str:
    seconds = max(0.0, seconds or 0.0)
    secs = f"{seconds:.1f}" if seconds < 10 and not streaming else str(round(seconds))
    if streaming:
        return QCoreApplication.translate("ThoughtPane", "Thinking… %1 s").replace("%1", secs)
    text = QCoreApplication.translate("ThoughtPane", "Thought for %1 s").replace("%1", secs)
    if tokens:
        text += " · " + QCoreApplication.translate("ThoughtPane", "%1 tokens").replace("%1", str(tokens))
    return text


class ThoughtPane(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thoughtPane")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.message_id: int | None = None

        self.title = QLabel(self.tr("Chain of thought"))
        self.title.setObjectName("thoughtPaneTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setToolTip(self.tr("Hide the chain of thought"))
        self.close_button.setAutoRaise(True)

        self.header = QLabel("")
        self.header.setObjectName("thoughtHeader")
        self.header.setStyleSheet("color: palette(placeholder-text);")

        self.text = QPlainTextEdit()
        self.text.setObjectName("thoughtText")
        self.text.setReadOnly(True)
        self.text.setPlaceholderText(self.tr("The model's reasoning appears here while it thinks."))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.header)
        layout.addWidget(self.text, 1)

    def show_thought(self, message_id: int | None, text: str, header: str) -> None:
        self.message_id = message_id
        self.text.setPlainText(text)
        self.header.setText(header)
        self.text.moveCursor(QTextCursor.MoveOperation.Start)

    def append(self, text: str) -> None:
        """Append streamed text without re-laying out what is already shown."""
        bar = self.text.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        cursor = self.text.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        if at_bottom:
            bar.setValue(bar.maximum())

    def set_header(self, text: str) -> None:
        self.header.setText(text)

    def clear(self) -> None:
        self.show_thought(None, "", "")

