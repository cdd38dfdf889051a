"""Prompt building: the model's own chat template, rendered by us in a sandbox.

llama-cpp-python's chat handlers cannot pass template switches such as Qwen3's
`enable_thinking` or gpt-oss's `reasoning_effort`, and cannot prefill the assistant
turn, so we render `tokenizer.chat_template` ourselves and drive the model token by token.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from reasoner_desktop.domain.messages import ChatMessage, FewShotExample, Role, ThinkingMode
from reasoner_desktop.domain.reasoning import (
    MAGISTRAL_TAGS,
    THINK_TAGS,
    ReasoningFormat,
    ThinkTags,
    detect_format,
)

# Used when a GGUF carries no chat template at all.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
NO_TEMPLATE_NOTE = "This model file has no chat template; using the ChatML format instead."
CANNOT_DISABLE_NOTE = "This model cannot switch its thinking off; it will think anyway."
HARMONY_OFF_NOTE = "gpt-oss cannot switch its thinking off; using low reasoning effort instead."

# Zero-shot chain of thought (Kojima et al. 2022) in the shape of a reasoning model's output.
PROMPTED_THINKING_INSTRUCTION = (
    "Before answering, think step by step inside {open} and {close}. After {close}, write the final answer."
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
        self.format = detect_format(source)

    @property
    def thinks_natively(self) -> bool:
        return self.format is not ReasoningFormat.NONE

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
    format: ReasoningFormat
    tags: ThinkTags = THINK_TAGS
    starts_inside_thought: bool = False
    # Text written into the thought on the model's behalf (shown as part of the thought).
    thought_prefill: str = ""
    notes: list[str] = field(default_factory=list)


def resolve_mode(requested: ThinkingMode | None, fmt: ReasoningFormat) -> ThinkingMode:
    """The default: a reasoning model thinks natively; any other model is prompted to think."""
    if requested is not None:
        return requested
    return ThinkingMode.PROMPTED if fmt is ReasoningFormat.NONE else ThinkingMode.AUTO


def tags_for(fmt: ReasoningFormat, custom: ThinkTags | None) -> ThinkTags:
    if fmt is ReasoningFormat.CUSTOM and custom is not None:
        return custom
    if fmt is ReasoningFormat.MAGISTRAL:
        return MAGISTRAL_TAGS
    return THINK_TAGS


def _with_thought(content: str, thinking: str, tags: ThinkTags) -> str:
    return f"{tags.open}\n{thinking}\n{tags.close}\n\n{content}"


def to_template_messages(history: Sequence[ChatMessage], system_prompt: str | None, tags: ThinkTags,
                         examples: Sequence[FewShotExample] = ()) -> list[dict]:
    """Chat messages for the template. Earlier thoughts are left out, as reasoning-model
    authors advise, unless a message is marked to keep its thought in context."""
    messages: list[dict] = []
    if system_prompt:
        messages.append({"role": Role.SYSTEM.value, "content": system_prompt})
    for ex in examples:
        messages.append({"role": Role.USER.value, "content": ex.question})
        messages.append({"role": Role.ASSISTANT.value, "content": _with_thought(ex.answer, ex.thought, tags)})
    for msg in history:
        entry = {"role": msg.role.value, "content": msg.content}
        if msg.role is Role.ASSISTANT and msg.keep_thinking and msg.thinking:
            entry["content"] = _with_thought(msg.content, msg.thinking, tags)
            entry["reasoning_content"] = msg.thinking  # Qwen3-style templates
            entry["thinking"] = msg.thinking  # gpt-oss template
        messages.append(entry)
    return messages


def build_prompt(
    template: ChatTemplate,
    history: Sequence[ChatMessage],
    *,
    mode: ThinkingMode | None = None,
    system_prompt: str | None = None,
    fmt: ReasoningFormat | None = None,
    custom_tags: ThinkTags | None = None,
    examples: Sequence[FewShotExample] = (),
    reasoning_effort: str | None = None,
) -> PromptPlan:
    fmt = template.format if fmt is None else fmt
    mode = resolve_mode(mode, fmt)
    notes = list(template.notes)

    if mode is ThinkingMode.PROMPTED:
        tags = custom_tags if (fmt is ReasoningFormat.CUSTOM and custom_tags) else THINK_TAGS
        instruction = PROMPTED_THINKING_INSTRUCTION.format(open=tags.open, close=tags.close)
        system = f"{system_prompt}\n\n{instruction}" if system_prompt else f"You are a helpful assistant. {instruction}"
        text = template.render(to_template_messages(history, system, tags, examples))
        text += f"{tags.open}\n{PROMPTED_THINKING_PREFILL}"
        parse_fmt = ReasoningFormat.CUSTOM if tags is custom_tags else ReasoningFormat.THINK
        return PromptPlan(text, mode, parse_fmt, tags, starts_inside_thought=True,
                          thought_prefill=PROMPTED_THINKING_PREFILL, notes=notes)

    tags = tags_for(fmt, custom_tags)
    switches: dict = {}
    if fmt is ReasoningFormat.HARMONY:
        switches["reasoning_effort"] = reasoning_effort or "medium"
    if mode is ThinkingMode.OFF:
        if template.can_disable_thinking:
            switches["enable_thinking"] = False
        elif fmt is ReasoningFormat.HARMONY:
            switches["reasoning_effort"] = "low"
            notes.append(HARMONY_OFF_NOTE)
        elif fmt is not ReasoningFormat.NONE:
            notes.append(CANNOT_DISABLE_NOTE)
    text = template.render(to_template_messages(history, system_prompt, tags), **switches)
    starts_inside = fmt in (ReasoningFormat.THINK, ReasoningFormat.MAGISTRAL, ReasoningFormat.CUSTOM) and (
        text.rstrip().endswith(tags.open)
    )
    return PromptPlan(text, mode, fmt, tags, starts_inside_thought=starts_inside, notes=notes)
