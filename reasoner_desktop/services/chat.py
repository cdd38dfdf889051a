"""One chat turn, end to end: store the question, stream the answer, save it as it arrives."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

from sqlalchemy.exc import SQLAlchemyError

from reasoner_desktop.domain.events import AnswerDelta, Done, GenerationStats, PathEvent, StreamEvent, ThinkingDelta
from reasoner_desktop.domain.messages import ChatMessage, FewShotExample, MessageStatus, Role, ThinkingMode
from reasoner_desktop.inference.prompt import PROMPTED_TEXTS, resolve_mode
from reasoner_desktop.domain.votes import model_choice_prompt, parse_model_choice, vote
from reasoner_desktop.inference.engine import GenerationRequest, LlamaEngine, Sampling
from reasoner_desktop.inference.errors import GenerationError
from reasoner_desktop.logs import record_crash, unexpected_error_sentence
from reasoner_desktop.storage.errors import describe
from reasoner_desktop.storage.repository import HistoryRepository

# Streaming text reaches its DB row at most this often (crash safety without write storms).
SAVE_INTERVAL_SECONDS = 0.5


@dataclass(slots=True)
class TurnOptions:
    mode: ThinkingMode | None = None
    max_thinking_tokens: int | None = None
    min_thinking_tokens: int | None = None
    max_extensions: int = 8  # "think longer": how many times an early close may become "Wait"
    budget_message: str | None = None
    max_tokens: int | None = None  # None: until the context window is full
    system_prompt: str | None = None
    sampling: Sampling | None = None  # None: recommended for the model
    seed: int | None = None  # fixed seed for repeatable answers (over the sampling's own)
    examples: tuple[FewShotExample, ...] = ()
    reasoning_effort: str | None = None
    samples: int = 1  # reasoning paths decoded together; more than one ends in a vote
    keep_thoughts: bool = False  # this turn sees every earlier thought (else only those marked to keep theirs)
    liked_examples: int = 0  # prompted thinking: this many thumbs-up answers to similar questions as examples
    # Set by ChatService.think_longer: the earlier answer whose thought this one goes on from.
    continue_from: int | None = None
    continue_thought: str | None = None
    example_ids: tuple[int, ...] = ()  # liked answers to show as examples, by id (Think longer: the old answer's)

THINK_LONGER_DEFAULT = 512  # "Think longer" after the fact: at least this many more thinking tokens
EXAMPLES_SHARE = 4  # worked examples take at most this share (a quarter) of the context window
EXAMPLES_PROMPTED_ONLY = "Worked examples are for prompted thinking; this answer was given without them."


@dataclass(slots=True)
class _Prepared:
    history: list[ChatMessage]
    options: TurnOptions
    examples_used: list[int]  # liked answers shown as examples
    notes: list[str]


@dataclass(slots=True)
class TurnIds:
    conversation_id: int
    user_message_id: int
    assistant_message_id: int  # with several paths: the first path's (the winner's once the turn ends)
    path_message_ids: tuple[int, ...] = ()  # with several paths: each path's answer, in path order


@dataclass(slots=True)
class PathResult:
    message_id: int
    thinking: str
    answer: str
    status: MessageStatus
    stats: GenerationStats
    final_answer: str | None = None

    def to_json(self) -> dict:
        s = self.stats
        return {"message_id": self.message_id, "thinking": self.thinking, "answer": self.answer,
                "final_answer": self.final_answer, "thinking_tokens": s.thinking_tokens,
                "answer_tokens": s.answer_tokens, "stop_reason": s.stop_reason, "status": self.status.value,
                "budget": s.budget, "confidence": None if s.mean_logprob is None else round(s.mean_logprob, 4)}


@dataclass(slots=True)
class TurnResult:
    ids: TurnIds
    thinking: str
    answer: str
    status: MessageStatus
    stats: GenerationStats
    error: str | None = None
    stop_latency_seconds: float | None = None  # from Stop to the end of the turn (the GUI's worker sets it)
    paths: list[PathResult] | None = None  # several paths: each one (the fields above are the winner's)
    vote: dict | None = None  # several paths: ConversationRecord.votes' form
    seconds: float | None = None  # the whole turn

    @classmethod
    def failed(cls, ids: TurnIds, sentence: str) -> TurnResult:
        """A turn that could not run (or not finish): what was stored, and one sentence."""
        return cls(ids, "", "", MessageStatus.ERROR, GenerationStats(stop_reason="error"), sentence)

    @property
    def message_id(self) -> int:
        return self.ids.assistant_message_id

    @property
    def conversation_id(self) -> int:
        return self.ids.conversation_id

    def to_json(self) -> dict:
        s = self.stats
        return {
            "conversation_id": self.ids.conversation_id,
            "message_id": self.ids.assistant_message_id,
            "user_message_id": self.ids.user_message_id,
            "thinking": self.thinking,
            "answer": self.answer,
            "thinking_seconds": round(s.thinking_seconds, 3),
            "thinking_tokens": s.thinking_tokens,
            "answer_tokens": s.answer_tokens,
            "ttft_seconds": None if s.ttft_seconds is None else round(s.ttft_seconds, 4),
            "tokens_per_second": round(s.tokens_per_second, 2),
            "budget": s.budget,
            "extensions": s.extensions,
            "thought_cut": s.thought_cut,
            "prompt_tokens": s.prompt_tokens,
            "prompt_tokens_evaluated": s.prompt_tokens_evaluated,
            "dropped_messages": s.dropped_messages,
            "model": s.model,
            "status": self.status.value,
            "stop_reason": s.stop_reason,
            "notes": s.notes,
            "examples_used": list(s.examples_used),
            "continued_from": s.continued_from,
            "error": self.error,
            **({"paths": [p.to_json() for p in self.paths],
                "vote": {k: self.vote[k] for k in ("answer", "agree", "of", "method")} if self.vote else None,
                "seconds": None if self.seconds is None else round(self.seconds, 3)} if self.paths else {}),
        }


class ChatService:
    def __init__(self, repo: HistoryRepository, engine: LlamaEngine) -> None:
        self.repo = repo
        self.engine = engine

    def run_turn(
        self,
        conversation_id: int | None,
        user_text: str,
        options: TurnOptions | None = None,
        *,
        edit_of: int | None = None,
        on_start: Callable[[TurnIds], None] = lambda ids: None,
        on_event: Callable[[StreamEvent], None] = lambda ev: None,
        cancel: Callable[[], bool] = lambda: False,
        answer_now: Callable[[], bool] = lambda: False,
    ) -> TurnResult:
        """Ask `user_text` at the end of the active branch, or (`edit_of`) as an edited
        version of an earlier question, which starts a new branch beside it. `answer_now` (a thread-safe
        flag) closes a running thought so that the model answers (see LlamaEngine.stream)."""
        options = options or TurnOptions()
        repo = self.repo
        new = conversation_id is None or repo.get_conversation(conversation_id) is None
        if new and edit_of is not None:
            raise KeyError(edit_of)  # the question to edit went with its conversation
        # The conversation, the question and the answer's row are written in one transaction,
        # committed as the answer starts: a turn that cannot start (a lock, a full disk) leaves
        # nothing behind, not an empty "New chat" nor a question without its answer.
        with repo.one_transaction() as tx:
            if new:
                conversation_id, user_id = repo.start_conversation(user_text, model=self.engine.name,
                                                                   system_prompt=options.system_prompt)
            else:
                user_id = repo.add_user_message(conversation_id, user_text, as_sibling_of=edit_of)

            def started(ids: TurnIds) -> None:
                tx.commit()
                on_start(ids)

            return self._answer(conversation_id, user_id, options, started, on_event, cancel, answer_now)

    def regenerate(
        self,
        assistant_message_id: int,
        options: TurnOptions | None = None,
        *,
        on_start: Callable[[TurnIds], None] = lambda ids: None,
        on_event: Callable[[StreamEvent], None] = lambda ev: None,
        cancel: Callable[[], bool] = lambda: False,
        answer_now: Callable[[], bool] = lambda: False,
    ) -> TurnResult:
        """A new answer to the same question, kept beside the old one."""
        old = self.repo.get_message(assistant_message_id)
        if old is None or old.parent_id is None:
            raise KeyError(assistant_message_id)
        return self._answer(old.conversation_id, old.parent_id, options or TurnOptions(), on_start, on_event, cancel,
                            answer_now)

    def think_longer(
        self,
        assistant_message_id: int,
        more_tokens: int = THINK_LONGER_DEFAULT,
        options: TurnOptions | None = None,
        *,
        on_start: Callable[[TurnIds], None] = lambda ids: None,
        on_event: Callable[[StreamEvent], None] = lambda ev: None,
        cancel: Callable[[], bool] = lambda: False,
        answer_now: Callable[[], bool] = lambda: False,
    ) -> TurnResult:
        """Go on from an answer's thought: "Wait", at least `more_tokens` more thinking tokens, then a new
        answer, kept beside the old one (whose row is untouched). Raises KeyError for an unknown answer,
        GenerationError (one sentence) for an answer without a thought."""
        old = self.repo.get_message(assistant_message_id)
        if old is None or old.parent_id is None or old.role is not Role.ASSISTANT:
            raise KeyError(assistant_message_id)
        if not old.thinking.strip():
            raise GenerationError("This answer has no chain of thought to continue; use Regenerate instead.")
        options = options or TurnOptions()
        prompted = any(old.thinking.startswith(t.prefill) for t in PROMPTED_TEXTS.values())
        mode = ThinkingMode.PROMPTED if prompted or not self.engine.thinks_natively else ThinkingMode.AUTO
        # The old answer's own examples (not the composer's current choice): the same prompt, so the KV cache
        # still holds it and the thought goes on under what it was written with.
        options = replace(options, mode=mode, samples=1, min_thinking_tokens=max(1, more_tokens),
                          continue_from=old.id, continue_thought=old.thinking, examples=(), liked_examples=0,
                          example_ids=tuple((old.stats or {}).get("examples_used") or ()))
        return self._answer(old.conversation_id, old.parent_id, options, on_start, on_event, cancel, answer_now)

    def context_tokens(self, conversation_id: int, options: TurnOptions | None = None) -> int:
        """What the conversation's active branch takes of the context before the next question (its prompt
        as rendered for the model, with the thoughts that are kept)."""
        prepared = self._prepare(conversation_id, None, options or TurnOptions())
        return self.engine.prompt_tokens(self._request(prepared.history, prepared.options, None))

    def _prepare(self, conversation_id: int, user_id: int | None, options: TurnOptions) -> _Prepared:
        """The history the prompt is built from, and the options with their worked examples: the liked answers
        chosen for the question (or given by id), the whole set bounded to a share of the context."""
        history = self.repo.prompt_history(conversation_id, up_to=user_id)
        if options.keep_thoughts:
            history = [replace(m, keep_thinking=True) if m.role is Role.ASSISTANT else m for m in history]
        notes: list[str] = []
        used: list[int] = []
        asking = bool(history) and history[-1].role is Role.USER
        if (options.liked_examples > 0 or options.example_ids or options.examples) and asking:
            if resolve_mode(options.mode, self.engine.format) is not ThinkingMode.PROMPTED:
                return _Prepared(history, replace(options, examples=()), [], [EXAMPLES_PROMPTED_ONLY])
            if options.example_ids:
                picks = self.repo.examples_from_answers(options.example_ids)
            elif options.liked_examples > 0:
                picks = self.repo.liked_examples(history[-1].content, options.liked_examples,
                                                 exclude_conversation_id=conversation_id)
            else:
                picks = []
            if picks:
                options = replace(options, examples=tuple(p.as_few_shot() for p in picks))
            kept, room = [], self.engine.n_ctx // EXAMPLES_SHARE
            for ex in options.examples:
                room -= len(self.engine.tokenize(f"{ex.question}\n{ex.thought}\n{ex.answer}"))
                if room < 0:
                    break
                kept.append(ex)
            if len(kept) < len(options.examples):
                notes.append(f"{len(options.examples) - len(kept)} worked example(s) left out: together they would "
                             f"take more than a quarter of the context window.")
                options = replace(options, examples=tuple(kept))
            used = [p.message_id for p in picks[: len(kept)]]
        return _Prepared(history, options, used, notes)

    def _request(self, history, options: TurnOptions, sampling: Sampling | None) -> GenerationRequest:
        return GenerationRequest(
            messages=history,
            mode=options.mode,
            system_prompt=options.system_prompt,
            max_tokens=options.max_tokens,
            max_thinking_tokens=options.max_thinking_tokens,
            min_thinking_tokens=options.min_thinking_tokens,
            max_extensions=options.max_extensions,
            budget_message=options.budget_message,
            sampling=sampling,
            examples=options.examples,
            reasoning_effort=options.reasoning_effort,
            samples=options.samples,
            continue_thought=options.continue_thought,
        )

    def _answer(self, conversation_id: int, user_id: int, options: TurnOptions, on_start, on_event,
                cancel, answer_now) -> TurnResult:
        repo = self.repo
        prepared = self._prepare(conversation_id, user_id, options)
        history, options, examples_used = prepared.history, prepared.options, prepared.examples_used
        sampling = options.sampling or self.engine.recommended_sampling(options.mode)
        if options.seed is not None:
            sampling = replace(sampling, seed=options.seed)
        if options.samples > 1:
            return self._answer_paths(conversation_id, user_id, history, options, sampling, on_start, on_event,
                                      cancel, answer_now, prepared)
        assistant_id = repo.start_assistant_message(conversation_id, user_id, self.engine.name,
                                                    sampling=asdict(sampling))
        ids = TurnIds(conversation_id, user_id, assistant_id)
        on_start(ids)
        request = self._request(history, options, sampling)
        thinking: list[str] = []
        answer: list[str] = []
        stats = GenerationStats(model=self.engine.name)
        last_save = float("-inf")  # the first text is saved at once, then at most every SAVE_INTERVAL
        dirty = False
        error: str | None = None
        save_failed: str | None = None
        try:
            for event in self.engine.stream(request, cancel, answer_now=answer_now):
                if isinstance(event, ThinkingDelta):
                    thinking.append(event.text)
                    dirty = True
                elif isinstance(event, AnswerDelta):
                    answer.append(event.text)
                    dirty = True
                elif isinstance(event, Done):
                    stats = event.stats
                on_event(event)
                now = time.monotonic()
                if dirty and now - last_save >= SAVE_INTERVAL_SECONDS:
                    last_save, dirty = now, False
                    try:
                        repo.save_partial(assistant_id, "".join(answer), "".join(thinking))
                    except SQLAlchemyError as exc:  # e.g. disk full: keep generating, keep the text in memory
                        save_failed = describe(exc, repo.path)
        except GenerationError as exc:
            error = str(exc)
            stats.stop_reason = "error"
        except Exception as exc:  # noqa: BLE001 - the row must not stay "streaming"; the text so far is kept
            record_crash(exc, "generating an answer")
            error = unexpected_error_sentence(exc, "The answer")
            stats.stop_reason = "error"
        stats.examples_used, stats.continued_from = examples_used, options.continue_from
        stats.notes = prepared.notes + stats.notes
        if error:
            status = MessageStatus.ERROR
        elif stats.stop_reason == "stopped":
            status = MessageStatus.STOPPED
        else:
            status = MessageStatus.COMPLETE
        result = TurnResult(ids, "".join(thinking), "".join(answer).rstrip(), status, stats, error)
        try:
            repo.finish_message(assistant_id, result.answer, result.thinking, status, stats)
        except SQLAlchemyError as exc:
            save_failed = describe(exc, repo.path)
        if save_failed:
            result.error = f"The answer could not be saved ({save_failed}); it is shown but not in the history."
        return result

    # -- several paths and a vote ----------------------------------------------------

    def _answer_paths(self, conversation_id: int, user_id: int, history, options: TurnOptions,
                      sampling: Sampling, on_start, on_event, cancel, answer_now, prepared: _Prepared) -> TurnResult:
        """N sibling answers decoded together, each row saved as it streams, then a vote: the winner
        becomes the active branch, the vote is recorded beside the question."""
        repo, n = self.repo, options.samples
        started = time.monotonic()
        if sampling.seed is None:  # each path's seed is stored on its row: base, base + 1, ...
            sampling = replace(sampling, seed=secrets.randbelow(2**31 - n))
        request = self._request(history, options, sampling)
        self.engine.check_paths(request)  # paths that do not fit: one sentence, nothing stored
        ids = [repo.start_assistant_message(conversation_id, user_id, self.engine.name,
                                            sampling=asdict(replace(sampling, seed=sampling.seed + i)))
               for i in range(n)]
        repo.switch_branch(ids[0])  # the first path is the one shown while they stream
        turn = TurnIds(conversation_id, user_id, ids[0], tuple(ids))
        on_start(turn)
        thinking: list[list[str]] = [[] for _ in range(n)]
        answer: list[list[str]] = [[] for _ in range(n)]
        path_stats: list[GenerationStats | None] = [None] * n
        dirty: set[int] = set()
        last_save = float("-inf")
        stats = GenerationStats(model=self.engine.name, paths=n)
        error: str | None = None
        save_failed: str | None = None

        def finish(i: int, status: MessageStatus) -> None:
            nonlocal save_failed
            try:
                repo.finish_message(ids[i], "".join(answer[i]).rstrip(), "".join(thinking[i]), status,
                                    path_stats[i])
            except SQLAlchemyError as exc:
                save_failed = describe(exc, repo.path)

        try:
            for event in self.engine.stream(request, cancel, answer_now=answer_now):
                if isinstance(event, PathEvent):
                    i, ev = event.path, event.event
                    if isinstance(ev, ThinkingDelta):
                        thinking[i].append(ev.text)
                        dirty.add(i)
                    elif isinstance(ev, AnswerDelta):
                        answer[i].append(ev.text)
                        dirty.add(i)
                    elif isinstance(ev, Done):
                        path_stats[i] = ev.stats
                        ev.stats.examples_used = prepared.examples_used
                        dirty.discard(i)
                        finish(i, MessageStatus.STOPPED if ev.stats.stop_reason == "stopped"
                               else MessageStatus.COMPLETE)
                elif isinstance(event, Done):
                    stats = event.stats
                on_event(event)
                now = time.monotonic()
                if dirty and now - last_save >= SAVE_INTERVAL_SECONDS:
                    last_save = now
                    for i in sorted(dirty):
                        try:
                            repo.save_partial(ids[i], "".join(answer[i]), "".join(thinking[i]))
                        except SQLAlchemyError as exc:
                            save_failed = describe(exc, repo.path)
                    dirty.clear()
        except GenerationError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - no row may stay "streaming"; the text so far is kept
            record_crash(exc, "generating answers")
            error = unexpected_error_sentence(exc, "The answer")
        for i in range(n):
            if path_stats[i] is None:  # never ended: an error, or a stop before it started
                path_stats[i] = GenerationStats(model=self.engine.name, stop_reason="error" if error else "stopped",
                                                examples_used=prepared.examples_used)
                finish(i, MessageStatus.ERROR if error else MessageStatus.STOPPED)
        paths = [PathResult(ids[i], "".join(thinking[i]), "".join(answer[i]).rstrip(), _status_of(path_stats[i]),
                            path_stats[i]) for i in range(n)]
        tally = vote([p.answer for p in paths], [p.stats.mean_logprob for p in paths])
        for p, pv in zip(paths, tally.paths):
            p.final_answer = pv.answer.text if pv.answer else None
        winner, method, agree, final = tally.winner, tally.method, tally.agree, tally.answer
        if method == "none" and not error and not cancel() and sum(bool(p.answer) for p in paths) > 1:
            chosen = self._model_choice(history, [p.answer for p in paths])
            if chosen is not None:
                winner, method, agree, final = chosen, "model", 1, paths[chosen].answer.strip()[:200]
        record = {"method": method, "answer": final, "agree": agree, "of": n, "winner": ids[winner],
                  "paths": [{"message_id": p.message_id, "final_answer": p.final_answer,
                             "key": pv.answer.key if pv.answer else None, "confidence": p.stats.mean_logprob}
                            for p, pv in zip(paths, tally.paths)]}
        try:
            if not error:  # a turn that failed has nothing to vote on: its rows say what happened
                repo.save_vote(conversation_id, user_id, record)
            repo.switch_branch(ids[winner])
        except SQLAlchemyError as exc:
            save_failed = describe(exc, repo.path)
        best = paths[winner]
        status = MessageStatus.ERROR if error else (
            MessageStatus.STOPPED if stats.stop_reason == "stopped" else MessageStatus.COMPLETE)
        result = TurnResult(TurnIds(conversation_id, user_id, ids[winner], tuple(ids)), best.thinking, best.answer,
                            status, best.stats, error, paths=paths, vote=record,
                            seconds=time.monotonic() - started)
        result.stats.notes = list(dict.fromkeys(prepared.notes + best.stats.notes + stats.notes))
        result.stats.tokens_per_second = stats.tokens_per_second  # all paths together (the row keeps its own)
        if save_failed:
            result.error = f"The answers could not be saved ({save_failed}); they are shown but not in the history."
        return result

    def _model_choice(self, history, answers: list[str]) -> int | None:
        """Universal self-consistency: no answer could be read, so the model picks the most consistent."""
        question = history[-1].content if history else ""
        request = GenerationRequest(
            messages=[ChatMessage(Role.USER, model_choice_prompt(question, answers))], mode=ThinkingMode.OFF,
            max_tokens=16, sampling=Sampling(temperature=0.0, top_k=1, seed=0))
        reply: list[str] = []
        try:
            for event in self.engine.stream(request):
                if isinstance(event, AnswerDelta):
                    reply.append(event.text)
        except GenerationError:
            return None
        return parse_model_choice("".join(reply), len(answers))


def _status_of(stats: GenerationStats) -> MessageStatus:
    return {"error": MessageStatus.ERROR, "stopped": MessageStatus.STOPPED}.get(stats.stop_reason,
                                                                            MessageStatus.COMPLETE)
