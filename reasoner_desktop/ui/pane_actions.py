"""The thought pane's behaviour in the main window: which thought it shows (with a tab per path when the
answer was one of several), opening and closing it (a user's close wins until they open it again), and
folding it away in a narrow window. The window owns one PaneActions."""

from __future__ import annotations

from PySide6.QtCore import QObject

from reasoner_desktop.ui.streaming import path_label
from reasoner_desktop.ui.thought_pane import stored_label

PANE_FOLD_WIDTH = 900  # a narrower window folds the thought pane away (it comes back when there is room)
SETTING_SHOW_THOUGHTS = "view/showThoughts"


class PaneActions(QObject):
    """Needs the window's thought_pane, chat_view, stream, repo, actions, splitter, settings, the chat shown
    (conversation_id) and _show_path()."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.closed_by_user = False  # a user's close wins until they open it again
        self.folded = False  # hidden because the window is too narrow

    def show_message_thought(self, message_id: int, *, reveal: bool = True) -> None:
        """Show a message's thought in the pane; `reveal` (a click on its control) opens the pane."""
        w = self.w
        view = w.chat_view.views.get(message_id)
        if view is None:
            return
        live = w.stream.live
        if live is not None and live.message_id == message_id:
            w.stream.show_in_pane()
        else:
            w.thought_pane.show_thought(message_id, view.thinking, stored_label(
                view.thinking_seconds, view.thinking_tokens, view.budget, view.stats, thinking=bool(view.thinking),
                timing=True))
            w.thought_pane.set_thinking(False)
            w.steering.show_examples_used(view.stats)
            self._show_vote_paths(view)
        if reveal:
            self.set_open_by_user(True)

    def _show_vote_paths(self, view) -> None:
        """An answer that won (or lost) a vote: the pane has a tab for each path, with its final answer."""
        paths = [p for p in (view.vote or {}).get("paths") or [] if p.get("message_id") is not None]
        if not paths:
            self.w.thought_pane.hide_paths()
            return
        labels = [path_label(i, p.get("final_answer")) for i, p in enumerate(paths)]
        self.w.thought_pane.set_paths([p["message_id"] for p in paths], labels, view.id)

    def show_path(self, message_id: int) -> None:
        """A path's tab was picked: while the turn streams, the pane follows that path; after it, that
        path's answer becomes the one shown (the user's pick over the vote's) with its thought."""
        w = self.w
        if w.stream.show_path_in_pane(message_id):
            return
        if message_id not in w.chat_view.views:
            if w.stream.conversation_id == w.conversation_id:
                return  # the branch being written stays in view
            w.repo.switch_branch(message_id)
            conv = w.repo.get_conversation(w.conversation_id)
            if conv is None:
                return
            w._show_path(conv)
        self.show_message_thought(message_id, reveal=False)

    def set_open_by_user(self, open_: bool) -> None:
        self.closed_by_user = not open_
        self.w.actions.show_thoughts.setChecked(open_)

    def on_toggled(self, checked: bool) -> None:
        w = self.w
        if checked and w.width() < PANE_FOLD_WIDTH and w.isVisible():
            self._fold_chat()
        self.folded = False
        w.thought_pane.setVisible(checked)
        w.settings.setValue(SETTING_SHOW_THOUGHTS, checked)
        w.settings.sync()

    def _fold_chat(self) -> None:
        """A narrow window asked for the pane: give it room by collapsing the sidebar."""
        sizes = self.w.splitter.sizes()
        if len(sizes) == 3 and sizes[0]:
            self.w.splitter.setSizes([0, sizes[1] + sizes[0] // 2, sizes[2] + sizes[0] - sizes[0] // 2])

    def on_resized(self) -> None:
        """Narrow (down to ~500 px): the pane folds away and its toggle brings it back over the chat's
        room; wide again: it returns if it was folded, not closed."""
        w = self.w
        narrow = w.width() < PANE_FOLD_WIDTH
        toggle = w.actions.show_thoughts
        if narrow and w.thought_pane.isVisible() and not self.folded:
            self.folded = True
            w.thought_pane.hide()
            toggle.blockSignals(True)
            toggle.setChecked(False)
            toggle.blockSignals(False)
        elif not narrow and self.folded:
            self.folded = False
            if not self.closed_by_user:
                toggle.setChecked(True)
