"""The main window: conversations, the chat, the composer and the Chain of thought pane.

It never calls the model: it emits requests and renders the worker's events, which
arrive as queued signals. Streamed text is coalesced and painted at most ~30 times a second.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from reasoner_desktop import __version__
from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.export.files import safe_filename
from reasoner_desktop.inference.errors import ModelLoadError
from reasoner_desktop.inference.library import LibraryError, ModelLibrary, engine_settings_for
from reasoner_desktop.export.options import ExportError, ImportFormatError
from reasoner_desktop.services.chat import TurnOptions
from reasoner_desktop.services.exporting import export_conversations, export_dataset, import_file
from reasoner_desktop.storage.repository import HistoryRepository
from reasoner_desktop.ui.chat_view import ChatView, MessageView
from reasoner_desktop.ui.composer import MessageInput
from reasoner_desktop.ui.export_dialog import ExportDialog
from reasoner_desktop.ui.models_dialog import ModelsDialog
from reasoner_desktop.workers.download_worker import DownloadWorker
from reasoner_desktop.ui.thought_pane import ThoughtPane, thought_label

FLUSH_INTERVAL_MS = 33  # at most ~30 repaints a second while streaming
SETTING_SHOW_THOUGHTS = "view/showThoughts"
SETTING_SPLITTER = "view/splitter"
SETTING_GEOMETRY = "window/geometry"
SETTING_LAST_MODEL = "model/last"


class MainWindow(QMainWindow):
    sendRequested = Signal(int, str, object)  # conversation id (0: new), text, TurnOptions or None
    stopRequested = Signal()
    loadModelRequested = Signal(str, object)  # path, EngineSettings
    closing = Signal()

    def __init__(self, repo: HistoryRepository, settings: QSettings, library: ModelLibrary,
                 downloads: DownloadWorker) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Reasoner Desktop")
        self.setAcceptDrops(True)
        self.repo = repo
        self.settings = settings
        self.library = library
        self.downloads = downloads
        self.models_dialog: ModelsDialog | None = None
        self.loaded_entry: str | None = None  # the library name of the model in use
        self.conversation_id = 0
        self.streaming_id: int | None = None
        self.model_name: str | None = None
        self.views: dict[int, MessageView] = {}
        self.last_result: dict | None = None
        self.turn_options = TurnOptions()  # sent with every question
        self.error_dialog: QMessageBox | None = None
        self._pending_thinking: list[str] = []
        self._pending_answer: list[str] = []
        self._turn_started_at = 0.0
        self._thought_done_at: float | None = None

        self._build_widgets()
        self._build_actions()
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_INTERVAL_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._restore_state()
        self.reload_conversations()
        self._set_busy(False)
        self.set_model_state(None, loading=True)
        self.input.setFocus()

    # -- construction ----------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.new_chat_button = QPushButton(self.tr("New chat"))
        self.new_chat_button.setObjectName("newChatButton")
        self.conversation_list = QListWidget()
        self.conversation_list.setObjectName("conversationList")
        self.conversation_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.conversation_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.conversation_list.itemClicked.connect(self._on_conversation_clicked)
        self.conversation_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.conversation_list.customContextMenuRequested.connect(self._conversation_menu)
        sidebar = QWidget()
        sidebar.setObjectName("sidebar")
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(8, 8, 0, 8)
        side.addWidget(self.new_chat_button)
        side.addWidget(self.conversation_list, 1)

        self.chat_view = ChatView()
        self.chat_view.thoughtClicked.connect(self.show_message_thought)
        self.input = MessageInput()
        self.input.submitted.connect(self.send)
        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.setObjectName("sendButton")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setObjectName("stopButton")
        self.stop_button.clicked.connect(self.stop)
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        composer = QHBoxLayout()
        composer.addWidget(self.input, 1)
        composer.addLayout(buttons)
        center = QWidget()
        center.setObjectName("centerArea")
        cl = QVBoxLayout(center)
        cl.setContentsMargins(0, 0, 0, 8)
        cl.addWidget(self.chat_view, 1)
        cl.addLayout(composer)

        self.thought_pane = ThoughtPane()
        self.thought_pane.close_button.clicked.connect(lambda: self.action_show_thoughts.setChecked(False))

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(sidebar)
        self.splitter.addWidget(center)
        self.splitter.addWidget(self.thought_pane)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([220, 560, 380])
        self.setCentralWidget(self.splitter)

        self.model_label = QLabel()
        self.model_label.setObjectName("modelStatus")
        self.speed_label = QLabel()
        self.speed_label.setObjectName("speedStatus")
        self.statusBar().addWidget(self.model_label, 1)
        self.statusBar().addPermanentWidget(self.speed_label)
        self.resize(1180, 760)

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.action_new_chat = QAction(self.tr("&New chat"), self)
        self.action_new_chat.setObjectName("actionNewChat")
        self.action_new_chat.setShortcut(QKeySequence.StandardKey.New)
        self.action_new_chat.triggered.connect(self.new_chat)
        self.new_chat_button.clicked.connect(self.action_new_chat.trigger)
        self.action_open_model = QAction(self.tr("&Open model file…"), self)
        self.action_open_model.setObjectName("actionOpenModel")
        self.action_open_model.setShortcut(QKeySequence.StandardKey.Open)
        self.action_open_model.triggered.connect(self._choose_model_file)
        action_quit = QAction(self.tr("&Quit"), self)
        action_quit.setShortcut(QKeySequence.StandardKey.Quit)
        action_quit.triggered.connect(self.close)
        self.action_export = QAction(self.tr("&Export…"), self)
        self.action_export.setObjectName("actionExport")
        self.action_export.setShortcut(QKeySequence("Ctrl+E"))
        self.action_export.triggered.connect(lambda: self.export_conversations())
        self.action_import = QAction(self.tr("&Import…"), self)
        self.action_import.setObjectName("actionImport")
        self.action_import.triggered.connect(self.import_conversations)
        self.action_dataset = QAction(self.tr("Export reasoning &dataset (thumbs-up answers)…"), self)
        self.action_dataset.setObjectName("actionDataset")
        self.action_dataset.triggered.connect(self.export_dataset)
        self.action_models = QAction(self.tr("&Models…"), self)
        self.action_models.setObjectName("actionModels")
        self.action_models.setShortcut(QKeySequence("Ctrl+M"))
        self.action_models.triggered.connect(self.open_models)
        file_menu.addActions([self.action_new_chat, self.action_open_model, self.action_models])
        file_menu.addSeparator()
        file_menu.addActions([self.action_export, self.action_import, self.action_dataset])
        file_menu.addSeparator()
        file_menu.addAction(action_quit)

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        self.action_show_thoughts = QAction(self.tr("Show &chain of thought"), self)
        self.action_show_thoughts.setObjectName("actionShowThoughts")
        self.action_show_thoughts.setCheckable(True)
        self.action_show_thoughts.setShortcut(QKeySequence("Ctrl+Shift+T"))
        self.action_show_thoughts.toggled.connect(self._on_show_thoughts_toggled)
        view_menu.addAction(self.action_show_thoughts)

        self.action_stop = QAction(self.tr("&Stop generating"), self)
        self.action_stop.setObjectName("actionStop")
        self.action_stop.setShortcut(QKeySequence("Ctrl+."))
        self.action_stop.triggered.connect(self.stop)
        self.addAction(self.action_stop)

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        about = QAction(self.tr("&About Reasoner Desktop"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

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
        if loading:
            self.model_label.setText(self.tr("Loading model…"))
        elif name:
            self.model_label.setText(self.tr("Model: %1").replace("%1", name))
        else:
            self.model_label.setText(self.tr("No model loaded — File → Open model file…"))
        self._set_busy(self.streaming_id is not None)

    def request_model(self, path: str, settings=None) -> None:
        self.set_model_state(None, loading=True)
        self.loadModelRequested.emit(path, settings)

    def last_model_name(self) -> str | None:
        return self.settings.value(SETTING_LAST_MODEL) or None

    def use_model(self, name: str, *, quiet: bool = False) -> bool:
        """Load a library model with its remembered settings, and remember it for the next start."""
        entry = self.library.get(name) if name else None
        if entry is None:
            if not quiet:
                self.show_error(self.tr("No such model"), name)
            return False
        self.settings.setValue(SETTING_LAST_MODEL, entry.name)
        self.loaded_entry = entry.name
        self.request_model(entry.path, engine_settings_for(entry))
        return True

    def on_model_settings_changed(self, name: str) -> None:
        """New settings for the model in use take effect now (it is reloaded; history is untouched)."""
        if name == self.loaded_entry and self.streaming_id is None:
            self.use_model(name)

    def open_models(self) -> ModelsDialog:
        if self.models_dialog is None:
            self.models_dialog = ModelsDialog(self.library, self.downloads, self)
            self.models_dialog.modelChosen.connect(self.use_model)
            self.models_dialog.settingsChanged.connect(self.on_model_settings_changed)
        self.models_dialog.refresh_library()
        self.models_dialog.show()
        self.models_dialog.raise_()
        return self.models_dialog

    def dragEnterEvent(self, event) -> None:
        if any(u.toLocalFile().lower().endswith(".gguf") for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.toLocalFile().lower().endswith(".gguf")]
        if paths:
            event.acceptProposedAction()
            self.add_model_file(paths[0])

    def add_model_file(self, path: str) -> None:
        """A GGUF dropped on the window or opened from File: into the library, then loaded."""
        try:
            entry = self.library.add(path)
        except (LibraryError, ModelLoadError) as exc:
            self.show_error(self.tr("The model could not be added"), str(exc))
            return
        self.use_model(entry.name)

    @Slot(str, bool)
    def on_model_loaded(self, name: str, thinks_natively: bool) -> None:
        self.set_model_state(name)

    @Slot(str)
    def on_model_failed(self, message: str) -> None:
        self.set_model_state(None)
        self.show_error(self.tr("The model could not be loaded"), message)

    def show_error(self, title: str, message: str) -> None:
        """A non-blocking dialog: the app stays usable behind it."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorDialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.error_dialog = box

    def _choose_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a GGUF model"), "", self.tr("GGUF models (*.gguf);;All files (*)"))
        if path:
            self.add_model_file(path)

    # -- conversations ---------------------------------------------------------------

    def reload_conversations(self) -> None:
        self.conversation_list.clear()
        for conv in self.repo.list_conversations():
            item = QListWidgetItem(conv.title)
            item.setData(Qt.ItemDataRole.UserRole, conv.id)
            item.setToolTip(f"{conv.title}\n{conv.updated_at.astimezone():%Y-%m-%d %H:%M}")
            self.conversation_list.addItem(item)
            if conv.id == self.conversation_id:
                item.setSelected(True)
                self.conversation_list.setCurrentItem(item)

    def _on_conversation_clicked(self, item: QListWidgetItem) -> None:
        self.open_conversation(int(item.data(Qt.ItemDataRole.UserRole)))

    def open_conversation(self, conversation_id: int) -> None:
        if self.streaming_id is not None:
            return
        conv = self.repo.get_conversation(conversation_id)
        if conv is None:
            return
        self.conversation_id = conv.id
        self.chat_view.clear()
        self.views.clear()
        last_with_thought = None
        for m in conv.path_messages:
            view = MessageView(m.id, m.role, m.content, m.thinking, m.status, m.thinking_seconds, m.thinking_tokens)
            self.views[m.id] = view
            self.chat_view.add_message(view)
            if m.thinking:
                last_with_thought = m.id
        if last_with_thought is not None:
            self.show_message_thought(last_with_thought, reveal=False)
        else:
            self.thought_pane.clear()
        self.chat_view.scroll_to_bottom()
        self.setWindowTitle(f"{conv.title} — Reasoner Desktop")

    def new_chat(self) -> None:
        if self.streaming_id is not None:
            return
        self.conversation_id = 0
        self.chat_view.clear()
        self.views.clear()
        self.thought_pane.clear()
        self.conversation_list.clearSelection()
        self.setWindowTitle("Reasoner Desktop")
        self.input.setFocus()

    # -- sending and streaming -------------------------------------------------------

    def send(self) -> None:
        text = self.input.toPlainText().strip()
        if not text or self.streaming_id is not None or not self.model_name:
            return
        self.input.clear()
        self._set_busy(True)
        self.streaming_id = -1  # until the worker says which row it writes
        self.sendRequested.emit(self.conversation_id, text, self.turn_options)

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
        user = self.repo.get_message(user_id)
        self.views[user_id] = MessageView(user_id, Role.USER, user.content if user else "")
        self.chat_view.add_message(self.views[user_id])
        view = MessageView(assistant_id, Role.ASSISTANT, status=MessageStatus.STREAMING)
        self.views[assistant_id] = view
        self.chat_view.add_message(view)
        self.chat_view.scroll_to_bottom()
        self.thought_pane.show_thought(assistant_id, "", thought_label(0, streaming=True))
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
        end = self._thought_done_at or time.monotonic()
        seconds = end - self._turn_started_at
        if self._thought_done_at is None:
            label = thought_label(seconds, streaming=True)
        else:
            label = thought_label(seconds)
        if self.thought_pane.message_id == view.id:
            self.thought_pane.set_header(label)
        if widget is not None:
            widget.refresh(streaming_seconds=seconds if self._thought_done_at is None else None)
            if self._thought_done_at is not None:
                widget.thought_button.setText("▸ " + label)

    @Slot(int, int)
    def on_context_trimmed(self, message_id: int, dropped: int) -> None:
        self.statusBar().showMessage(
            self.tr("%1 old message(s) left out so the conversation fits the model's context.").replace(
                "%1", str(dropped)), 15000)

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
        if result.get("notes"):
            self.statusBar().showMessage(" · ".join(result["notes"]), 15000)
        if result.get("error"):
            self.show_error(self.tr("The answer could not be generated"), result["error"])
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

    # -- export and import -----------------------------------------------------------

    def _conversation_menu(self, pos) -> None:
        item = self.conversation_list.itemAt(pos)
        if item is None:
            return
        cid = int(item.data(Qt.ItemDataRole.UserRole))
        menu = QMenu(self)
        menu.addAction(self.tr("Export…"), lambda: self.export_conversations(cid))
        menu.exec(self.conversation_list.viewport().mapToGlobal(pos))

    def export_conversations(self, conversation_id: int | None = None) -> list | None:
        current = conversation_id or self.conversation_id
        dialog = ExportDialog(self, has_current=bool(current), conversation_count=self.conversation_list.count())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        fmt = dialog.export_format
        if dialog.everything:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Export all conversations"), "conversations.zip",
                                                  self.tr("Zip archive (*.zip)"))
            ids = None
        else:
            conv = self.repo.get_conversation(current)
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Export conversation"),
                                                  safe_filename(conv.title if conv else "conversation", fmt.value),
                                                  f"*.{fmt.value}")
            ids = [current]
        if not path:
            return None
        try:
            # The file dialog already asked before replacing an existing file.
            written = export_conversations(self.repo, ids, fmt, dialog.thinking, Path(path), force=True)
        except (ExportError, OSError) as exc:
            self.show_error(self.tr("Export failed"), str(exc))
            return None
        self.statusBar().showMessage(self.tr("Exported to %1").replace("%1", str(written[0])), 8000)
        return written

    def import_conversations(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import conversations"), "",
                                              self.tr("Conversation exports (*.json)"))
        if not path:
            return
        try:
            result = import_file(self.repo, Path(path))
        except ImportFormatError as exc:
            self.show_error(self.tr("Import failed"), str(exc))
            return
        self.reload_conversations()
        message = self.tr("Imported %1 conversation(s).").replace("%1", str(len(result.imported)))
        if result.skipped:
            message += " " + self.tr("%1 were already here.").replace("%1", str(len(result.skipped)))
        self.statusBar().showMessage(message, 8000)

    def export_dataset(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export reasoning dataset"), "reasoning-dataset.jsonl",
                                              self.tr("JSON Lines (*.jsonl)"))
        if not path:
            return
        try:
            n = export_dataset(self.repo, Path(path), force=True)
        except (ExportError, OSError) as exc:
            self.show_error(self.tr("Export failed"), str(exc))
            return
        self.statusBar().showMessage(self.tr("%1 thumbs-up example(s) written.").replace("%1", str(n)), 8000)

    # -- misc ------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        ready = bool(self.model_name)
        self.send_button.setEnabled(not busy and ready)
        self.send_button.setToolTip("" if ready else self.tr("Load a model first (File → Open model file…)"))
        self.stop_button.setEnabled(busy)
        self.action_stop.setEnabled(busy)
        self.conversation_list.setEnabled(not busy)
        self.action_new_chat.setEnabled(not busy)
        self.new_chat_button.setEnabled(not busy)

    def _about(self) -> None:
        QMessageBox.about(self, self.tr("About Reasoner Desktop"),
                          self.tr("Reasoner Desktop %1\nOffline chat with local reasoning models.").replace("%1", __version__))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue(SETTING_SPLITTER, self.splitter.saveState())
        self.settings.setValue(SETTING_GEOMETRY, self.saveGeometry())
        self.settings.sync()
        self.closing.emit()
        super().closeEvent(event)
