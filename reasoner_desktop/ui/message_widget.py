"""One message: Markdown body in a safe browser, the thought control, and its actions
(copy, edit and resend, regenerate, branch navigator, thumbs up/down)."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.ui.markdown_view import MarkdownRenderer, SafeBrowser, app_is_dark
from reasoner_desktop.ui.theme import icon
from reasoner_desktop.ui.thought_pane import stored_label, thought_label

COPIED_MS = 1500  # how long "Copied" shows on the button
THINK_MORE_DEFAULT = 512  # Think longer: at least this many more thinking tokens (services.chat.THINK_LONGER_DEFAULT)


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
    budget: str | None = None  # none | cut | extended: what the thinking budget did
    stats: dict = field(default_factory=dict)  # GenerationStats of the answer, as stored
    vote: dict | None = None  # the vote among the parallel answers this one belongs to (ConversationRecord.votes)
    note: str = ""  # a live note under the answer (a parallel turn: "3 of 5 agree so far")
    keep_thinking: bool = False  # its thought is sent back to the model in later prompts




class NoteLabel(QLabel):
    """The note under a message; clickable (a vote's note opens the paths in the pane)."""

    clicked = Signal()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


class EditBox(QPlainTextEdit):
    """Editing a question in place: Enter sends, Shift+Enter starts a new line, Esc cancels. As tall
    as its text (2 to 10 lines)."""

    submitted = Signal()
    cancelled = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.textChanged.connect(self._fit)
        self._fit()

    def _fit(self) -> None:
        lines = max(2, min(10, self.document().size().height() or self.toPlainText().count("\n") + 1))
        self.setFixedHeight(int(lines * self.fontMetrics().lineSpacing()) + 14)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier)):
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class MessageWidget(QFrame):
    thoughtClicked = Signal(int)
    editRequested = Signal(int, str)  # question id, the edited text
    regenerateRequested = Signal(int)
    branchRequested = Signal(int)  # the sibling message id to show
    ratingChanged = Signal(int, object)  # message id, 1 / -1 / None
    linkActivated = Signal(QUrl)
    thinkLongerRequested = Signal(int, int)  # answer id, at least this many more thinking tokens
    keepThoughtToggled = Signal(int, bool)  # answer id, keep its thought in the context
    addExampleRequested = Signal(int)  # answer id: into the example library

    def __init__(self, view: MessageView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self._model_busy = False
        self._branch_locked = False
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
        self.renderer = MarkdownRenderer(self.body)
        layout.addWidget(self.body)
        self.editor: EditBox | None = None
        self._edit_row: QWidget | None = None

        self.status = NoteLabel()
        self.status.setObjectName("messageStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # notes never render markup
        self.status.setWordWrap(True)
        self.status.clicked.connect(self._on_status_clicked)  # a vote's note opens the paths
        self.status.setStyleSheet("color: palette(placeholder-text); font-style: italic;")
        layout.addWidget(self.status)
        layout.addLayout(self._actions())
        if view.role is Role.USER:
            self.thought_button.hide()
        self.refresh()

    @property
    def code_blocks(self) -> list[str]:
        return self.renderer.code_blocks

    @property
    def _rendered_as(self):
        return self.renderer.rendered_as

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
        self.edit_button.clicked.connect(self.start_edit)
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
                  self.regen_button):
            row.addWidget(w)
        user = self.view.role is Role.USER
        if not user:
            self._answer_actions(row)
        row.addWidget(self.up_button)
        row.addWidget(self.down_button)
        row.addStretch(1)
        self.edit_button.setVisible(user)
        for b in (self.regen_button, self.up_button, self.down_button):
            b.setVisible(not user)
        return row

    def _answer_actions(self, row: QHBoxLayout) -> None:
        """Think longer (its menu: how many more tokens) and the answer's menu: keep its thought in the
        context, add it to the example library."""
        self.think_longer_button = self._tool(
            "thinkLongerButton", self.tr("Think longer"),
            self.tr("Go on from this thought (“Wait”), then answer again; the old answer stays as a branch"))
        self.think_longer_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.think_longer_button)
        self.think_more = QSpinBox()
        self.think_more.setObjectName("thinkLongerSpin")
        self.think_more.setRange(16, 32768)
        self.think_more.setSingleStep(256)
        self.think_more.setValue(THINK_MORE_DEFAULT)
        self.think_more.setPrefix(self.tr("at least "))
        self.think_more.setSuffix(self.tr(" more tokens"))
        spin_action = QWidgetAction(menu)
        spin_action.setDefaultWidget(self.think_more)
        menu.addAction(spin_action)
        self.think_longer_button.setMenu(menu)
        self.think_longer_button.clicked.connect(
            lambda: self.thinkLongerRequested.emit(self.view.id, self.think_more.value()))
        self.more_button = self._tool("messageMenuButton", "⋯", self.tr("More"))
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        more = QMenu(self.more_button)
        self.keep_thought_action = more.addAction(self.tr("Keep thought in context"))
        self.keep_thought_action.setObjectName("keepThoughtAction")
        self.keep_thought_action.setCheckable(True)
        self.keep_thought_action.setToolTip(self.tr("Send this thought back to the model with the next questions "
                                                    "(it takes room in the context)"))
        self.keep_thought_action.toggled.connect(self._on_keep_toggled)
        self.add_example_action = more.addAction(self.tr("Add to example library"))
        self.add_example_action.setObjectName("addExampleAction")
        self.add_example_action.triggered.connect(lambda: self.addExampleRequested.emit(self.view.id))
        self.more_button.setMenu(more)
        row.addWidget(self.think_longer_button)
        row.addWidget(self.more_button)

    def _on_keep_toggled(self, keep: bool) -> None:
        if keep != self.view.keep_thinking:
            self.view.keep_thinking = keep
            self.keepThoughtToggled.emit(self.view.id, keep)

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
        self.copy_button.setText(self.tr("Copied"))
        QTimer.singleShot(COPIED_MS, self.copy_button, lambda: self.copy_button.setText(self.tr("Copy")))

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() == "copy":
            try:
                QGuiApplication.clipboard().setText(self.code_blocks[int(url.path())])
            except (ValueError, IndexError):
                pass
            return
        self.linkActivated.emit(url)

    # -- editing a question in place -------------------------------------------------

    def start_edit(self) -> EditBox | None:
        if self.view.role is not Role.USER or self.editor is not None or self._model_busy:
            return self.editor
        self.editor = EditBox(self.view.content)
        self.editor.setObjectName("editBox")
        self.editor.submitted.connect(self._submit_edit)
        self.editor.cancelled.connect(self.cancel_edit)
        send = QPushButton(self.tr("Send"))
        send.setObjectName("editSend")
        send.clicked.connect(self._submit_edit)
        cancel = QPushButton(self.tr("Cancel"))
        cancel.setObjectName("editCancel")
        cancel.clicked.connect(self.cancel_edit)
        hint = QLabel(self.tr("Enter sends · Esc cancels · the old question stays as a branch"))
        hint.setStyleSheet("color: palette(placeholder-text);")
        hint.setWordWrap(True)
        hint.setMinimumWidth(1)  # wraps rather than widening the chat
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(hint, 1)
        row.addWidget(cancel)
        row.addWidget(send)
        self._edit_row = QWidget()
        self._edit_row.setLayout(row)
        layout: QVBoxLayout = self.layout()
        i = layout.indexOf(self.body)
        layout.insertWidget(i + 1, self.editor)
        layout.insertWidget(i + 2, self._edit_row)
        self.body.hide()
        self.editor.setFocus()
        self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)
        return self.editor

    def cancel_edit(self) -> None:
        for w in (self.editor, self._edit_row):
            if w is not None:
                w.hide()
                w.deleteLater()
        self.editor = self._edit_row = None
        self.body.show()

    def _submit_edit(self) -> None:
        text = self.editor.toPlainText().strip() if self.editor is not None else ""
        if not text or self._model_busy:
            return
        self.cancel_edit()
        self.editRequested.emit(self.view.id, text)

    # -- state -----------------------------------------------------------------------

    def set_busy(self, *, model_busy: bool, branch_locked: bool) -> None:
        """While the model is busy (an answer streams, or no model is loaded), what needs it is off
        and says why; reading, copying and rating stay available. Branches of the conversation being
        written are locked so that its answer stays in view."""
        self._model_busy, self._branch_locked = model_busy, branch_locked
        streaming = self.view.status is MessageStatus.STREAMING
        wait = self.tr("Wait until the answer being written is finished (or Stop it)")
        for b, tip in ((self.edit_button, self.tr("Edit this question and ask again "
                                                  "(the old version stays as a branch)")),
                       (self.regen_button, self.tr("Answer again (the old answer stays as a branch)"))):
            b.setEnabled(not model_busy)
            b.setToolTip(wait if model_busy else tip)
        if self.view.role is Role.ASSISTANT:
            self._sync_answer_actions()
        for b in (self.up_button, self.down_button):
            b.setEnabled(not streaming)
        self._sync_branch_buttons()

    def _sync_branch_buttons(self) -> None:
        sib, v = self.view.siblings, self.view
        if len(sib) > 1 and v.id in sib:
            i = sib.index(v.id)
            locked = self._branch_locked or v.status is MessageStatus.STREAMING
            self.prev_button.setEnabled(i > 0 and not locked)
            self.next_button.setEnabled(i < len(sib) - 1 and not locked)

    def refresh(self, *, streaming_seconds: float | None = None) -> None:
        v = self.view
        streaming = v.status is MessageStatus.STREAMING
        dark = app_is_dark()
        if streaming:
            self.renderer.grow(v.content, dark)
        else:
            self.renderer.show(v.content, dark, plain=v.role is Role.USER)  # questions are shown as typed
        self.body.setVisible(bool(v.content) and self.editor is None)
        if v.role is Role.ASSISTANT:
            has_thought = bool(v.thinking) or streaming
            self.thought_button.setVisible(has_thought)
            if streaming_seconds is not None and streaming:
                self.thought_button.setText("▸ " + thought_label(streaming_seconds, streaming=True))
            else:
                self.thought_button.setText("▸ " + stored_label(v.thinking_seconds, v.thinking_tokens, v.budget,
                                                                v.stats))
            self._sync_answer_actions()
        self.status.setText(self._status_note())
        self.status.setVisible(bool(self.status.text()))
        n = len(v.siblings)
        for w in (self.prev_button, self.branch_label, self.next_button):
            w.setVisible(n > 1)
        if n > 1 and v.id in v.siblings:
            self.branch_label.setText(f"{v.siblings.index(v.id) + 1} / {n}")
        self._sync_branch_buttons()
        self._sync_rating()
        for b in (self.up_button, self.down_button):
            b.setEnabled(not streaming)

    def _sync_answer_actions(self) -> None:
        v = self.view
        done = v.status is not MessageStatus.STREAMING
        has_thought = bool(v.thinking.strip()) and done
        self.think_longer_button.setVisible(has_thought)
        self.think_longer_button.setEnabled(has_thought and not self._model_busy)
        self.think_longer_button.setToolTip(
            self.tr("Wait until the answer being written is finished (or Stop it)") if self._model_busy else
            self.tr("Go on from this thought (“Wait”), then answer again; the old answer stays as a branch"))
        self.more_button.setVisible(done)
        self.keep_thought_action.setEnabled(bool(v.thinking.strip()))
        self.keep_thought_action.blockSignals(True)
        self.keep_thought_action.setChecked(v.keep_thinking)
        self.keep_thought_action.blockSignals(False)
        self.add_example_action.setEnabled(done and bool(v.content.strip()))

    def _status_note(self) -> str:
        v = self.view
        if v.note:
            return v.note
        if v.vote and v.role is Role.ASSISTANT:
            return vote_note(v.vote, v.id)
        if v.role is Role.ASSISTANT and not v.content.strip() and v.thinking.strip():
            if v.status is MessageStatus.STOPPED:
                return self.tr("Stopped while thinking: no answer yet. Regenerate to try again.")
            if v.status is MessageStatus.COMPLETE:
                return self.tr("No answer after the thought. Raise Max thinking or the context, or Regenerate.")
        return {
            MessageStatus.STOPPED: self.tr("Stopped"),
            MessageStatus.ERROR: self.tr("Error"),
            MessageStatus.INTERRUPTED: self.tr("Interrupted — the app closed while this was being written"),
        }.get(v.status, "")

    def _on_status_clicked(self) -> None:
        if self.view.vote or self.view.note:
            self.thoughtClicked.emit(self.view.id)  # the pane, with a tab for each path

    def highlight(self, words: str) -> int | None:
        """Mark the search's words in the body; the y (in this widget) of the first one, or None."""
        y = self.body.highlight(words)
        return None if y is None else self.body.mapTo(self, self.body.rect().topLeft()).y() + y


def vote_note(vote: dict, message_id: int | None = None) -> str:
    """Under the winner of a parallel turn: "5 of 8 paths agree" (a click shows the paths); under another
    path the user picked: which path it is and which one the vote chose."""
    n = int(vote.get("of") or 0)
    method = vote.get("method")
    ids = [p.get("message_id") for p in vote.get("paths") or []]
    if message_id is not None and message_id != vote.get("winner") and message_id in ids and vote.get("winner") in ids:
        return QCoreApplication.translate("MessageWidget", "Path %1 of %2 (your pick); the vote chose path %3").replace(
            "%1", str(ids.index(message_id) + 1)).replace("%2", str(n)).replace("%3", str(ids.index(vote["winner"]) + 1))
    if method == "extracted":
        return QCoreApplication.translate("MessageWidget", "%1 of %2 paths agree").replace(
            "%1", str(vote.get("agree", 0))).replace("%2", str(n))
    if method == "model":
        return QCoreApplication.translate("MessageWidget", "Chosen by the model among %1 paths").replace("%1", str(n))
    return QCoreApplication.translate("MessageWidget", "%1 paths; no final answer could be read").replace("%1", str(n))
