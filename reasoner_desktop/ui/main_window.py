"""The main window: sidebar, the chat, the composer and the Chain of thought pane.

It never calls the model: it emits requests and renders the worker's events, which
arrive as queued signals. Streamed text is coalesced and painted at most ~30 times a second,
and appended (never re-rendered) while it streams.
"""

from __future__ import annotations

import time
from dataclasses import replace

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.inference.library import ModelLibrary
from reasoner_desktop.services.chat import TurnOptions
from reasoner_desktop.storage.repository import HistoryRepository
from reasoner_desktop.ui.chat_view import ChatView, MessageView
from reasoner_desktop.ui.composer import Composer
from reasoner_desktop.ui.file_actions import FileActionsMixin
from reasoner_desktop.ui.menus import build_menus
from reasoner_desktop.ui.model_actions import SETTING_LAST_MODEL, ModelActionsMixin  # noqa: F401 (re-export)
from reasoner_desktop.ui.models_dialog import ModelsDialog
from reasoner_desktop.ui.settings_dialog import AppSettings, SettingsDialog
from reasoner_desktop.ui.sidebar import Sidebar
from reasoner_desktop.ui.thought_pane import ThoughtPane, thought_label
from reasoner_desktop.workers.download_worker import DownloadWorker

FLUSH_INTERVAL_MS = 33  # at most ~30 repaints a second while streaming
SETTING_SHOW_THOUGHTS = "view/showThoughts"
SETTING_SPLITTER = "view/splitter"
SETTING_GEOMETRY = "window/geometry"


class MainWindow(FileActionsMixin, ModelActionsMixin, QMainWindow):
    sendRequested = Signal(int, str, object)  # conversation id (0: new), text, TurnOptions or None
    editRequested = Signal(int, str, object)  # user message id, new text, TurnOptions
    regenerateRequested = Signal(int, object)  # assistant message id, TurnOptions
    stopRequested = Signal()
    loadModelRequested = Signal(str, object)  # path, EngineSettings
    appearanceChanged = Signal()  # theme or language changed in the settings
    closing = Signal()

    def __init__(self, repo: HistoryRepository, settings: QSettings, library: ModelLibrary,
                 downloads: DownloadWorker) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Reasoner Desktop")
        self.setAcceptDrops(True)
        self.repo = repo
        self.settings = settings
        self.app_settings = AppSettings(settings)
        self.library = library
        self.downloads = downloads
        self.models_dialog: ModelsDialog | None = None
        self.loaded_entry: str | None = None  # the library name of the model in use
        self.model_caps: dict = {}
        self.conversation_id = 0
        self.streaming_id: int | None = None
        self.model_name: str | None = None
        self.views: dict[int, MessageView] = {}
        self.last_result: dict | None = None
        self._unsent_text = ""
        self.model_loading = False
        self._send_when_loaded = False  # Enter was pressed while the model loaded
        self.turn_options = TurnOptions()  # the base of every request; the composer and settings add to it
        self.error_dialog: QMessageBox | None = None
        self._pending_thinking: list[str] = []
        self._pending_answer: list[str] = []
        self._turn_started_at = 0.0
        self._thought_done_at: float | None = None

        self._build_widgets()
        build_menus(self)
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_INTERVAL_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._restore_state()
        self.reload_conversations()
        self.refresh_model_picker()
        self._set_busy(False)
        self.set_model_state(None, loading=True)
        self.input.setFocus()

    # -- construction ----------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.sidebar = Sidebar(self.repo)
        self.sidebar.conversationActivated.connect(self.open_conversation)
        self.sidebar.hitActivated.connect(self.open_search_hit)
        self.sidebar.newChatRequested.connect(self.new_chat)
        self.sidebar.exportRequested.connect(self.export_conversations)
        self.sidebar.deleted.connect(self._on_deleted)

        self.chat_view = ChatView()
        self.chat_view.thoughtClicked.connect(self.show_message_thought)
        self.chat_view.editRequested.connect(self.edit_message)
        self.chat_view.regenerateRequested.connect(self.regenerate)
        self.chat_view.branchRequested.connect(self.switch_branch)
        self.chat_view.ratingChanged.connect(lambda mid, value: self.repo.set_rating(mid, value))
        self.chat_view.linkActivated.connect(self.open_link)
        self.composer = Composer()
        self.composer.bind_settings(self.settings)
        self.composer.submitted.connect(self.send)
        self.composer.stopClicked.connect(self.stop)
        self.input = self.composer.input
        self.send_button = self.composer.send_button
        self.stop_button = self.composer.stop_button
        center = QWidget()
        center.setObjectName("centerArea")
        cl = QVBoxLayout(center)
        cl.setContentsMargins(0, 0, 0, 8)
        cl.addWidget(self.chat_view, 1)
        cl.addWidget(self.composer)

        self.thought_pane = ThoughtPane()
        self.thought_pane.close_button.clicked.connect(lambda: self.action_show_thoughts.setChecked(False))

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(center)
        self.splitter.addWidget(self.thought_pane)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([240, 560, 380])
        self.setCentralWidget(self.splitter)

        self.model_label = QLabel()
        self.model_label.setObjectName("modelStatus")
        self.trim_label = QLabel()
        self.trim_label.setObjectName("trimStatus")
        self.trim_label.setStyleSheet("color: #e8590c;")
        self.context_label = QLabel()
        self.context_label.setObjectName("contextStatus")
        self.speed_label = QLabel()
        self.speed_label.setObjectName("speedStatus")
        self.statusBar().addWidget(self.model_label, 1)
        self.statusBar().addPermanentWidget(self.trim_label)
        self.statusBar().addPermanentWidget(self.context_label)
        self.statusBar().addPermanentWidget(self.speed_label)
        self.undo_button = QPushButton(self.tr("Undo delete"))
        self.undo_button.setObjectName("undoDeleteButton")
        self.undo_button.setFlat(True)
        self.undo_button.hide()
        self.undo_button.clicked.connect(self.undo_delete)
        self.statusBar().addPermanentWidget(self.undo_button)
        self.restart_button = QPushButton(self.tr("Restart now"))
        self.restart_button.setObjectName("restartButton")
        self.restart_button.setToolTip(self.tr("Restart the app to switch the language (nothing is lost)"))
        self.restart_button.hide()
        self.statusBar().addPermanentWidget(self.restart_button)
        self.resize(1180, 760)

    def _restore_state(self) -> None:
        show = self.settings.value(SETTING_SHOW_THOUGHTS, True, type=bool)
        self.action_show_thoughts.setChecked(show)
        self.thought_pane.setVisible(show)
        state = self.settings.value(SETTING_SPLITTER)
        if state is not None:
            self.splitter.restoreState(state)
            self.thought_pane.setVisible(show)
        geometry = self.settings.value(SETTING_GEOMETRY)
        if geometry is not None:
            self.restoreGeometry(geometry)

    # -- model state -----------------------------------------------------------------

    def set_model_state(self, name: str | None, *, loading: bool = False) -> None:
        self.model_name = name
        self.model_loading = loading
        if not loading and self._send_when_loaded:
            self._send_when_loaded = False
            if name:
                QTimer.singleShot(0, self, self.send)  # the question typed while the model loaded
        if loading:
            self.model_label.setText(self.tr("Loading model…"))
        elif name:
            self.model_label.setText(self.tr("Model: %1").replace("%1", name))
            n_ctx = self.model_caps.get("n_ctx")
            self.context_label.setText(self.tr("Context: %1 tokens").replace("%1", f"{n_ctx:,}") if n_ctx else "")
        else:
            self.model_label.setText(self.tr("No model loaded — File → Models…"))
        self._set_busy(self.streaming_id is not None)

    @Slot(str, dict)
    def on_model_loaded(self, name: str, caps: dict) -> None:
        self.model_caps = caps
        self.composer.set_capabilities(caps)
        self.set_model_state(name)

    @Slot(str)
    def on_model_failed(self, message: str) -> None:
        self.model_caps = {}
        self.composer.set_capabilities({})
        self.set_model_state(None)
        self.show_error(self.tr("The model could not be loaded"), message)

    def show_error(self, title: str, message: str) -> None:
        """A non-blocking dialog: the app stays usable behind it."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorDialog")
        box.setTextFormat(Qt.TextFormat.PlainText)  # messages may quote model output or file contents
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.error_dialog = box

    # -- conversations ---------------------------------------------------------------

    def reload_conversations(self) -> None:
        self.sidebar.current_id = self.conversation_id
        self.sidebar.reload()

    def focus_search(self) -> None:
        self.sidebar.search_box.setFocus()
        self.sidebar.search_box.selectAll()

    def open_conversation(self, conversation_id: int) -> None:
        if self.streaming_id is not None:
            return
        conv = self.repo.get_conversation(conversation_id)
        if conv is None:
            return
        self.chat_view.clear()
        self.views.clear()
        self.conversation_id = conv.id
        self.sidebar.set_current(conv.id)
        self._show_path(conv)
        last_with_thought = next((m.id for m in reversed(conv.path_messages) if m.thinking), None)
        if last_with_thought is not None:
            self.show_message_thought(last_with_thought, reveal=self.app_settings.thoughts_expanded)
        else:
            self.thought_pane.clear()
        self.chat_view.scroll_to_bottom()
        self.setWindowTitle(f"{conv.title} — Reasoner Desktop")

    def open_search_hit(self, conversation_id: int, message_id: int, in_thought: bool) -> None:
        """Open the conversation at the message that matched: on its branch, scrolled into view,
        and, when the words were in its thought, with that thought in the pane."""
        if self.streaming_id is not None:
            return
        conv = self.repo.get_conversation(conversation_id)
        if conv is None:
            return
        if message_id not in conv.active_path and any(m.id == message_id for m in conv.messages):
            self.repo.switch_branch(message_id)
        self.open_conversation(conversation_id)
        while message_id in self.views and message_id not in self.chat_view.widgets and self.chat_view.earlier:
            self.chat_view.show_earlier()
        widget = self.chat_view.widgets.get(message_id)
        if widget is None:
            return
        self.chat_view.reveal(widget)
        if in_thought:
            self.show_message_thought(message_id)

    def _show_path(self, conv) -> None:
        """Show the conversation's active path. When what is shown is a prefix of it (a new turn at
        the end), only the new messages are added; otherwise (another branch) it is rebuilt."""
        by_parent: dict[int | None, list[int]] = {}
        for m in conv.messages:
            by_parent.setdefault(m.parent_id, []).append(m.id)
        path = conv.path_messages

        def view_of(m) -> MessageView:
            return MessageView(m.id, m.role, m.content, m.thinking, m.status, m.thinking_seconds, m.thinking_tokens,
                               m.rating, by_parent.get(m.parent_id, [m.id]))

        shown = list(self.views)
        if shown and shown == [m.id for m in path[: len(shown)]]:
            for m in path[len(shown):]:  # a new turn at the end: add only what is new
                self.views[m.id] = view_of(m)
                self.chat_view.add_message(self.views[m.id])
            return
        self.views = {m.id: view_of(m) for m in path}
        self.chat_view.set_messages(list(self.views.values()))

    def new_chat(self) -> None:
        if self.streaming_id is not None:
            return
        self.conversation_id = 0
        self.chat_view.clear()
        self.views.clear()
        self.thought_pane.clear()
        self.sidebar.set_current(0)
        self.setWindowTitle("Reasoner Desktop")
        self.input.setFocus()

    def switch_branch(self, message_id: int) -> None:
        if self.streaming_id is not None:
            return
        self.repo.switch_branch(message_id)
        self.open_conversation(self.conversation_id)

    def _on_deleted(self, cid: int) -> None:
        if cid == self.conversation_id:
            self.new_chat()
        self.undo_button.show()
        self.statusBar().showMessage(self.tr("Conversation deleted."), 10_000)
        QTimer.singleShot(10_000, self.undo_button, lambda: self.undo_button.setVisible(bool(self.sidebar.pending_delete)))

    def undo_delete(self) -> None:
        cid = self.sidebar.undo_delete()
        self.undo_button.setVisible(bool(self.sidebar.pending_delete))
        if cid:
            self.statusBar().showMessage(self.tr("Conversation restored."), 5000)
            self.open_conversation(cid)

    def open_link(self, url: QUrl) -> bool:
        """Links in model output open in the system browser, only after the user agrees."""
        if url.scheme() not in ("http", "https", "mailto"):
            return False
        answer = QMessageBox.question(
            self, self.tr("Open link?"),
            self.tr("The model wrote a link to:\n\n%1\n\nOpen it in your web browser?").replace("%1", url.toString()))
        if answer != QMessageBox.StandardButton.Yes:
            return False
        return QDesktopServices.openUrl(url)

    # -- sending and streaming -------------------------------------------------------

    def current_options(self) -> TurnOptions:
        """The base options, plus the composer's thinking controls and the settings' defaults."""
        opts = self.turn_options
        changes = {k: v for k, v in self.composer.thinking_options().items() if v is not None}
        s = self.app_settings
        if opts.system_prompt is None and s.system_prompt:
            changes["system_prompt"] = s.system_prompt
        if opts.seed is None and s.seed is not None:
            changes["seed"] = s.seed
        if s.max_tokens and opts.max_tokens == TurnOptions().max_tokens:
            changes["max_tokens"] = s.max_tokens
        return replace(opts, **changes)

    def send(self) -> None:
        text = self.input.toPlainText().strip()
        if not text or self.streaming_id is not None:
            return
        if not self.model_name:
            if self.model_loading:  # sent as soon as the model is ready; the text stays in the box till then
                self._send_when_loaded = True
                self.statusBar().showMessage(
                    self.tr("Loading model… your message will be sent as soon as it is ready."))
            else:
                self.statusBar().showMessage(self.tr("No model is loaded: choose one with File → Models…"), 10000)
            return
        self.input.clear()
        self._unsent_text = text  # put back in the box if the question cannot be stored
        self._begin_request()
        self.sendRequested.emit(self.conversation_id, text, self.current_options())

    def edit_message(self, user_message_id: int, text: str | None = None) -> None:
        """Ask an edited question in place of an earlier one; the old one stays as a branch."""
        view = self.views.get(user_message_id)
        if view is None or self.streaming_id is not None or not self.model_name:
            return
        if text is None:
            text, ok = QInputDialog.getMultiLineText(self, self.tr("Edit and resend"), self.tr("Question:"),
                                                     view.content)
            if not ok:
                return
        text = text.strip()
        if text:
            self._begin_request()
            self.editRequested.emit(user_message_id, text, self.current_options())

    def regenerate(self, assistant_message_id: int) -> None:
        if self.streaming_id is not None or not self.model_name or assistant_message_id not in self.views:
            return
        self._begin_request()
        self.regenerateRequested.emit(assistant_message_id, self.current_options())

    def regenerate_last(self) -> None:
        last = next((v.id for v in reversed(list(self.views.values())) if v.role is Role.ASSISTANT), None)
        if last is not None:
            self.regenerate(last)

    def _begin_request(self) -> None:
        self.streaming_id = -1  # until the worker says which row it writes
        self.trim_label.clear()
        self._set_busy(True)

    def stop(self) -> None:
        if self.streaming_id is not None:
            self.stop_button.setEnabled(False)
            self.stopRequested.emit()

    @Slot(int, int, int)
    def on_turn_started(self, conversation_id: int, user_id: int, assistant_id: int) -> None:
        new_conversation = conversation_id != self.conversation_id
        self.conversation_id = conversation_id
        self.streaming_id = assistant_id
        self._turn_started_at = time.monotonic()
        self._thought_done_at = None
        conv = self.repo.get_conversation(conversation_id)
        if conv is not None:
            self._show_path(conv)  # the new question (or edited one, or the regenerated answer's branch)
        view = self.views.get(assistant_id)
        if view is None:
            view = self.views[assistant_id] = MessageView(assistant_id, Role.ASSISTANT)
            self.chat_view.add_message(view)
        view.status = MessageStatus.STREAMING
        self.chat_view.widgets[assistant_id].refresh(streaming_seconds=0)
        self.chat_view.scroll_to_bottom()
        if self.app_settings.pane_follows_streaming or self.thought_pane.message_id is None:
            self.thought_pane.show_thought(assistant_id, "", thought_label(0, streaming=True))
            if self.app_settings.thoughts_expanded and not self.action_show_thoughts.isChecked():
                self.action_show_thoughts.setChecked(True)
        self.sidebar.current_id = conversation_id
        if new_conversation:
            self.reload_conversations()
        self._flush_timer.start()

    @Slot(int, str)
    def on_thinking_delta(self, message_id: int, text: str) -> None:
        if message_id == self.streaming_id:
            self._pending_thinking.append(text)

    @Slot(int, str)
    def on_answer_delta(self, message_id: int, text: str) -> None:
        if message_id == self.streaming_id:
            if self._thought_done_at is None:
                self._thought_done_at = time.monotonic()
            self._pending_answer.append(text)

    def _flush(self) -> None:
        view = self.views.get(self.streaming_id or 0)
        if view is None:
            return
        widget = self.chat_view.widgets.get(view.id)
        if self._pending_thinking:
            chunk = "".join(self._pending_thinking)
            self._pending_thinking.clear()
            view.thinking += chunk
            if self.thought_pane.message_id == view.id:
                self.thought_pane.append(chunk)
        if self._pending_answer:
            view.content += "".join(self._pending_answer)
            self._pending_answer.clear()
        seconds = (self._thought_done_at or time.monotonic()) - self._turn_started_at
        label = thought_label(seconds, streaming=self._thought_done_at is None)
        if self.thought_pane.message_id == view.id:
            self.thought_pane.set_header(label)
        if widget is not None:
            widget.refresh(streaming_seconds=seconds if self._thought_done_at is None else None)
            if self._thought_done_at is not None:
                widget.thought_button.setText("▸ " + label)

    @Slot(int, int)
    def on_context_trimmed(self, message_id: int, dropped: int) -> None:
        text = self.tr("%1 old message(s) left out to fit the context").replace("%1", str(dropped))
        self.trim_label.setText("⚠ " + text)
        self.trim_label.setToolTip(self.tr("The conversation is longer than the model's context window; the "
                                           "oldest turns were not sent to the model for this answer."))
        self.statusBar().showMessage(text, 15000)

    @Slot(int, dict)
    def on_turn_finished(self, message_id: int, result: dict) -> None:
        self._flush()
        self._flush_timer.stop()
        self.last_result = result
        view = self.views.get(message_id)
        if view is not None:
            view.status = MessageStatus(result.get("status", "error"))
            view.content = result.get("answer", view.content) or view.content
            view.thinking = result.get("thinking", view.thinking) or view.thinking
            view.thinking_seconds = result.get("thinking_seconds")
            view.thinking_tokens = result.get("thinking_tokens")
            widget = self.chat_view.widgets.get(message_id)
            if widget is not None:
                widget.refresh()
            if self.thought_pane.message_id == message_id:
                self.thought_pane.set_header(thought_label(view.thinking_seconds, view.thinking_tokens))
        self.streaming_id = None
        self._set_busy(False)
        tps = result.get("tokens_per_second") or 0
        self.speed_label.setText(self.tr("%1 tokens/s").replace("%1", f"{tps:.0f}") if tps else "")
        n_ctx = result.get("n_ctx") or self.model_caps.get("n_ctx")
        used = (result.get("prompt_tokens") or 0) + (result.get("thinking_tokens") or 0) + (
            result.get("answer_tokens") or 0)
        if n_ctx and used:
            self.context_label.setText(self.tr("Context: %1 / %2 tokens").replace("%1", f"{used:,}")
                                       .replace("%2", f"{n_ctx:,}"))
        if result.get("notes"):
            self.statusBar().showMessage(" · ".join(result["notes"]), 15000)
        if result.get("error"):
            if not message_id and not result.get("user_message_id") and self._unsent_text:
                if not self.input.toPlainText().strip():  # the question was not stored: nothing is lost
                    self.input.setPlainText(self._unsent_text)
            self.show_error(self.tr("The answer could not be generated"), result["error"])
        self._unsent_text = ""
        if result.get("conversation_id"):
            conv = self.repo.get_conversation(result["conversation_id"])
            if conv is not None:  # branch counts may have changed: refresh the navigators
                by_parent: dict[int | None, list[int]] = {}
                for m in conv.messages:
                    by_parent.setdefault(m.parent_id, []).append(m.id)
                for m in conv.path_messages:
                    view, widget = self.views.get(m.id), self.chat_view.widgets.get(m.id)
                    siblings = by_parent.get(m.parent_id, [m.id])
                    if view is not None and widget is not None and view.siblings != siblings:
                        view.siblings = siblings
                        widget.refresh()
        self.reload_conversations()

    # -- the thought pane ------------------------------------------------------------

    def show_message_thought(self, message_id: int, *, reveal: bool = True) -> None:
        view = self.views.get(message_id)
        if view is None:
            return
        if message_id == self.streaming_id and self._thought_done_at is None:
            header = thought_label(time.monotonic() - self._turn_started_at, streaming=True)
        else:
            header = thought_label(view.thinking_seconds, view.thinking_tokens)
        self.thought_pane.show_thought(message_id, view.thinking, header)
        if reveal and not self.action_show_thoughts.isChecked():
            self.action_show_thoughts.setChecked(True)

    def _on_show_thoughts_toggled(self, checked: bool) -> None:
        self.thought_pane.setVisible(checked)
        self.settings.setValue(SETTING_SHOW_THOUGHTS, checked)
        self.settings.sync()

    # -- settings --------------------------------------------------------------------

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.app_settings, self)
        dialog.modelSettingsRequested.connect(self._edit_current_model_settings)
        dialog.accepted.connect(self.appearanceChanged)
        dialog.open()
        return dialog

    def _edit_current_model_settings(self) -> None:
        d = self.open_models(0)
        table = d.library_table
        for r in range(table.rowCount()):
            if table.item(r, 0).text() == self.loaded_entry:
                table.selectRow(r)
                d.edit_settings()
                return

    # -- misc ------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        ready = bool(self.model_name)
        self.composer.set_busy(busy, ready, loading=self.model_loading)
        self.action_stop.setEnabled(busy)
        self.action_regenerate.setEnabled(not busy and ready)
        self.sidebar.list.setEnabled(not busy)
        self.action_new_chat.setEnabled(not busy)
        self.sidebar.new_chat_button.setEnabled(not busy)
        self.model_picker.setEnabled(not busy)
        for w in self.chat_view.widgets.values():
            if w.view.status is not MessageStatus.STREAMING:
                w.set_streaming(busy)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sidebar.flush_deletes()
        self.settings.setValue(SETTING_SPLITTER, self.splitter.saveState())
        self.settings.setValue(SETTING_GEOMETRY, self.saveGeometry())
        self.settings.sync()
        self.closing.emit()
        super().closeEvent(event)
