"""The llama.cpp engine: one `Llama`, driven token by token.

Owned by exactly one thread (the inference worker in the GUI, the main thread in
the CLI). `stream()` yields ordered thinking/answer deltas and ends with one Done.
"""

from __future__ import annotations

import codecs
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import llama_cpp

from reasoner_desktop.domain.events import AnswerDelta, Done, GenerationStats, StreamEvent, ThinkingDelta
from reasoner_desktop.domain.messages import ChatMessage, Role, ThinkingMode
from reasoner_desktop.domain.reasoning import TagReasoningParser
from reasoner_desktop.inference.errors import GenerationError, ModelFileCorrupt
from reasoner_desktop.inference.model_files import check_model_file
from reasoner_desktop.inference.prompt import ChatTemplate, PromptPlan, build_prompt

# Prompt tokens are evaluated in slices this long so that Stop is seen between them.
PREFILL_SLICE = 128
# Room kept free for the answer when an old conversation has to be trimmed to fit.
MIN_GENERATION_ROOM = 256
# A prompted (non-reasoning) model that never closes its thought is cut here.
PROMPTED_DEFAULT_MAX_THINKING = 512
# A thought is cut when only this share of the token allowance (max_tokens or context) is left,
# so that a long thought never ends with no answer.
ANSWER_RESERVE_SHARE = 4
ANSWER_RESERVE_MAX = 256


@dataclass(slots=True)
class EngineSettings:
    n_ctx: int = 4096
    n_threads: int | None = None
    n_gpu_layers: int = 0
    n_batch: int = 512
    seed: int = -1  # -1: random


@dataclass(slots=True)
class Sampling:
    temperature: float = 0.6
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1


@dataclass(slots=True)
class GenerationRequest:
    messages: list[ChatMessage]  # the conversation so far, ending with the new user message
    mode: ThinkingMode | None = None  # None: the model's default (see prompt.resolve_mode)
    system_prompt: str | None = None
    max_tokens: int = 2048
    max_thinking_tokens: int | None = None
    sampling: Sampling = field(default_factory=Sampling)


class LlamaEngine:
    def __init__(self, model_path: str | os.PathLike, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()
        self.path = check_model_file(model_path)
        s = self.settings
        try:
            self._llm = llama_cpp.Llama(
                model_path=str(self.path),
                n_ctx=s.n_ctx,
                n_threads=s.n_threads,
                n_gpu_layers=s.n_gpu_layers,
                n_batch=s.n_batch,
                seed=s.seed if s.seed >= 0 else llama_cpp.LLAMA_DEFAULT_SEED,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelFileCorrupt(
                f"llama.cpp could not load {self.path.name}: the file is truncated or corrupt, "
                "or its architecture is not supported by this llama.cpp build."
            ) from exc
        meta = self._llm.metadata
        model = self._llm._model
        bos, eos = self._llm.token_bos(), self._llm.token_eos()
        self.template = ChatTemplate(
            meta.get("tokenizer.chat_template"),
            bos_token=model.token_get_text(bos) if bos != -1 else "",
            eos_token=model.token_get_text(eos) if eos != -1 else "",
        )
        self._bos = bos
        self._add_bos = meta.get("tokenizer.ggml.add_bos_token", "false") == "true"
        self.name = self.path.name
        self.n_ctx = self._llm.n_ctx()

    # -- public ----------------------------------------------------------------------

    @property
    def thinks_natively(self) -> bool:
        return self.template.thinks_natively

    def close(self) -> None:
        llm, self._llm = getattr(self, "_llm", None), None
        if llm is not None:
            llm.close()

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, request: GenerationRequest, cancel: Callable[[], bool] = lambda: False) -> Iterator[StreamEvent]:
        """Generate one answer. Checks `cancel` before every token; always ends with Done."""
        llm = self._llm
        started = time.perf_counter()
        plan, tokens, dropped = self._fit_prompt(request)
        stats = GenerationStats(model=self.name, prompt_tokens=len(tokens), notes=list(plan.notes))
        if dropped:
            stats.notes.append(f"{dropped} oldest message(s) left out to fit the context window.")
        parser = TagReasoningParser(plan.tags, starts_inside=plan.starts_inside_thought)
        max_thinking = request.max_thinking_tokens
        if max_thinking is None and plan.mode is ThinkingMode.PROMPTED:
            max_thinking = PROMPTED_DEFAULT_MAX_THINKING
        if plan.thought_prefill:
            yield from parser.feed(plan.thought_prefill)

        evaluated = self._prefill(tokens, cancel)
        if evaluated is None:
            stats.stop_reason = "stopped"
            yield from parser.finish()
            stats.total_seconds = time.perf_counter() - started
            yield Done(stats)
            return
        stats.prompt_tokens_evaluated = evaluated

        sp = request.sampling
        llm._sampler = llm._init_sampler(
            temp=sp.temperature, top_p=sp.top_p, top_k=sp.top_k, min_p=sp.min_p, repeat_penalty=sp.repeat_penalty
        )
        vocab = llm._model.vocab
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        first_token_at: float | None = None
        thought_end_at: float | None = None
        forced_close = False
        stats.stop_reason = "length"
        generated = 0
        reserve = min(ANSWER_RESERVE_MAX, request.max_tokens // ANSWER_RESERVE_SHARE)
        thought_limit = request.max_tokens - reserve
        ctx_limit = self.n_ctx - min(ANSWER_RESERVE_MAX, self.n_ctx // ANSWER_RESERVE_SHARE)
        try:
            while generated < request.max_tokens:
                if cancel():
                    stats.stop_reason = "stopped"
                    break
                if llm.n_tokens >= self.n_ctx:
                    stats.notes.append("The context window is full; the answer was cut.")
                    break
                token = llm.sample()
                now = time.perf_counter()
                if first_token_at is None:
                    first_token_at = now
                    stats.ttft_seconds = now - started
                if llama_cpp.llama_vocab_is_eog(vocab, token):
                    if parser.in_thought and not forced_close:
                        # The model ended inside its thought: close it for the model, let it answer.
                        forced_close = True
                        yield from self._close_thought(parser, decoder, plan)
                        thought_end_at = time.perf_counter()
                        continue
                    stats.stop_reason = "eos"
                    break
                generated += 1
                was_thinking = parser.in_thought
                deltas = parser.feed(decoder.decode(llm.detokenize([token], special=True)))
                if was_thinking:
                    stats.thinking_tokens += 1
                    if not parser.in_thought:
                        thought_end_at = now
                else:
                    stats.answer_tokens += 1
                yield from deltas
                llm.eval([token])
                if parser.in_thought and (
                    (max_thinking is not None and stats.thinking_tokens >= max_thinking)
                    or generated >= thought_limit
                    or llm.n_tokens >= ctx_limit
                ):
                    forced_close = True
                    stats.budget = "cut"
                    yield from self._close_thought(parser, decoder, plan)
                    thought_end_at = time.perf_counter()
        except RuntimeError as exc:  # llama_decode failures
            stats.stop_reason = "error"
            raise GenerationError(f"The model failed while generating: {exc}") from exc
        finally:
            llm._sampler = None
        yield from parser.feed(decoder.decode(b"", final=True))
        yield from parser.finish()
        end = time.perf_counter()
        stats.total_seconds = end - started
        if parser.saw_thought:
            stats.thinking_seconds = (thought_end_at or end) - started
        if first_token_at is not None and end > first_token_at and generated:
            stats.tokens_per_second = generated / (end - first_token_at)
        yield Done(stats)

    # -- internals -------------------------------------------------------------------

    def _tokenize_prompt(self, text: str) -> list[int]:
        tokens = self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        if self._add_bos and self._bos != -1 and (not tokens or tokens[0] != self._bos):
            tokens.insert(0, self._bos)
        return tokens

    def _fit_prompt(self, request: GenerationRequest) -> tuple[PromptPlan, list[int], int]:
        """Render the prompt, leaving out the oldest turns until it fits (never the last user message)."""
        messages = list(request.messages)
        dropped = 0
        limit = self.n_ctx - min(MIN_GENERATION_ROOM, self.n_ctx // 4)
        while True:
            plan = build_prompt(self.template, messages, mode=request.mode, system_prompt=request.system_prompt)
            tokens = self._tokenize_prompt(plan.text)
            if len(tokens) <= limit:
                return plan, tokens, dropped
            if len(messages) <= 1:
                raise GenerationError(
                    f"The message is too long for this model's context window "
                    f"({len(tokens)} tokens; at most {limit} fit)."
                )
            # Drop the oldest turn: a user message and the answers that follow it.
            messages.pop(0)
            dropped += 1
            while len(messages) > 1 and messages[0].role is not Role.USER:
                messages.pop(0)
                dropped += 1

    def _prefill(self, tokens: list[int], cancel: Callable[[], bool]) -> int | None:
        """Evaluate the prompt, reusing the KV cache for the prefix it shares with the last one.

        Returns how many tokens were evaluated, or None if cancelled.
        """
        llm = self._llm
        cached = llm.input_ids[: llm.n_tokens].tolist()
        keep = 0
        for a, b in zip(cached, tokens):
            if a != b:
                break
            keep += 1
        keep = min(keep, len(tokens) - 1)  # the last prompt token is always re-evaluated for fresh logits
        if keep <= 0 or not llm._ctx.kv_cache_seq_rm(-1, keep, -1):
            keep = 0
            llm.reset()
        llm.n_tokens = keep
        for i in range(keep, len(tokens), PREFILL_SLICE):
            if cancel():
                return None
            llm.eval(tokens[i : i + PREFILL_SLICE])
        return len(tokens) - keep

    def _close_thought(self, parser: TagReasoningParser, decoder, plan: PromptPlan) -> Iterator[ThinkingDelta | AnswerDelta]:
        yield from parser.feed(decoder.decode(b"", final=True))
        decoder.reset()
        yield from parser.force_close()
        self._llm.eval(self._llm.tokenize(f"\n{plan.tags.close}\n\n".encode(), add_bos=False, special=True))


def describe_build() -> str:
    gpu = llama_cpp.llama_supports_gpu_offload()
    return f"llama-cpp-python {llama_cpp.__version__} ({'GPU offload available' if gpu else 'CPU-only build'})"
