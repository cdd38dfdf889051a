"""Events a generation emits, in order: thinking/answer deltas, then exactly one Done."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class ThinkingDelta:
    text: str
    # Set by the generation (not the parsers): the thought's length in tokens so far and its budget
    # (the cap it is closed at; None: none), for a live budget bar. Not part of equality.
    tokens: int = field(default=0, compare=False)
    budget: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class AnswerDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ContextTrimmed:
    """Old turns were left out of the prompt so that the conversation fits the context window."""

    dropped_messages: int
    prompt_tokens: int
    n_ctx: int


@dataclass(slots=True)
class GenerationStats:
    model: str = ""
    prompt_tokens: int = 0  # tokens in the rendered prompt
    prompt_tokens_evaluated: int = 0  # of those, not already in the KV cache
    thinking_tokens: int = 0
    answer_tokens: int = 0
    ttft_seconds: float | None = None  # request to first generated token
    thinking_seconds: float = 0.0
    total_seconds: float = 0.0
    tokens_per_second: float = 0.0
    stop_reason: str = "eos"  # eos | length | stopped | error
    budget: str = "none"  # none | cut | extended | answered_now (the user's "Answer now" wins, then extended)
    thought_cut: bool = False  # the thought was closed for the model (budget or token allowance)
    extensions: int = 0  # how often "Wait" replaced an early end of the thought
    dropped_messages: int = 0  # old messages left out to fit the context
    n_ctx: int = 0
    notes: list[str] = field(default_factory=list)
    paths: int = 1  # reasoning paths decoded together (the Done of a parallel generation: their totals)
    mean_logprob: float | None = None  # a path's confidence: mean log-probability of its sampled tokens
    thinking_budget: int | None = None  # the thought's cap in tokens (the user's, or prompted thinking's default)
    answered_now: bool = False  # the user pressed "Answer now" while it thought
    continued_from: int | None = None  # "Think longer" on an earlier answer: that answer's message id
    continued_tokens: int = 0  # ... whose thought (this many of thinking_tokens) this one goes on from
    examples_used: list[int] = field(default_factory=list)  # liked answers put in the prompt as worked examples

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Done:
    stats: GenerationStats


@dataclass(frozen=True, slots=True)
class PathEvent:
    """An event of one path of a parallel generation: its text (ThinkingDelta / AnswerDelta), or its
    Done when that path ended (the generation's own Done, with the totals, still comes last)."""

    path: int
    event: ThinkingDelta | AnswerDelta | Done


StreamEvent = ThinkingDelta | AnswerDelta | ContextTrimmed | PathEvent | Done
