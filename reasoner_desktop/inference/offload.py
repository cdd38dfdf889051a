"""How many layers go to the GPU. No Qt, no llama.cpp.

Like LM Studio and Ollama, a build that can offload puts every layer on the GPU by default and, when
loading fails for want of GPU memory, tries again with fewer (three quarters, a half, a quarter, none).
A number the user set is tried as it is, once. A CPU-only build offloads nothing."""

from __future__ import annotations

from dataclasses import dataclass

ALL = -1  # llama.cpp: every layer


@dataclass(frozen=True, slots=True)
class Offload:
    layers: int  # what was asked of llama.cpp: ALL, 0 or a count
    total: int  # the model's layers, the output layer included (0: unknown)
    auto: bool  # chosen by us, not set by the user
    fell_back: bool = False  # an earlier try did not fit

    @property
    def on_gpu(self) -> int:
        if self.layers == ALL:
            return self.total
        return min(self.layers, self.total) if self.total else self.layers

    def describe(self) -> str:
        """One short phrase for the status bar and the CLI, e.g. "GPU: 33 of 33 layers"."""
        if self.layers == 0:
            return "CPU"
        if self.total:
            return f"GPU: {self.on_gpu} of {self.total} layers"
        return "GPU: all layers" if self.layers == ALL else f"GPU: {self.layers} layers"

    def note(self) -> str | None:
        """What the user should hear about the choice: only when the GPU could not take everything."""
        if not self.fell_back:
            return None
        if self.layers == 0:
            return "The model did not fit in GPU memory; it runs on the CPU (slower)."
        return (f"Only {self.on_gpu} of {self.total} layers fit in GPU memory; the rest run on the CPU "
                "(set GPU layers in the model's settings to choose).")


def total_layers(block_count: int) -> int:
    """llama.cpp's offload count: the repeating blocks and the output layer."""
    return block_count + 1 if block_count > 0 else 0


def plan(requested: int | None, total: int, gpu_supported: bool) -> list[Offload]:
    """The tries, in order. `requested` None: automatic."""
    if not gpu_supported:
        return [Offload(0, total, requested is None)]
    if requested is not None:
        return [Offload(requested, total, False)]
    tries = [Offload(ALL, total, True)]
    if total > 1:
        seen = {total}
        for fraction in (0.75, 0.5, 0.25):
            n = max(1, int(total * fraction))
            if n not in seen:
                seen.add(n)
                tries.append(Offload(n, total, True, fell_back=True))
    tries.append(Offload(0, total, True, fell_back=True))
    return tries
