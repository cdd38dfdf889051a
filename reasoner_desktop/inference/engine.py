"""The llama.cpp engine: one `Llama`, driven token by token.

Owned by exactly one thread (the inference worker in the GUI, the main thread in
the CLI). `stream()` yields ordered events and ends with exactly one Done.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import jinja2
import llama_cpp

from reasoner_desktop.domain.events import StreamEvent
from reasoner_desktop.domain.messages import ChatMessage, FewShotExample, Role, ThinkingMode
from reasoner_desktop.domain.reasoning import ReasoningFormat, ThinkTags
from reasoner_desktop.inference.errors import (
    GenerationError,
    ModelFileCorrupt,
    NotEnoughMemory,
    UnsupportedArchitecture,
)
from reasoner_desktop.inference.gguf_info import ModelInfo, read_model_info
from reasoner_desktop.inference.model_files import check_model_file
from reasoner_desktop.inference.presets import SAMPLING_FIELDS, Sampling, family_of, recommended_sampling
from reasoner_desktop.inference.prompt import ChatTemplate, PromptPlan, build_prompt, resolve_mode
from reasoner_desktop.inference.templates import FALLBACK_MARKERS

__all__ = ["EngineSettings", "GenerationRequest", "LlamaEngine", "Sampling", "describe_build"]

# Room kept free for the answer when an old conversation has to be trimmed to fit.
MIN_GENERATION_ROOM = 256


@dataclass(slots=True)
class EngineSettings:
    n_ctx: int = 4096  # capped at the model's trained context length; 0 = the trained length
    n_threads: int | None = None
    n_gpu_layers: int = 0  # -1 = all layers
    n_batch: int = 512
    reasoning_format: ReasoningFormat | None = None  # None: detected from the chat template
    custom_tags: ThinkTags | None = None  # for ReasoningFormat.CUSTOM
    sampling: dict = field(default_factory=dict)  # per-model overrides of the family preset: temperature, top_p...


@dataclass(slots=True)
class GenerationRequest:
    messages: Sequence[ChatMessage]  # the conversation so far, ending with the new user message
    mode: ThinkingMode | None = None  # None: the model's default (see prompt.resolve_mode)
    system_prompt: str | None = None
    max_tokens: int = 2048
    max_thinking_tokens: int | None = None  # budget: close the thought after this many tokens
    budget_message: str | None = None  # e.g. "Time is up; answering now." written before closing
    min_thinking_tokens: int | None = None  # budget forcing: "Wait" instead of an early close
    max_extensions: int = 8
    sampling: Sampling | None = None  # None: recommended for the model family and mode
    examples: Sequence[FewShotExample] = field(default_factory=tuple)  # prompted mode: manual CoT
    reasoning_effort: str | None = None  # gpt-oss: low | medium | high


def _proc_value(path: str, key: str) -> int | None:
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def estimate_memory(info: ModelInfo, n_ctx: int) -> int:
    """Bytes of address space needed to run a model: its weights, an f16 KV cache for n_ctx,
    llama-cpp-python's n_ctx x n_vocab score array (reserved, mostly untouched), compute buffers."""
    p, arch = info.parameters, info.architecture
    layers = int(p.get(f"{arch}.block_count", 0) or 0)
    embd = int(p.get(f"{arch}.embedding_length", 0) or 0)
    heads = int(p.get(f"{arch}.attention.head_count", 0) or 0) or 1
    kv_heads = int(p.get(f"{arch}.attention.head_count_kv", heads) or heads)
    kv_cache = 2 * n_ctx * layers * (embd // heads) * kv_heads * 2
    scores = n_ctx * info.vocab_size * 4
    return info.size_bytes + kv_cache + scores + 64 * 2**20 + info.size_bytes // 10


def _available_memory() -> int | None:
    """Free RAM and swap, or the room left under this process's address-space limit if smaller."""
    free = _proc_value("/proc/meminfo", "MemAvailable:")
    swap = _proc_value("/proc/meminfo", "SwapFree:")
    if free is not None and swap:
        free += swap
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    except (ImportError, OSError, ValueError):
        limit = -1
    if limit not in (-1, getattr(resource, "RLIM_INFINITY", -1)):
        used = _proc_value("/proc/self/status", "VmSize:") or 0
        room = max(0, limit - used)
        free = room if free is None else min(free, room)
    return free


class LlamaEngine:
    def __init__(self, model_path: str | os.PathLike, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()
        self.path = check_model_file(model_path)
        self.info: ModelInfo = read_model_info(self.path)
        if self.info.truncated:
            raise ModelFileCorrupt(
                f"Model file is truncated ({self.info.size_bytes:,} of {self.info.data_end:,} bytes): {self.path}"
            )
        s = self.settings
        self.load_notes: list[str] = []
        n_ctx = s.n_ctx
        trained = self.info.context_length
        if trained and (n_ctx <= 0 or n_ctx > trained):
            n_ctx = trained
        n_gpu_layers = s.n_gpu_layers
        if n_gpu_layers and not llama_cpp.llama_supports_gpu_offload():
            self.load_notes.append("This llama.cpp build is CPU-only; GPU layers are ignored (see README: GPU builds).")
            n_gpu_layers = 0
        # llama.cpp aborts the whole process when an allocation fails while it builds the context,
        # so refuse up front what cannot fit.
        need, free = estimate_memory(self.info, n_ctx), _available_memory()
        if n_gpu_layers == 0 and free is not None and need > free:
            raise NotEnoughMemory(
                f"Not enough memory for {self.path.name} with a {n_ctx}-token context: it needs about "
                f"{need / 2**30:.2f} GB, {free / 2**30:.2f} GB is free. Close other programs or use a smaller "
                "model or context."
            )
        try:
            self._llm = llama_cpp.Llama(
                model_path=str(self.path),
                n_ctx=n_ctx,
                n_threads=s.n_threads,
                n_gpu_layers=n_gpu_layers,
                n_batch=s.n_batch,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError, MemoryError) as exc:
            raise self._diagnose_load_failure(n_ctx, exc) from exc
        model = self._llm._model
        bos, eos = self._llm.token_bos(), self._llm.token_eos()
        self.template = ChatTemplate(
            self.info.chat_template,
            bos_token=model.token_get_text(bos) if bos != -1 else "",
            eos_token=model.token_get_text(eos) if eos != -1 else "",
            special_tokens=self._special_tokens(FALLBACK_MARKERS),  # picks a fallback when there is no template
        )
        self.format = s.reasoning_format or self.template.format
        self.family = family_of(self.info.architecture, self.info.name or self.path.name, self.template.source,
                                self.format)
        self._bos = bos
        self._add_bos = self._llm.metadata.get("tokenizer.ggml.add_bos_token", "false") == "true"
        self.name = self.path.name
        self.n_ctx = self._llm.n_ctx()

    def _special_tokens(self, candidates) -> set[str]:
        """Which of these strings the vocabulary holds as one special token (whole only when special
        tokens are parsed). Public tokenize() only: a few calls, no walk over the vocabulary."""
        def count(text: str, special: bool) -> int:
            return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=special))

        return {c for c in candidates if count(c, True) == 1 and count(c, False) > 1}

    def _diagnose_load_failure(self, n_ctx: int, exc: BaseException) -> Exception:
        need, free = estimate_memory(self.info, n_ctx), _available_memory()
        if isinstance(exc, MemoryError) or (free is not None and need > free):
            return NotEnoughMemory(
                f"Not enough memory to load {self.path.name}: it needs about {need / 2**30:.2f} GB"
                + (f", {free / 2**30:.2f} GB is free." if free is not None else ".")
            )
        if self.info.tensor_count == 0 or not self.info.architecture:
            return ModelFileCorrupt(f"llama.cpp could not load {self.path.name}: the file holds no usable model.")
        return UnsupportedArchitecture(
            f"llama.cpp could not load {self.path.name}: its architecture '{self.info.architecture}' is not "
            f"supported by this build (llama-cpp-python {llama_cpp.__version__}), or the file is corrupt."
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
        return self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def stream(self, request: GenerationRequest, cancel: Callable[[], bool] = lambda: False) -> Iterator[StreamEvent]:
        """Generate one answer. Checks `cancel` before every token; always ends with Done."""
        from reasoner_desktop.inference.generation import Generation

        plan, tokens, dropped = self._fit_prompt(request)
        return Generation(self, self._llm, request, plan, tokens, dropped, cancel).run()

    # -- internals -------------------------------------------------------------------

    def _tokenize_prompt(self, text: str) -> list[int]:
        tokens = self.tokenize(text)
        if self._add_bos and self._bos != -1 and (not tokens or tokens[0] != self._bos):
            tokens.insert(0, self._bos)
        return tokens

    def _plan(self, request: GenerationRequest, messages: Sequence[ChatMessage]) -> PromptPlan:
        try:
            plan = build_prompt(
                self.template, messages, mode=request.mode, system_prompt=request.system_prompt, fmt=self.format,
                custom_tags=self.settings.custom_tags, examples=request.examples,
                reasoning_effort=request.reasoning_effort,
            )
        except jinja2.TemplateError as exc:
            raise GenerationError(f"The model's chat template failed on this conversation: {exc}") from None
        plan.notes = self.load_notes + plan.notes
        return plan

    def _fit_prompt(self, request: GenerationRequest) -> tuple[PromptPlan, list[int], int]:
        """Render the prompt, leaving out the oldest turns until it fits. The system prompt
        and the last user message are never dropped."""
        messages = list(request.messages)
        dropped = 0
        limit = self.n_ctx - min(MIN_GENERATION_ROOM, self.n_ctx // 4)
        while True:
            plan = self._plan(request, messages)
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


def describe_build() -> str:
    gpu = llama_cpp.llama_supports_gpu_offload()
    return f"llama-cpp-python {llama_cpp.__version__} ({'GPU offload available' if gpu else 'CPU-only build'})"
