"""Fitting a long conversation into the context window: the oldest turns are left out.

Linear, not quadratic: each message's token count is cached, the cut is found by walking back
from the newest message until the window is full (older messages are never tokenized), and the
prompt is then rendered once (a few more times only when the template's framing was
underestimated). Cancellable between renders. Sticky: while the turns kept last time still fit,
the same first turn is kept, so the next answer reuses the KV cache instead of evaluating the
whole window again; when the window overflows, it is refilled to three quarters, leaving room
for the next few turns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from reasoner_desktop.domain.messages import ChatMessage, Role
from reasoner_desktop.inference.errors import GenerationError

Plan = TypeVar("Plan")
# After a cut, the kept turns fill this share of the window.
REFILL_SHARE = 0.75
# Template framing per message before any render has been measured (role headers, separators).
INITIAL_OVERHEAD = 8.0
CACHE_LIMIT = 50_000
LEARN_MIN_MESSAGES = 8


class PromptFitter:
    def __init__(self, tokenize: Callable[[str], list[int]]) -> None:
        self._tokenize = tokenize
        self._counts: dict[tuple, int] = {}
        self.overhead = INITIAL_OVERHEAD  # tokens of template framing per message, learnt from renders
        self._anchor: tuple | None = None  # the first message kept by the last cut
        self.renders = 0  # how many prompts were rendered and tokenized (for tests and benchmarks)

    @staticmethod
    def _key(m: ChatMessage) -> tuple:
        return (m.role, m.content, m.thinking if m.keep_thinking else "")

    def count(self, m: ChatMessage) -> int:
        """Tokens of a message's text (and of its thought when it is kept), cached."""
        key = self._key(m)
        n = self._counts.get(key)
        if n is None:
            if len(self._counts) >= CACHE_LIMIT:
                self._counts.clear()
            n = len(self._tokenize(m.content)) + (len(self._tokenize(m.thinking)) if key[2] else 0)
            self._counts[key] = n
        return n

    def _cut(self, messages: Sequence[ChatMessage], budget: float) -> int:
        """The first index from which the messages fit in `budget` tokens, by the estimate."""
        used = 0.0
        for i in range(len(messages) - 1, -1, -1):
            used += self.count(messages[i]) + self.overhead
            if used > budget:
                return i + 1
        return 0

    def _text_fits(self, messages: Sequence[ChatMessage], limit: int) -> bool:
        """Whether the messages' text alone (no template framing) fits; stops counting once it cannot."""
        total = 0
        for m in reversed(messages):
            total += self.count(m)
            if total > limit:
                return False
        return True

    def fit(self, messages: list[ChatMessage], render: Callable[[Sequence[ChatMessage]], tuple[Plan, list[int]]],
            limit: int, cancel: Callable[[], bool] = lambda: False) -> tuple[Plan, list[int], int] | None:
        """(plan, tokens, messages left out) for the longest suffix of whole turns that fits in
        `limit` tokens; None if `cancel` said stop. The last message is always kept."""
        if not messages:
            plan, tokens = render(messages)
            return plan, tokens, 0
        starts = [i for i, m in enumerate(messages) if m.role is Role.USER] or [0]
        last = len(messages) - 1
        if starts[-1] != last and messages[last].role is Role.USER:
            starts.append(last)
        cut = self._cut(messages, limit)
        if cut == 0 or self._text_fits(messages, limit):
            start = 0  # fits by the estimate, or might (the framing is only estimated): try it whole
        else:
            keys = [self._key(m) for m in messages[cut:]] if self._anchor is not None else []
            anchor = cut + keys.index(self._anchor) if self._anchor in keys else None
            if anchor is not None and anchor in starts:
                start = anchor
            else:
                refill = self._cut(messages, limit * REFILL_SHARE)
                start = next((i for i in starts if i >= refill), starts[-1])
        start = next((i for i in starts if i >= start), starts[-1]) if start else 0
        while True:
            if cancel():
                return None
            kept = messages[start:]
            plan, tokens = render(kept)
            self.renders += 1
            if len(tokens) <= limit:
                self._learn(kept, tokens)
                self._anchor = self._key(messages[start]) if start else None
                return plan, tokens, start
            later = [i for i in starts if i > start]
            if not later:
                raise GenerationError(
                    f"The message is too long for this model's context window "
                    f"({len(tokens):,} tokens; at most {limit:,} fit)."
                )
            self._learn(kept, tokens)  # the framing was underestimated: cut again with what was measured
            refill = self._cut(messages, limit * REFILL_SHARE)
            start = next((i for i in later if i >= refill), later[-1])

    def _learn(self, kept: Sequence[ChatMessage], tokens: list[int]) -> None:
        """Template framing per message, measured on a real render. The system prompt counts in it
        too, so only renders of enough messages are used."""
        if len(kept) < LEARN_MIN_MESSAGES:
            return
        text_tokens = sum(self.count(m) for m in kept)
        self.overhead = max(0.0, (len(tokens) - text_tokens) / max(1, len(kept)))
