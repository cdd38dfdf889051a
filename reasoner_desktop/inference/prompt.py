"""Prompt building: the model's own chat template, rendered by us in a sandbox.

llama-cpp-python's chat handlers cannot pass template switches such as Qwen3's
`enable_thinking`, and cannot prefill the assistant turn, so we render
`tokenizer.chat_template` ourselves and drive the model token by token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from reasoner_desktop.domain.messages import ChatMessage, Role, ThinkingMode
from reasoner_desktop.domain.reasoning import THINK_TAGS, ThinkTags

# Used when a GGUF carries no chat template at all.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
NO_TEMPLATE_NOTE = "This model file has no chat template; using the ChatML format instead."

# Zero-shot chain of thought (Kojima et al. 2022) in the shape of a reasoning model's output.
PROMPTED_THINKING_INSTRUCTION = (
    "Before answering, think step by step inside <think> and </think>. "
    "After </think>, write the final answer."
)
PROMPTED_THINKING_PREFILL = "Let's think step by step."


class _IgnoreGenerationTags(jinja2.ext.Extension):
    """HF templates may wrap assistant turns in {% generation %}: render the body as is."""

    tags = {"generation"}

    def parse(self, parser):  # pragma: no cover - exercised only by such templates
        parser.stream.skip(1)
        return parser.parse_statements(("name:endgeneration",), drop_needle=True)


def _raise_exception(message: str):
    raise jinja2.TemplateError(message)


def _tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


class ChatTemplate:
    """A chat template compiled in an immutable sandbox (templates are untrusted input)."""

    def __init__(self, source: str | None, *, bos_token: str = "", eos_token: str = "") -> None:
        self.notes: list[str] = []
        if not source:
            source = CHATML_TEMPLATE
            self.notes.append(NO_TEMPLATE_NOTE)
        self.source = source
        self.bos_token = bos_token
        self.eos_token = eos_token
        env = ImmutableSandboxedEnvironment(
            loader=jinja2.BaseLoader(),
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=[_IgnoreGenerationTags, jinja2.ext.loopcontrols],
        )
        env.filters["tojson"] = _tojson
        env.globals["raise_exception"] = _raise_exception
        env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
        self._template = env.from_string(source)

    @property
    def thinks_natively(self) -> bool:
        """True when the template knows the <think> format (R1 distills, Qwen3, QwQ, Phi-4-reasoning)."""
        return THINK_TAGS.close in self.source or THINK_TAGS.open in self.source

    @property
    def can_disable_thinking(self) -> bool:
        return "enable_thinking" in self.source

    def render(self, messages: list[dict], *, add_generation_prompt: bool = True, **switches) -> str:
        return self._template.render(
            messages=messages,
            add_generation_prompt=add_generation_prompt,
            bos_token=self.bos_token,
            eos_token=self.eos_token,
            **switches,
        )


@dataclass(slots=True)
class PromptPlan:
    """A rendered prompt and how the model's output will begin."""

    text: str
    mode: ThinkingMode
    tags: ThinkTags = THINK_TAGS
    starts_inside_thought: bool = False
    # Text written into the thought on the model's behalf (shown as part of the thought).
    thought_prefill: str = ""
    notes: list[str] = field(default_factory=list)


def resolve_mode(requested: ThinkingMode | None, template: ChatTemplate) -> ThinkingMode:
    """The default: a reasoning model thinks natively; any other model is prompted to think."""
    if requested is not None:
        return requested
    return ThinkingMode.AUTO if template.thinks_natively else ThinkingMode.PROMPTED


def to_template_messages(history: list[ChatMessage], system_prompt: str | None) -> list[dict]:
    """Chat messages for the template. Earlier thoughts are left out, as reasoning-model authors advise."""
    messages: list[dict] = []
    if system_prompt:
        messages.append({"role": Role.SYSTEM.value, "content": system_prompt})
    for msg in history:
        messages.append({"role": msg.role.value, "content": msg.content})
    return messages


def build_prompt(
    template: ChatTemplate,
    history: list[ChatMessage],
    *,
    mode: ThinkingMode | None = None,
    system_prompt: str | None = None,
) -> PromptPlan:
    mode = resolve_mode(mode, template)
    notes = list(template.notes)
    if mode is ThinkingMode.PROMPTED:
        system = f"{system_prompt}\n\n{PROMPTED_THINKING_INSTRUCTION}" if system_prompt else (
            f"You are a helpful assistant. {PROMPTED_THINKING_INSTRUCTION}"
        )
        text = template.render(to_template_messages(history, system))
        text += f"{THINK_TAGS.open}\n{PROMPTED_THINKING_PREFILL}"
        return PromptPlan(text, mode, starts_inside_thought=True, thought_prefill=PROMPTED_THINKING_PREFILL, notes=notes)

    switches = {}
    if mode is ThinkingMode.OFF:
        if template.can_disable_thinking:
            switches["enable_thinking"] = False
        elif template.thinks_natively:
            notes.append("This model cannot switch its thinking off; it will think anyway.")
    text = template.render(to_template_messages(history, system_prompt), **switches)
    starts_inside = template.thinks_natively and text.rstrip().endswith(THINK_TAGS.open)
    return PromptPlan(text, mode, starts_inside_thought=starts_inside, notes=notes)
