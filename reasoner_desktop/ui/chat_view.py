"""The conversation: a scrolling column of message bubbles."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from reasoner_desktop.ui.message_widget import MessageView, MessageWidget

__all__ = ["ChatView", "MessageView", "MessageWidget"]


class ChatView(QScrollArea):
    """Message bubbles in a column; sticks to the bottom while new text arrives."""

    thoughtClicked = Signal(int)
    editRequested = Signal(int)
    regenerateRequested = Signal(int)
    branchRequested = Signal(int)
    ratingChanged = Signal(int, object)
    linkActivated = Signal(QUrl)

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
        w.editRequested.connect(self.editRequested)
        w.regenerateRequested.connect(self.regenerateRequested)
        w.branchRequested.connect(self.branchRequested)
        w.ratingChanged.connect(self.ratingChanged)
        w.linkActivated.connect(self.linkActivated)
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
