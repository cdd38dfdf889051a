"""The conversation: a scrolling column of message bubbles."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from reasoner_desktop.ui.message_widget import MessageView, MessageWidget

__all__ = ["ChatView", "MessageView", "MessageWidget"]


PAGE = 40  # messages built at a time: a long conversation opens at its end, older pages on demand


class ChatView(QScrollArea):
    """Message bubbles in a column; sticks to the bottom while new text arrives. Only the newest
    PAGE messages get widgets at first; "Show earlier messages" adds the previous page."""

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
        self._more = QPushButton()
        self._more.setObjectName("earlierMessagesButton")
        self._more.setFlat(True)
        self._more.hide()
        self._more.clicked.connect(self.show_earlier)
        self._layout.addWidget(self._more, 0, Qt.AlignmentFlag.AlignHCenter)
        self._layout.addWidget(self._placeholder)
        self._layout.addStretch(1)
        self.earlier: list[MessageView] = []  # not yet built, oldest first
        self.setWidget(self._inner)
        self.widgets: dict[int, MessageWidget] = {}
        self._stick = True
        self.verticalScrollBar().rangeChanged.connect(self._on_range_changed)
        self.verticalScrollBar().valueChanged.connect(self._on_value_changed)

    def clear(self) -> None:
        for w in self.widgets.values():
            w.deleteLater()
        self.widgets.clear()
        self.earlier = []
        self._more.hide()
        self._placeholder.show()
        self._stick = True

    def set_messages(self, views: list[MessageView]) -> None:
        """Show a conversation: the newest page now, the rest behind the "earlier" button."""
        self.clear()
        self.earlier = list(views[:-PAGE]) if len(views) > PAGE else []
        for v in views[len(self.earlier):]:
            self.add_message(v)
        self._update_more()

    def show_earlier(self) -> int:
        """Build the previous page above what is shown, keeping the view where it was."""
        if not self.earlier:
            return 0
        page, self.earlier = self.earlier[-PAGE:], self.earlier[:-PAGE]
        bar = self.verticalScrollBar()
        from_bottom = bar.maximum() - bar.value()
        self._stick = False
        for v in reversed(page):
            self.add_message(v, index=2)  # after the button and the (hidden) placeholder
        self._update_more()
        self._inner.adjustSize()
        bar.setValue(bar.maximum() - from_bottom)
        return len(page)

    def _update_more(self) -> None:
        n = len(self.earlier)
        self._more.setText(self.tr("Show %1 earlier messages").replace("%1", f"{n:,}"))
        self._more.setVisible(n > 0)

    def add_message(self, view: MessageView, index: int | None = None) -> MessageWidget:
        self._placeholder.hide()
        w = MessageWidget(view, self._inner)
        w.thoughtClicked.connect(self.thoughtClicked)
        w.editRequested.connect(self.editRequested)
        w.regenerateRequested.connect(self.regenerateRequested)
        w.branchRequested.connect(self.branchRequested)
        w.ratingChanged.connect(self.ratingChanged)
        w.linkActivated.connect(self.linkActivated)
        self._layout.insertWidget(self._layout.count() - 1 if index is None else index, w)
        self.widgets[view.id] = w
        return w

    def reveal(self, widget: QWidget) -> None:
        """Scroll so the message is in view (after the pending layout), and stop sticking to the end."""
        self._stick = False

        def go() -> None:
            self._inner.adjustSize()
            self.ensureWidgetVisible(widget, 0, 40)

        QTimer.singleShot(0, widget, go)

    def scroll_to_bottom(self) -> None:
        self._stick = True
        QTimer.singleShot(0, self, lambda: self.verticalScrollBar().setValue(self.verticalScrollBar().maximum()))

    def _on_range_changed(self, _min: int, maximum: int) -> None:
        if self._stick:
            self.verticalScrollBar().setValue(maximum)

    def _on_value_changed(self, value: int) -> None:
        self._stick = value >= self.verticalScrollBar().maximum() - 8
