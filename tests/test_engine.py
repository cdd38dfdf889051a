"""The real llama.cpp engine on the bundled SmolLM2 model."""

import pytest

from reasoner_desktop.domain.events import AnswerDelta, Done, ThinkingDelta
from reasoner_desktop.domain.messages import ChatMessage, Role, ThinkingMode
from reasoner_desktop.inference.engine import GenerationRequest, LlamaEngine, Sampling
from reasoner_desktop.inference.errors import ModelLoadError

pytestmark = pytest.mark.model
GREEDY = Sampling(temperature=0.0, top_k=1)


def run(engine, messages, **kw):
    kw.setdefault("sampling", GREEDY)
    events = list(engine.stream(GenerationRequest(messages=messages, **kw)))
    thinking = "".join(e.text for e in events if isinstance(e, ThinkingDelta))
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    assert isinstance(events[-1], Done) and sum(isinstance(e, Done) for e in events) == 1
    return events, thinking, answer, events[-1].stats


def test_the_bundled_model_is_prompted_to_think(engine):
    assert not engine.thinks_natively
    events, thinking, answer, stats = run(engine, [ChatMessage(Role.USER, "Tom has 3 apples and buys 5 more. How many?")],
                                          max_tokens=200)
    assert thinking.startswith("Let's think step by step.") and len(thinking) > 40
    assert answer.strip()
    # Thought first, then answer: no thinking delta after the first answer delta.
    kinds = [type(e) for e in events if not isinstance(e, Done)]
    assert ThinkingDelta not in kinds[kinds.index(AnswerDelta):]
    assert stats.thinking_tokens > 0 and stats.answer_tokens > 0
    assert stats.ttft_seconds is not None and stats.thinking_seconds > 0 and stats.tokens_per_second > 0


def test_max_thinking_cuts_the_thought_and_still_answers(engine):
    _, thinking, answer, stats = run(engine, [ChatMessage(Role.USER, "Explain why the sky is blue.")],
                                     max_thinking_tokens=24, max_tokens=120)
    assert stats.thinking_tokens <= 24 and stats.budget == "cut"
    assert thinking and answer.strip()


def test_a_small_token_allowance_still_leaves_room_for_an_answer(engine):
    _, thinking, answer, stats = run(engine, [ChatMessage(Role.USER, "Write a long essay about rivers.")],
                                     max_tokens=40, max_thinking_tokens=1000)
    assert stats.thinking_tokens <= 30 and stats.budget == "cut"
    assert thinking and answer.strip()


def test_thinking_off_gives_no_thought(engine):
    _, thinking, answer, stats = run(engine, [ChatMessage(Role.USER, "Say hello.")], mode=ThinkingMode.OFF,
                                     max_tokens=40)
    assert thinking == "" and answer.strip() and stats.thinking_tokens == 0


def test_second_turn_evaluates_only_new_tokens(engine):
    q1 = [ChatMessage(Role.USER, "Name a fruit.")]
    _, _, a1, s1 = run(engine, q1, mode=ThinkingMode.OFF, max_tokens=20)
    q2 = q1 + [ChatMessage(Role.ASSISTANT, a1), ChatMessage(Role.USER, "Another one?")]
    _, _, _, s2 = run(engine, q2, mode=ThinkingMode.OFF, max_tokens=20)
    assert s2.prompt_tokens > s1.prompt_tokens
    assert s2.prompt_tokens_evaluated < s2.prompt_tokens - s1.prompt_tokens + 8


def test_cancel_stops_before_the_next_token(engine):
    seen = []

    def cancel():
        return len(seen) >= 5

    for ev in engine.stream(GenerationRequest([ChatMessage(Role.USER, "Count to one hundred.")], max_tokens=500),
                            cancel):
        seen.append(ev)
    stats = seen[-1].stats
    assert stats.stop_reason == "stopped"
    assert stats.thinking_tokens + stats.answer_tokens <= 6


def test_random_bytes_gguf_is_a_clear_error(tmp_path):
    bad = tmp_path / "noise.gguf"
    bad.write_bytes(b"GGUF\x03\x00\x00\x00" + bytes(range(256)) * 64)
    with pytest.raises(ModelLoadError) as info:
        LlamaEngine(bad)
    assert "could not load" in str(info.value) and "\n" not in str(info.value)


def test_truncated_real_model_is_a_clear_error(tmp_path, model_path):
    cut = tmp_path / "cut.gguf"
    with open(model_path, "rb") as src:
        cut.write_bytes(src.read(3_000_000))
    with pytest.raises(ModelLoadError, match="truncated or corrupt"):
        LlamaEngine(cut)
