"""Prompt rendering in the sandbox: template switches, modes, examples, kept thoughts."""

import jinja2
import pytest

from reasoner_desktop.domain.messages import ChatMessage, FewShotExample, Role, ThinkingMode
from reasoner_desktop.domain.reasoning import ReasoningFormat
from reasoner_desktop.inference.prompt import (
    CANNOT_DISABLE_NOTE,
    HARMONY_OFF_NOTE,
    NO_TEMPLATE_NOTE,
    ChatTemplate,
    build_prompt,
)

# Shortened from the models' published templates, keeping the parts that matter here.
QWEN3 = (
    "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and enable_thinking is false %}{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}"
    "{% endif %}"
)
R1_DISTILL = (
    "{{ bos_token }}{% for m in messages %}{% if m.role == 'user' %}{{ '<｜User｜>' + m.content }}"
    "{% elif m.role == 'assistant' %}{% set c = m.content %}{% if '</think>' in c %}"
    "{% set c = c.split('</think>')[-1] %}{% endif %}{{ '<｜Assistant｜>' + c + '<｜end▁of▁sentence｜>' }}"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}"
)
GPT_OSS = (
    "{{ '<|start|>system<|message|>Reasoning: ' + (reasoning_effort | default('medium')) + '<|end|>' }}"
    "{% for m in messages %}{% if m.role == 'assistant' and m.thinking is defined %}"
    "{{ '<|start|>assistant<|channel|>analysis<|message|>' + m.thinking + '<|end|>' }}{% endif %}"
    "{{ '<|start|>' + m.role + '<|message|>' + m.content + '<|end|>' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start|>assistant' }}{% endif %}"
    "{# <|channel|> #}"
)
USER = [ChatMessage(Role.USER, "Hi")]


def test_qwen3_thinks_by_default_and_can_switch_off():
    t = ChatTemplate(QWEN3)
    assert t.format is ReasoningFormat.THINK and t.can_disable_thinking
    on = build_prompt(t, USER)
    assert on.mode is ThinkingMode.AUTO and not on.starts_inside_thought and not on.notes
    off = build_prompt(t, USER, mode=ThinkingMode.OFF)
    assert off.text.endswith("<think>\n\n</think>\n\n") and not off.notes


def test_r1_distill_starts_inside_and_cannot_switch_off():
    t = ChatTemplate(R1_DISTILL, bos_token="<｜begin▁of▁sentence｜>")
    plan = build_prompt(t, USER)
    assert plan.starts_inside_thought and plan.text.startswith("<｜begin▁of▁sentence｜>")
    off = build_prompt(t, USER, mode=ThinkingMode.OFF)
    assert CANNOT_DISABLE_NOTE in off.notes


def test_gpt_oss_reasoning_effort_and_off():
    t = ChatTemplate(GPT_OSS)
    assert t.format is ReasoningFormat.HARMONY
    assert "Reasoning: high" in build_prompt(t, USER, reasoning_effort="high").text
    off = build_prompt(t, USER, mode=ThinkingMode.OFF)
    assert "Reasoning: low" in off.text and HARMONY_OFF_NOTE in off.notes


def test_no_template_falls_back_to_chatml_with_a_note():
    plan = build_prompt(ChatTemplate(None), USER, mode=ThinkingMode.OFF)
    assert plan.text == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    assert NO_TEMPLATE_NOTE in plan.notes


def test_prompted_mode_instructs_and_prefills_the_thought():
    plan = build_prompt(ChatTemplate(None), USER)
    assert plan.mode is ThinkingMode.PROMPTED and plan.starts_inside_thought
    assert "think step by step inside <think> and </think>" in plan.text
    assert plan.text.endswith("<|im_start|>assistant\n<think>\nLet's think step by step.")


def test_few_shot_examples_are_worked_turns_before_the_question():
    ex = FewShotExample("2+2?", "Two and two make four.", "4")
    plan = build_prompt(ChatTemplate(None), USER, examples=[ex])
    assert "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>\nTwo and two make four.\n</think>\n\n4" in plan.text
    assert plan.text.index("2+2?") < plan.text.index("user\nHi")


def test_old_thoughts_stay_out_unless_kept():
    history = [ChatMessage(Role.USER, "q1"), ChatMessage(Role.ASSISTANT, "a1", "secret reasoning"),
               ChatMessage(Role.USER, "q2")]
    t = ChatTemplate(QWEN3)
    assert "secret reasoning" not in build_prompt(t, history).text
    kept = list(history)
    kept[1] = ChatMessage(Role.ASSISTANT, "a1", "secret reasoning", keep_thinking=True)
    assert "<think>\nsecret reasoning\n</think>\n\na1" in build_prompt(t, kept).text
    assert "<|channel|>analysis<|message|>secret reasoning" in build_prompt(ChatTemplate(GPT_OSS), kept).text


def test_templates_run_sandboxed():
    evil = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(jinja2.exceptions.SecurityError):
        ChatTemplate(evil).render([])


def test_raise_exception_in_a_template_is_a_template_error():
    with pytest.raises(jinja2.TemplateError, match="roles must alternate"):
        ChatTemplate("{{ raise_exception('roles must alternate') }}").render([])
