"""The answer being written: the worker's events in, throttled painting out.

The controller keeps the live text of the streaming answer whatever the window shows, so the user
can read other chats while it streams and come back to it. It paints the answer's bubble and the
thought pane, when they show it, at most ~30 times a second, appending only what is new.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from reasoner_desktop.domain.messages import MessageStatus
from reasoner_desktop.domain.votes import vote
from reasoner_desktop.services.chat import TurnIds, TurnResult
from reasoner_desktop.ui.chat_view import ChatView, MessageView
from reasoner_desktop.ui.thought_pane import ThoughtPane, thought_label

FLUSH_INTERVAL_MS = 33  # at most ~30 repaints a second while streaming


VOTE_EVERY_FLUSHES = 8  # a parallel turn's live vote is counted about 4 times a second


@dataclass
class LivePath:
    """One path of a parallel turn, as far as it has come."""

    message_id: int
    thinking: str = ""
    content: str = ""
    done: bool = False
    final_answer: str | None = None  # what its answer settles on so far (domain.votes.extract_answer)
    tokens: int = 0  # its thought's length so far, in tokens
    budget: int = 0  # its thought's cap (0: none)


@dataclass
class LiveTurn:
    """The turn being written, as far as it has come. A parallel turn shows its leading path here."""

    ids: TurnIds
    started_at: float  # time.monotonic()
    thinking: str = ""
    content: str = ""
    thought_done_at: float | None = None  # when the first answer text came
    paths: list[LivePath] = field(default_factory=list)  # a parallel turn's paths, in order
    leader: int = 0  # the path shown in the answer's bubble: the one the most paths agree with so far
    agree: int = 0  # paths that agree with the leader so far
    pane_path: int | None = None  # the path whose thought the pane shows (None: the leader)
    tokens: int = 0  # the thought's length so far, in tokens (a parallel turn: the pane's path's)
    budget: int = 0  # the thought's cap (0: none)

    def path_of(self, message_id: int) -> LivePath | None:
        return next((p for p in self.paths if p.message_id == message_id), None)

    def badge(self) -> str:
        n = len(self.paths)
        if self.agree > 1:
            return QCoreApplication.translate("StreamController", "%1 of %2 agree so far").replace(
                "%1", str(self.agree)).replace("%2", str(n))
        return QCoreApplication.translate("StreamController", "%1 paths thinking…").replace("%1", str(n))

    @property
    def message_id(self) -> int:
        return self.ids.assistant_message_id

    def thinking_seconds(self) -> float:
        return (self.thought_done_at or time.monotonic()) - self.started_at

    def header(self) -> str:
        if self.thought_done_at is None:
            return thought_label(self.thinking_seconds(), self.tokens, streaming=True, budget=self.budget)
        return thought_label(self.thinking_seconds(), self.tokens, budget=self.budget)

    @property
    def thinking_now(self) -> bool:
        """A thought is being written and no answer yet (a parallel turn: on any path)."""
        if self.paths:
            return any(p.thinking and not p.content and not p.done for p in self.paths)
        return bool(self.thinking) and self.thought_done_at is None


class StreamController(QObject):
    started = Signal(object)  # LiveTurn: the worker began writing a row
    trimmed = Signal(int)  # messages left out of the prompt of the live turn
    finished = Signal(object)  # TurnResult
    thinkingChanged = Signal(bool)  # a thought began or ended being written (Answer now is offered while it is)

    def __init__(self, chat_view: ChatView, pane: ThoughtPane, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.chat_view = chat_view
        self.pane = pane
        self.live: LiveTurn | None = None
        self.waiting = False  # a request was sent and no row has been started yet
        self._thinking: list[str] = []
        self._answer: list[str] = []
        self._path_text: dict[int, tuple[list[str], list[str]]] = {}  # a parallel turn's new text, by row
        self._flushes = 0
        self._thinking_now = False
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_INTERVAL_MS)
        self._timer.timeout.connect(self.flush)

    # -- state -----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.waiting or self.live is not None

    @property
    def message_id(self) -> int | None:
        """The row being written; -1 while the worker has not started it; None when idle."""
        if self.live is not None:
            return self.live.message_id
        return -1 if self.waiting else None

    @property
    def conversation_id(self) -> int | None:
        return self.live.ids.conversation_id if self.live is not None else None

    def request_sent(self) -> None:
        self.waiting = True

    # -- the worker's events ---------------------------------------------------------

    @Slot(object)
    def on_turn_started(self, ids: TurnIds) -> None:
        self.waiting = False
        self.live = LiveTurn(ids, time.monotonic())
        if len(ids.path_message_ids) > 1:
            self.live.paths = [LivePath(mid) for mid in ids.path_message_ids]
        self._thinking.clear()
        self._answer.clear()
        self._path_text.clear()
        self._flushes = 0
        self._timer.start()
        self.started.emit(self.live)

    @Slot(int, str)
    def on_thinking_delta(self, message_id: int, text: str) -> None:
        if self.live is not None and self.live.paths:
            self._path_text.setdefault(message_id, ([], []))[0].append(text)
        elif self.live is not None and message_id == self.live.message_id:
            self._thinking.append(text)

    @Slot(int, str)
    def on_answer_delta(self, message_id: int, text: str) -> None:
        if self.live is not None and self.live.paths:
            if self.live.thought_done_at is None:
                self.live.thought_done_at = time.monotonic()
            self._path_text.setdefault(message_id, ([], []))[1].append(text)
        elif self.live is not None and message_id == self.live.message_id:
            if self.live.thought_done_at is None:
                self.live.thought_done_at = time.monotonic()
            self._answer.append(text)

    @Slot(int, int, int)
    def on_thought_progress(self, message_id: int, tokens: int, budget: int) -> None:
        live = self.live
        if live is None:
            return
        path = live.path_of(message_id) if live.paths else None
        if path is not None:
            path.tokens, path.budget = tokens, budget
        elif message_id == live.message_id:
            live.tokens, live.budget = tokens, budget

    @property
    def thinking(self) -> bool:
        return self._thinking_now

    @Slot(int)
    def on_path_finished(self, message_id: int) -> None:
        path = self.live.path_of(message_id) if self.live is not None else None
        if path is not None:
            path.done = True

    @Slot(int, int)
    def on_context_trimmed(self, message_id: int, dropped: int) -> None:
        if self.live is not None and message_id == self.live.message_id:
            self.trimmed.emit(dropped)

    @Slot(object)
    def on_turn_finished(self, result: TurnResult) -> None:
        self.flush()
        self._timer.stop()
        self.live = None
        self.waiting = False
        self._set_thinking(False)
        self.finished.emit(result)

    def _set_thinking(self, thinking: bool) -> None:
        if thinking != self._thinking_now:
            self._thinking_now = thinking
            self.thinkingChanged.emit(thinking)

    # -- painting --------------------------------------------------------------------

    def flush(self) -> None:
        """Move the text that arrived since the last frame into the live turn and onto the screen."""
        live = self.live
        if live is None:
            return
        if live.paths:
            thought = self._flush_paths(live)
        else:
            thought = "".join(self._thinking)
            answer = "".join(self._answer)
            self._thinking.clear()
            self._answer.clear()
            live.thinking += thought
            live.content += answer
        widget = self.chat_view.widgets.get(live.message_id)
        if widget is not None:
            self.overlay(widget.view)
            widget.refresh(streaming_seconds=None if live.thought_done_at else live.thinking_seconds())
            widget.thought_button.setText("▸ " + live.header())
        still_thinking = live.thought_done_at is None
        if live.paths:
            shown = live.paths[self._pane_index(live)]
            live.tokens, live.budget = shown.tokens, shown.budget
            still_thinking = not shown.content and not shown.done
        if self.pane.message_id == live.message_id:
            if thought:
                self.pane.append(thought)
            self.pane.set_header(live.header())
            self.pane.set_progress(live.tokens, live.budget if still_thinking else 0)
        self._set_thinking(live.thinking_now)

    def _flush_paths(self, live: LiveTurn) -> str:
        """A parallel turn's frame: each path takes its new text; a few times a second the live vote picks
        the leader (shown in the bubble) and labels the pane's tabs. Returns the new thought text of the
        path the pane shows."""
        new_thought = {}
        for mid, (thinking, answer) in self._path_text.items():
            path = live.path_of(mid)
            if path is not None:
                new_thought[mid] = "".join(thinking)
                path.thinking += new_thought[mid]
                path.content += "".join(answer)
        self._path_text.clear()
        self._flushes += 1
        done = all(p.done for p in live.paths)
        if self._flushes % VOTE_EVERY_FLUSHES == 1 or done:
            tally = vote([p.content for p in live.paths])
            for p, pv in zip(live.paths, tally.paths):
                p.final_answer = pv.answer.text if pv.answer else None
            leader = tally.winner if tally.method == "extracted" else live.leader
            live.agree = tally.agree
            if leader != live.leader:
                live.leader = leader
                if live.pane_path is None and self.pane.message_id == live.message_id:
                    lead = live.paths[leader]
                    live.thinking, live.content = lead.thinking, lead.content
                    self.show_in_pane()  # the pane follows the leader unless the user picked a path
                    return ""  # (it shows the whole of the new leader's thought already)
            self.pane.set_paths([p.message_id for p in live.paths], self.path_labels(),
                                live.paths[self._pane_index(live)].message_id)
        lead = live.paths[live.leader]
        live.thinking, live.content = lead.thinking, lead.content
        return new_thought.get(live.paths[self._pane_index(live)].message_id, "")

    @staticmethod
    def _pane_index(live: LiveTurn) -> int:
        return live.leader if live.pane_path is None else live.pane_path

    def path_labels(self) -> list[str]:
        live = self.live
        if live is None:
            return []
        return [path_label(i, p.final_answer, done=p.done) for i, p in enumerate(live.paths)]

    def show_path_in_pane(self, message_id: int) -> bool:
        """The user picked a path's tab while the turn streams: the pane shows that path, live."""
        live = self.live
        if live is None or live.path_of(message_id) is None:
            return False
        live.pane_path = next(i for i, p in enumerate(live.paths) if p.message_id == message_id)
        self.show_in_pane()
        return True

    def overlay(self, view: MessageView) -> bool:
        """Give a view of the streaming message (built from the history, which lags by up to half a
        second) the live text. Returns whether it was the streaming message."""
        live = self.live
        if live is None or view.id != live.message_id:
            return False
        view.thinking, view.content, view.status = live.thinking, live.content, MessageStatus.STREAMING
        view.note = live.badge() if live.paths else ""
        return True

    def show_in_pane(self) -> None:
        """Show the live thought in the pane (e.g. when the answer starts, or the user asks for it); a
        parallel turn's with a tab for each path."""
        live = self.live
        if live is None:
            return
        if live.paths:
            shown = live.paths[self._pane_index(live)]
            self.pane.show_thought(live.message_id, shown.thinking, live.header())
            self.pane.set_paths([p.message_id for p in live.paths], self.path_labels(), shown.message_id)
        else:
            self.pane.show_thought(live.message_id, live.thinking, live.header())
        self.pane.set_examples([])
        self.pane.set_thinking(self._thinking_now)


def path_label(index: int, final_answer: str | None, *, done: bool = True) -> str:
    """A path's tab: "3: 42" (its final answer so far), "3: …" while nothing can be read yet."""
    answer = " ".join((final_answer or "").split())
    if len(answer) > 18:
        answer = answer[:17] + "…"
    return f"{index + 1}: {answer or ('…' if not done else '?')}"
