"""Recommended sampling for known reasoning families (from the models' own cards)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import jinja2

from reasoner_desktop.domain.messages import ThinkingMode
from reasoner_desktop.domain.reasoning import ReasoningFormat
from reasoner_desktop.inference.templates import analyze


@dataclass(slots=True)
class Sampling:
    temperature: float = 0.6
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    seed: int | None = None  # None: a fresh random seed per answer


SAMPLING_FIELDS = ("temperature", "top_p", "top_k", "min_p", "repeat_penalty")  # what a model may override
DEFAULT = Sampling()
QWEN3_THINKING = Sampling(temperature=0.6, top_p=0.95, top_k=20, min_p=0.0, repeat_penalty=1.0)
QWEN3_NON_THINKING = Sampling(temperature=0.7, top_p=0.8, top_k=20, min_p=0.0, repeat_penalty=1.0)
DEEPSEEK_R1 = Sampling(temperature=0.6, top_p=0.95, top_k=40, min_p=0.0, repeat_penalty=1.0)
GPT_OSS = Sampling(temperature=1.0, top_p=1.0, top_k=0, min_p=0.0, repeat_penalty=1.0)
MAGISTRAL = Sampling(temperature=0.7, top_p=0.95, top_k=40, min_p=0.0, repeat_penalty=1.0)


def _reads(template: str) -> tuple[frozenset[str], str]:
    """(switches the template reads, its literal text), from its syntax tree; nothing for none or a broken one."""
    if not template:
        return frozenset(), ""
    try:
        traits = analyze(template)
    except jinja2.TemplateSyntaxError:
        return frozenset(), ""
    return frozenset(traits.thinking_switches), traits.literals


def family_of(architecture: str, name: str, template: str, fmt: ReasoningFormat) -> str:
    """The model family whose card's sampling applies, from what the chat template really reads
    (its syntax tree: a switch in a comment does not count) and the model's name."""
    arch, name = architecture.lower(), name.lower()
    switches, literals = _reads(template)
    if fmt is ReasoningFormat.HARMONY or arch.startswith("gpt-oss") or "gpt-oss" in name:
        return "gpt-oss"
    if arch.startswith("qwen3") and "enable_thinking" in switches:
        return "qwen3"
    deepseek_turns = "<｜Assistant｜>" in literals
    if deepseek_turns and "thinking" in switches:
        return "deepseek-v3.1"
    if "deepseek-r1" in name or "r1-distill" in name or (deepseek_turns and fmt is ReasoningFormat.THINK):
        return "deepseek-r1"
    if fmt is ReasoningFormat.MAGISTRAL or "magistral" in name:
        return "magistral"
    return ""


def recommended_sampling(family: str, mode: ThinkingMode) -> Sampling:
    preset = {
        "qwen3": QWEN3_NON_THINKING if mode is ThinkingMode.OFF else QWEN3_THINKING,
        "deepseek-r1": DEEPSEEK_R1,
        "deepseek-v3.1": DEEPSEEK_R1,  # the hybrid's thinking mode is R1's; no separate card values
        "gpt-oss": GPT_OSS,
        "magistral": MAGISTRAL,
    }.get(family, DEFAULT)
    return replace(preset)
