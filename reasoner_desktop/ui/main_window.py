"""The main window: sidebar, the chat, the composer and the Chain of thought pane.

It never calls the model: it emits requests, and the stream controller (ui/streaming.py) paints
the worker's events. While an answer streams the user may read, copy and open other chats; only
what needs the model (send, edit, regenerate, another model) waits for it.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QPushButton, QSplitter, QVBoxLayout, QWidget

from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.inference.library import ModelLibrary
from reasoner_desktop.services.chat import TurnOptions, TurnResult
from reasoner_desktop.storage.repository import HistoryRepository
from reasoner_desktop.ui.chat_view import ChatView, MessageView
from reasoner_desktop.ui.composer import Composer
from reasoner_desktop.ui.file_actions import FileActions
from reasoner_desktop.ui.menus import build_menus
from reasoner_desktop.ui.lab_actions import LabActions
from reasoner_desktop.ui.model_actions import ModelActions
from reasoner_desktop.ui.pane_actions import SETTING_SHOW_THOUGHTS, PaneActions
from reasoner_desktop.ui.settings_dialog import AppSettings, SettingsDialog
from reasoner_desktop.ui.sidebar import Sidebar
from reasoner_desktop.ui.steering_actions import SteeringActions
from reasoner_desktop.ui.serve_actions import ServeActions
from reasoner_desktop.ui.streaming import LiveTurn, StreamController
from reasoner_desktop.ui.theme import refresh_styles
from reasoner_desktop.ui.thought_pane import ThoughtPane, stored_label
from reasoner_desktop.ui.welcome import SETTING_WELCOMED, WelcomePanel
from reasoner_desktop.workers.download_worker import DownloadWorker

SETTING_SPLITTER = "view/splitter"
SETTING_GEOMETRY = "window/geometry"


def message_view(m, siblings: list[int]) -> MessageView:
    """The GUI's view of a stored message."""
    return MessageView(m.id, m.role, m.content, m.thinking, m.status, m.thinking_seconds, m.thinking_tokens,
                       m.rating, siblings, budget=m.budget, stats=m.stats, keep_thinking=m.keep_thinking)


class MainWindow(QMainWindow):
    sendRequested = Signal(int, str, object)  # conversation id (0: new), text, TurnOptions
    editRequested = Signal(int, str, object)  # user message id, new text, TurnOptions
    regenerateRequested = Signal(int, object)  # assistant message id, TurnOptions
    thinkLongerRequested = Signal(int, int, object)  # assistant message id, more thinking tokens, TurnOptions
    stopRequested = Signal()
    answerNowRequested = Signal()  # close the running thought; the model answers
    measureContextRequested = Signal(int, object)  # conversation id, TurnOptions: its next prompt's size
    loadModelRequested = Signal(str, object)  # path, EngineSettings
    evalRequested = Signal(object)  # the scaling lab: EvalConfig
    appearanceChanged = Signal()  # theme or language changed in the settings
    closing = Signal()

    def __init__(self, repo: HistoryRepository, settings: QSettings, library: ModelLibrary,
                 downloads: DownloadWorker, worker_host=None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Reasoner Desktop")
        self.setAcceptDrops(True)
        self.repo = repo
        self.settings = settings
        self.app_settings = AppSettings(settings)
        self.library = library
        self.downloads = downloads
        self.worker_host = worker_host  # the inference worker's thread (tests and benchmarks reach it here)
        self.model_caps: dict = {}
        self.model_name: str | None = None
        self.model_loading = False
        self.conversation_id = 0  # the chat shown; 0: a new one
        self.last_result: TurnResult | None = None
        self.turn_options = TurnOptions()  # the base of every request; the composer and settings add to it
        self.error_dialog: QMessageBox | None = None
        self._unsent_text = ""  # put back in the box if the question cannot be stored
        self._send_when_loaded = False  # Enter was pressed while the model loaded

        self.models = ModelActions(self)
        self.files = FileActions(self)
        self.lab = LabActions(self)
        self.pane = PaneActions(self)
        self.steering = SteeringActions(self)
        self.serve = ServeActions(self)
        self._build_widgets()
        self.stream = StreamController(self.chat_view, self.thought_pane, self)
        self.stream.started.connect(self._on_stream_started)
        self.stream.trimmed.connect(self.steering.on_context_trimmed)
        self.stream.finished.connect(self._on_turn_finished)
        self.stream.thinkingChanged.connect(self.steering.on_thinking_changed)
        self.actions, self.model_picker = build_menus(self)
        self.actions.show_thoughts.toggled.connect(self.pane.on_toggled)
        self.actions.show_thoughts.triggered.connect(self.pane.set_open_by_user)
        self._restore_state()
        if not settings.value(SETTING_WELCOMED, False, type=bool):
            self._show_welcome()
        self.reload_conversations()
        self.models.refresh_model_picker()
        self.set_model_state(None, loading=True)
        self.input.setFocus()

    # -- construction ----------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.sidebar = Sidebar(self.repo)
        self.sidebar.conversationActivated.connect(self.open_conversation)
        self.sidebar.hitActivated.connect(self.open_search_hit)
        self.sidebar.newChatRequested.connect(self.new_chat)
        self.sidebar.exportRequested.connect(self.files.export_conversations)
        self.sidebar.deleted.connect(self._on_deleted)

        self.chat_view = ChatView()
        self.chat_view.thoughtClicked.connect(self.pane.show_message_thought)
        self.chat_view.editRequested.connect(self.edit_message)
        self.chat_view.regenerateRequested.connect(self.regenerate)
        self.chat_view.branchRequested.connect(self.switch_branch)
        self.chat_view.ratingChanged.connect(lambda mid, value: self.repo.set_rating(mid, value))
        self.chat_view.linkActivated.connect(self.open_link)
        self.chat_view.thinkLongerRequested.connect(self.steering.think_longer)
        self.chat_view.keepThoughtToggled.connect(self.steering.set_keep_thought)
        self.chat_view.addExampleRequested.connect(self.steering.add_example)
        self.composer = Composer()
        self.composer.bind_settings(self.settings)
        self.composer.submitted.connect(self.send)
        self.composer.stopClicked.connect(self.stop)
        self.composer.answerNowClicked.connect(self.steering.answer_now)
        self.composer.examplesFileRequested.connect(self.steering.choose_examples_file)
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
        self.thought_pane.close_button.clicked.connect(lambda: self.pane.set_open_by_user(False))
        self.thought_pane.pathSelected.connect(self.pane.show_path)
        self.thought_pane.answerNowClicked.connect(self.steering.answer_now)
        self.thought_pane.exampleActivated.connect(self.steering.open_example)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(center)
        self.splitter.addWidget(self.thought_pane)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 1)  # extra width goes to the chat, not the pane
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
        self.statusBar().addPermanentWidget(self.serve.label)
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
        self.pane.closed_by_user = not show
        self.actions.show_thoughts.setChecked(show)
        self.thought_pane.setVisible(show)
        state = self.settings.value(SETTING_SPLITTER)
        if state is not None:
            self.splitter.restoreState(state)
            self.thought_pane.setVisible(show)
        geometry = self.settings.value(SETTING_GEOMETRY)
        if geometry is not None:
            self.restoreGeometry(geometry)

    def _show_welcome(self) -> None:
        panel = WelcomePanel()
        panel.downloadRequested.connect(lambda: self.models.open_models(1))
        panel.openFileRequested.connect(self.models.choose_model_file)
        self.chat_view.set_welcome(panel)

    def _welcomed(self) -> None:
        if self.chat_view.welcome is not None:
            self.chat_view.set_welcome(None)
            self.settings.setValue(SETTING_WELCOMED, True)

    # -- model state -----------------------------------------------------------------

    def set_model_state(self, name: str | None, *, loading: bool = False) -> None:
        self.model_name = name
        self.model_loading = loading
        if not loading and self._send_when_loaded:
            self._send_when_loaded = False
            self.statusBar().clearMessage()  # "Loading model… your message will be sent…"
            if name:
                QTimer.singleShot(0, self, self.send)  # the question typed while the model loaded
        if loading:
            self.model_label.setText(self.tr("Loading model…"))
        elif name:
            self.model_label.setText(self.tr("Model: %1").replace("%1", name))
            if on_gpu := self.model_caps.get("gpu_layers"):  # a GPU build offloaded (see inference/offload.py)
                total = self.model_caps.get("layers") or on_gpu
                self.model_label.setText(self.model_label.text() + " · " + self.tr("GPU: %1 of %2 layers")
                                         .replace("%1", str(on_gpu)).replace("%2", str(total)))
            self.steering.show_context()
        else:
            self.model_label.setText(self.tr("No model loaded — File → Models…"))
        self._sync_busy()

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

    @property
    def streaming_id(self) -> int | None:
        """The answer being written (-1 until the worker has started its row); None when idle."""
        return self.stream.message_id

    @property
    def views(self) -> dict[int, MessageView]:
        return self.chat_view.views

    def reload_conversations(self) -> None:
        self.sidebar.current_id = self.conversation_id
        self.sidebar.busy_id = self.stream.conversation_id
        self.sidebar.reload()

    def focus_search(self) -> None:
        self.sidebar.search_box.setFocus()
        self.sidebar.search_box.selectAll()

    def open_conversation(self, conversation_id: int) -> None:
        conv = self.repo.get_conversation(conversation_id)
        if conv is None:
            return
        self.chat_view.clear()
        self.conversation_id = conv.id
        self.sidebar.set_current(conv.id)
        self._show_path(conv)
        live = self.stream.live
        if live is not None and live.ids.conversation_id == conv.id:
            self.stream.show_in_pane()  # the answer being written, live
        else:
            last_with_thought = next((m.id for m in reversed(conv.path_messages) if m.thinking), None)
            if last_with_thought is not None:
                self.pane.show_message_thought(last_with_thought, reveal=False)
            else:
                self.thought_pane.clear()
        self.chat_view.scroll_to_bottom()
        self.setWindowTitle(f"{conv.title} — Reasoner Desktop")
        self.steering.show_context(conv)
        self._sync_busy()

    def open_search_hit(self, conversation_id: int, message_id: int, in_thought: bool) -> None:
        """Open the conversation at the message that matched: on its branch, scrolled into view,
        and, when the words were in its thought, with that thought in the pane."""
        conv = self.repo.get_conversation(conversation_id)
        if conv is None:
            return
        if message_id not in conv.active_path and any(m.id == message_id for m in conv.messages):
            if self.stream.conversation_id == conversation_id:
                return  # its active branch is the one being written
            self.repo.switch_branch(message_id)
        self.open_conversation(conversation_id)
        widget = self.chat_view.build(message_id)
        if widget is None:
            return
        words = self.sidebar.search_box.text()
        if in_thought:
            self.pane.show_message_thought(message_id)
            self.thought_pane.highlight(words)
            self.chat_view.reveal(widget)
        else:
            self.chat_view.reveal(widget, widget.highlight(words))

    def _show_path(self, conv) -> None:
        """Show the conversation's active path. When what is shown is a prefix of it (a new turn at
        the end), only the new messages are added; otherwise (another branch) it is rebuilt."""
        by_parent: dict[int | None, list[int]] = {}
        for m in conv.messages:
            by_parent.setdefault(m.parent_id, []).append(m.id)
        path = conv.path_messages
        views = [message_view(m, by_parent.get(m.parent_id, [m.id])) for m in path]
        for v in views:
            v.vote = conv.vote_for(v.id) if v.role is Role.ASSISTANT else None
            self.stream.overlay(v)  # the message being written: its live text, not the half-second-old row
        shown = list(self.chat_view.views)
        if shown and shown == [v.id for v in views[: len(shown)]]:
            for v in views[len(shown):]:  # a new turn at the end: add only what is new
                self.chat_view.add_message(v)
        else:
            self.chat_view.set_messages(views)
        for v in views:  # branch counts may have changed (a new sibling)
            w = self.chat_view.widgets.get(v.id)
            if w is not None and (w.view.siblings, w.view.vote, w.view.note) != (v.siblings, v.vote, v.note):
                w.view.siblings, w.view.vote, w.view.note = v.siblings, v.vote, v.note  # a live note goes
                w.refresh()

    def new_chat(self) -> None:
        self.conversation_id = 0
        self.chat_view.clear()
        self.thought_pane.clear()
        self.sidebar.set_current(0)
        self.setWindowTitle("Reasoner Desktop")
        self.steering.show_context(None)
        self._sync_busy()
        self.input.setFocus()

    def switch_branch(self, message_id: int) -> None:
        """Show another version of a message; the message stays where it was on screen."""
        if self.stream.conversation_id == self.conversation_id:
            return  # the branch being written must stay in view
        old = next((w for w in self.chat_view.widgets.values() if message_id in w.view.siblings), None)
        offset = self.chat_view.offset_of(old) if old is not None else None
        self.repo.switch_branch(message_id)
        conv = self.repo.get_conversation(self.conversation_id)
        if conv is None:
            return
        self._show_path(conv)
        self.steering.show_context(conv)
        widget = self.chat_view.build(message_id)
        if widget is not None and offset is not None:
            self.chat_view.keep_at(widget, offset)

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

    # -- sending ---------------------------------------------------------------------

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
        if opts.budget_message is None and s.budget_message:
            changes["budget_message"] = s.budget_message
        return replace(opts, **changes)

    def _can_ask(self) -> bool:
        return bool(self.model_name) and not self.stream.busy and not self.lab.running

    def send(self) -> None:
        text = self.input.toPlainText().strip()
        if not text or self.stream.busy:
            return
        if self.lab.running:
            self.statusBar().showMessage(self.tr("The scaling lab is using the model: stop it or wait for it."), 8000)
            return
        if not self.model_name:
            if self.model_loading:  # sent as soon as the model is ready; the text stays in the box till then
                self._send_when_loaded = True
                self.statusBar().showMessage(
                    self.tr("Loading model… your message will be sent as soon as it is ready."))
            else:
                self.statusBar().showMessage(self.tr("No model is loaded: choose one with File → Models…"), 10000)
            return
        options = self.steering.options_for_request()
        if options is None:
            return
        self.input.clear()
        self._unsent_text = text
        self._welcomed()
        self._begin_request()
        self.sendRequested.emit(self.conversation_id, text, options)

    def edit_message(self, user_message_id: int, text: str) -> None:
        """Ask an edited question in place of an earlier one; the old one stays as a branch."""
        text = text.strip()
        if user_message_id not in self.chat_view.views or not text or not self._can_ask():
            return
        if (options := self.steering.options_for_request()) is None:
            return
        self._begin_request()
        self.editRequested.emit(user_message_id, text, options)

    def regenerate(self, assistant_message_id: int) -> None:
        if not self._can_ask() or assistant_message_id not in self.chat_view.views:
            return
        if (options := self.steering.options_for_request()) is None:
            return
        self._begin_request()
        self.regenerateRequested.emit(assistant_message_id, options)

    def regenerate_last(self) -> None:
        last = next((v.id for v in reversed(list(self.chat_view.views.values())) if v.role is Role.ASSISTANT), None)
        if last is not None:
            self.regenerate(last)

    def _begin_request(self) -> None:
        self.stream.request_sent()
        self.trim_label.clear()
        self._sync_busy()

    def stop(self) -> None:
        if self.stream.busy:
            self.stop_button.setEnabled(False)
            self.stopRequested.emit()

    # -- the stream's course ---------------------------------------------------------

    def _on_stream_started(self, live: LiveTurn) -> None:
        ids = live.ids
        if self.conversation_id in (0, ids.conversation_id):  # the chat the question was asked in
            new_conversation = self.conversation_id != ids.conversation_id
            self.conversation_id = ids.conversation_id
            conv = self.repo.get_conversation(ids.conversation_id)
            if conv is not None:
                self._show_path(conv)  # the new question (or edited one, or the regenerated answer's branch)
                self.setWindowTitle(f"{conv.title} — Reasoner Desktop")
            self.chat_view.scroll_to_bottom()
            if self.app_settings.pane_follows_streaming or self.thought_pane.message_id is None:
                self.stream.show_in_pane()
                if self.app_settings.thoughts_expanded and not self.pane.closed_by_user:
                    self.actions.show_thoughts.setChecked(True)
            if new_conversation:
                self.sidebar.set_current(ids.conversation_id)
        self.reload_conversations()
        self._sync_busy()

    def _on_turn_finished(self, result: TurnResult) -> None:
        self.last_result = result
        shown = result.conversation_id and result.conversation_id == self.conversation_id
        widget = self.chat_view.widgets.get(result.message_id) if result.message_id else None
        if widget is not None:
            v = widget.view
            v.status = result.status
            v.content = result.answer or v.content
            v.thinking = result.thinking or v.thinking
            v.thinking_seconds = result.stats.thinking_seconds if v.thinking else None
            v.thinking_tokens = result.stats.thinking_tokens
            v.budget = result.stats.budget
            v.stats = result.stats.to_dict()
            v.note = ""  # "3 of 5 agree so far" was the live turn's
            widget.refresh()
        pane_on_paths = result.paths and self.thought_pane.message_id in result.ids.path_message_ids
        if self.thought_pane.message_id == result.message_id and result.message_id and not result.paths:
            stats = result.stats.to_dict()
            self.thought_pane.show_thought(result.message_id, result.thinking, stored_label(
                result.stats.thinking_seconds, result.stats.thinking_tokens, result.stats.budget, stats,
                thinking=bool(result.thinking), timing=True), keep_scroll=True)  # the final render of the whole thought
            self.steering.show_examples_used(stats)
        if shown:
            tps = result.stats.tokens_per_second
            self.speed_label.setText(self.tr("%1 tokens/s").replace("%1", f"{tps:.0f}") if tps else "")
            self.steering.show_context_used(result.stats.n_ctx, result.stats.prompt_tokens + result.stats.thinking_tokens
                                            + result.stats.answer_tokens)
            self.steering.measure_context()  # then what the next question starts from (thoughts left out or kept)
        if result.stats.notes:
            self.statusBar().showMessage(" · ".join(result.stats.notes), 15000)
        if result.error:
            if not result.message_id and not result.ids.user_message_id and self._unsent_text:
                if not self.input.toPlainText().strip():  # the question was not stored: nothing is lost
                    self.input.setPlainText(self._unsent_text)
            self.show_error(self.tr("The answer could not be generated"), result.error)
        self._unsent_text = ""
        self._sync_busy()
        if shown:
            conv = self.repo.get_conversation(result.conversation_id)
            if conv is not None:
                self._show_path(conv)  # a question stored without an answer, new branch counts
                if pane_on_paths and result.message_id in self.chat_view.views:
                    self.pane.show_message_thought(result.message_id, reveal=False)  # the winner, with every path
        self.reload_conversations()

    # -- settings --------------------------------------------------------------------

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.app_settings, self)
        dialog.modelSettingsRequested.connect(self.models.edit_current_settings)
        dialog.exampleLibraryRequested.connect(self.steering.open_example_library)
        dialog.accepted.connect(self.appearanceChanged)
        dialog.open()
        return dialog

    def retheme(self, dark: bool) -> None:
        """A new theme, now: messages and the pane render again in its colours, and widgets whose
        style sheets name palette colours pick the new ones up."""
        for w in self.chat_view.widgets.values():
            w.refresh()
        self.thought_pane.retheme(dark)
        refresh_styles(self)

    # -- misc ------------------------------------------------------------------------

    def _sync_busy(self) -> None:
        """Enable what can run now: while an answer streams, everything but the model's own work."""
        streaming = self.stream.busy
        busy = streaming or self.lab.running  # the scaling lab keeps the model busy too
        ready = bool(self.model_name)
        self.composer.set_busy(busy, ready, loading=self.model_loading)
        self.actions.stop.setEnabled(streaming)
        self.steering.sync_actions()
        self.actions.regenerate.setEnabled(not busy and ready)
        self.model_picker.setEnabled(not busy)
        here = streaming and self.stream.conversation_id in (None, self.conversation_id)
        for w in self.chat_view.widgets.values():
            w.set_busy(model_busy=busy or not ready, branch_locked=here)
        self.sidebar.busy_id = self.stream.conversation_id

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.pane.on_resized()

    def dragEnterEvent(self, event) -> None:
        if any(u.toLocalFile().lower().endswith(".gguf") for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.toLocalFile().lower().endswith(".gguf")]
        if paths:
            event.acceptProposedAction()
            self.models.add_model_file(paths[0])

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sidebar.flush_deletes()
        self.settings.setValue(SETTING_SPLITTER, self.splitter.saveState())
        self.settings.setValue(SETTING_GEOMETRY, self.saveGeometry())
        self.settings.sync()
        self.closing.emit()
        super().closeEvent(event)
