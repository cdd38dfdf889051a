"""Long conversations: the oldest turns are left out in linear time, cancellably, and the kept
turns stay the same from one answer to the next so that the KV cache is reused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reasoner_desktop.domain.events import ContextTrimmed, Done
from reasoner_desktop.domain.messages import ChatMessage, Role, ThinkingMode
from reasoner_desktop.inference.engine import GenerationRequest, Sampling
from reasoner_desktop.inference.errors import GenerationError
from reasoner_desktop.inference.trimming import REFILL_SHARE, PromptFitter

GREEDY = Sampling(temperature=0.0, top_k=1, seed=1)


class FakeModel:
    """Words are tokens; the template adds 3 tokens per message and 10 for the system prompt."""

    def __init__(self) -> None:
        self.tokenized_chars = 0
        self.renders = 0

    def tokenize(self, text: str) -> list[int]:
        self.tokenized_chars += len(text)
        return [0] * len(text.split())

    def render(self, messages):
        self.renders += 1
        text = "SYS " * 10 + "".join(f"<s> {m.role} {m.content} </s> " for m in messages)
        return text, self.tokenize(text)


def conversation(n_turns: int, words: int = 20) -> list[ChatMessage]:
    out = []
    for i in range(n_turns):
        out += [ChatMessage(Role.USER, f"q{i} " + "w " * words), ChatMessage(Role.ASSISTANT, f"a{i} " + "x " * words)]
    return out + [ChatMessage(Role.USER, "last question")]


def test_a_2000_message_conversation_is_fitted_with_a_couple_of_renders_and_no_full_tokenization():
    model = FakeModel()
    fitter = PromptFitter(model.tokenize)
    messages = conversation(1000)  # 2,001 messages, ~50,000 tokens
    total_chars = sum(len(m.content) for m in messages)
    _text, tokens, dropped = fitter.fit(messages, model.render, 4000)
    assert len(tokens) <= 4000 and dropped > 1800
    assert messages[dropped].role is Role.USER  # whole turns are left out
    assert model.renders <= 3
    # Only the newest messages were ever tokenized, not the whole history (the old code tokenized it
    # once per dropped turn: quadratic).
    assert model.tokenized_chars < total_chars / 5


def test_the_kept_turns_stay_put_while_they_fit_then_refill_to_three_quarters():
    model = FakeModel()
    fitter = PromptFitter(model.tokenize)
    messages = conversation(300)
    _t, tokens, first = fitter.fit(messages, model.render, 4000)
    assert len(tokens) <= 4000 * REFILL_SHARE + 50  # refilled with room for the next turns
    starts = [first]
    for i in range(6):  # a few more turns: the same first message, so the KV cache prefix is reused
        messages = messages + [ChatMessage(Role.ASSISTANT, "y " * 20), ChatMessage(Role.USER, f"more {i}")]
        _t, tokens, start = fitter.fit(messages, model.render, 4000)
        starts.append(start)
        assert len(tokens) <= 4000
    assert len(set(starts)) == 1
    while True:  # until the window overflows: then a new cut
        messages = messages + [ChatMessage(Role.ASSISTANT, "y " * 200), ChatMessage(Role.USER, "and more")]
        _t, tokens, start = fitter.fit(messages, model.render, 4000)
        if start != first:
            break
    assert start > first and len(tokens) <= 4000 * REFILL_SHARE + 250


def test_a_short_conversation_is_never_trimmed():
    model = FakeModel()
    fitter = PromptFitter(model.tokenize)
    messages = conversation(5)
    assert fitter.fit(messages, model.render, 4000)[2] == 0


def test_cancel_stops_fitting():
    model = FakeModel()
    assert PromptFitter(model.tokenize).fit(conversation(1000), model.render, 4000, cancel=lambda: True) is None
    assert model.renders == 0


def test_a_last_message_too_long_for_the_window_is_one_sentence():
    model = FakeModel()
    with pytest.raises(GenerationError, match="too long for this model's context window"):
        PromptFitter(model.tokenize).fit([ChatMessage(Role.USER, "w " * 5000)], model.render, 4000)


@settings(max_examples=200, deadline=None)
@given(turns=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400)), min_size=0, max_size=60),
       last=st.integers(1, 300), limit=st.integers(400, 3000), overhead=st.floats(0, 40))
def test_any_conversation_fits_or_says_why(turns, last, limit, overhead):
    model = FakeModel()
    fitter = PromptFitter(model.tokenize)
    fitter.overhead = overhead  # whatever it learnt before
    messages = []
    for q, a in turns:
        messages += [ChatMessage(Role.USER, "w " * q), ChatMessage(Role.ASSISTANT, "x " * a)]
    messages.append(ChatMessage(Role.USER, "z " * last))
    try:
        _t, tokens, dropped = fitter.fit(messages, model.render, limit)
    except GenerationError:
        assert len(model.render(messages[-1:])[1]) > limit  # only when the last question alone is too long
        return
    assert len(tokens) <= limit
    assert dropped == 0 or messages[dropped].role is Role.USER
    if len(model.render(messages)[1]) <= limit:
        assert dropped == 0  # nothing is left out of a conversation that fits


# -- on the real model ---------------------------------------------------------------------

@pytest.mark.model
def test_a_long_chat_on_the_real_model_trims_once_then_reuses_the_cache(engine):
    history = []
    for i in range(200):
        history += [ChatMessage(Role.USER, f"Question {i}: tell me about rivers and bread number {i}."),
                    ChatMessage(Role.ASSISTANT, f"Answer {i}: rivers carry water and bread is baked. " * 3)]
    history.append(ChatMessage(Role.USER, "Say hello."))
    req = dict(mode=ThinkingMode.OFF, max_tokens=8, sampling=GREEDY)
    engine._llm.reset()
    events = list(engine.stream(GenerationRequest(history, **req)))
    first = events[-1].stats
    trimmed = [e for e in events if isinstance(e, ContextTrimmed)]
    assert trimmed and first.prompt_tokens <= engine.n_ctx and first.dropped_messages > 300
    answer = "hello"
    history += [ChatMessage(Role.ASSISTANT, answer), ChatMessage(Role.USER, "Say goodbye.")]
    second = list(engine.stream(GenerationRequest(history, **req)))[-1].stats
    assert second.dropped_messages == first.dropped_messages  # the same turns kept
    assert second.prompt_tokens_evaluated < 40  # only the new turn is evaluated


@pytest.mark.model
def test_stop_while_a_long_chat_is_fitted(engine):
    history = [ChatMessage(Role.USER, "word " * 50), ChatMessage(Role.ASSISTANT, "ok")] * 500
    history.append(ChatMessage(Role.USER, "hi"))
    events = list(engine.stream(GenerationRequest(history, mode=ThinkingMode.OFF, sampling=GREEDY),
                                cancel=lambda: True))
    assert len(events) == 1 and isinstance(events[0], Done) and events[0].stats.stop_reason == "stopped"
