"""Real chat templates (tests/fixtures/templates, see SOURCES) rendered by the app equal Hugging
Face's own rendering (expected.json, written by make_expected.py with transformers), and what the
app reads from each template (format, thinking switch, how it takes a kept thought) is what a
person reading it found."""

import datetime
import json
from pathlib import Path

import pytest

from reasoner_desktop.domain.messages import ChatMessage, Role, ThinkingMode
from reasoner_desktop.domain.reasoning import ReasoningFormat
from reasoner_desktop.inference.prompt import CANNOT_DISABLE_NOTE, HARMONY_OFF_NOTE, build_prompt
from reasoner_desktop.inference.templates import ChatTemplate

HERE = Path(__file__).parent / "fixtures" / "templates"
EXPECTED = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
CASES = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))
FIXED_NOW = datetime.datetime.fromisoformat(EXPECTED["fixed_now"])
RENDERINGS = [(name, case) for name, spec in EXPECTED["templates"].items() for case in spec["cases"]]


def template(name: str) -> ChatTemplate:
    spec = EXPECTED["templates"][name]
    return ChatTemplate((HERE / name).read_text(encoding="utf-8"), bos_token=spec["bos_token"],
                        eos_token=spec["eos_token"], now=lambda: FIXED_NOW)


def history(case: dict) -> list[ChatMessage]:
    return [ChatMessage(Role(m["role"]), m["content"], m.get("thinking", ""), m.get("keep_thinking", False))
            for m in case["messages"]]


def plan_for(name: str, case_name: str):
    case = CASES[case_name]
    mode = ThinkingMode(case["mode"]) if "mode" in case else None
    return build_prompt(template(name), history(case), mode=mode, system_prompt=case.get("system"),
                        reasoning_effort=case.get("effort"))


def test_every_fixture_template_has_a_source_and_expected_renderings():
    sources = (HERE / "SOURCES").read_text(encoding="utf-8")
    names = sorted(p.name for p in HERE.glob("*.jinja"))
    assert names == sorted(EXPECTED["templates"])
    for name in names:
        assert name in sources


@pytest.mark.parametrize("name, case_name", RENDERINGS, ids=[f"{n}:{c}" for n, c in RENDERINGS])
def test_the_app_renders_what_hugging_face_renders(name, case_name):
    spec = EXPECTED["templates"][name]
    expected = spec["cases"][case_name]
    plan = plan_for(name, case_name)
    assert plan.mode.value == expected["mode"]
    suffix = spec["prompted_suffix"] if expected["mode"] == "prompted" else ""
    assert plan.text == expected["text"] + suffix


@pytest.mark.parametrize("name", sorted(EXPECTED["templates"]))
def test_what_the_app_reads_from_the_template(name):
    spec = EXPECTED["templates"][name]
    t = template(name)
    assert t.format is ReasoningFormat(spec["format"])
    assert t.thinking_switches == ((spec["switch"],) if spec["switch"] else ())
    assert t.can_disable_thinking is bool(spec["switch"])
    assert t.traits.reads_effort is spec["effort"]
    assert t.traits.thinking_blocks is (spec["kept"] == "blocks")
    if spec["kept"] != "blocks":  # blocks carry their own `thinking` field, and win
        assert t.traits.reasoning_field is (spec["kept"] == "field")
    assert not t.notes


def test_deepseek_v31_thinks_in_auto_mode_and_stops_when_off():
    """Its template reads `thinking` (default false): auto must turn it on, off must turn it off."""
    on = plan_for("deepseek-v3.1.jinja", "thinking_on")
    assert on.text.endswith("<｜Assistant｜><think>") and on.starts_inside_thought and not on.notes
    off = plan_for("deepseek-v3.1.jinja", "thinking_off")
    assert off.text.endswith("<｜Assistant｜></think>") and not off.starts_inside_thought and not off.notes


def test_qwen3_switches_thinking_off_with_an_empty_thought():
    on = plan_for("qwen3-0.6b.jinja", "thinking_on")
    assert on.text.endswith("<|im_start|>assistant\n") and not on.starts_inside_thought
    off = plan_for("qwen3-0.6b.jinja", "thinking_off")
    assert off.text.endswith("<think>\n\n</think>\n\n") and not off.notes


@pytest.mark.parametrize("name", ["deepseek-r1-distill-qwen-32b.jinja", "qwq-32b.jinja"])
def test_templates_that_always_think_start_inside_and_say_they_cannot_stop(name):
    on = plan_for(name, "thinking_on")
    assert on.starts_inside_thought
    off = plan_for(name, "thinking_off")
    assert off.starts_inside_thought and CANNOT_DISABLE_NOTE in off.notes


def test_gpt_oss_effort_and_off():
    assert "Reasoning: high" in plan_for("gpt-oss-120b.jinja", "effort_high").text
    assert "Reasoning: low" in plan_for("gpt-oss-120b.jinja", "effort_low").text
    off = plan_for("gpt-oss-120b.jinja", "thinking_off")
    assert "Reasoning: low" in off.text and HARMONY_OFF_NOTE in off.notes


def test_prompted_harmony_opens_the_analysis_channel_not_think_tags():
    plan = plan_for("gpt-oss-120b.jinja", "prompted")
    assert "<think>" not in plan.text and "</think>" not in plan.text
    assert plan.text.endswith("<|start|>assistant<|channel|>analysis<|message|>Let's think step by step.")
    assert plan.format is ReasoningFormat.HARMONY and plan.starts_inside_thought


def test_a_kept_magistral_thought_is_written_as_its_template_writes_it():
    text = plan_for("ministral-3-14b-reasoning-2512.jinja", "multi_turn_thought_kept").text
    assert "[INST]What is 2 + 3?[/INST][THINK]Two plus three is five.[/THINK]2 + 3 = 5.</s>" in text
    assert "[THINK]\n" not in text


def test_kept_thoughts_reach_templates_that_keep_them_and_dropped_ones_do_not():
    kept = plan_for("llama-3.1-8b-instruct.jinja", "multi_turn_thought_kept").text
    dropped = plan_for("llama-3.1-8b-instruct.jinja", "multi_turn_thought_dropped").text
    assert "Two plus three is five." in kept and "Two plus three is five." not in dropped
