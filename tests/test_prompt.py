"""Prompt rendering in the sandbox: template switches, modes, examples, kept thoughts, fallbacks, language."""

import jinja2
import pytest

from reasoner_desktop.domain.messages import ChatMessage, FewShotExample, Role, ThinkingMode
from reasoner_desktop.domain.reasoning import ReasoningFormat
from reasoner_desktop.inference.presets import family_of
from reasoner_desktop.inference.prompt import (
    CANNOT_DISABLE_NOTE,
    HARMONY_OFF_NOTE,
    ChatTemplate,
    build_prompt,
    text_language,
)
from reasoner_desktop.inference.templates import (
    FALLBACK_MARKERS,
    FALLBACKS,
    fallback_template,
    no_template_note,
    template_format,
)

# Shortened from the models' published templates, keeping the parts that matter here
# (the real ones are in tests/fixtures/templates, see test_prompt_templates.py).
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
)
USER = [ChatMessage(Role.USER, "Hi")]
CHATML_TOKENS = {"<|im_start|>", "<|im_end|>"}


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


def test_prompted_thinking_on_a_template_that_opens_the_thought_does_not_open_it_twice():
    plan = build_prompt(ChatTemplate(R1_DISTILL), USER, mode=ThinkingMode.PROMPTED)
    assert plan.text.endswith("<｜Assistant｜><think>\nLet's think step by step.")


def test_gpt_oss_reasoning_effort_and_off():
    t = ChatTemplate(GPT_OSS)
    assert t.format is ReasoningFormat.HARMONY
    assert "Reasoning: high" in build_prompt(t, USER, reasoning_effort="high").text
    off = build_prompt(t, USER, mode=ThinkingMode.OFF)
    assert "Reasoning: low" in off.text and HARMONY_OFF_NOTE in off.notes


@pytest.mark.parametrize("source, fmt", [
    ("{# <think> is mentioned in a comment only #}{{ messages[0].content }}", ReasoningFormat.NONE),
    ("{# <|channel|> #}{{ '<|im_start|>assistant\\n' }}", ReasoningFormat.NONE),
    ("{{ '<|im_start|>assistant\\n<think>\\n' }}", ReasoningFormat.THINK),
    ("{% if x %}[THINK]{% endif %}", ReasoningFormat.MAGISTRAL),
    ("{{ '<|start|>assistant<|channel|>final<|message|>' }}", ReasoningFormat.HARMONY),
    (None, ReasoningFormat.NONE),
    ("{% if %}", ReasoningFormat.NONE),  # cannot be parsed
])
def test_the_format_comes_from_what_the_template_writes_not_its_comments(source, fmt):
    assert template_format(source) is fmt


def test_switches_come_from_what_the_template_reads_not_its_text():
    commented = "{# pass enable_thinking=false to stop thinking #}{{ '<think>' }}{{ messages[0].content }}"
    assert ChatTemplate(commented).thinking_switches == () and not ChatTemplate(commented).can_disable_thinking
    reads = "{% if thinking %}{{ '<think>' }}{% else %}{{ '</think>' }}{% endif %}"
    assert ChatTemplate(reads).thinking_switches == ("thinking",)


def test_the_family_follows_what_the_template_reads():
    """A Qwen3-architecture model whose template mentions enable_thinking only in a comment is not
    given Qwen3's thinking presets as if it could switch."""
    assert family_of("qwen3", "Qwen3-4B", QWEN3, ReasoningFormat.THINK) == "qwen3"
    assert family_of("qwen3", "Qwen3-4B", "{# enable_thinking #}{{ '<think>' }}", ReasoningFormat.THINK) == ""
    v31 = "{{ '<｜Assistant｜>' }}{% if thinking %}{{ '<think>' }}{% else %}{{ '</think>' }}{% endif %}"
    assert family_of("deepseek2", "DeepSeek-V3.1", v31, ReasoningFormat.THINK) == "deepseek-v3.1"


# -- no template: a fallback chosen by the vocabulary ------------------------------------------

@pytest.mark.parametrize("tokens, name, expected", [
    ({"<start_of_turn>", "<end_of_turn>"}, "Gemma",
     "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n"),
    ({"<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"}, "Llama 3",
     "<bos><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
     "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
    ({"[INST]", "[/INST]"}, "Mistral [INST]", "<bos>[INST]Be brief.\n\nHi[/INST]"),
    (CHATML_TOKENS, "ChatML",
     "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"),
    (set(), "plain User/Assistant", "System: Be brief.\n\nUser: Hi\n\nAssistant:"),
])
def test_no_template_falls_back_by_the_vocabulary_and_names_the_choice(tokens, name, expected):
    t = ChatTemplate(None, bos_token="<bos>", special_tokens=tokens)
    plan = build_prompt(t, USER, mode=ThinkingMode.OFF, system_prompt="Be brief.")
    assert plan.text == expected
    assert t.fallback == name and plan.notes == [no_template_note(name)] and name in plan.notes[0]


def test_gemma_wins_over_chatml_and_every_marker_is_asked_about():
    assert fallback_template({"<start_of_turn>", "<end_of_turn>", *CHATML_TOKENS})[0] == "Gemma"
    for _name, markers, _source in FALLBACKS:
        assert markers <= FALLBACK_MARKERS


def test_a_gemma_answer_turn_in_the_fallback():
    t = ChatTemplate(None, special_tokens={"<start_of_turn>", "<end_of_turn>"})
    history = [ChatMessage(Role.USER, "Hi"), ChatMessage(Role.ASSISTANT, "Hello!"), ChatMessage(Role.USER, "Bye")]
    text = build_prompt(t, history, mode=ThinkingMode.OFF).text
    assert text == ("<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
                    "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n")
    assert "<|im_" not in text


def test_an_unreadable_template_falls_back_with_a_note():
    t = ChatTemplate("{% for m in messages %}{{ m.content }", special_tokens=CHATML_TOKENS)
    assert t.fallback == "ChatML" and "cannot be read" in t.notes[0] and "ChatML" in t.notes[0]
    assert build_prompt(t, USER, mode=ThinkingMode.OFF).text.startswith("<|im_start|>user\nHi")


# -- prompted thinking ------------------------------------------------------------------------

def test_prompted_mode_instructs_and_prefills_the_thought():
    plan = build_prompt(ChatTemplate(None, special_tokens=CHATML_TOKENS), USER)
    assert plan.mode is ThinkingMode.PROMPTED and plan.starts_inside_thought
    assert "think step by step inside <think> and </think>" in plan.text
    assert plan.text.endswith("<|im_start|>assistant\n<think>\nLet's think step by step.")
    assert plan.thought_prefill == "Let's think step by step."


def test_a_chinese_question_gets_a_chinese_instruction_and_prefill():
    plan = build_prompt(ChatTemplate(None, special_tokens=CHATML_TOKENS), [ChatMessage(Role.USER, "如何反转一个字符串？")])
    assert "你是一个乐于助人的助手。回答之前，先在 <think> 和 </think> 之间一步一步地思考。" in plan.text
    assert plan.text.endswith("<think>\n让我们一步一步地思考。") and plan.thought_prefill == "让我们一步一步地思考。"
    assert "step by step" not in plan.text


def test_the_language_follows_the_last_question():
    t = ChatTemplate(None, special_tokens=CHATML_TOKENS)
    history = [ChatMessage(Role.USER, "你好"), ChatMessage(Role.ASSISTANT, "你好！"), ChatMessage(Role.USER, "Now in English?")]
    assert build_prompt(t, history).thought_prefill == "Let's think step by step."
    ex = FewShotExample("2+2 等于几？", "二加二等于四。", "4")
    few_shot = build_prompt(t, [ChatMessage(Role.USER, "3+5 等于几？")], examples=[ex])
    assert few_shot.thought_prefill == "让我们一步一步地思考。" and "回答之前" in few_shot.text
    assert "<think>\n二加二等于四。\n</think>\n\n4" in few_shot.text


@pytest.mark.parametrize("text, lang", [
    ("如何用 Python 反转字符串？", "zh"),
    ("請解釋量子糾纏", "zh"),  # traditional characters too
    ("What does 你好 mean?", "en"),
    ("日本の首都はどこですか？", "en"),  # kana: Japanese, not Chinese
    ("안녕하세요 世界", "en"),
    ("Tom has 3 apples.", "en"),
    ("", "en"),
    ("3 + 5 = ?", "en"),
])
def test_text_language(text, lang):
    assert text_language(text) == lang


def test_few_shot_examples_are_worked_turns_before_the_question():
    ex = FewShotExample("2+2?", "Two and two make four.", "4")
    plan = build_prompt(ChatTemplate(None, special_tokens=CHATML_TOKENS), USER, examples=[ex])
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


# -- the sandbox ---------------------------------------------------------------------------------

def test_templates_run_sandboxed():
    evil = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(jinja2.exceptions.SecurityError):
        ChatTemplate(evil).render([])


def test_raise_exception_in_a_template_is_a_template_error():
    with pytest.raises(jinja2.TemplateError, match="roles must alternate"):
        ChatTemplate("{{ raise_exception('roles must alternate') }}").render([])


@pytest.mark.parametrize("source", ["{{ 'a' + 1 }}", "{{ messages[0]['nope'] ~ (1 / 0) }}", "{{ {}['k'].x() }}"])
def test_a_template_that_crashes_is_a_template_error(source):
    """So the engine turns it into its one sentence ("The model's chat template failed …")."""
    with pytest.raises(jinja2.TemplateError):
        ChatTemplate(source).render([{"role": "user", "content": "Hi"}])
