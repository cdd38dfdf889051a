"""Several reasoning paths of one prompt, decoded together.

The prompt is evaluated once, in sequence 0; its KV cells are then shared with sequences 1..N-1
(llama_memory_seq_cp: in the unified cache the cells gain a sequence, nothing is copied). Every step
decodes one token of each live path in a single llama_decode, so the weights are read once for all
paths. Each path is a full `Generation` of its own (its parser, budgets, "Wait" extensions, forced
close, stop reason), driven through `step()` with a view of the model (`_PathModel`) that queues its
tokens for the shared batch instead of evaluating them at once.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

from reasoner_desktop.domain.events import ContextTrimmed, Done, GenerationStats, PathEvent, StreamEvent
from reasoner_desktop.inference.errors import GenerationError
from reasoner_desktop.inference.generation import Generation, budget_outcome, prefill
from reasoner_desktop.inference.llama_adapter import LlamaAdapter


class _PathModel:
    """What one path's Generation sees of the model: its own sequence and position. eval() queues the
    tokens for the next shared batch; rewind() forgets this sequence's cells from a position on."""

    def __init__(self, adapter: LlamaAdapter, seq: int, pos: int) -> None:
        self.adapter, self.seq, self.n_tokens = adapter, seq, pos
        self.pending: list[int] = []

    def is_eog(self, token: int) -> bool:
        return self.adapter.is_eog(token)

    def detokenize(self, tokens) -> bytes:
        return self.adapter.detokenize(tokens)

    def eval(self, tokens) -> None:
        self.pending.extend(tokens)
        self.n_tokens += len(tokens)

    def rewind(self, pos: int) -> None:
        queued_from = self.n_tokens - len(self.pending)
        if pos >= queued_from:
            del self.pending[pos - queued_from:]
        else:
            self.pending.clear()
            self.adapter.remove_sequence(self.seq, pos)
        self.n_tokens = pos


class ParallelGeneration:
    """N paths of one prompt. Yields PathEvent(i, delta) for each path's text, PathEvent(i, Done) when
    path i ends (its slot is freed at once), ContextTrimmed at most once, and one Done at the end with
    the totals."""

    def __init__(self, engine, adapter: LlamaAdapter, request, plan, tokens: list[int], dropped: int,
                 cancel: Callable[[], bool], n_paths: int, *, started: float,
                 answer_now: Callable[[], bool] = lambda: False) -> None:
        self.engine, self.adapter, self.tokens, self.cancel = engine, adapter, tokens, cancel
        self.started = started
        share = (engine.n_ctx - len(tokens)) // n_paths
        sampling = request.sampling or engine.recommended_sampling(plan.mode)
        base_seed = sampling.seed if sampling.seed is not None else secrets.randbelow(2**31 - n_paths)
        self.paths: list[Generation] = []
        for i in range(n_paths):
            path_request = replace(request, sampling=replace(sampling, seed=base_seed + i))
            self.paths.append(Generation(engine, _PathModel(adapter, i, len(tokens)), path_request, plan, tokens,
                                         dropped, cancel, started=started, n_ctx=len(tokens) + share,
                                         answer_now=answer_now))
        self.first_token_at: float | None = None
        self.generated = 0  # tokens of every path
        self.logprob_sum = [0.0] * n_paths
        self.logprob_count = [0] * n_paths
        self.stats = GenerationStats(model=engine.name, prompt_tokens=len(tokens), notes=list(plan.notes),
                                     dropped_messages=dropped, n_ctx=engine.n_ctx, paths=n_paths)
        if sampling.temperature <= 0 or sampling.top_k == 1:
            self.stats.notes.append("Greedy sampling: every path writes the same answer.")

    def run(self) -> Iterator[StreamEvent]:
        paths, adapter, stats = self.paths, self.adapter, self.stats
        n = len(paths)
        for i, path in enumerate(paths):
            for ev in path.opening():
                if isinstance(ev, ContextTrimmed):
                    if i == 0:
                        yield ev
                else:
                    yield PathEvent(i, ev)
        evaluated = prefill(adapter, self.tokens, self.cancel)
        if evaluated is None:
            stats.stop_reason = "stopped"
            for i, path in enumerate(paths):
                path.stats.stop_reason = "stopped"
                yield from self._end(i)
            yield from self._done()
            return
        stats.prompt_tokens_evaluated = evaluated
        for path in paths:
            path.stats.prompt_tokens_evaluated = evaluated
        for seq in range(1, n):
            adapter.copy_sequence(0, seq)
        samplers = []
        for path in paths:
            sp = path.sampling
            samplers.append(adapter.new_path_sampler(temperature=sp.temperature, top_p=sp.top_p, top_k=sp.top_k,
                                                     min_p=sp.min_p, repeat_penalty=sp.repeat_penalty,
                                                     seed=sp.seed))
        logits_at: dict[int, int] = {i: -1 for i in range(n)}  # path -> batch entry of its fresh logits
        live = set(range(n))
        try:
            while live:
                if self.cancel():
                    stats.stop_reason = "stopped"
                    for i in sorted(live):
                        paths[i].stats.stop_reason = "stopped"
                        yield from self._end(i)
                    live.clear()
                    break
                for i in sorted(live):
                    if i not in logits_at:
                        continue  # its tokens wait for room in the batch
                    if paths[i].wants_answer_now():  # its close is queued; it samples after the next decode
                        for ev in paths[i].answer_now():
                            yield PathEvent(i, ev)
                        continue
                    token = adapter.sample_path(samplers[i], logits_at[i])
                    self.logprob_sum[i] += adapter.token_logprob(logits_at[i], token)
                    self.logprob_count[i] += 1
                    if self.first_token_at is None:
                        self.first_token_at = time.perf_counter()
                    before = paths[i].generated
                    for ev in paths[i].step(token):
                        yield PathEvent(i, ev)
                    self.generated += paths[i].generated - before
                    if paths[i].ended:
                        live.discard(i)
                        yield from self._end(i)
                logits_at = self._decode(live)
                if not logits_at and live:
                    raise GenerationError("The model could not take the paths' tokens (the batch is too small).")
        except RuntimeError as exc:  # llama_decode failures
            raise GenerationError(f"The model failed while generating: {exc}") from exc
        finally:
            adapter.end_paths(n, len(self.tokens))
        yield from self._done()

    def _decode(self, live: set[int]) -> dict[int, int]:
        """One llama_decode of every live path's queued tokens (a path whose tokens do not fit waits).
        Returns path -> batch entry holding its next logits."""
        entries: list[tuple[int, int, int, bool]] = []
        logits_at: dict[int, int] = {}
        room = self.adapter.batch_capacity
        for i in sorted(live):
            model: _PathModel = self.paths[i].llm
            if not model.pending or len(model.pending) > room - len(entries):
                continue
            start = model.n_tokens - len(model.pending)
            for k, token in enumerate(model.pending):
                entries.append((token, start + k, model.seq, k == len(model.pending) - 1))
            logits_at[i] = len(entries) - 1
            model.pending.clear()
        if entries:
            self.adapter.decode_batch(entries)
        return logits_at

    def _end(self, i: int) -> Iterator[StreamEvent]:
        """Path i is over: its last text and its Done; its cells are freed for the others."""
        path = self.paths[i]
        if self.logprob_count[i]:
            path.stats.mean_logprob = self.logprob_sum[i] / self.logprob_count[i]
        for ev in path.closing():
            yield PathEvent(i, ev)
        if i:
            self.adapter.remove_sequence(i)
        else:
            self.adapter.remove_sequence(0, len(self.tokens))  # the prompt stays, for the next turn

    def _done(self) -> Iterator[StreamEvent]:
        stats, paths = self.stats, self.paths
        end = time.perf_counter()
        stats.total_seconds = end - self.started
        stats.thinking_tokens = sum(p.stats.thinking_tokens for p in paths)
        stats.answer_tokens = sum(p.stats.answer_tokens for p in paths)
        ttfts = [p.stats.ttft_seconds for p in paths if p.stats.ttft_seconds is not None]
        stats.ttft_seconds = min(ttfts) if ttfts else None
        stats.thinking_seconds = max((p.stats.thinking_seconds for p in paths), default=0.0)
        if self.first_token_at is not None and end > self.first_token_at:
            stats.tokens_per_second = self.generated / (end - self.first_token_at)
        if stats.stop_reason != "stopped":
            stats.stop_reason = "eos"
        stats.answered_now = any(p.stats.answered_now for p in paths)
        stats.extensions = sum(p.stats.extensions for p in paths)
        stats.thought_cut = any(p.stats.thought_cut for p in paths)
        stats.budget = budget_outcome(stats)
        yield Done(stats)
