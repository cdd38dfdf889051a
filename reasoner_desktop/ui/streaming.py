"""The answer being written: the worker's events in, throttled painting out.

The controller keeps the live text of the streaming answer whatever the window shows, so the user
can read other chats while it streams and come back to it. It paints the answer's bubble and the
thought pane, when they show it, at most ~30 times a second, appending only what is new.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from reasoner_desktop.domain.messages import MessageStatus
from reasoner_desktop.services.chat import TurnIds, TurnResult
from reasoner_desktop.ui.chat_view import ChatView, MessageView
from reasoner_desktop.ui.thought_pane import ThoughtPane, thought_label

FLUSH_INTERVAL_MS = 33  # at most ~30 repaints a second while streaming


@dataclass
class LiveTurn:
    """The turn being written, as far as it has come."""

    ids: TurnIds
    started_at: float  # time.monotonic()
    thinking: str = ""
    content: str = ""
    thought_done_at: float | None = None  # when the first answer text came

    @property
    def message_id(self) -> int:
        return self.ids.assistant_message_id

    def thinking_seconds(self) -> float:
        return (self.thought_done_at or time.monotonic()) - self.started_at

    def header(self) -> str:
        if self.thought_done_at is None:
            return thought_label(self.thinking_seconds(), streaming=True)
        return thought_label(self.thinking_seconds())


class StreamController(QObject):
    started = Signal(object)  # LiveTurn: the worker began writing a row
    trimmed = Signal(int)  # messages left out of the prompt of the live turn
    finished = Signal(object)  # TurnResult

    def __init__(self, chat_view: ChatView, pane: ThoughtPane, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.chat_view = chat_view
        self.pane = pane
        self.live: LiveTurn | None = None
        self.waiting = False  # a request was sent and no row has been started yet
        self._thinking: list[str] = []
        self._answer: list[str] = []
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
        self._thinking.clear()
        self._answer.clear()
        self._timer.start()
        self.started.emit(self.live)

    @Slot(int, str)
    def on_thinking_delta(self, message_id: int, text: str) -> None:
        if self.live is not None and message_id == self.live.message_id:
            self._thinking.append(text)

    @Slot(int, str)
    def on_answer_delta(self, message_id: int, text: str) -> None:
        if self.live is not None and message_id == self.live.message_id:
            if self.live.thought_done_at is None:
                self.live.thought_done_at = time.monotonic()
            self._answer.append(text)

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
        self.finished.emit(result)

    # -- painting --------------------------------------------------------------------

    def flush(self) -> None:
        """Move the text that arrived since the last frame into the live turn and onto the screen."""
        live = self.live
        if live is None:
            return
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
            if live.thought_done_at is not None:
                widget.thought_button.setText("▸ " + live.header())
        if self.pane.message_id == live.message_id:
            if thought:
                self.pane.append(thought)
            self.pane.set_header(live.header())

    def overlay(self, view: MessageView) -> bool:
        """Give a view of the streaming message (built from the history, which lags by up to half a
        second) the live text. Returns whether it was the streaming message."""
        live = self.live
        if live is None or view.id != live.message_id:
            return False
        view.thinking, view.content, view.status = live.thinking, live.content, MessageStatus.STREAMING
        return True

    def show_in_pane(self) -> None:
        """Show the live thought in the pane (e.g. when the answer starts, or the user asks for it)."""
        if self.live is not None:
            self.pane.show_thought(self.live.message_id, self.live.thinking, self.live.header())
