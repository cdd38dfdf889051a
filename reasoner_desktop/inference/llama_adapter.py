"""The one place that touches llama-cpp-python's private internals.

The engine drives the model token by token (budgets rewind the KV cache, the sampler is set per
answer), which llama-cpp-python's public API does not offer. Every private attribute used for that
(`_sampler`, `_init_sampler`, `_ctx`, `_model`, `input_ids`, writable `n_tokens`) is used here and
nowhere else, and checked when a model loads: a llama-cpp-python that changed them is refused with
one sentence instead of failing in the middle of an answer.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import re
from collections.abc import Iterator, Sequence

import llama_cpp
import llama_cpp.llama_cpp as llama_c
import numpy as np

from reasoner_desktop.inference.errors import ModelLoadError

log = logging.getLogger("reasoner_desktop.llama")

# The release series whose internals this module was written against (pyproject pins 0.3.36).
TESTED_SERIES = (0, 3)
TESTED_VERSION = "0.3.36"
_PRIVATE_METHODS = ("_init_sampler",)
_PRIVATE_ATTRIBUTES = ("_sampler", "_ctx", "_model", "input_ids", "n_tokens")


class UnsupportedLlamaCpp(ModelLoadError):
    """The installed llama-cpp-python is not one this app was built for."""


def _series(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else -1)
    return tuple(parts)


def _unsupported() -> UnsupportedLlamaCpp:
    return UnsupportedLlamaCpp(
        f"This app needs llama-cpp-python {TESTED_VERSION} (the installed {llama_cpp.__version__} works "
        f"differently inside); reinstall it with `pip install llama-cpp-python=={TESTED_VERSION}`."
    )


def check_version() -> None:
    """Raise UnsupportedLlamaCpp unless llama-cpp-python's internals are the ones used here."""
    if _series(llama_cpp.__version__) != TESTED_SERIES:
        raise _unsupported()
    if not all(callable(getattr(llama_cpp.Llama, name, None)) for name in _PRIVATE_METHODS):
        raise _unsupported()


def supports_gpu_offload() -> bool:
    return bool(llama_cpp.llama_supports_gpu_offload())


# -- llama.cpp's log: to our log file, never to the terminal -----------------------------

# ggml_log_level as the bundled llama.cpp defines it (NONE, DEBUG, INFO, WARN, ERROR, CONT). llama-cpp-python's
# own callback still uses an older order, which is why its WARN lines leaked to the terminal.
_GGML_LEVELS = {0: logging.INFO, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
_log_state = {"level": logging.INFO, "line": ""}


@llama_c.llama_log_callback
def _route_log(level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
    # Level 5 continues the previous message; llama.cpp sends lines in pieces.
    if level != 5:
        _log_state["level"] = _GGML_LEVELS.get(level, logging.DEBUG)
    line = _log_state["line"] + text.decode("utf-8", errors="replace")
    if line.endswith("\n"):
        _log_state["line"] = ""
        log.log(_log_state["level"], "%s", line.rstrip())
    else:
        _log_state["line"] = line


def route_llama_log() -> None:
    """Send llama.cpp's own log lines (e.g. `llama_kv_cache_iswa: using full-size SWA cache`) to the
    `reasoner_desktop.llama` logger, which writes the log file (and stderr only with --verbose)."""
    llama_c.llama_log_set(_route_log, ctypes.c_void_p(0))


route_llama_log()


# -- a llama.cpp bug on Intel AMX CPUs ----------------------------------------------------------

@functools.cache
def cpu_has_amx() -> bool:
    return b"AMX_INT8 = 1" in llama_c.llama_print_system_info()


@contextlib.contextmanager
def _model_params_without_repacking() -> Iterator[None]:
    """On CPUs with AMX (Intel Xeon 4th gen and later) llama.cpp repacks weights into AMX buffers
    and then segfaults in ggml_backend_amx_mul_mat (ggml-org/llama.cpp#20824, unfixed; seen on this
    project's build machines with the bundled model). Loading without extra buffer types avoids
    that code; the generic AVX-512 kernels run instead."""
    real = llama_c.llama_model_default_params

    def params():
        p = real()
        p.use_extra_bufts = False
        return p

    llama_c.llama_model_default_params = params
    try:
        yield
    finally:
        llama_c.llama_model_default_params = real


# Most reasoning paths one answer can decode together (GenerationRequest.samples).
MAX_PARALLEL_SEQUENCES = 16


@contextlib.contextmanager
def _context_params_for_paths(n_seq_max: int) -> Iterator[None]:
    """llama-cpp-python's Llama() offers no n_seq_max: set it (and one KV cache shared by every sequence,
    so a prompt copied to N sequences is stored once and any sequence may use any free cell) on the
    default context parameters it starts from."""
    real = llama_c.llama_context_default_params

    def params():
        p = real()
        p.n_seq_max = n_seq_max
        p.kv_unified = True
        return p

    llama_c.llama_context_default_params = params
    llama_cpp.llama_context_default_params = params
    try:
        yield
    finally:
        llama_c.llama_context_default_params = real
        llama_cpp.llama_context_default_params = real


def new_llama(*, n_seq_max: int = 1, **kwargs) -> llama_cpp.Llama:
    """`llama_cpp.Llama(**kwargs)` with this machine's workarounds (benchmarks use it for raw baselines)."""
    kwargs.setdefault("verbose", False)
    with contextlib.ExitStack() as stack:
        if n_seq_max > 1:
            stack.enter_context(_context_params_for_paths(n_seq_max))
        if cpu_has_amx():
            log.info("This CPU has AMX: loading without weight repacking (llama.cpp bug #20824).")
            stack.enter_context(_model_params_without_repacking())
        return llama_cpp.Llama(**kwargs)


class LlamaAdapter:
    """A loaded model and its context, with the few operations the engine needs."""

    def __init__(self, path: str | os.PathLike, *, n_ctx: int, n_threads: int, n_threads_batch: int,
                 n_gpu_layers: int, n_batch: int, flash_attn: bool) -> None:
        check_version()
        self._llm = new_llama(
            n_seq_max=MAX_PARALLEL_SEQUENCES,
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads_batch,
            n_gpu_layers=n_gpu_layers,
            n_batch=n_batch,
            flash_attn=flash_attn,
        )
        if not all(hasattr(self._llm, name) for name in _PRIVATE_ATTRIBUTES):
            self.close()
            raise _unsupported()
        self._model = self._llm._model
        self._vocab = self._model.vocab
        self.n_ctx = self._llm.n_ctx()
        self.n_threads = self._llm.n_threads
        self.n_threads_batch = self._llm.n_threads_batch
        self.metadata: dict[str, str] = dict(self._llm.metadata)
        self._n_batch = n_batch
        self._batch = None  # a llama_batch for parallel paths, made on first use

    def seq_max(self) -> int:
        return int(self._llm.context_params.n_seq_max)

    # -- vocabulary ------------------------------------------------------------------

    def token_bos(self) -> int:
        return self._llm.token_bos()

    def token_eos(self) -> int:
        return self._llm.token_eos()

    def token_text(self, token: int) -> str:
        return self._model.token_get_text(token)

    def n_vocab(self) -> int:
        return self._llm.n_vocab()

    def special_tokens_among(self, candidates) -> set[str]:
        """Which of these strings the vocabulary holds as one special token (whole only when special
        tokens are parsed). A few tokenizer calls, no walk over the vocabulary."""
        def count(text: str, special: bool) -> int:
            return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=special))

        return {c for c in candidates if count(c, True) == 1 and count(c, False) > 1}

    def tokenize(self, text: str) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def detokenize(self, tokens: Sequence[int]) -> bytes:
        return self._llm.detokenize(list(tokens), special=True)

    def is_eog(self, token: int) -> bool:
        return bool(llama_cpp.llama_vocab_is_eog(self._vocab, token))

    # -- the KV cache ----------------------------------------------------------------

    @property
    def n_tokens(self) -> int:
        """Tokens in the KV cache."""
        return self._llm.n_tokens

    def cached_tokens(self) -> list[int]:
        return self._llm.input_ids[: self._llm.n_tokens].tolist()

    def keep_prefix(self, keep: int) -> int:
        """Keep the first `keep` cached tokens and drop the rest; returns how many were kept
        (0 when the cache cannot be cut there: then it is emptied)."""
        if keep <= 0 or not self._llm._ctx.kv_cache_seq_rm(-1, keep, -1):
            self._llm.reset()
            return 0
        self._llm.n_tokens = keep
        return keep

    def reset(self) -> None:
        """Empty the KV cache (the next prompt is evaluated from its start)."""
        self._llm.reset()

    def rewind(self, pos: int) -> None:
        """Forget everything after position `pos`; the next eval() drops it from the KV cache."""
        self._llm.n_tokens = pos

    def eval(self, tokens: Sequence[int]) -> None:
        self._llm.eval(tokens)

    # -- parallel sequences (one prompt, several paths; see inference/parallel.py) -------

    def _memory(self):
        return llama_c.llama_get_memory(self._llm._ctx.ctx)

    def copy_sequence(self, src: int, dst: int) -> None:
        """Share every cell of sequence `src` with `dst` (no copy of the data: the cells gain a sequence)."""
        llama_c.llama_memory_seq_cp(self._memory(), src, dst, -1, -1)

    def remove_sequence(self, seq: int, start: int = -1) -> None:
        """Forget sequence `seq` from position `start` on (all of it when start < 0)."""
        llama_c.llama_memory_seq_rm(self._memory(), seq, start, -1)

    @property
    def batch_capacity(self) -> int:
        return self._n_batch

    def decode_batch(self, entries: Sequence[tuple[int, int, int, bool]]) -> None:
        """Decode (token, position, sequence, wants_logits) entries in one llama_decode; the logits of
        entry i are then read with sample_path(sampler, i)."""
        if len(entries) > self._n_batch:
            raise ValueError(f"{len(entries)} tokens do not fit a batch of {self._n_batch}")
        if self._batch is None:
            self._batch = llama_c.llama_batch_init(self._n_batch, 0, 1)
        b = self._batch
        for i, (token, pos, seq, logits) in enumerate(entries):
            b.token[i] = token
            b.pos[i] = pos
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = seq
            b.logits[i] = logits
        b.n_tokens = len(entries)
        rc = llama_c.llama_decode(self._llm._ctx.ctx, b)
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")

    def new_path_sampler(self, *, temperature: float, top_p: float, top_k: int, min_p: float,
                         repeat_penalty: float, seed: int):
        """A sampler chain of its own (the same chain as start_sampling's), for one parallel path."""
        self._llm.set_seed(seed)
        return self._llm._init_sampler(temp=temperature, top_p=top_p, top_k=top_k, min_p=min_p,
                                       repeat_penalty=repeat_penalty)

    def sample_path(self, sampler, index: int) -> int:
        """Sample from the logits of batch entry `index` (-1: the last evaluated token)."""
        return sampler.sample(self._llm._ctx, index)

    def token_logprob(self, index: int, token: int) -> float:
        """log p(token) under the model's own distribution (temperature 1) at batch entry `index`."""
        ptr = llama_c.llama_get_logits_ith(self._llm._ctx.ctx, index)
        if not ptr:
            return 0.0
        logits = np.ctypeslib.as_array(ptr, shape=(self._llm.n_vocab(),))
        top = float(logits.max())
        return float(logits[token]) - top - float(np.log(np.exp(logits - top).sum()))

    def end_paths(self, n_paths: int, prompt_len: int) -> None:
        """After a parallel generation: keep only the prompt, in sequence 0, as the cache to reuse."""
        for seq in range(1, n_paths):
            self.remove_sequence(seq)
        self.remove_sequence(0, prompt_len)
        self._llm.n_tokens = prompt_len

    # -- sampling --------------------------------------------------------------------

    def start_sampling(self, *, temperature: float, top_p: float, top_k: int, min_p: float,
                       repeat_penalty: float, seed: int | None) -> None:
        self._llm.set_seed(seed if seed is not None else llama_cpp.LLAMA_DEFAULT_SEED)
        self._llm._sampler = self._llm._init_sampler(temp=temperature, top_p=top_p, top_k=top_k, min_p=min_p,
                                                     repeat_penalty=repeat_penalty)

    def sample(self) -> int:
        return self._llm.sample()

    def stop_sampling(self) -> None:
        self._llm._sampler = None

    def close(self) -> None:
        llm, self._llm = self._llm, None
        batch, self._batch = getattr(self, "_batch", None), None
        if batch is not None:
            llama_c.llama_batch_free(batch)
        if llm is not None:
            llm.close()


def describe_build() -> str:
    gpu = supports_gpu_offload()
    return f"llama-cpp-python {llama_cpp.__version__} ({'GPU offload available' if gpu else 'CPU-only build'})"


def build_backends() -> list[str]:
    """The ggml backends this llama.cpp build holds, e.g. ["CUDA", "CPU"] or ["Metal", "CPU"], from its
    system info ("CUDA : ARCHS = 890 | ... | CPU : SSE3 = 1 | ...")."""
    info = llama_cpp.llama_print_system_info()
    info = info.decode("utf-8", "replace") if isinstance(info, bytes) else str(info)
    return list(dict.fromkeys(re.findall(r"(?:^|\|)\s*([A-Za-z][\w-]*) : ", info)))


def build_report() -> list[tuple[str, str]]:
    """What the About box and `--version --verbose` say of the inference build."""
    return [("llama-cpp-python", llama_cpp.__version__),
            ("backends", ", ".join(build_backends()) or "unknown"),
            ("GPU offload", "supported" if supports_gpu_offload() else "not in this build (CPU only)")]
