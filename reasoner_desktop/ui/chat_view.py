"""The conversation: a scrolling column of message bubbles."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.ui.thought_pane import thought_label


@dataclass
class MessageView:
    """What the GUI knows of one message (mutated only on the GUI thread)."""

    id: int
    role: Role
    content: str = ""
    thinking: str = ""
    status: MessageStatus = MessageStatus.COMPLETE
    thinking_seconds: float | None = None
    thinking_tokens: int | None = None


STATUS_NOTES = {
    MessageStatus.STOPPED: "Stopped",
    MessageStatus.ERROR: "Error",
    MessageStatus.INTERRUPTED: "Interrupted — the app closed while this was being written",
}


class MessageWidget(QFrame):
    thoughtClicked = Signal(int)

    def __init__(self, view: MessageView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.setObjectName(f"message-{view.id}")
        self.setProperty("role", view.role.value)
        user = view.role is Role.USER
        self.setStyleSheet(
            "QFrame[role='user'] { background: palette(alternate-base); border-radius: 10px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(4)

        self.thought_button = QToolButton()
        self.thought_button.setObjectName("thoughtButton")
        self.thought_button.setAutoRaise(True)
        self.thought_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.thought_button.setToolTip(self.tr("Show this answer's chain of thought"))
        self.thought_button.clicked.connect(lambda: self.thoughtClicked.emit(self.view.id))
        self.thought_button.setStyleSheet("QToolButton { color: palette(placeholder-text); }")
        layout.addWidget(self.thought_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.body = QLabel()
        self.body.setObjectName("messageBody")
        self.body.setTextFormat(Qt.TextFormat.PlainText)  # model output is untrusted: never rich text here
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        layout.addWidget(self.body)

        self.status = QLabel()
        self.status.setObjectName("messageStatus")
        self.status.setStyleSheet("color: palette(placeholder-text); font-style: italic;")
        layout.addWidget(self.status)
        if user:
            self.thought_button.hide()
        self.refresh()

    def refresh(self, *, streaming_seconds: float | None = None) -> None:
        v = self.view
        self.body.setText(v.content if v.content or v.role is Role.USER else "")
        self.body.setVisible(bool(v.content))
        if v.role is Role.ASSISTANT:
            has_thought = bool(v.thinking) or v.status is MessageStatus.STREAMING
            self.thought_button.setVisible(has_thought)
            if streaming_seconds is not None and v.status is MessageStatus.STREAMING:
                self.thought_button.setText("▸ " + thought_label(streaming_seconds, streaming=True))
            else:
                self.thought_button.setText("▸ " + thought_label(v.thinking_seconds, v.thinking_tokens))
        note = STATUS_NOTES.get(v.status)
        self.status.setText(self.tr(note) if note else "")
        self.status.setVisible(bool(note))


class ChatView(QScrollArea):
    """Message bubbles in a column; sticks to the bottom while new text arrives."""

    thoughtClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._inner = QWidget()
        self._layout = QVBoxLayout(self._inner)
        self._layout.setContentsMargins(16, 16, 16, 16)
        self._layout.setSpacing(12)
        self._placeholder = QLabel(self.tr("Ask anything. The model thinks first; its chain of thought "
                                           "appears in the pane on the right."))
        self._placeholder.setObjectName("emptyChatHint")
        self._placeholder.setWordWrap(True)
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setStyleSheet("color: palette(placeholder-text); padding: 40px;")
        self._layout.addWidget(self._placeholder)
        self._layout.addStretch(1)
        self.setWidget(self._inner)
        self.widgets: dict[int, MessageWidget] = {}
        self._stick = True
        self.verticalScrollBar().rangeChanged.connect(self._on_range_changed)
        self.verticalScrollBar().valueChanged.connect(self._on_value_changed)

    def clear(self) -> None:
        for w in self.widgets.values():
            w.deleteLater()
        self.widgets.clear()
        self._placeholder.show()
        self._stick = True

    def add_message(self, view: MessageView) -> MessageWidget:
        self._placeholder.hide()
        w = MessageWidget(view, self._inner)
        w.thoughtClicked.connect(self.thoughtClicked)
        self._layout.insertWidget(self._layout.count() - 1, w)
        self.widgets[view.id] = w
        return w

    def scroll_to_bottom(self) -> None:
        self._stick = True
        QTimer.singleShot(0, lambda: self.verticalScrollBar().setValue(self.verticalScrollBar().maximum()))

    def _on_range_changed(self, _min: int, maximum: int) -> None:
        if self._stick:
            self.verticalScrollBar().setValue(maximum)

    def _on_value_changed(self, value: int) -> None:
        self._stick = value >= self.verticalScrollBar().maximum() - 8
