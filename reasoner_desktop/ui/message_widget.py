"""One message: Markdown body in a safe browser, the thought control, and its actions
(copy, edit and resend, regenerate, branch navigator, thumbs up/down)."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QByteArray, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QGuiApplication,
    QImage,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.export.rich_text import complete_blocks_end, render_markdown
from reasoner_desktop.ui.theme import icon
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
    rating: int | None = None
    siblings: list[int] = field(default_factory=list)  # this message and its alternatives, in order


STATUS_NOTES = {
    MessageStatus.STOPPED: "Stopped",
    MessageStatus.ERROR: "Error",
    MessageStatus.INTERRUPTED: "Interrupted — the app closed while this was being written",
}


def is_dark(widget: QWidget) -> bool:
    return widget.palette().color(QPalette.ColorRole.Base).lightness() < 128


class SafeBrowser(QTextBrowser):
    """Rich text from an untrusted source: it loads nothing (no remote or local images, no
    style sheets) and follows no link by itself; the window decides what a click does."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.setStyleSheet("QTextBrowser { background: transparent; }")
        self.document().setDocumentMargin(2)
        self.document().contentsChanged.connect(self._fit_height)
        self.requested: list[str] = []  # what the content asked to load (for tests): never loaded

    def loadResource(self, kind: int, url: QUrl):  # noqa: N802 (Qt override)
        """An empty resource of the asked kind, always. (Returning None would let the document
        decode a data: URL or read a local file itself.)"""
        self.requested.append(url.toString())
        return QImage() if kind == QTextDocument.ResourceType.ImageResource.value else QByteArray()

    def _fit_height(self) -> None:
        doc = self.document()
        width = self.viewport().width()
        if doc.textWidth() != width:  # setting it, even unchanged, lays the whole document out again
            doc.setTextWidth(width)
        h = int(doc.size().height()) + 4
        if h != self.height():
            self.setFixedHeight(h)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def sizeHint(self) -> QSize:
        return QSize(400, self.height())


class MessageWidget(QFrame):
    thoughtClicked = Signal(int)
    editRequested = Signal(int)
    regenerateRequested = Signal(int)
    branchRequested = Signal(int)  # the sibling message id to show
    ratingChanged = Signal(int, object)  # message id, 1 / -1 / None
    linkActivated = Signal(QUrl)

    def __init__(self, view: MessageView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.code_blocks: list[str] = []
        self._rendered_as: tuple | None = None
        self._streamed = 0  # characters of content already shown while streaming
        self._md_upto = 0  # ... of which rendered as Markdown
        self._tail_start = 0  # document position where the plain, still-growing tail starts
        self.setObjectName(f"message-{view.id}")
        self.setProperty("role", view.role.value)
        self.setStyleSheet("QFrame[role='user'] { background: palette(alternate-base); border-radius: 10px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 6)
        layout.setSpacing(2)

        self.thought_button = QToolButton()
        self.thought_button.setObjectName("thoughtButton")
        self.thought_button.setAutoRaise(True)
        self.thought_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.thought_button.setToolTip(self.tr("Show this answer's chain of thought"))
        self.thought_button.clicked.connect(lambda: self.thoughtClicked.emit(self.view.id))
        self.thought_button.setStyleSheet("QToolButton { color: palette(placeholder-text); }")
        layout.addWidget(self.thought_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.body = SafeBrowser()
        self.body.setObjectName("messageBody")
        self.body.anchorClicked.connect(self._on_anchor)
        layout.addWidget(self.body)

        self.status = QLabel()
        self.status.setObjectName("messageStatus")
        self.status.setStyleSheet("color: palette(placeholder-text); font-style: italic;")
        layout.addWidget(self.status)
        layout.addLayout(self._actions())
        if view.role is Role.USER:
            self.thought_button.hide()
        self.refresh()

    def _tool(self, name: str, text: str, tip: str) -> QToolButton:
        b = QToolButton()
        b.setObjectName(name)
        b.setText(text)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.setCursor(Qt.CursorShape.PointingHandCursor)
        return b

    def _actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(2)
        self.prev_button = self._tool("previousBranch", "‹", self.tr("Previous version"))
        self.branch_label = QLabel()
        self.branch_label.setObjectName("branchLabel")
        self.next_button = self._tool("nextBranch", "›", self.tr("Next version"))
        self.prev_button.clicked.connect(lambda: self._step(-1))
        self.next_button.clicked.connect(lambda: self._step(1))
        self.copy_button = self._tool("copyMessage", self.tr("Copy"), self.tr("Copy this message as Markdown"))
        self.copy_button.clicked.connect(self.copy_message)
        self.edit_button = self._tool("editMessage", self.tr("Edit"), self.tr("Edit this question and ask again "
                                                                             "(the old version stays as a branch)"))
        self.edit_button.clicked.connect(lambda: self.editRequested.emit(self.view.id))
        self.regen_button = self._tool("regenerateMessage", self.tr("Regenerate"),
                                       self.tr("Answer again (the old answer stays as a branch)"))
        self.regen_button.clicked.connect(lambda: self.regenerateRequested.emit(self.view.id))
        self.up_button = self._tool("rateUp", "+", self.tr("Good answer (included in the reasoning dataset)"))
        self.down_button = self._tool("rateDown", "−", self.tr("Bad answer"))
        self.up_button.setIcon(icon("thumb-up"))
        self.down_button.setIcon(icon("thumb-down"))
        for b, value in ((self.up_button, 1), (self.down_button, -1)):
            b.setCheckable(True)
            b.clicked.connect(lambda checked, v=value: self._rate(v if checked else None))
        for w in (self.prev_button, self.branch_label, self.next_button, self.copy_button, self.edit_button,
                  self.regen_button, self.up_button, self.down_button):
            row.addWidget(w)
        row.addStretch(1)
        user = self.view.role is Role.USER
        self.edit_button.setVisible(user)
        for b in (self.regen_button, self.up_button, self.down_button):
            b.setVisible(not user)
        return row

    # -- behaviour -------------------------------------------------------------------

    def _step(self, delta: int) -> None:
        sib = self.view.siblings
        if self.view.id in sib:
            i = sib.index(self.view.id) + delta
            if 0 <= i < len(sib):
                self.branchRequested.emit(sib[i])

    def _rate(self, value: int | None) -> None:
        self.view.rating = value
        self._sync_rating()
        self.ratingChanged.emit(self.view.id, value)

    def _sync_rating(self) -> None:
        self.up_button.setChecked(self.view.rating == 1)
        self.down_button.setChecked(self.view.rating == -1)

    def copy_message(self) -> None:
        QGuiApplication.clipboard().setText(self.view.content)

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() == "copy":
            try:
                QGuiApplication.clipboard().setText(self.code_blocks[int(url.path())])
            except (ValueError, IndexError):
                pass
            return
        self.linkActivated.emit(url)

    def set_streaming(self, streaming: bool) -> None:
        for b in (self.copy_button, self.edit_button, self.regen_button, self.up_button, self.down_button,
                  self.prev_button, self.next_button):
            b.setEnabled(not streaming)

    def refresh(self, *, streaming_seconds: float | None = None) -> None:
        v = self.view
        streaming = v.status is MessageStatus.STREAMING
        self._render_body(streaming)
        self.body.setVisible(bool(v.content))
        if v.role is Role.ASSISTANT:
            has_thought = bool(v.thinking) or streaming
            self.thought_button.setVisible(has_thought)
            if streaming_seconds is not None and streaming:
                self.thought_button.setText("▸ " + thought_label(streaming_seconds, streaming=True))
            else:
                self.thought_button.setText("▸ " + thought_label(v.thinking_seconds, v.thinking_tokens))
        note = STATUS_NOTES.get(v.status)
        self.status.setText(self.tr(note) if note else "")
        self.status.setVisible(bool(note))
        n = len(v.siblings)
        for w in (self.prev_button, self.branch_label, self.next_button):
            w.setVisible(n > 1)
        if n > 1 and v.id in v.siblings:
            i = v.siblings.index(v.id)
            self.branch_label.setText(f"{i + 1} / {n}")
            self.prev_button.setEnabled(i > 0 and not streaming)
            self.next_button.setEnabled(i < n - 1 and not streaming)
        self._sync_rating()
        self.set_streaming(streaming)

    def _render_body(self, streaming: bool) -> None:
        v = self.view
        if streaming:
            self._stream_body()
            return
        key = (v.content, is_dark(self))
        if key == self._rendered_as:
            return
        if v.role is Role.USER:
            self.body.setPlainText(v.content)  # questions are shown as typed
            self.code_blocks = []
        else:
            rendered = render_markdown(v.content, dark=key[1])
            self.body.document().setHtml(rendered.html)
            self.code_blocks = rendered.code_blocks
        self._rendered_as = key
        self._streamed = 0

    def _stream_body(self) -> None:
        """While an answer streams, each update costs what is new, however long the answer is:
        Markdown blocks that are complete (up to the last blank line outside a code fence) are
        rendered once and added; the block still being written is appended as plain text."""
        v = self.view
        doc = self.body.document()
        if self._rendered_as is not None or self._streamed > len(v.content):
            doc.clear()
            self._rendered_as = None
            self._streamed = self._md_upto = self._tail_start = 0
            self.code_blocks = []
        cursor = QTextCursor(doc)
        split = complete_blocks_end(v.content, self._md_upto)
        if split > self._md_upto:
            cursor.setPosition(self._tail_start)
            cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            rendered = render_markdown(v.content[self._md_upto:split], dark=is_dark(self),
                                       code_start=len(self.code_blocks))
            cursor.insertHtml(rendered.html)
            self.code_blocks += rendered.code_blocks
            self._md_upto = split
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            self._tail_start = cursor.position()
            tail = v.content[split:]
        else:
            cursor.movePosition(QTextCursor.MoveOperation.End)
            tail = v.content[max(self._streamed, self._md_upto):]
        if tail:
            cursor.setCharFormat(QTextCharFormat())
            cursor.insertText(tail)
        self._streamed = len(v.content)
