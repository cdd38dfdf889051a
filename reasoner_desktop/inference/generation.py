"""One generation: the token loop with thinking budgets.

- max thinking tokens: the thought is closed for the model (after an optional sentence
  such as "Time is up; answering now.") and the model goes on to answer;
- min thinking tokens ("think longer", s1 budget forcing): when the model tries to end
  its thought early, the closing tag is taken back (KV cache and parser rewound) and
  "Wait" is written instead, up to `max_extensions` times;
- a thought that would use up the token allowance is cut so that an answer always comes.
"""

from __future__ import annotations

import codecs
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from reasoner_desktop.domain.events import (
    AnswerDelta,
    ContextTrimmed,
    Done,
    GenerationStats,
    StreamEvent,
    ThinkingDelta,
)
from reasoner_desktop.domain.messages import ThinkingMode
from reasoner_desktop.domain.reasoning import HarmonyParser, ReasoningFormat, make_parser
from reasoner_desktop.inference.errors import GenerationError
from reasoner_desktop.inference.llama_adapter import LlamaAdapter
from reasoner_desktop.inference.prompt import CONTINUE_TEXT

# Prompt tokens are evaluated in slices this long so that Stop is seen between them.
PREFILL_SLICE = 128
# A prompted (non-reasoning) model that never closes its thought is cut here.
PROMPTED_DEFAULT_MAX_THINKING = 512
# A thought is cut when only this share of the token allowance (max_tokens or context) is left,
# so that a long thought never ends with no answer.
ANSWER_RESERVE_SHARE = 4
ANSWER_RESERVE_MAX = 256
EXTENSION_TEXT = CONTINUE_TEXT  # "\nWait"
# How many recent thought tokens can be taken back when the model closes its thought.
REWIND_WINDOW = 32


def effective_max_thinking(max_thinking: int | None, min_thinking: int | None,
                           mode: ThinkingMode) -> int | None:
    """The thought's cap: the user's, else (prompted thinking, where a small model may never close its
    thought) PROMPTED_DEFAULT_MAX_THINKING; never below the user's own minimum ("think longer")."""
    if max_thinking is None and mode is ThinkingMode.PROMPTED:
        max_thinking = PROMPTED_DEFAULT_MAX_THINKING
    if max_thinking is not None and min_thinking:
        max_thinking = max(max_thinking, min_thinking)
    return max_thinking


def prefill(llm: LlamaAdapter, tokens: list[int], cancel: Callable[[], bool]) -> int | None:
    """Evaluate the prompt, reusing the KV cache for the prefix it shares with the last one.

    Returns how many tokens were evaluated, or None if cancelled.
    """
    keep = 0
    for a, b in zip(llm.cached_tokens(), tokens):
        if a != b:
            break
        keep += 1
    # The last prompt token is always re-evaluated for fresh logits.
    keep = llm.keep_prefix(min(keep, len(tokens) - 1))
    for i in range(keep, len(tokens), PREFILL_SLICE):
        if cancel():
            return None
        llm.eval(tokens[i : i + PREFILL_SLICE])
    return len(tokens) - keep


def budget_outcome(stats: GenerationStats) -> str:
    """What acted on the thought, as stored on the message: the user's "Answer now", else "Wait"
    extensions, else a cut (by the budget or the token allowance), else nothing."""
    if stats.answered_now:
        return "answered_now"
    return "extended" if stats.extensions else "cut" if stats.thought_cut else "none"


@dataclass(slots=True)
class _Mark:
    """State just before one thought token was fed, to rewind to."""

    pos: int  # KV position
    parser_state: dict
    thinking_tokens: int
    raw_len: int  # raw thought text fed so far
    yielded_len: int  # thinking text handed out so far


class Generation:
    def __init__(self, engine, llm: LlamaAdapter, request, plan, tokens: list[int], dropped: int,
                 cancel: Callable[[], bool], *, started: float | None = None, n_ctx: int | None = None,
                 answer_now: Callable[[], bool] = lambda: False) -> None:
        self.engine, self.llm, self.request, self.plan = engine, llm, request, plan
        self.tokens, self.dropped, self.cancel, self.answer_now_asked = tokens, dropped, cancel, answer_now
        custom = plan.tags if plan.format is ReasoningFormat.CUSTOM else None
        self.parser = make_parser(plan.format, starts_inside=plan.starts_inside_thought, custom=custom)
        self.close_marker = "<|end|>" if isinstance(self.parser, HarmonyParser) else plan.tags.close
        self.sampling = request.sampling or engine.recommended_sampling(plan.mode)
        # "Think longer" on an earlier answer: its thought is already written (in the prompt); it counts
        # towards this thought's length, and the budgets apply to what comes after it.
        carried = len(engine.tokenize(plan.thought_prefill)) if plan.continued else 0
        self.min_thinking = carried + (request.min_thinking_tokens or 0)
        if plan.continued:  # at least N more, then the thought may close by itself, up to the usual cap beyond them
            cap = effective_max_thinking(request.max_thinking_tokens, None, plan.mode)
            self.max_thinking = None if cap is None else self.min_thinking + cap
        else:
            self.max_thinking = effective_max_thinking(request.max_thinking_tokens, request.min_thinking_tokens,
                                                       plan.mode)
        self.stats = GenerationStats(model=engine.name, prompt_tokens=len(tokens), notes=list(plan.notes),
                                     dropped_messages=dropped, n_ctx=engine.n_ctx, thinking_tokens=carried,
                                     thinking_budget=self.max_thinking, continued_tokens=carried)
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.raw: list[str] = []
        self.raw_len = 0
        self.yielded_len = 0
        self.marks: deque[_Mark] = deque(maxlen=REWIND_WINDOW)
        self.closed_by_us = False
        self.started = time.perf_counter() if started is None else started
        self.thought_end_at: float | None = None
        # The token allowance: the user's limit, else what is left of the context window (of this
        # path's share of it, in a parallel generation).
        self.n_ctx = engine.n_ctx if n_ctx is None else n_ctx
        room = self.n_ctx - len(tokens)
        self.max_tokens = max(1, min(request.max_tokens, room) if request.max_tokens else room)
        reserve = min(ANSWER_RESERVE_MAX, self.max_tokens // ANSWER_RESERVE_SHARE)
        self.thought_limit = self.max_tokens - reserve
        self.ctx_limit = self.n_ctx - min(ANSWER_RESERVE_MAX, self.n_ctx // ANSWER_RESERVE_SHARE)
        self.first_token_at: float | None = None
        self.generated = 0
        self._ended = False

    @staticmethod
    def cancelled(engine, request) -> Iterator[StreamEvent]:
        """The events of a generation stopped before it started (while the prompt was being fitted)."""
        yield Done(GenerationStats(model=engine.name, stop_reason="stopped", n_ctx=engine.n_ctx))

    # -- the loop --------------------------------------------------------------------

    def run(self) -> Iterator[StreamEvent]:
        llm, stats = self.llm, self.stats
        yield from self.opening()
        evaluated = self._prefill()
        if evaluated is None:
            stats.stop_reason = "stopped"
            yield from self._finish()
            return
        stats.prompt_tokens_evaluated = evaluated

        sp = self.sampling
        llm.start_sampling(temperature=sp.temperature, top_p=sp.top_p, top_k=sp.top_k, min_p=sp.min_p,
                           repeat_penalty=sp.repeat_penalty, seed=sp.seed)
        try:
            while not self.ended:
                if self.cancel():
                    stats.stop_reason = "stopped"
                    break
                if self.wants_answer_now():
                    yield from self.answer_now()  # the close is evaluated: the next token is the answer's
                    continue
                yield from self.step(llm.sample())
        except RuntimeError as exc:  # llama_decode failures
            raise GenerationError(f"The model failed while generating: {exc}") from exc
        finally:
            llm.stop_sampling()
        yield from self.closing()

    # -- one token at a time (a path of a parallel generation is driven through these too) ----

    def opening(self) -> Iterator[StreamEvent]:
        """What comes before the first token: the trimming note, a prefilled thought."""
        self.stats.stop_reason = "length"
        if self.dropped:
            self.stats.notes.append(f"{self.dropped} oldest message(s) left out to fit the context window.")
            yield ContextTrimmed(self.dropped, len(self.tokens), self.engine.n_ctx)
        if self.plan.thought_prefill:
            yield from self._out(self._feed(self.plan.thought_prefill))

    @property
    def ended(self) -> bool:
        if self._ended:
            return True
        if self.generated >= self.max_tokens:
            self._ended = True
        elif self.llm.n_tokens >= self.n_ctx:
            self.stats.notes.append("The context window is full; the answer was cut.")
            self._ended = True
        return self._ended

    def step(self, token: int) -> Iterator[StreamEvent]:
        """Take one sampled token: hand out its text, feed it to the model (llm.eval), and act on the
        budgets. Sets `ended` (with stats.stop_reason) when the answer is over."""
        llm, stats, request = self.llm, self.stats, self.request
        now = time.perf_counter()
        if self.first_token_at is None:
            self.first_token_at = now
            stats.ttft_seconds = now - self.started
        if llm.is_eog(token):
            if self.parser.in_thought:
                if self._wants_more_thinking():
                    yield from self._extend()
                    return
                if not self.closed_by_us:
                    # The model ended inside its thought: close it for the model, let it answer.
                    yield from self._close()
                    return
            stats.stop_reason = "eos"
            self._ended = True
            return
        self.generated += 1
        text = self.decoder.decode(llm.detokenize([token]))
        was_thinking = self.parser.in_thought
        if was_thinking:
            self.marks.append(_Mark(llm.n_tokens, self.parser.snapshot(), stats.thinking_tokens,
                                    self.raw_len, self.yielded_len))
        deltas = self._feed(text)
        if was_thinking and not self.parser.in_thought:
            if self._wants_more_thinking() and (extended := self._take_back_close()) is not None:
                yield from self._out(extended)
                return
            self.thought_end_at = now
        if was_thinking:
            stats.thinking_tokens += 1
        else:
            stats.answer_tokens += 1
        yield from self._out(deltas)
        llm.eval([token])
        if self.parser.in_thought and not self.closed_by_us:
            if self.max_thinking is not None and stats.thinking_tokens >= self.max_thinking:
                stats.thought_cut = True
                yield from self._close(request.budget_message)
            elif self.generated >= self.thought_limit or llm.n_tokens >= self.ctx_limit:
                stats.thought_cut = True
                yield from self._close()

    def wants_answer_now(self) -> bool:
        """The user pressed "Answer now" while this path still thinks (asked before every token)."""
        return self.parser.in_thought and not self.closed_by_us and self.answer_now_asked()

    def answer_now(self) -> Iterator[StreamEvent]:
        """Close the thought for the model now (with the budget sentence, if one is set) so that the next
        token is the answer's."""
        self.stats.answered_now = True
        yield from self._close(self.request.budget_message)

    def closing(self) -> Iterator[StreamEvent]:
        """The rest of the text, then Done."""
        end = time.perf_counter()
        if self.first_token_at is not None and end > self.first_token_at and self.generated:
            self.stats.tokens_per_second = self.generated / (end - self.first_token_at)
        yield from self._finish()

    # -- pieces ----------------------------------------------------------------------

    def _feed(self, text: str) -> list:
        if self.parser.in_thought or not self.parser.saw_thought:
            self.raw.append(text)
            self.raw_len += len(text)
        return self.parser.feed(text)

    def _out(self, deltas: Iterable) -> Iterator[StreamEvent]:
        for d in deltas:
            if isinstance(d, ThinkingDelta):
                self.yielded_len += len(d.text)
                d = ThinkingDelta(d.text, self.stats.thinking_tokens, self.max_thinking)
            yield d

    def _finish(self) -> Iterator[StreamEvent]:
        yield from self._out(self.parser.feed(self.decoder.decode(b"", final=True)))
        yield from self._out(self.parser.finish())
        stats = self.stats
        end = time.perf_counter()
        stats.total_seconds = end - self.started
        if self.parser.saw_thought:
            stats.thinking_seconds = (self.thought_end_at or end) - self.started
        stats.budget = budget_outcome(stats)
        yield Done(stats)

    def _prefill(self) -> int | None:
        return prefill(self.llm, self.tokens, self.cancel)

    def _eval_text(self, text: str) -> int:
        toks = self.engine.tokenize(text)
        if toks:
            self.llm.eval(toks)
        return len(toks)

    def _close(self, message: str | None = None) -> Iterator[StreamEvent]:
        """End the thought for the model and let it answer."""
        self.closed_by_us = True
        yield from self._out(self.parser.feed(self.decoder.decode(b"", final=True)))
        self.decoder.reset()
        if message:
            yield from self._out(self._feed("\n" + message))
            self._eval_text("\n" + message)
        yield from self._out(self.parser.force_close())
        self._eval_text(self.parser.close_text)
        self.thought_end_at = time.perf_counter()

    def _wants_more_thinking(self) -> bool:
        s = self.stats
        return (not self.closed_by_us and s.thinking_tokens < self.min_thinking
                and s.extensions < self.request.max_extensions)

    def _extend(self) -> Iterator[StreamEvent]:
        """The model wants to stop inside its thought (end of text): write "Wait" and go on."""
        self.stats.extensions += 1
        self.stats.thinking_tokens += self._eval_text(EXTENSION_TEXT)
        yield from self._out(self._feed(EXTENSION_TEXT))

    def _take_back_close(self) -> list | None:
        """The model just closed its thought too early: rewind to before the closing tag and
        write "Wait" instead. Returns the deltas to hand out, or None if it cannot rewind."""
        mark = next((m for m in reversed(self.marks) if not m.parser_state.get("_buf")), None)
        if mark is None:
            return None
        raw = "".join(self.raw)
        idx = raw.find(self.close_marker, mark.raw_len)
        if idx < 0:
            return None
        before_tag = raw[mark.raw_len : idx]
        self.raw, self.raw_len = [raw[: mark.raw_len]], mark.raw_len
        self.parser.restore(mark.parser_state)
        self.marks.clear()
        self.decoder.reset()
        self.llm.rewind(mark.pos)  # eval() drops the KV cache beyond this point
        injected = before_tag + EXTENSION_TEXT
        deltas = self._feed(injected)
        self.stats.thinking_tokens = mark.thinking_tokens + self._eval_text(injected)
        self.stats.extensions += 1
        # Part of `before_tag` may already have been handed out as thought: skip that part.
        already = self.yielded_len - mark.yielded_len
        self.yielded_len = mark.yielded_len
        out = []
        for d in deltas:
            if isinstance(d, ThinkingDelta) and already:
                cut = min(already, len(d.text))
                already -= cut
                self.yielded_len += cut
                d = ThinkingDelta(d.text[cut:])
                if not d.text:
                    continue
            elif isinstance(d, AnswerDelta):
                continue
            out.append(d)
        return out
