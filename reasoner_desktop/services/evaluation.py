"""The scaling lab: the article's claim measured on the user's own model.

More thinking gives better answers, by thinking longer (a budget of thinking tokens) and by trying
many paths and keeping what they agree on. For each cell of samples x budget the lab answers the same
generated problems and records vote accuracy, coverage (any path right: pass@k, the "Large Language
Monkeys" curve), mean tokens and seconds per problem. Nothing is stored in the history.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from reasoner_desktop.domain.events import AnswerDelta, Done, PathEvent, ThinkingDelta
from reasoner_desktop.domain.messages import ChatMessage, Role, ThinkingMode
from reasoner_desktop.domain.tasks import make_problems
from reasoner_desktop.domain.votes import extract_answer, vote
from reasoner_desktop.inference.engine import GenerationRequest, LlamaEngine, Sampling

ANSWER_ROOM = 96  # answer tokens allowed after the thought, per path


@dataclass(slots=True)
class EvalConfig:
    task: str = "arithmetic"
    n: int = 40
    samples: tuple[int, ...] = (1, 4, 8)
    max_thinking: tuple[int, ...] = (0, 256, 1024)  # 0: no thinking
    seed: int = 0
    temperature: float = 0.7


@dataclass(slots=True)
class EvalCell:
    samples: int
    max_thinking: int
    n: int = 0
    correct: int = 0  # the vote was right
    covered: int = 0  # at least one path was right
    tokens: int = 0  # generated, all paths
    seconds: float = 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    @property
    def coverage(self) -> float:
        return self.covered / self.n if self.n else 0.0

    @property
    def mean_tokens(self) -> float:
        return self.tokens / self.n if self.n else 0.0

    @property
    def mean_seconds(self) -> float:
        return self.seconds / self.n if self.n else 0.0

    def to_json(self) -> dict:
        return {"samples": self.samples, "max_thinking": self.max_thinking, "n": self.n,
                "accuracy": round(self.accuracy, 4), "coverage": round(self.coverage, 4),
                "mean_tokens": round(self.mean_tokens, 1), "mean_seconds": round(self.mean_seconds, 3)}


@dataclass(slots=True)
class EvalReport:
    config: EvalConfig
    model: str
    cells: list[EvalCell] = field(default_factory=list)
    stopped: bool = False

    def cell(self, samples: int, max_thinking: int) -> EvalCell | None:
        return next((c for c in self.cells if (c.samples, c.max_thinking) == (samples, max_thinking)), None)

    def to_json(self) -> dict:
        cfg = asdict(self.config)
        cfg["samples"], cfg["max_thinking"] = list(self.config.samples), list(self.config.max_thinking)
        return {"model": self.model, "config": cfg, "stopped": self.stopped, "cells": [c.to_json() for c in self.cells]}

    def table(self) -> str:
        rows = ["samples  max thinking  accuracy  coverage  tokens  seconds"]
        for c in self.cells:
            rows.append(f"{c.samples:>7}  {c.max_thinking or 'off':>12}  {c.accuracy:>8.0%}  {c.coverage:>8.0%}  "
                        f"{c.mean_tokens:>6.0f}  {c.mean_seconds:>7.2f}")
        return "\n".join(rows)


def run_eval(engine: LlamaEngine, config: EvalConfig, *,
             on_progress: Callable[[int, int], None] = lambda done, total: None,
             cancel: Callable[[], bool] = lambda: False) -> EvalReport:
    problems = make_problems(config.task, config.n, config.seed)
    report = EvalReport(config, engine.name)
    total, done = len(config.samples) * len(config.max_thinking) * len(problems), 0
    on_progress(0, total)
    for budget in config.max_thinking:
        for k in config.samples:
            cell = EvalCell(k, budget)
            report.cells.append(cell)
            for i, problem in enumerate(problems):
                if cancel():
                    report.stopped = True
                    return report
                answers, tokens, seconds = _answer(engine, problem.question, k, budget,
                                                   Sampling(temperature=config.temperature, top_k=40, top_p=0.95,
                                                            min_p=0.05, seed=config.seed * 1000 + i * 17), cancel)
                tally = vote(answers)
                cell.n += 1
                cell.correct += tally.method == "extracted" and problem.is_solved_by(tally.paths[tally.winner].answer)
                cell.covered += any(problem.is_solved_by(extract_answer(a)) for a in answers)
                cell.tokens += tokens
                cell.seconds += seconds
                done += 1
                on_progress(done, total)
    return report


def _answer(engine: LlamaEngine, question: str, k: int, budget: int, sampling: Sampling,
            cancel: Callable[[], bool]) -> tuple[list[str], int, float]:
    """k paths' answers to one problem, the tokens they generated, and the seconds it took."""
    request = GenerationRequest(
        messages=[ChatMessage(Role.USER, question)],
        mode=ThinkingMode.PROMPTED if budget else ThinkingMode.OFF,
        max_thinking_tokens=budget or None, max_tokens=budget + ANSWER_ROOM, sampling=sampling, samples=k)
    answers = [[] for _ in range(k)]
    tokens = 0
    started = time.perf_counter()
    for event in engine.stream(request, cancel):
        path, ev = (event.path, event.event) if isinstance(event, PathEvent) else (0, event)
        if isinstance(ev, AnswerDelta):
            answers[path].append(ev.text)
        elif isinstance(ev, Done) and not isinstance(event, PathEvent):
            tokens = ev.stats.thinking_tokens + ev.stats.answer_tokens
        elif isinstance(ev, ThinkingDelta):
            pass
    return ["".join(a) for a in answers], tokens, time.perf_counter() - started
