"""How much memory a model needs at a given context length, and which context fits.

Read from the GGUF header only (no weights loaded), so a model that cannot fit is refused before
llama.cpp starts allocating (it aborts the whole process when an allocation fails while it builds
the context). Calibrated against llama.cpp's own buffer sizes (its verbose log) and against the
measured resident memory of the bundled model (tests/test_memory.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from reasoner_desktop.inference.gguf_info import ModelInfo

# The automatic context: as large as fits, up to the model's trained length, but no more than this
# (a 128k-token KV cache is rarely worth its memory on a laptop; the user can always set more).
AUTO_CONTEXT_CAP = 32_768
# Contexts are offered in steps of this many tokens.
CONTEXT_STEP = 1024
MIN_CONTEXT = 2048
# Resident runtime overhead beside the buffers: llama.cpp's tables, the tokenizer, ggml's graph.
RUNTIME_OVERHEAD = 16 * 2**20
THREAD_STACK = 8 * 2**20  # reserved (not resident) per ggml/OpenMP thread


@dataclass(frozen=True, slots=True)
class MemoryNeed:
    weights: int  # the file, mapped (every tensor is read at least once)
    kv_cache: int  # f16 keys and values for every context position (llama.cpp zeroes it: resident)
    activations: int  # the compute buffer's part a micro-batch really writes
    attention: int  # the attention-score matrix at a full context (only without flash attention)
    reserved: int  # address space reserved but not written: the compute buffer's worst case
    # (all logits of a micro-batch), llama-cpp-python's n_batch x n_vocab score array, thread stacks
    overhead: int

    @property
    def resident(self) -> int:
        """RAM the model uses at its worst: what must be free to load it."""
        return self.weights + self.kv_cache + self.activations + self.attention + self.overhead

    @property
    def address_space(self) -> int:
        """Virtual memory it maps, for a process with an address-space limit (RLIMIT_AS)."""
        return self.resident + self.reserved


@dataclass(frozen=True, slots=True)
class _Shape:
    layers: int
    embd: int
    ffn: int
    heads: int
    kv_dim: int  # key + value width per layer and token
    vocab: int


def _shape(info: ModelInfo) -> _Shape:
    p, arch = info.parameters, info.architecture

    def num(key: str, default: int = 0) -> int:
        value = p.get(f"{arch}.{key}", default)
        try:
            return int(value or default)
        except (TypeError, ValueError):  # per-layer arrays are not read; take the default
            return default

    layers = num("block_count")
    embd = num("embedding_length")
    heads = num("attention.head_count") or 1
    kv_heads = num("attention.head_count_kv", heads) or heads
    head_dim = embd // heads if embd else 0
    key_len = num("attention.key_length", head_dim)
    value_len = num("attention.value_length", head_dim)
    ffn = num("feed_forward_length", 4 * embd)
    return _Shape(layers, embd, ffn, heads, kv_heads * (key_len + value_len), info.vocab_size)


def estimate_memory(info: ModelInfo, n_ctx: int, *, n_batch: int = 512, n_ubatch: int = 512,
                    flash_attn: bool = False, n_threads: int = 2) -> MemoryNeed:
    """What a model needs with an f16 KV cache of `n_ctx` tokens.

    Calibrated on llama.cpp's buffer sizes (its verbose log: KV, compute, output buffers) and on the
    bundled model's measured resident memory at 2k and 8k contexts (tests/test_memory.py):
    - KV cache: n_ctx x layers x (key + value width) x 2 bytes, all resident;
    - activations of a micro-batch: n_ubatch x (8 x n_embd + 3 x n_ff) floats;
    - without flash attention, the attention scores: n_ctx x n_ubatch x heads floats;
    - reserved, untouched: the compute buffer's logits for a whole micro-batch (n_ubatch x n_vocab
      floats; only the last token's are computed) and llama-cpp-python's n_batch x n_vocab score
      array (n_ctx x n_vocab only with logits_all, which the app never uses).
    """
    s = _shape(info)
    kv = n_ctx * s.layers * s.kv_dim * 2
    activations = n_ubatch * (8 * s.embd + 3 * s.ffn) * 4
    attention = 0 if flash_attn else n_ctx * n_ubatch * s.heads * 4
    reserved = n_ubatch * s.vocab * 4 + n_batch * s.vocab * 4 + n_threads * THREAD_STACK
    return MemoryNeed(weights=info.size_bytes, kv_cache=kv, activations=activations, attention=attention,
                      reserved=reserved, overhead=RUNTIME_OVERHEAD)


@dataclass(frozen=True, slots=True)
class Room:
    """What this process may still use: free RAM (+ swap) and address space (None: no limit known)."""

    ram: int | None
    address_space: int | None = None

    def fits(self, need: MemoryNeed) -> bool:
        return ((self.ram is None or need.resident <= self.ram)
                and (self.address_space is None or need.address_space <= self.address_space))


def largest_context(info: ModelInfo, room: Room, *, upper: int, flash_attn: bool = False) -> int:
    """The largest context (a multiple of CONTEXT_STEP, at most `upper`) that fits in `room`;
    0 if not even min(MIN_CONTEXT, upper) fits."""
    fits = 0
    lo, hi = 1, max(1, upper // CONTEXT_STEP)
    while lo <= hi:  # the need grows with n_ctx: binary search the steps
        mid = (lo + hi) // 2
        if room.fits(estimate_memory(info, mid * CONTEXT_STEP, flash_attn=flash_attn)):
            fits, lo = mid * CONTEXT_STEP, mid + 1
        else:
            hi = mid - 1
    if fits == 0 and upper < CONTEXT_STEP and room.fits(estimate_memory(info, upper, flash_attn=flash_attn)):
        return upper
    return fits if fits >= min(MIN_CONTEXT, upper) else 0


def trained_context(info: ModelInfo) -> int:
    return int(info.context_length or 0)


def choose_context(info: ModelInfo, requested: int | None, room: Room, *, flash_attn: bool = False) -> int:
    """The context to load with.

    requested None: automatic — the largest that fits in `room`, up to the trained length and at
    most AUTO_CONTEXT_CAP (at least MIN_CONTEXT: then the memory check says what to do).
    requested 0: the trained length. Otherwise `requested`, capped at the trained length.
    """
    trained = trained_context(info)
    if requested is not None:
        if requested <= 0:
            return trained or AUTO_CONTEXT_CAP
        return min(requested, trained) if trained else requested
    upper = min(trained or AUTO_CONTEXT_CAP, AUTO_CONTEXT_CAP)
    return largest_context(info, room, upper=upper, flash_attn=flash_attn) or min(upper, MIN_CONTEXT)
