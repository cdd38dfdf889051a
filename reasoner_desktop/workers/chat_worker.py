"""The inference worker: the only object that ever touches the `Llama`.

Lives on its own QThread. The GUI calls its slots through queued signals and reads
events back through queued signals; `cancel()` is the one method the GUI thread may
call directly, and it only sets a flag that the token loop checks before every token.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from reasoner_desktop.domain.events import AnswerDelta, ContextTrimmed, Done, PathEvent, ThinkingDelta
from reasoner_desktop.inference.engine import EngineSettings, LlamaEngine
from reasoner_desktop.inference.errors import ModelLoadError
from reasoner_desktop.inference.remote import RemoteEngine, RemoteSettings
from reasoner_desktop.logs import record_crash, unexpected_error_sentence, user_sentence
from reasoner_desktop.services.chat import ChatService, TurnIds, TurnOptions, TurnResult
from reasoner_desktop.services.evaluation import EvalConfig, run_eval
from reasoner_desktop.storage.repository import HistoryRepository


EMIT_INTERVAL = 0.025  # seconds between text signals to the GUI (it paints at most every 33 ms)


class ChatWorker(QObject):
    # out (emitted on the worker thread, delivered queued to the GUI)
    modelLoaded = Signal(str, dict)  # model name, what it can do (see _capabilities)
    modelFailed = Signal(str)  # one user-facing sentence
    turnStarted = Signal(object)  # TurnIds: the rows the turn writes
    thinkingDelta = Signal(int, str)  # assistant message id, text
    thoughtProgress = Signal(int, int, int)  # assistant message id, thought tokens so far, their cap (0: none)
    answerDelta = Signal(int, str)
    contextTrimmed = Signal(int, int)  # assistant message id, messages left out of the prompt
    pathFinished = Signal(int)  # a parallel turn: this path's row is complete
    turnFinished = Signal(object)  # TurnResult (TurnResult.failed when it could not run)
    evalProgress = Signal(int, int)  # the scaling lab: problems answered, of
    evalFinished = Signal(object, str)  # EvalReport (None if it could not run), one sentence or ""
    contextMeasured = Signal(int, int, int)  # conversation id, tokens its next prompt starts from, n_ctx

    def __init__(self, repo: HistoryRepository) -> None:
        super().__init__()
        self._repo = repo
        self._engine: LlamaEngine | None = None
        self._cancel = threading.Event()
        self._cancel_requested_at: float | None = None
        self._answer_now = threading.Event()
        self.thought_chars = 0  # thought text the running turn has produced so far (read by answer_now())
        self.thought_chars_at_answer_now: int | None = None

    # -- called from the GUI thread --------------------------------------------------

    def cancel(self) -> None:
        """Thread-safe: ask the running generation to stop before its next token."""
        self._cancel_requested_at = time.perf_counter()
        self._cancel.set()

    def answer_now(self) -> None:
        """Thread-safe: ask the running thought to close before its next token, so that the model answers."""
        self.thought_chars_at_answer_now = self.thought_chars
        self._answer_now.set()

    # -- slots, run on the worker thread ---------------------------------------------

    @Slot(str, object)
    def loadModel(self, path: str, settings: EngineSettings | None = None) -> None:
        old, self._engine = self._engine, None
        if old is not None:
            old.close()
        try:
            if isinstance(settings, RemoteSettings):  # a model on a server: nothing to load, the server is asked
                self._engine = RemoteEngine(settings.name or settings.model, settings)
            else:
                self._engine = LlamaEngine(Path(path), settings or EngineSettings())
        except ModelLoadError as exc:
            self.modelFailed.emit(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - whatever happens, the window must hear of it
            record_crash(exc, "loading a model")
            self.modelFailed.emit(unexpected_error_sentence(exc, "Loading the model"))
            return
        e = self._engine
        caps = {"thinks_natively": e.thinks_natively, "path": str(e.path),
                "can_disable_thinking": e.can_disable_thinking, "n_ctx": e.n_ctx, "format": e.format.value}
        if isinstance(e, RemoteEngine):
            caps.update(e.capabilities())
        else:
            caps.update(gpu_layers=e.offload.on_gpu, layers=e.offload.total)
        self.modelLoaded.emit(e.name, caps)

    @Slot(int, str, object)
    def runTurn(self, conversation_id: int, text: str, options: TurnOptions | None) -> None:
        """conversation_id 0 starts a new conversation."""
        self._run(lambda service, **kw: service.run_turn(conversation_id or None, text, options, **kw))

    @Slot(int, str, object)
    def editTurn(self, user_message_id: int, text: str, options: TurnOptions | None) -> None:
        """Ask an edited question beside an earlier one (a new branch) and answer it."""
        def call(service, **kw):
            conversation_id = self._repo.get_message(user_message_id).conversation_id
            return service.run_turn(conversation_id, text, options, edit_of=user_message_id, **kw)

        self._run(call)

    @Slot(int, object)
    def regenerateTurn(self, assistant_message_id: int, options: TurnOptions | None) -> None:
        """A new answer to the same question, kept beside the old one."""
        self._run(lambda service, **kw: service.regenerate(assistant_message_id, options, **kw))

    @Slot(int, int, object)
    def thinkLongerTurn(self, assistant_message_id: int, more_tokens: int, options: TurnOptions | None) -> None:
        """Go on from an answer's thought ("Wait", at least more_tokens more) and answer again, beside it."""
        self._run(lambda service, **kw: service.think_longer(assistant_message_id, more_tokens, options, **kw))

    @Slot(int, object)
    def measureContext(self, conversation_id: int, options: TurnOptions | None) -> None:
        """How much of the context the conversation's next prompt starts from (e.g. after a thought was
        kept or dropped); quietly nothing when it cannot be measured."""
        if self._engine is None or not conversation_id:
            return
        try:
            tokens = ChatService(self._repo, self._engine).context_tokens(conversation_id, options)
        except Exception:  # noqa: BLE001 - a figure in the status bar; the next turn says what is wrong
            return
        self.contextMeasured.emit(conversation_id, tokens, self._engine.n_ctx)

    def _run(self, call) -> None:
        self._cancel.clear()
        self._answer_now.clear()
        self.thought_chars, self.thought_chars_at_answer_now = 0, None
        self._cancel_requested_at = None
        if self._engine is None:
            self.turnFinished.emit(TurnResult.failed(TurnIds(0, 0, 0), "No model is loaded."))
            return
        current = {"ids": TurnIds(0, 0, 0)}

        def on_start(ids: TurnIds) -> None:
            current["ids"] = ids
            self.turnStarted.emit(ids)

        # Text is sent in batches (at most every EMIT_INTERVAL): each signal wakes the GUI thread, which on
        # a small CPU takes time from the model. A message's thought is always sent before its answer; the
        # paths of a parallel turn each send to their own row's id.
        pending: dict[tuple[int, type], list[str]] = {}
        progress: dict[int, tuple[int, int]] = {}  # message id -> thought tokens, budget (the latest)
        last_sent = {"at": 0.0}

        def send_pending() -> None:
            for (message_id, kind), parts in pending.items():
                signal = self.thinkingDelta if kind is ThinkingDelta else self.answerDelta
                signal.emit(message_id, "".join(parts))
            for message_id, (tokens, budget) in progress.items():
                self.thoughtProgress.emit(message_id, tokens, budget)
            pending.clear()
            progress.clear()
            last_sent["at"] = time.perf_counter()

        def on_event(event) -> None:
            ids = current["ids"]
            message_id = ids.assistant_message_id
            if isinstance(event, PathEvent):
                if event.path < len(ids.path_message_ids):
                    message_id = ids.path_message_ids[event.path]
                event = event.event
                if isinstance(event, Done):
                    send_pending()
                    self.pathFinished.emit(message_id)
                    return
            if isinstance(event, (ThinkingDelta, AnswerDelta)):
                pending.setdefault((message_id, type(event)), []).append(event.text)
                if isinstance(event, ThinkingDelta):
                    self.thought_chars += len(event.text)
                    progress[message_id] = (event.tokens, event.budget or 0)
                if time.perf_counter() - last_sent["at"] >= EMIT_INTERVAL:
                    send_pending()
                return
            send_pending()
            if isinstance(event, ContextTrimmed):
                self.contextTrimmed.emit(message_id, event.dropped_messages)
            elif isinstance(event, Done) and self._cancel_requested_at is not None:
                current["stop_latency"] = time.perf_counter() - self._cancel_requested_at

        service = ChatService(self._repo, self._engine)
        try:
            result = call(service, on_start=on_start, on_event=on_event, cancel=self._cancel.is_set,
                          answer_now=self._answer_now.is_set)
        except KeyError:
            self._failed(current, "That message no longer exists.")
            return
        except Exception as exc:  # noqa: BLE001 - a turn that fails must never leave the window streaming
            self._failed(current, user_sentence(exc, "The answer"))
            return
        result.stop_latency_seconds = current.get("stop_latency")
        result.stats.n_ctx = result.stats.n_ctx or self._engine.n_ctx
        self.turnFinished.emit(result)

    def _failed(self, current: dict, sentence: str) -> None:
        self.turnFinished.emit(TurnResult.failed(current["ids"], sentence))

    @property
    def engine(self):
        """The loaded engine, for reading what it is (the API server's runner); only this thread runs it."""
        return self._engine

    @Slot(object)
    def runJob(self, job) -> None:
        """A job of the API server (server/runner.py): `job(engine)` on this thread, in turn with the
        window's own questions. The job reports its own result and errors (a Future)."""
        job(self._engine)

    @Slot(object)
    def runEval(self, config: EvalConfig) -> None:
        """The scaling lab on the loaded model (Stop, i.e. cancel(), ends it between problems' tokens)."""
        self._cancel.clear()
        if self._engine is None:
            self.evalFinished.emit(None, "No model is loaded.")
            return
        try:
            report = run_eval(self._engine, config, on_progress=self.evalProgress.emit, cancel=self._cancel.is_set)
        except Exception as exc:  # noqa: BLE001 - the dialog must hear of it, whatever it is
            self.evalFinished.emit(None, user_sentence(exc, "The scaling lab"))
            return
        self.evalFinished.emit(report, "")

    @Slot()
    def shutdown(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None
