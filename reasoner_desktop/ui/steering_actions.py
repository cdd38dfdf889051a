"""Steering a thought from the main window: Answer now while it streams, Think longer after it, which
thoughts go back into the context (with the status bar's context figure, measured by the worker), and
the worked examples a prompted answer is shown (liked answers, the library, a file). The window owns
one SteeringActions; like the other *Actions objects it only reaches the window's public parts."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QFileDialog

from reasoner_desktop.domain.messages import FewShotExample, Role
from reasoner_desktop.services.examples import load_examples_file
from reasoner_desktop.storage.errors import DatabaseError


class SteeringActions(QObject):
    """Needs the window's stream, composer, thought_pane, chat_view, repo, actions, model_caps, the chat shown
    (conversation_id), its request signals and status bar."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window

    # -- Answer now ------------------------------------------------------------------

    def answer_now(self) -> None:
        if self.w.stream.thinking:
            self.w.answerNowRequested.emit()

    @Slot(bool)
    def on_thinking_changed(self, thinking: bool) -> None:
        """Answer now is offered while a thought is being written (the composer, the menu, the pane)."""
        w = self.w
        thinking = thinking and w.model_caps.get("can_answer_now", True)  # a server's thought cannot be closed
        w.composer.set_thinking(thinking)
        w.actions.answer_now.setEnabled(thinking)
        live = w.stream.live
        w.thought_pane.set_thinking(thinking and live is not None and w.thought_pane.message_id == live.message_id)

    def sync_actions(self) -> None:
        """What can be steered now: Answer now while a thought is written; keeping or dropping the thoughts of
        the chat shown once there is one."""
        self.on_thinking_changed(self.w.stream.thinking)
        for action in (self.w.actions.keep_thoughts, self.w.actions.drop_thoughts):
            action.setEnabled(bool(self.w.conversation_id))

    # -- Think longer ----------------------------------------------------------------

    def think_longer(self, message_id: int, more_tokens: int) -> None:
        w = self.w
        view = w.chat_view.views.get(message_id)
        if view is None or not view.thinking.strip() or not w._can_ask():
            return
        options = self.options_for_request()
        if options is None:
            return
        w._begin_request()
        w.thinkLongerRequested.emit(message_id, more_tokens, options)

    # -- thoughts in the context -----------------------------------------------------

    def set_keep_thought(self, message_id: int, keep: bool) -> None:
        w = self.w
        try:
            w.repo.set_keep_thinking(message_id, keep)
        except (DatabaseError, KeyError) as exc:  # e.g. a read-only history: the menu goes back to what is stored
            widget = w.chat_view.widgets.get(message_id)
            if widget is not None:
                widget.view.keep_thinking = not keep
                widget.refresh()
            w.show_error(self.tr("The thought could not be kept"), str(exc) if isinstance(exc, DatabaseError)
                         else self.tr("That answer no longer exists."))
            return
        self.measure_context()

    def set_conversation_keep(self, keep: bool) -> None:
        """Keep all thoughts (also those of answers to come) or drop them all, for the chat shown."""
        w = self.w
        if not w.conversation_id:
            w.statusBar().showMessage(self.tr("Open a conversation first."), 5000)
            self.sync_conversation(None)
            return
        try:
            w.repo.set_conversation_keep_thoughts(w.conversation_id, keep)
        except (DatabaseError, KeyError) as exc:
            self.sync_conversation(w.repo.get_conversation(w.conversation_id))
            w.show_error(self.tr("The thoughts could not be kept"), str(exc) if isinstance(exc, DatabaseError)
                         else self.tr("That conversation no longer exists."))
            return
        self.sync_conversation(w.repo.get_conversation(w.conversation_id))
        for widget in w.chat_view.widgets.values():
            if widget.view.role is Role.ASSISTANT and widget.view.thinking:
                widget.view.keep_thinking = keep
                widget.refresh()
        w.statusBar().showMessage(self.tr("Thoughts are kept in the context of this chat.") if keep else
                                  self.tr("Thoughts are left out of the context of this chat."), 5000)
        self.measure_context()

    def sync_conversation(self, conv) -> None:
        """The Chat menu shows whether the chat shown keeps all its thoughts (and answers to come)."""
        action = self.w.actions.keep_thoughts
        action.blockSignals(True)
        action.setChecked(bool(conv is not None and conv.keep_thoughts))
        action.blockSignals(False)

    def measure_context(self) -> None:
        """Ask the worker what the shown chat's next prompt takes of the context, fitted to the window, with
        the examples the composer adds (it answers at once when idle; while it writes an answer, after it)."""
        w = self.w
        if not (w.conversation_id and w.model_name):
            return
        options = w.current_options()
        try:
            examples = self.examples()
        except ValueError:
            examples = ()  # said when a question is sent
        w.measureContextRequested.emit(w.conversation_id, replace(options, examples=examples) if examples else options)

    @Slot(int, int, int)
    def on_context_measured(self, conversation_id: int, tokens: int, n_ctx: int) -> None:
        if conversation_id == self.w.conversation_id:
            self.show_context_used(n_ctx, tokens)

    def show_context(self, conv=None) -> None:
        """Context used by the shown chat's last answer (then measured exactly by the worker), or the
        window size for a new chat."""
        w = self.w
        if conv is None and w.conversation_id:
            conv = w.repo.get_conversation(w.conversation_id)
        self.sync_conversation(conv)
        last = next((m for m in reversed(conv.path_messages) if m.role is Role.ASSISTANT and m.stats), None) \
            if conv is not None else None
        w.speed_label.clear()
        w.trim_label.clear()
        n_ctx = w.model_caps.get("n_ctx")
        if last is not None:
            s = last.stats
            used = (s.get("prompt_tokens") or 0) + (s.get("thinking_tokens") or 0) + (s.get("answer_tokens") or 0)
            self.show_context_used(n_ctx or s.get("n_ctx"), used)
            tps = s.get("tokens_per_second") or 0
            w.speed_label.setText(self.tr("%1 tokens/s").replace("%1", f"{tps:.0f}") if tps else "")
        else:
            w.context_label.setText(self.tr("Context in use: %1 tokens").replace("%1", f"{n_ctx:,}") if n_ctx else "")
        if last is not None:
            self.measure_context()  # what the next question starts from (the stats above count the last thought)

    def show_context_used(self, n_ctx: int | None, used: int) -> None:
        if n_ctx and used:
            self.w.context_label.setText(self.tr("Context: %1 / %2 tokens").replace("%1", f"{used:,}")
                                         .replace("%2", f"{n_ctx:,}"))

    @Slot(int)
    def on_context_trimmed(self, dropped: int) -> None:
        w = self.w
        text = self.tr("%n old message(s) left out to fit the context", "", dropped)
        w.trim_label.setText("⚠ " + text)
        w.trim_label.setToolTip(self.tr("The conversation is longer than the model's context window; the "
                                     "oldest turns were not sent to the model for this answer."))
        w.statusBar().showMessage(text, 15000)

    # -- worked examples -------------------------------------------------------------

    def options_for_request(self):
        """The window's current_options() with the worked examples the composer asks for; None (and one
        sentence in a dialog) when they cannot be read."""
        w = self.w
        try:
            examples = self.examples()
        except ValueError as exc:
            w.show_error(self.tr("The examples could not be read"), str(exc))
            return None
        options = w.current_options()
        return replace(options, examples=examples) if examples else options

    def examples(self) -> tuple[FewShotExample, ...]:
        """The library's or the file's examples, as the composer's choice says; ValueError (one sentence)
        when the file cannot be used. Liked answers are chosen per question by the chat turn."""
        w = self.w
        choice = w.composer.examples_choice()
        if choice == "library":
            return tuple(e.as_few_shot() for e in w.repo.list_examples())
        if choice == "file" and w.composer.examples_file:
            return load_examples_file(w.composer.examples_file)
        return ()

    def choose_examples_file(self) -> None:
        w = self.w
        path, _ = QFileDialog.getOpenFileName(w, self.tr("Worked examples"), w.composer.examples_file,
                                              self.tr("JSON files (*.json);;All files (*)"))
        if path:
            try:
                load_examples_file(path)
            except ValueError as exc:
                w.show_error(self.tr("The examples could not be read"), str(exc))
                path = ""
        w.composer.set_examples_file(path or None)

    def add_example(self, message_id: int) -> None:
        """An answer (its question, thought and answer) into the example library."""
        w = self.w
        answer = w.repo.get_message(message_id)
        question = w.repo.get_message(answer.parent_id) if answer is not None and answer.parent_id else None
        if answer is None or question is None or not answer.content.strip():
            return
        w.repo.add_example(question.content, answer.thinking, answer.content, source_message_id=message_id)
        w.statusBar().showMessage(self.tr("Added to the example library (Settings → Example library)."), 8000)

    def open_example_library(self):
        from reasoner_desktop.ui.example_library import ExampleLibraryDialog

        dialog = ExampleLibraryDialog(self.w.repo, self.w)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_examples_used(self, stats: dict | None) -> None:
        """In the pane: the liked answers an answer was shown as examples, each a link to it."""
        items = []
        for mid in (stats or {}).get("examples_used") or []:
            answer = self.w.repo.get_message(mid)
            question = self.w.repo.get_message(answer.parent_id) if answer and answer.parent_id else None
            if question is not None:
                items.append((mid, question.content))
        self.w.thought_pane.set_examples(items)

    def open_example(self, message_id: int) -> None:
        message = self.w.repo.get_message(message_id)
        if message is None:
            self.w.statusBar().showMessage(self.tr("That answer no longer exists."), 5000)
            return
        self.w.open_search_hit(message.conversation_id, message_id, False)
