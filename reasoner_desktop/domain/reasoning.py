"""Streaming reasoning parsers: raw model text in, ordered thinking/answer deltas out.

A parser is fed text chunks of any size (a token can hold half a tag) and returns the
deltas that are certain so far; `finish()` flushes whatever is held back. For any split
of a transcript into chunks, the joined deltas equal those of the whole text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from reasoner_desktop.domain.events import AnswerDelta, ThinkingDelta

Delta = ThinkingDelta | AnswerDelta


@dataclass(frozen=True, slots=True)
class ThinkTags:
    """The delimiters of a tag-style reasoning format."""

    open: str = "<think>"
    close: str = "</think>"


THINK_TAGS = ThinkTags()


class _State(Enum):
    BEFORE = auto()  # no thought yet; text here is answer, an opening tag starts a thought
    INSIDE = auto()  # inside the thought
    AFTER = auto()  # the thought closed; everything else is answer


def _held_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of `text` that is a proper prefix of `tag`."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0


class TagReasoningParser:
    """Parses `<open>thought</close>answer` output, e.g. DeepSeek-R1, Qwen3, QwQ, Magistral.

    `starts_inside=True` is for prompts whose generation prompt already opened the
    thought (R1 distill templates, prompted thinking): the output begins inside it and
    only the closing tag appears. Whitespace around the thought and at the start of the
    answer is dropped, as every chat UI does.
    """

    def __init__(self, tags: ThinkTags = THINK_TAGS, *, starts_inside: bool = False) -> None:
        self.tags = tags
        self._state = _State.INSIDE if starts_inside else _State.BEFORE
        self._buf = ""
        self._out: list[Delta] = []
        self._thought_started = False
        self._thought_ws = ""  # trailing whitespace of the thought, held until more text
        self._answer_started = False
        self.thought_closed = False

    @property
    def in_thought(self) -> bool:
        return self._state is _State.INSIDE

    @property
    def saw_thought(self) -> bool:
        return self._thought_started or self._state is not _State.BEFORE

    def feed(self, text: str) -> list[Delta]:
        self._buf += text
        self._scan()
        return self._take()

    def finish(self) -> list[Delta]:
        rest, self._buf = self._buf, ""
        if self._state is _State.INSIDE:
            self._emit_thought(rest)
        else:
            self._emit_answer(rest)
        return self._take()

    def force_close(self) -> list[Delta]:
        """End the thought now (budget cut, or end of stream inside the thought)."""
        out = self.finish() if self._state is _State.INSIDE else self._take()
        if self._state is _State.INSIDE:
            self._state = _State.AFTER
            self.thought_closed = True
        self._thought_ws = ""
        return out

    # -- internals -------------------------------------------------------------------

    def _scan(self) -> None:
        while self._buf:
            if self._state is _State.AFTER:
                self._emit_answer(self._buf)
                self._buf = ""
                return
            if self._state is _State.INSIDE and not self._thought_started:
                # A model may repeat the opening tag the template already wrote: drop it.
                head = self._buf.lstrip()
                if head.startswith(self.tags.open):
                    self._buf = head[len(self.tags.open) :]
                    continue
                if self.tags.open.startswith(head):
                    return  # could still become the opening tag; wait for more
            tag = self.tags.open if self._state is _State.BEFORE else self.tags.close
            idx = self._buf.find(tag)
            if idx >= 0:
                self._emit(self._buf[:idx])
                self._buf = self._buf[idx + len(tag) :]
                if self._state is _State.BEFORE:
                    self._state = _State.INSIDE
                else:
                    self._state = _State.AFTER
                    self.thought_closed = True
                    self._thought_ws = ""
                continue
            keep = _held_suffix(self._buf, tag)
            self._emit(self._buf[: len(self._buf) - keep])
            self._buf = self._buf[len(self._buf) - keep :]
            return

    def _emit(self, text: str) -> None:
        if self._state is _State.INSIDE:
            self._emit_thought(text)
        else:
            self._emit_answer(text)

    def _emit_thought(self, text: str) -> None:
        if not self._thought_started:
            text = text.lstrip()
            if not text:
                return
            self._thought_started = True
        text = self._thought_ws + text
        body = text.rstrip()
        self._thought_ws = text[len(body) :]
        if body:
            self._push(ThinkingDelta(body))

    def _emit_answer(self, text: str) -> None:
        if not self._answer_started:
            text = text.lstrip()
            if not text:
                return
            self._answer_started = True
        self._push(AnswerDelta(text))

    def _push(self, delta: Delta) -> None:
        if not delta.text:
            return
        if self._out and type(self._out[-1]) is type(delta):
            self._out[-1] = type(delta)(self._out[-1].text + delta.text)
        else:
            self._out.append(delta)

    def _take(self) -> list[Delta]:
        out, self._out = self._out, []
        return out


def join_deltas(deltas: list[Delta]) -> tuple[str, str]:
    """(thinking, answer) text of a list of deltas."""
    thinking = "".join(d.text for d in deltas if isinstance(d, ThinkingDelta))
    answer = "".join(d.text for d in deltas if isinstance(d, AnswerDelta))
    return thinking, answer
