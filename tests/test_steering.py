"""Steering a thought on the real engine (bundled SmolLM2, prompted thinking): Answer now, Think longer
after the fact (with KV reuse), the live budget figures, and what a kept thought costs the next prompt."""

import threading

import pytest

from reasoner_desktop.domain.events import AnswerDelta, Done, PathEvent, ThinkingDelta
from reasoner_desktop.domain.messages import ChatMessage, Role, ThinkingMode
from reasoner_desktop.domain.reasoning import ReasoningFormat
from reasoner_desktop.inference.engine import GenerationRequest, Sampling
from reasoner_desktop.inference.errors import GenerationError
from reasoner_desktop.inference.prompt import CONTINUE_TEXT, PromptPlan, continue_thought

SEEDED = Sampling(temperature=0.7, top_p=0.9, top_k=40, seed=7)
QUESTION = [ChatMessage(Role.USER, "Tom has 3 apples and buys 5 more. How many apples does he have?")]


def collect(events):
    events = list(events)
    thinking = "".join(e.text for e in events if isinstance(e, ThinkingDelta))
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    assert isinstance(events[-1], Done)
    return events, thinking, answer, events[-1].stats


@pytest.mark.model
def test_answer_now_closes_the_thought_at_the_next_token(engine):
    """Pressed after the 12th thought token: the thought gets no further token of the model's, the
    budget sentence is written, and the model answers."""
    pressed = threading.Event()
    at_press = {}
    events = []
    request = GenerationRequest(messages=QUESTION, sampling=SEEDED, max_tokens=300, max_thinking_tokens=400,
                                budget_message="Time is up; answering now.")
    for ev in engine.stream(request, answer_now=pressed.is_set):
        events.append(ev)
        if isinstance(ev, ThinkingDelta) and ev.tokens >= 12 and not pressed.is_set():
            at_press["tokens"] = ev.tokens
            pressed.set()
    _, thinking, answer, stats = collect(events)
    assert at_press["tokens"] >= 12
    assert stats.answered_now and stats.budget == "answered_now"
    # The model's own thought tokens stop where the press was (the sentence is ours, not sampled).
    sampled = [e.tokens for e in events if isinstance(e, ThinkingDelta)]
    assert max(sampled) <= at_press["tokens"] + 1 + len(engine.tokenize("\nTime is up; answering now."))
    assert thinking.rstrip().endswith("Time is up; answering now.")
    assert answer.strip() and stats.answer_tokens > 0


@pytest.mark.model
def test_without_answer_now_the_same_seed_thinks_on(engine):
    """The control for the test above: the same request, never pressed, thinks well past 12 tokens."""
    request = GenerationRequest(messages=QUESTION, sampling=SEEDED, max_tokens=300, max_thinking_tokens=400)
    _, _, _, stats = collect(engine.stream(request))
    assert stats.thinking_tokens > 20 and not stats.answered_now and stats.budget != "answered_now"


@pytest.mark.model
def test_answer_now_reaches_every_path_still_thinking(engine):
    pressed = threading.Event()
    request = GenerationRequest(messages=QUESTION, sampling=SEEDED, max_tokens=200, max_thinking_tokens=400,
                                samples=3)
    per_path = {i: [] for i in range(3)}
    for ev in engine.stream(request, answer_now=pressed.is_set):
        if isinstance(ev, PathEvent):
            per_path[ev.path].append(ev.event)
            if isinstance(ev.event, ThinkingDelta) and ev.event.tokens >= 8:
                pressed.set()
        elif isinstance(ev, Done):
            total = ev.stats
    assert total.budget == "answered_now"
    for events in per_path.values():
        stats = events[-1].stats
        assert stats.answered_now and stats.thinking_tokens <= 10
        assert "".join(e.text for e in events if isinstance(e, AnswerDelta)).strip()


@pytest.mark.model
def test_thought_deltas_carry_the_count_and_the_budget(engine):
    request = GenerationRequest(messages=QUESTION, sampling=SEEDED, max_tokens=200, max_thinking_tokens=40)
    events, _, _, stats = collect(engine.stream(request))
    counts = [e.tokens for e in events if isinstance(e, ThinkingDelta)]
    assert counts == sorted(counts) and counts[-1] <= 40
    assert {e.budget for e in events if isinstance(e, ThinkingDelta)} == {40}
    assert stats.thinking_budget == 40 and stats.budget == "cut"
    # Prompted thinking without a limit has the default cap, and says so.
    _, _, _, stats = collect(engine.stream(GenerationRequest(messages=QUESTION, sampling=SEEDED, max_tokens=30)))
    assert stats.thinking_budget == 512


@pytest.mark.model
def test_think_longer_goes_on_from_the_stored_thought_with_the_cache(engine):
    first = GenerationRequest(messages=QUESTION, sampling=SEEDED, max_tokens=300, max_thinking_tokens=60)
    _, old_thought, old_answer, old = collect(engine.stream(first))
    assert old_thought and old_answer.strip()
    again = GenerationRequest(messages=QUESTION, sampling=SEEDED, max_tokens=400, min_thinking_tokens=64,
                              continue_thought=old_thought)
    _, thought, answer, stats = collect(engine.stream(again))
    assert thought.startswith(old_thought.rstrip() + CONTINUE_TEXT)
    assert len(thought) > len(old_thought) + len(CONTINUE_TEXT)
    assert stats.thinking_tokens - stats.continued_tokens >= 64
    assert stats.continued_tokens >= old.thinking_tokens - 2
    # At least 64 more, then the thought may end by itself, up to prompted thinking's usual cap beyond them.
    assert stats.thinking_budget == stats.continued_tokens + 64 + 512
    assert answer.strip()
    # Only the tail is evaluated: the question's prompt and the old thought are in the KV cache already.
    assert stats.prompt_tokens > old.prompt_tokens + old.thinking_tokens - 4
    assert stats.prompt_tokens_evaluated <= 8


def test_continue_thought_writes_the_thought_where_the_model_would():
    prompted = PromptPlan("<|im_start|>assistant\n<think>\nLet's think step by step.", ThinkingMode.PROMPTED,
                          ReasoningFormat.THINK, starts_inside_thought=True,
                          thought_prefill="Let's think step by step.")
    plan = continue_thought(prompted, "Let's think step by step. 3 + 5 = 8.\n")
    assert plan.text == "<|im_start|>assistant\n<think>\nLet's think step by step. 3 + 5 = 8.\nWait"
    assert plan.continued and plan.thought_prefill == "Let's think step by step. 3 + 5 = 8.\nWait"
    native = PromptPlan("<|im_start|>assistant\n", ThinkingMode.AUTO, ReasoningFormat.THINK)
    assert continue_thought(native, "Hmm.").text == "<|im_start|>assistant\n<think>\nHmm.\nWait"
    r1 = PromptPlan("<｜Assistant｜><think>\n", ThinkingMode.AUTO, ReasoningFormat.THINK, starts_inside_thought=True)
    assert continue_thought(r1, "Hmm.").text == "<｜Assistant｜><think>\nHmm.\nWait"
    harmony = PromptPlan("<|start|>assistant", ThinkingMode.AUTO, ReasoningFormat.HARMONY)
    assert continue_thought(harmony, "Hmm.").text == "<|start|>assistant<|channel|>analysis<|message|>Hmm.\nWait"
    with pytest.raises(ValueError, match="no one to continue|none to continue"):
        continue_thought(PromptPlan("x", ThinkingMode.OFF, ReasoningFormat.NONE), "Hmm.")


@pytest.mark.model
def test_think_longer_without_a_thought_form_is_one_sentence(engine):
    request = GenerationRequest(messages=QUESTION, mode=ThinkingMode.OFF, continue_thought="Hmm.")
    with pytest.raises(GenerationError, match="none to continue"):
        list(engine.stream(request))


@pytest.mark.model
def test_a_kept_thought_is_counted_in_the_next_prompt(engine):
    thought = "Let's think step by step. Three apples and five more make eight apples in all."
    history = QUESTION + [ChatMessage(Role.ASSISTANT, "8", thought)]
    follow = [ChatMessage(Role.USER, "And if he eats two?")]
    dropped = engine.prompt_tokens(GenerationRequest(messages=history + follow))
    kept = engine.prompt_tokens(GenerationRequest(
        messages=QUESTION + [ChatMessage(Role.ASSISTANT, "8", thought, keep_thinking=True)] + follow))
    assert kept - dropped >= len(engine.tokenize(thought))


@pytest.mark.model
def test_worked_examples_are_bounded_to_a_quarter_of_the_context(engine, data_dir):
    """A library of long examples would crowd out the conversation: those past a quarter of the window are
    left out, and the answer says so."""
    from dataclasses import replace as dc_replace

    from reasoner_desktop.domain.messages import FewShotExample
    from reasoner_desktop.services.chat import ChatService, TurnOptions
    from reasoner_desktop.storage.repository import open_history

    repo = open_history(data_dir / "history.db")
    long = FewShotExample("A question?", "step " * 300, "An answer.")  # ~300 tokens each
    n_fit = engine.n_ctx // 4 // len(engine.tokenize(f"{long.question}\n{long.thought}\n{long.answer}"))
    options = TurnOptions(mode=ThinkingMode.PROMPTED, max_tokens=8, max_thinking_tokens=4, sampling=SEEDED,
                          examples=(long,) * (n_fit + 3))
    result = ChatService(repo, engine).run_turn(None, "Hi?", options)
    assert result.error is None
    assert any("3 worked example(s) left out" in n for n in result.stats.notes), result.stats.notes
    fewer = ChatService(repo, engine).run_turn(None, "Hi?", dc_replace(options, examples=(long,) * n_fit))
    assert not any("left out" in n for n in fewer.stats.notes)
    assert fewer.stats.prompt_tokens == result.stats.prompt_tokens  # the same examples went in
    repo.engine.dispose()


def test_the_budget_note_says_what_acted():
    from reasoner_desktop.ui.thought_pane import budget_note, stored_label

    assert budget_note("answered_now", {}) == "answered now"
    assert budget_note("extended", {"extensions": 3}) == "extended ×3"
    assert budget_note("cut", {"thinking_tokens": 1024}) == "cut at 1,024"
    continued = {"thinking_tokens": 700, "continued_tokens": 188}
    assert budget_note("extended", {**continued, "extensions": 2}) == "continued +512"
    assert budget_note("extended", {**continued, "extensions": 2, "thought_cut": True}) == \
        "continued +512 · cut at 700"
    assert budget_note("answered_now", continued) == "continued +512 · answered now"
    label = stored_label(3.21, 612, "cut", {"thinking_budget": 1024, "thinking_tokens": 612, "total_seconds": 4.5,
                                            "thinking_seconds": 3.21}, timing=True)
    assert label == "Thought for 3.2 s · 612 / 1,024 tokens · answer 1.3 s · cut at 612"
