"""The conversation: a scrolling column of message bubbles."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from reasoner_desktop.domain.messages import Role
from reasoner_desktop.ui.message_widget import MessageView, MessageWidget

__all__ = ["ChatView", "MessageView", "MessageWidget"]


PAGE = 40  # messages built at a time: a long conversation opens at its end, older pages on demand
MAX_LINE_WIDTH = 820  # a readable measure: on a wide screen the column is centred, not stretched


class ChatView(QScrollArea):
    """Message bubbles in a column; sticks to the bottom while new text arrives. Only the newest
    PAGE messages get widgets at first; "Show earlier messages" adds the previous page."""

    thoughtClicked = Signal(int)
    editRequested = Signal(int, str)  # question id, edited text
    regenerateRequested = Signal(int)
    branchRequested = Signal(int)
    ratingChanged = Signal(int, object)
    linkActivated = Signal(QUrl)
    thinkLongerRequested = Signal(int, int)  # answer id, at least this many more thinking tokens
    keepThoughtToggled = Signal(int, bool)
    addExampleRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._inner = QWidget()
        self._layout = QVBoxLayout(self._inner)
        self._layout.setContentsMargins(16, 16, 16, 16)
        self._layout.setSpacing(12)
        # What an empty chat shows: a hint, and on the first run the welcome (set_welcome).
        self._placeholder = QWidget()
        self._placeholder.setObjectName("emptyChat")
        self._empty_layout = QVBoxLayout(self._placeholder)
        self.hint = QLabel(self.tr("Ask anything. The model thinks first; its chain of thought "
                                   "appears in the pane on the right."))
        self.hint.setObjectName("emptyChatHint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("color: palette(placeholder-text); padding: 40px;")
        self._empty_layout.addWidget(self.hint)
        self.welcome: QWidget | None = None
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
        self.views: dict[int, MessageView] = {}  # every message of the shown path, oldest first
        self.widgets: dict[int, MessageWidget] = {}  # ... of which built
        self._stick = True
        self.verticalScrollBar().rangeChanged.connect(self._on_range_changed)
        self.verticalScrollBar().valueChanged.connect(self._on_value_changed)

    def set_welcome(self, panel: QWidget | None) -> None:
        """Show `panel` above the hint while the chat is empty (None removes it)."""
        if self.welcome is not None:
            self.welcome.deleteLater()
        self.welcome = panel
        if panel is not None:
            # Centred by a frame of its own, not by an alignment flag: an aligned item gets its size hint,
            # whose height is not the one its wrapped text needs at that width (the text was cut off).
            holder = QWidget()
            row = QHBoxLayout(holder)
            row.setContentsMargins(0, 0, 0, 0)
            row.addStretch(1)
            row.addWidget(panel, 100)
            row.addStretch(1)
            panel.destroyed.connect(holder.deleteLater)
            self._empty_layout.insertWidget(0, holder)

    def clear(self) -> None:
        for w in self.widgets.values():
            w.deleteLater()
        self.widgets.clear()
        self.views.clear()
        self.earlier = []
        self._more.hide()
        self._placeholder.show()
        self._stick = True

    def set_messages(self, views: list[MessageView]) -> None:
        """Show a conversation: the newest page now, the rest behind the "earlier" button."""
        self.clear()
        self.views = {v.id: v for v in views}
        self.earlier = list(views[:-PAGE]) if len(views) > PAGE else []
        for v in views[len(self.earlier):]:
            self.add_message(v)
        self._update_more()

    def build(self, message_id: int) -> MessageWidget | None:
        """The widget of a shown message, building earlier pages down to it if needed."""
        while message_id in self.views and message_id not in self.widgets and self.earlier:
            self.show_earlier()
        return self.widgets.get(message_id)

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
        self._more.setText(self.tr("Show %Ln earlier message(s)", "", n))
        self._more.setVisible(n > 0)

    def add_message(self, view: MessageView, index: int | None = None) -> MessageWidget:
        self._placeholder.hide()
        self.views.setdefault(view.id, view)
        w = MessageWidget(view, self._inner)
        w.thoughtClicked.connect(self.thoughtClicked)
        w.editRequested.connect(self.editRequested)
        w.regenerateRequested.connect(self.regenerateRequested)
        w.branchRequested.connect(self.branchRequested)
        w.ratingChanged.connect(self.ratingChanged)
        w.linkActivated.connect(self.linkActivated)
        if view.role is Role.ASSISTANT:
            w.thinkLongerRequested.connect(self.thinkLongerRequested)
            w.keepThoughtToggled.connect(self.keepThoughtToggled)
            w.addExampleRequested.connect(self.addExampleRequested)
        self._layout.insertWidget(self._layout.count() - 1 if index is None else index, w)
        self.widgets[view.id] = w
        return w

    def reveal(self, widget: QWidget, y: int | None = None) -> None:
        """Scroll so the message (or the point `y` inside it, e.g. a search match) is in view, after
        the pending layout; stop sticking to the end."""
        self._stick = False

        def go() -> None:
            self._inner.adjustSize()
            if y is None:
                self.ensureWidgetVisible(widget, 0, 40)
            else:
                top = widget.mapTo(self._inner, widget.rect().topLeft()).y() + y
                self.verticalScrollBar().setValue(max(0, top - self.viewport().height() // 3))

        QTimer.singleShot(0, widget, go)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        side = max(16, (self.viewport().width() - MAX_LINE_WIDTH) // 2)
        if self._layout.contentsMargins().left() != side:
            self._layout.setContentsMargins(side, 16, side, 16)

    def offset_of(self, widget: QWidget) -> int:
        """Where a message's top is in the visible area (pixels from its top)."""
        return widget.mapTo(self.viewport(), widget.rect().topLeft()).y()

    def keep_at(self, widget: QWidget, offset: int) -> None:
        """After the layout settles, scroll so `widget`'s top is `offset` pixels from the visible top
        (e.g. the message whose branch was switched stays where the user clicked)."""
        self._stick = False

        def go() -> None:
            self._inner.adjustSize()
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + self.offset_of(widget) - offset)

        QTimer.singleShot(0, widget, go)

    def scroll_to_bottom(self) -> None:
        self._stick = True
        QTimer.singleShot(0, self, lambda: self.verticalScrollBar().setValue(self.verticalScrollBar().maximum()))

    def _on_range_changed(self, _min: int, maximum: int) -> None:
        if self._stick:
            self.verticalScrollBar().setValue(maximum)

    def _on_value_changed(self, value: int) -> None:
        self._stick = value >= self.verticalScrollBar().maximum() - 8
