"""Streaming reasoning parsers: raw model text in, ordered thinking/answer deltas out.

A parser is fed text chunks of any size (a token can hold half a tag) and returns the
deltas that are certain so far; `finish()` flushes whatever is held back. For any split
of a transcript into chunks, the joined deltas equal those of the whole text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum, auto

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


class _DeltaEmitter:
    """Whitespace handling and delta merging shared by the parsers."""

    def __init__(self) -> None:
        self._out: list[Delta] = []
        self._thought_started = False
        self._thought_ws = ""  # trailing whitespace of the thought, held until more text
        self._thought_break = False  # the next thought text starts a new paragraph
        self._answer_started = False
        self.thought_closed = False

    def snapshot(self) -> dict:
        """The parser's state, to rewind to with restore() (used by budget forcing)."""
        return {k: v for k, v in vars(self).items() if k != "_out"}

    def restore(self, state: dict) -> None:
        vars(self).update(state)
        self._out = []

    def _emit_thought(self, text: str) -> None:
        if not self._thought_started or self._thought_break:
            text = text.lstrip()
            if not text:
                return
            if self._thought_started:  # a second part of the thought: a blank line between them
                text = "\n\n" + text
                self._thought_ws = ""
            self._thought_started, self._thought_break = True, False
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


# After the engine closes a thought for the model, the model often goes on thinking and then
# writes the closing tag itself. Answer text is held back this long after a forced close: if the
# closing tag comes within it, the text before the tag is thought; otherwise it is answer.
FORCED_CLOSE_HOLD = 256


class TagReasoningParser(_DeltaEmitter):
    """Parses `<open>thought</close>answer` output, e.g. DeepSeek-R1, Qwen3, QwQ, Magistral.

    `starts_inside=True` is for prompts whose generation prompt already opened the
    thought (R1 distill templates, prompted thinking): the output begins inside it and
    only the closing tag appears. Whitespace around the thought and at the start of the
    answer is dropped, as every chat UI does.

    Stray tags never show: an opening tag inside the thought (a model repeating what the
    template wrote), a closing tag before any thought, and any tag after the thought are
    dropped. After a forced close (force_close: a budget cut, or end of text inside the
    thought), a closing tag within FORCED_CLOSE_HOLD characters means the model was still
    thinking: the text before it joins the thought (after a blank line).
    """

    def __init__(self, tags: ThinkTags = THINK_TAGS, *, starts_inside: bool = False) -> None:
        super().__init__()
        self.tags = tags
        self._state = _State.INSIDE if starts_inside else _State.BEFORE
        self._buf = ""
        self._holding = False  # after a forced close, deciding whether the model still thinks

    @property
    def close_text(self) -> str:
        """What to write into the model's context to end its thought."""
        return f"\n{self.tags.close}\n\n"

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
        if self._holding:
            self._resolve_hold(final=True)
        self._scan()
        rest, self._buf = self._buf, ""
        self._emit(rest)
        return self._take()

    def force_close(self) -> list[Delta]:
        """End the thought now (budget cut, or end of stream inside the thought)."""
        if self._state is not _State.INSIDE:
            return self._take()
        out = self.finish()
        self._state = _State.AFTER
        self.thought_closed = True
        self._holding = True
        self._thought_ws = ""
        return out

    # -- internals -------------------------------------------------------------------

    def _scan(self) -> None:
        open_, close = self.tags.open, self.tags.close
        while self._buf:
            if self._holding and not self._resolve_hold(final=False):
                return
            hits = [(i, tag) for tag in (open_, close) if (i := self._buf.find(tag)) >= 0]
            if not hits:
                keep = max(_held_suffix(self._buf, open_), _held_suffix(self._buf, close))
                self._emit(self._buf[: len(self._buf) - keep])
                self._buf = self._buf[len(self._buf) - keep :]
                return
            idx, tag = min(hits, key=lambda hit: (hit[0], -len(hit[1])))
            self._emit(self._buf[:idx])
            self._buf = self._buf[idx + len(tag) :]
            if self._state is _State.BEFORE and tag == open_:
                self._state = _State.INSIDE
            elif self._state is _State.INSIDE and tag == close:
                self._state = _State.AFTER
                self.thought_closed = True
                self._thought_ws = ""
            # any other tag is stray: dropped

    def _resolve_hold(self, *, final: bool) -> bool:
        """After a forced close: is the held text still thought? False while it cannot be known yet."""
        close = self.tags.close
        idx = self._buf.find(close)
        if 0 <= idx < FORCED_CLOSE_HOLD:
            held = self._buf[:idx]
            if self.tags.open != close:
                held = held.replace(self.tags.open, "")
            self._thought_break = self._thought_started
            self._emit_thought(held)
            self._thought_ws = ""
            self._buf = self._buf[idx + len(close) :]
        elif not final and len(self._buf) < FORCED_CLOSE_HOLD + len(close) - 1:
            return False  # a closing tag could still start inside the window
        self._holding = False
        return True

    def _emit(self, text: str) -> None:
        if self._state is _State.INSIDE:
            self._emit_thought(text)
        else:
            self._emit_answer(text)


def join_deltas(deltas: list[Delta]) -> tuple[str, str]:
    """(thinking, answer) text of a list of deltas."""
    thinking = "".join(d.text for d in deltas if isinstance(d, ThinkingDelta))
    answer = "".join(d.text for d in deltas if isinstance(d, AnswerDelta))
    return thinking, answer


# -- gpt-oss "harmony" channels ------------------------------------------------------

HARMONY_MARKERS = ("<|start|>", "<|channel|>", "<|message|>", "<|end|>", "<|return|>", "<|call|>", "<|constrain|>")
HARMONY_THOUGHT_CHANNELS = frozenset({"analysis", "commentary"})


class HarmonyParser(_DeltaEmitter):
    """Parses gpt-oss output: `<|channel|>analysis<|message|>…<|end|>` is the thought,
    `<|start|>assistant<|channel|>final<|message|>…` the answer. Headers are not shown."""

    close_text = "<|end|><|start|>assistant<|channel|>final<|message|>"

    def __init__(self, *, starts_inside: bool = False) -> None:
        """`starts_inside`: the prompt opened an analysis message (prompted thinking)."""
        super().__init__()
        self._buf = ""
        self._in_message = starts_inside
        self._channel = "analysis" if starts_inside else ""
        self._header = ""  # text since the last marker outside a message
        self._reading_channel = False
        self._saw_message = starts_inside
        self._loose = ""  # header text, shown as answer if no message ever starts

    @property
    def in_thought(self) -> bool:
        return self._in_message and self._channel in HARMONY_THOUGHT_CHANNELS

    @property
    def saw_thought(self) -> bool:
        return self._thought_started

    def feed(self, text: str) -> list[Delta]:
        self._buf += text
        while self._buf:
            idx = self._buf.find("<|")
            if idx < 0:
                keep = 1 if self._buf.endswith("<") else 0  # maybe the start of a marker
                self._text(self._buf[: len(self._buf) - keep])
                self._buf = self._buf[len(self._buf) - keep :]
                break
            if idx:
                self._text(self._buf[:idx])
                self._buf = self._buf[idx:]
            marker = next((m for m in HARMONY_MARKERS if self._buf.startswith(m)), None)
            if marker is None:
                if any(m.startswith(self._buf) for m in HARMONY_MARKERS):
                    break  # a marker cut in two: wait for the rest
                self._text("<|")
                self._buf = self._buf[2:]
                continue
            self._buf = self._buf[len(marker) :]
            self._marker(marker)
        return self._take()

    def finish(self) -> list[Delta]:
        rest, self._buf = self._buf, ""
        self._text(rest)
        if not self._saw_message and self._loose.strip():
            self._emit_answer(self._loose)
        self._thought_ws = ""
        return self._take()

    def force_close(self) -> list[Delta]:
        out = self._take()
        if self._buf and self._in_message:
            self._text(self._buf)
            out += self._take()
        self._buf = ""
        self._thought_ws = ""
        self._in_message, self._channel, self._saw_message = True, "final", True
        self.thought_closed = True
        return out

    def _text(self, text: str) -> None:
        if not text:
            return
        if self._in_message:
            if self._channel in HARMONY_THOUGHT_CHANNELS:
                self._emit_thought(text)
            else:
                self._emit_answer(text)
        else:
            if self._reading_channel:
                self._header += text
            self._loose += text

    def _marker(self, marker: str) -> None:
        if marker == "<|message|>":
            if self._reading_channel:
                self._channel = (self._header.split() or ["final"])[0]
            elif not self._channel:
                self._channel = "final"
            self._in_message, self._saw_message, self._reading_channel = True, True, False
            self._loose = ""
        elif marker == "<|channel|>":
            self._reading_channel, self._header = True, ""
        elif marker == "<|constrain|>":
            if self._reading_channel:
                self._channel = (self._header.split() or ["final"])[0]
            self._reading_channel = False
        else:  # <|start|>, <|end|>, <|return|>, <|call|>: a message ends, a header may follow
            if self._in_message and self._channel in HARMONY_THOUGHT_CHANNELS:
                self.thought_closed = True
                self._thought_ws = ""
                self._thought_break = self._thought_started  # another analysis message: a new paragraph
            self._in_message, self._reading_channel, self._channel = False, False, ""


# -- formats -------------------------------------------------------------------------

class ReasoningFormat(StrEnum):
    NONE = "none"  # the model does not think natively
    THINK = "think"  # <think>…</think>: DeepSeek-R1 and distills, Qwen3, QwQ, Phi-4-reasoning
    HARMONY = "harmony"  # gpt-oss channels
    MAGISTRAL = "magistral"  # [THINK]…[/THINK]
    CUSTOM = "custom"  # user-defined tags


MAGISTRAL_TAGS = ThinkTags("[THINK]", "[/THINK]")
ReasoningParser = TagReasoningParser | HarmonyParser


def detect_format(chat_template: str | None) -> ReasoningFormat:
    """Guess the reasoning format from the delimiters a chat template writes.

    Pass the template's literal text (inference.templates.template_format does: its string
    constants and text, not its comments); a whole source also works, less strictly."""
    t = chat_template or ""
    if "<|channel|>" in t:
        return ReasoningFormat.HARMONY
    if "[THINK]" in t:
        return ReasoningFormat.MAGISTRAL
    if "<think>" in t or "</think>" in t:
        return ReasoningFormat.THINK
    return ReasoningFormat.NONE


def make_parser(fmt: ReasoningFormat, *, starts_inside: bool = False,
                custom: ThinkTags | None = None) -> ReasoningParser:
    if fmt is ReasoningFormat.HARMONY:
        return HarmonyParser(starts_inside=starts_inside)
    if fmt is ReasoningFormat.MAGISTRAL:
        return TagReasoningParser(MAGISTRAL_TAGS, starts_inside=starts_inside)
    if fmt is ReasoningFormat.CUSTOM and custom is not None:
        return TagReasoningParser(custom, starts_inside=starts_inside)
    return TagReasoningParser(THINK_TAGS, starts_inside=starts_inside)
