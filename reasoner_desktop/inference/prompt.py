"""Prompt building: the model's own chat template, rendered by us in a bounded sandbox.

llama-cpp-python's chat handlers cannot pass template switches such as Qwen3's
`enable_thinking`, DeepSeek-V3.1's `thinking` or gpt-oss's `reasoning_effort`, and cannot
prefill the assistant turn, so we render `tokenizer.chat_template` ourselves (see templates.py)
and drive the model token by token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from reasoner_desktop.domain.messages import ChatMessage, FewShotExample, Role, ThinkingMode
from reasoner_desktop.domain.reasoning import (
    MAGISTRAL_TAGS,
    THINK_TAGS,
    ReasoningFormat,
    ThinkTags,
)
from reasoner_desktop.inference.templates import (  # noqa: F401 - re-exported for callers and tests
    CHATML_TEMPLATE,
    FALLBACK_MARKERS,
    ChatTemplate,
    fallback_template,
    no_template_note,
)

CANNOT_DISABLE_NOTE = "This model cannot switch its thinking off; it will think anyway."
HARMONY_OFF_NOTE = "gpt-oss cannot switch its thinking off; using low reasoning effort instead."
HARMONY_ANALYSIS = "<|channel|>analysis<|message|>"
# Written into a thought to make the model go on thinking (s1's budget forcing; "Think longer").
CONTINUE_TEXT = "\nWait"


@dataclass(frozen=True, slots=True)
class PromptedTexts:
    """Zero-shot chain of thought (Kojima et al. 2022) in the shape of a reasoning model's output,
    in the language of the question (an English instruction pulls a model into English)."""

    instruction: str  # {open} {close}: the thought's delimiters
    assistant: str  # opens the system prompt when the user set none (with its separator)
    prefill: str  # written into the thought on the model's behalf


PROMPTED_TEXTS = {
    "en": PromptedTexts(
        "Before answering, think step by step inside {open} and {close}. After {close}, write the final answer.",
        "You are a helpful assistant. ",
        "Let's think step by step.",
    ),
    "zh": PromptedTexts(
        "回答之前，先在 {open} 和 {close} 之间一步一步地思考。{close} 之后，写出最终答案。",
        "你是一个乐于助人的助手。",
        "让我们一步一步地思考。",
    ),
}
PROMPTED_THINKING_INSTRUCTION = PROMPTED_TEXTS["en"].instruction
PROMPTED_THINKING_PREFILL = PROMPTED_TEXTS["en"].prefill


def _is_han(c: str) -> bool:
    o = ord(c)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x2FA1F)


def _is_kana_or_hangul(c: str) -> bool:
    o = ord(c)
    return 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF


def text_language(text: str) -> str:
    """"zh" when the text is mostly Chinese (Han characters, no kana or hangul), else "en".

    A Han character carries about as much as an English word, so three Latin letters weigh one
    Han character: "如何用 Python 反转字符串？" is Chinese, "What does 你好 mean?" is English."""
    han = latin = 0
    for c in text:
        if c.isascii():
            latin += c.isalpha()
        elif _is_han(c):
            han += 1
        elif _is_kana_or_hangul(c):
            return "en"  # Japanese or Korean: a Chinese instruction would be wrong
    return "zh" if han and han * 3 >= latin else "en"


def prompt_language(history: Sequence[ChatMessage]) -> str:
    """The language of the last user message (the question being answered)."""
    for msg in reversed(history):
        if msg.role is Role.USER:
            return text_language(msg.content)
    return "en"


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
    continued: bool = False  # the prefill is an earlier answer's whole thought, carried on ("Think longer")


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


def _opener(fmt: ReasoningFormat, tags: ThinkTags) -> str:
    """How the model itself opens a thought: Mistral writes [THINK] straight into the text."""
    return tags.open if fmt is ReasoningFormat.MAGISTRAL else f"{tags.open}\n"


def _with_thought_text(answer: str, thought: str, fmt: ReasoningFormat, tags: ThinkTags) -> str:
    """An earlier turn's thought and answer as the model writes them."""
    if fmt is ReasoningFormat.MAGISTRAL:
        return f"{tags.open}{thought}{tags.close}{answer}"
    return f"{tags.open}\n{thought}\n{tags.close}\n\n{answer}"


def assistant_entry(answer: str, thought: str, template: ChatTemplate, fmt: ReasoningFormat,
                    tags: ThinkTags) -> dict:
    """An assistant turn for the template, its thought (if any) in the form the template takes:
    Mistral's typed content blocks, else the `reasoning_content` / `thinking` field Hugging Face
    passes (Qwen3, gpt-oss), else written into the content as the model writes it. The template
    then keeps or drops it as its authors decided (Qwen3, R1, QwQ and gpt-oss drop earlier thoughts)."""
    if not thought:
        return {"role": Role.ASSISTANT.value, "content": answer}
    traits = template.traits
    if traits.thinking_blocks:
        return {"role": Role.ASSISTANT.value,
                "content": [{"type": "thinking", "thinking": thought}, {"type": "text", "text": answer}]}
    if traits.reasoning_field or fmt is ReasoningFormat.HARMONY:
        return {"role": Role.ASSISTANT.value, "content": answer, "reasoning_content": thought, "thinking": thought}
    return {"role": Role.ASSISTANT.value, "content": _with_thought_text(answer, thought, fmt, tags)}


def to_template_messages(history: Sequence[ChatMessage], system_prompt: str | None, template: ChatTemplate,
                         fmt: ReasoningFormat, tags: ThinkTags,
                         examples: Sequence[FewShotExample] = ()) -> list[dict]:
    """Chat messages for the template. Earlier thoughts are left out, as reasoning-model
    authors advise, unless a message is marked to keep its thought in context."""
    messages: list[dict] = []
    if system_prompt:
        messages.append({"role": Role.SYSTEM.value, "content": system_prompt})
    for ex in examples:
        messages.append({"role": Role.USER.value, "content": ex.question})
        messages.append(assistant_entry(ex.answer, ex.thought, template, fmt, tags))
    for msg in history:
        if msg.role is Role.ASSISTANT:
            thought = msg.thinking if msg.keep_thinking else ""
            messages.append(assistant_entry(msg.content, thought, template, fmt, tags))
        else:
            messages.append({"role": msg.role.value, "content": msg.content})
    return messages


def _effort(fmt: ReasoningFormat, template: ChatTemplate, requested: str | None) -> dict:
    """gpt-oss's `reasoning_effort` (its template's default is medium); another template that reads
    the name gets it only when asked, so that its own default stands."""
    if fmt is ReasoningFormat.HARMONY:
        return {"reasoning_effort": requested or "medium"}
    if template.traits.reads_effort and requested:
        return {"reasoning_effort": requested}
    return {}


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
    cancel: Callable[[], bool] | None = None,
) -> PromptPlan:
    """Render the prompt. Raises jinja2.TemplateError when the template refuses the conversation,
    TemplateLimitError when its render goes over budget, RenderCancelled when `cancel()` is true."""
    fmt = template.format if fmt is None else fmt
    mode = resolve_mode(mode, fmt)
    notes = list(template.notes)
    tags = tags_for(fmt, custom_tags)
    switches = _effort(fmt, template, reasoning_effort)

    if mode is ThinkingMode.PROMPTED:
        return _prompted(template, history, fmt, tags, system_prompt, examples, switches, notes, cancel)

    think = mode is not ThinkingMode.OFF
    switches.update(dict.fromkeys(template.thinking_switches, think))
    if not think and not template.thinking_switches:
        if fmt is ReasoningFormat.HARMONY:
            switches["reasoning_effort"] = "low"
            notes.append(HARMONY_OFF_NOTE)
        elif fmt is not ReasoningFormat.NONE:
            notes.append(CANNOT_DISABLE_NOTE)
    text = template.render(to_template_messages(history, system_prompt, template, fmt, tags), cancel=cancel,
                           **switches)
    starts_inside = fmt in (ReasoningFormat.THINK, ReasoningFormat.MAGISTRAL, ReasoningFormat.CUSTOM) and (
        text.rstrip().endswith(tags.open)
    )
    return PromptPlan(text, mode, fmt, tags, starts_inside_thought=starts_inside, notes=notes)


def _prompted(template: ChatTemplate, history: Sequence[ChatMessage], fmt: ReasoningFormat, tags: ThinkTags,
              system_prompt: str | None, examples: Sequence[FewShotExample], switches: dict, notes: list[str],
              cancel: Callable[[], bool] | None) -> PromptPlan:
    """Prompted thinking: the thought is opened for the model, in the model's own form, and
    prefilled with "Let's think step by step." in the language of the question."""
    texts = PROMPTED_TEXTS[prompt_language(history)]
    if fmt is ReasoningFormat.HARMONY:
        # A harmony model thinks in its analysis channel: open that channel for it. Tags in the
        # instruction would be foreign text in the harmony stream, so there is none.
        messages = to_template_messages(history, system_prompt, template, fmt, tags, examples)
        text = template.render(messages, cancel=cancel, **switches) + HARMONY_ANALYSIS + texts.prefill
        return PromptPlan(text, ThinkingMode.PROMPTED, fmt, tags, starts_inside_thought=True,
                          thought_prefill=texts.prefill, notes=notes)

    instruction = texts.instruction.format(open=tags.open, close=tags.close)
    system = f"{system_prompt}\n\n{instruction}" if system_prompt else f"{texts.assistant}{instruction}"
    switches.update(dict.fromkeys(template.thinking_switches, True))  # a template's empty thought must not close ours
    messages = to_template_messages(history, system, template, fmt, tags, examples)
    text = template.render(messages, cancel=cancel, **switches)
    if not text.rstrip().endswith(tags.open):  # R1-style templates open the thought themselves
        text += _opener(fmt, tags)
    text += texts.prefill
    parse_fmt = fmt if fmt in (ReasoningFormat.MAGISTRAL, ReasoningFormat.CUSTOM) else ReasoningFormat.THINK
    return PromptPlan(text, ThinkingMode.PROMPTED, parse_fmt, tags, starts_inside_thought=True,
                      thought_prefill=texts.prefill, notes=notes)


def continue_thought(plan: PromptPlan, thought: str) -> PromptPlan:
    """"Think longer" on an earlier answer: the prompt of its question, then its thought written into the
    model's turn as the model wrote it, then "Wait", so that the model goes on thinking from there. With the
    same conversation the prompt begins like the one the old answer was written after, so the KV cache
    holds all but the last few tokens. Raises ValueError when this model's turns have no thought."""
    carried = thought.rstrip() + CONTINUE_TEXT
    text = plan.text
    if plan.thought_prefill and text.endswith(plan.thought_prefill):
        base = text[: -len(plan.thought_prefill)]  # prompted thinking: the stored thought starts with the prefill
    elif plan.starts_inside_thought:
        base = text
    elif plan.format is ReasoningFormat.HARMONY:
        base = text + HARMONY_ANALYSIS
    elif plan.format in (ReasoningFormat.THINK, ReasoningFormat.MAGISTRAL, ReasoningFormat.CUSTOM):
        base = text + _opener(plan.format, plan.tags)
    else:
        raise ValueError("This model answers without a chain of thought here, so there is none to continue.")
    return replace(plan, text=base + carried, starts_inside_thought=True, thought_prefill=carried, continued=True)
