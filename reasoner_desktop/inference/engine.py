"""The llama.cpp engine: one `Llama`, driven token by token.

Owned by exactly one thread (the inference worker in the GUI, the main thread in
the CLI). `stream()` yields ordered events and ends with exactly one Done.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import jinja2

from reasoner_desktop.domain.events import StreamEvent
from reasoner_desktop.domain.messages import ChatMessage, FewShotExample, Role, ThinkingMode
from reasoner_desktop.domain.reasoning import ReasoningFormat, ThinkTags
from reasoner_desktop.inference import hardware, offload
from reasoner_desktop.inference.errors import (
    GenerationError,
    ModelFileCorrupt,
    NotEnoughMemory,
    UnsupportedArchitecture,
)
from reasoner_desktop.inference.gguf_info import ModelInfo, read_model_info
from reasoner_desktop.inference.llama_adapter import (
    LlamaAdapter,
    check_version,
    describe_build,
)
from reasoner_desktop.inference.llama_adapter import supports_gpu_offload as _supports_gpu_offload
from reasoner_desktop.inference.memory import MemoryNeed, Room, choose_context, estimate_memory, largest_context
from reasoner_desktop.inference.model_files import check_model_file
from reasoner_desktop.inference.presets import SAMPLING_FIELDS, Sampling, family_of, recommended_sampling
from reasoner_desktop.inference.prompt import ChatTemplate, PromptPlan, build_prompt, continue_thought, resolve_mode
from reasoner_desktop.inference.template_sandbox import RenderCancelled
from reasoner_desktop.inference.templates import FALLBACK_MARKERS
from reasoner_desktop.inference.trimming import PromptFitter

__all__ = ["EngineSettings", "GenerationRequest", "LlamaEngine", "Sampling", "describe_build"]

# Room kept free for the answer when an old conversation has to be trimmed to fit.
MIN_GENERATION_ROOM = 256
# The least room each of several parallel paths gets for its thought and answer.
MIN_PATH_ROOM = 256


@dataclass(slots=True)
class EngineSettings:
    # None: the largest context that fits in memory, up to the trained length (at most 32k);
    # 0: the trained length; N: N tokens (capped at the trained length).
    n_ctx: int | None = None
    n_threads: int | None = None  # None: one per physical performance core (hardware.default_threads)
    n_threads_batch: int | None = None  # prompt evaluation; None: every core this process may use
    # None: automatic (every layer that fits when the build can offload, see offload.py); -1: all; 0: none
    n_gpu_layers: int | None = None
    n_batch: int = 512
    # None: off. Flash attention saves the attention matrix (n_ctx x 512 x heads floats) but on the CPU
    # it decodes 2-5x slower at long contexts (measured: 42 vs 18 ms a token at 2,800 tokens).
    flash_attn: bool | None = None
    reasoning_format: ReasoningFormat | None = None  # None: detected from the chat template
    custom_tags: ThinkTags | None = None  # for ReasoningFormat.CUSTOM
    sampling: dict = field(default_factory=dict)  # per-model overrides of the family preset: temperature, top_p...


@dataclass(slots=True)
class GenerationRequest:
    messages: Sequence[ChatMessage]  # the conversation so far, ending with the new user message
    mode: ThinkingMode | None = None  # None: the model's default (see prompt.resolve_mode)
    system_prompt: str | None = None
    max_tokens: int | None = None  # None: until the context window is full
    max_thinking_tokens: int | None = None  # budget: close the thought after this many tokens
    budget_message: str | None = None  # e.g. "Time is up; answering now." written before closing
    min_thinking_tokens: int | None = None  # budget forcing: "Wait" instead of an early close
    max_extensions: int = 8
    sampling: Sampling | None = None  # None: recommended for the model family and mode
    examples: Sequence[FewShotExample] = field(default_factory=tuple)  # prompted mode: manual CoT
    reasoning_effort: str | None = None  # gpt-oss: low | medium | high
    samples: int = 1  # reasoning paths decoded together (1..MAX_PARALLEL_SEQUENCES); see inference/parallel.py
    # "Think longer" after the fact: an earlier answer's thought to go on from ("Wait" is written after it);
    # messages then end with that answer's question. min_thinking_tokens counts the new tokens only.
    continue_thought: str | None = None

log = logging.getLogger(__name__)


def _block_count(info: ModelInfo) -> int:
    try:
        return int(info.parameters.get(f"{info.architecture}.block_count") or 0)
    except (TypeError, ValueError):
        return 0


def _gb(n: int) -> str:
    return f"{n / 2**30:.1f} GB"


class LlamaEngine:
    def __init__(self, model_path: str | os.PathLike, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()
        self.path = check_model_file(model_path)
        self.info: ModelInfo = read_model_info(self.path)
        if self.info.truncated:
            raise ModelFileCorrupt(
                f"Model file is truncated ({self.info.size_bytes:,} of {self.info.data_end:,} bytes): {self.path}"
            )
        check_version()
        s = self.settings
        self.load_notes: list[str] = []
        gpu = _supports_gpu_offload()
        if s.n_gpu_layers and not gpu:
            self.load_notes.append("This llama.cpp build is CPU-only; GPU layers are ignored (see README: GPU builds).")
        self.flash_attn = bool(s.flash_attn)
        self.n_threads = s.n_threads or hardware.default_threads()
        self.n_threads_batch = s.n_threads_batch or max(self.n_threads, hardware.logical_cores())
        tries = offload.plan(s.n_gpu_layers, offload.total_layers(_block_count(self.info)), gpu)
        for attempt in tries:
            room = hardware.memory_room()
            if attempt.layers:  # weights and cache go to GPU memory, which this check cannot see
                room = Room(ram=None, address_space=room.address_space)
            n_ctx = choose_context(self.info, s.n_ctx, room, flash_attn=self.flash_attn)
            # llama.cpp aborts the whole process when an allocation fails while it builds the context,
            # so refuse up front what cannot fit.
            need = self._need(n_ctx)
            if not room.fits(need):
                raise self._not_enough_memory(n_ctx, need, room)
            try:
                self._llm = LlamaAdapter(self.path, n_ctx=n_ctx, n_threads=self.n_threads,
                                         n_threads_batch=self.n_threads_batch, n_gpu_layers=attempt.layers,
                                         n_batch=s.n_batch, flash_attn=self.flash_attn)
            except (ValueError, RuntimeError, OSError, MemoryError) as exc:
                if attempt is tries[-1]:
                    raise self._diagnose_load_failure(n_ctx, exc) from exc
                log.info("Loading %s with %s failed (%s); trying fewer GPU layers", self.path.name,
                         attempt.describe(), exc)
                continue
            self.offload = attempt  # what llama.cpp was given: Offload.describe() says it in words
            break
        if note := self.offload.note():
            self.load_notes.append(note)
        llm = self._llm
        bos, eos = llm.token_bos(), llm.token_eos()
        self.template = ChatTemplate(
            self.info.chat_template,
            bos_token=llm.token_text(bos) if bos != -1 else "",
            eos_token=llm.token_text(eos) if eos != -1 else "",
            special_tokens=llm.special_tokens_among(FALLBACK_MARKERS),  # picks a fallback when there is no template
        )
        self.format = s.reasoning_format or self.template.format
        self.family = family_of(self.info.architecture, self.info.name or self.path.name, self.template.source,
                                self.format)
        self._bos = bos
        self._add_bos = llm.metadata.get("tokenizer.ggml.add_bos_token", "false") == "true"
        self.name = self.path.name
        self.n_ctx = llm.n_ctx
        self._fitter = PromptFitter(self.tokenize)

    def _need(self, n_ctx: int) -> MemoryNeed:
        return estimate_memory(self.info, n_ctx, n_batch=self.settings.n_batch, flash_attn=self.flash_attn,
                               n_threads=max(self.n_threads, self.n_threads_batch))

    def _not_enough_memory(self, n_ctx: int, need: MemoryNeed, room: Room) -> NotEnoughMemory:
        fits = largest_context(self.info, room, upper=n_ctx - 1, flash_attn=self.flash_attn)
        advice = (f"A {fits:,}-token context would fit: set it in the model's settings (Context window), or close "
                  "other programs." if fits else "Close other programs or use a smaller model.")
        if room.ram is not None and need.resident > room.ram:
            amounts = f"it needs about {_gb(need.resident)}, {_gb(room.ram)} is free"
        else:
            amounts = (f"it needs about {_gb(need.address_space)} of address space, this process may use "
                       f"{_gb(room.address_space or 0)}")
        return NotEnoughMemory(
            f"Not enough memory for {self.path.name} with a {n_ctx:,}-token context: {amounts}. {advice}"
        )

    def _diagnose_load_failure(self, n_ctx: int, exc: BaseException) -> Exception:
        need, room = self._need(n_ctx), hardware.memory_room()
        if isinstance(exc, MemoryError) or not room.fits(need):
            return self._not_enough_memory(n_ctx, need, room)
        if self.info.tensor_count == 0 or not self.info.architecture:
            return ModelFileCorrupt(f"llama.cpp could not load {self.path.name}: the file holds no usable model.")
        return UnsupportedArchitecture(
            f"llama.cpp could not load {self.path.name}: its architecture '{self.info.architecture}' is not "
            f"supported by this build ({describe_build()}), or the file is corrupt."
        )

    # -- public ----------------------------------------------------------------------

    @property
    def thinks_natively(self) -> bool:
        return self.format is not ReasoningFormat.NONE

    @property
    def can_disable_thinking(self) -> bool:
        return self.format is ReasoningFormat.NONE or self.template.can_disable_thinking

    def default_mode(self) -> ThinkingMode:
        return resolve_mode(None, self.format)

    def recommended_sampling(self, mode: ThinkingMode | None = None) -> Sampling:
        preset = recommended_sampling(self.family, resolve_mode(mode, self.format))
        known = {k: v for k, v in self.settings.sampling.items() if k in SAMPLING_FIELDS and v is not None}
        return replace(preset, **known)

    def close(self) -> None:
        llm, self._llm = getattr(self, "_llm", None), None
        if llm is not None:
            llm.close()

    def tokenize(self, text: str) -> list[int]:
        return self._llm.tokenize(text)

    def stream(self, request: GenerationRequest, cancel: Callable[[], bool] = lambda: False, *,
               answer_now: Callable[[], bool] = lambda: False) -> Iterator[StreamEvent]:
        """Generate one answer. Checks `cancel` before every token; always ends with Done.

        `answer_now` is asked before every token too: once it is true, a thought still running is closed for
        the model (with the request's budget sentence) and the model answers. Both are thread-safe flags
        (e.g. threading.Event.is_set) that the GUI thread may set while this runs on the worker's."""
        from reasoner_desktop.inference.generation import Generation

        started = time.perf_counter()  # time to first token counts fitting the prompt too
        n_paths = request.samples
        self._refuse_a_path_count_out_of_range(n_paths)
        fitted = self._fit_prompt(request, cancel, paths=n_paths)
        if fitted is None:
            return Generation.cancelled(self, request)
        plan, tokens, dropped = fitted
        if n_paths == 1:
            return Generation(self, self._llm, request, plan, tokens, dropped, cancel, started=started,
                              answer_now=answer_now).run()
        self._refuse_paths_that_do_not_fit(n_paths, len(tokens))
        from reasoner_desktop.inference.parallel import ParallelGeneration

        return ParallelGeneration(self, self._llm, request, plan, tokens, dropped, cancel, n_paths,
                                  started=started, answer_now=answer_now).run()

    def prompt_tokens(self, request: GenerationRequest) -> int:
        """How many tokens the prompt of `request` takes, as rendered and fitted to the context for this model
        (nothing is evaluated): what the context holds before the next answer."""
        fitted = self._fit_prompt(request, lambda: False)
        return len(fitted[1]) if fitted is not None else 0

    @property
    def max_paths(self) -> int:
        return self._llm.seq_max()

    def check_paths(self, request: GenerationRequest) -> None:
        """Raise GenerationError (one sentence) unless request.samples paths fit beside its prompt; a turn
        checks this before it stores anything."""
        if request.samples == 1:
            return
        self._refuse_a_path_count_out_of_range(request.samples)
        fitted = self._fit_prompt(request, lambda: False, paths=request.samples)
        if fitted is not None:
            self._refuse_paths_that_do_not_fit(request.samples, len(fitted[1]))

    def _refuse_a_path_count_out_of_range(self, n_paths: int) -> None:
        if not 1 <= n_paths <= self.max_paths:
            raise GenerationError(f"Paths must be between 1 and {self.max_paths} (not {n_paths}).")

    def _refuse_paths_that_do_not_fit(self, n_paths: int, prompt_tokens: int) -> None:
        fit = self.paths_that_fit(prompt_tokens)
        if fit < n_paths:
            raise GenerationError(
                f"{n_paths} paths do not fit in the {self.n_ctx:,}-token context with this conversation "
                f"(each needs at least {MIN_PATH_ROOM} tokens): "
                + (f"at most {fit} do." if fit > 1 else "use one path, or a larger context."))

    def paths_that_fit(self, prompt_tokens: int) -> int:
        """How many paths fit beside a prompt this long, each with MIN_PATH_ROOM tokens of its own."""
        return max(0, min(self.max_paths, (self.n_ctx - prompt_tokens) // MIN_PATH_ROOM))

    # -- internals -------------------------------------------------------------------

    def _tokenize_prompt(self, text: str) -> list[int]:
        tokens = self.tokenize(text)
        if self._add_bos and self._bos != -1 and (not tokens or tokens[0] != self._bos):
            tokens.insert(0, self._bos)
        return tokens

    def _plan(self, request: GenerationRequest, messages: Sequence[ChatMessage],
              cancel: Callable[[], bool] | None = None) -> PromptPlan:
        try:
            plan = build_prompt(
                self.template, messages, mode=request.mode, system_prompt=request.system_prompt, fmt=self.format,
                custom_tags=self.settings.custom_tags, examples=request.examples,
                reasoning_effort=request.reasoning_effort, cancel=cancel,
            )
        except jinja2.TemplateError as exc:
            raise GenerationError(f"The model's chat template failed on this conversation: {exc}") from None
        if request.continue_thought is not None:
            try:
                plan = continue_thought(plan, request.continue_thought)
            except ValueError as exc:
                raise GenerationError(str(exc)) from None
        plan.notes = self.load_notes + plan.notes
        return plan

    def _fit_prompt(self, request: GenerationRequest, cancel: Callable[[], bool],
                    paths: int = 1) -> tuple[PromptPlan, list[int], int] | None:
        """Render the prompt, leaving out the oldest turns until it fits with room for the answer (of each
        path) (the system prompt and the last user message are never dropped). None if cancelled."""
        if paths == 1:
            limit = self.n_ctx - min(MIN_GENERATION_ROOM, self.n_ctx // 4)
        else:  # room for every path, but never less than a quarter of the context for the conversation
            limit = self.n_ctx - min(paths * MIN_PATH_ROOM, self.n_ctx * 3 // 4)

        def render(messages: Sequence[ChatMessage]) -> tuple[PromptPlan, list[int]]:
            plan = self._plan(request, messages, cancel)
            return plan, self._tokenize_prompt(plan.text)

        try:
            return self._fitter.fit(list(request.messages), render, limit, cancel)
        except RenderCancelled:
            return None
