"""Stray <think>/</think> tags never reach the answer or the thought; a thought the engine closed
but the model went on with stays thought; harmony thoughts in several messages stay apart."""

from hypothesis import given, settings
from hypothesis import strategies as st

from reasoner_desktop.domain.events import AnswerDelta, ThinkingDelta
from reasoner_desktop.domain.reasoning import (
    FORCED_CLOSE_HOLD,
    HarmonyParser,
    ReasoningFormat,
    TagReasoningParser,
    join_deltas,
    make_parser,
)


def run(before, after=None, *, starts_inside=True):
    """Feed `before` (chunks); if `after` is given, force the thought closed and feed `after` too."""
    p = TagReasoningParser(starts_inside=starts_inside)
    out = []
    for c in before:
        out += p.feed(c)
    if after is not None:
        out += p.force_close()
        for c in after:
            out += p.feed(c)
    return join_deltas(out + p.finish())


def test_the_model_going_on_after_a_forced_close_is_still_thinking():
    """The zh_CN screenshot: `… </think> So answer:` shown literally in the answer."""
    thinking, answer = run(["Three plus five"], [" is eight, let me check.\n</think>\n\nSo answer: 8."])
    assert thinking == "Three plus five\n\nis eight, let me check."
    assert answer == "So answer: 8."


def test_a_closing_tag_long_after_a_forced_close_is_only_dropped():
    late = "x" * FORCED_CLOSE_HOLD
    thinking, answer = run(["thought"], [late + "</think> rest"])
    assert (thinking, answer) == ("thought", late + " rest")


def test_after_a_forced_close_without_a_closing_tag_the_answer_comes_once_the_window_is_past():
    p = TagReasoningParser(starts_inside=True)
    p.feed("thought")
    p.force_close()
    assert p.feed("The answer is 8.") == []  # held: the model might still close its thought
    early = p.feed(" " + "y" * FORCED_CLOSE_HOLD)
    assert join_deltas(early)[1].startswith("The answer is 8. yyy")  # released once no tag can start in the window
    assert join_deltas(early + p.finish()) == ("", "The answer is 8. " + "y" * FORCED_CLOSE_HOLD)


def test_a_short_answer_after_a_forced_close_arrives_at_the_end():
    assert run(["thought"], ["Eight."]) == ("thought", "Eight.")


def test_stray_opening_tags_inside_the_thought_are_dropped():
    assert run(["<think>a <think>b</think>c"], starts_inside=False) == ("a b", "c")
    assert run(["a<think>b</think>c"]) == ("ab", "c")


def test_stray_tags_in_the_answer_are_dropped():
    assert run(["<think>a</think>b</think>c<think>d"], starts_inside=False) == ("a", "bcd")
    assert run(["plain answer</think> goes on"], starts_inside=False) == ("", "plain answer goes on")


def test_events_stay_in_order_after_a_forced_close():
    p = TagReasoningParser(starts_inside=True)
    events = p.feed("a") + p.force_close() + p.feed("b</think>c") + p.finish()
    kinds = [type(e) for e in events]
    assert kinds == [ThinkingDelta, ThinkingDelta, AnswerDelta]


def chunked(text, cuts):
    points = sorted({c % (len(text) + 1) for c in cuts})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)])]


PIECES = st.sampled_from(["<think>", "</think>", "<", "/", "think", ">", "<th", "nk>", "a", "b", " ", "\n", "思", "é"])
WHOLE = st.sampled_from(["<think>", "</think>", "a", "b", " ", "\n", "思", "x."])


@settings(max_examples=300, deadline=None)
@given(before=st.lists(PIECES, max_size=20), after=st.lists(PIECES, max_size=40),
       filler=st.integers(0, FORCED_CLOSE_HOLD + 20), cuts=st.lists(st.integers(0, 2000), max_size=12),
       forced=st.booleans(), inside=st.booleans())
def test_any_chunking_gives_the_same_parse_with_a_forced_close(before, after, filler, cuts, forced, inside):
    one = "".join(before)
    two = "x" * filler + "".join(after)  # puts a closing tag before or after the hold window
    whole = run([one], [two] if forced else None, starts_inside=inside)
    assert run(chunked(one, cuts), chunked(two, cuts) if forced else None, starts_inside=inside) == whole


@settings(max_examples=300, deadline=None)
@given(before=st.lists(WHOLE, max_size=20), after=st.lists(WHOLE, max_size=20), forced=st.booleans(),
       inside=st.booleans(), cuts=st.lists(st.integers(0, 500), max_size=10))
def test_no_tag_ever_shows_and_no_text_is_lost(before, after, forced, inside, cuts):
    one, two = "".join(before), "".join(after)
    thinking, answer = run(chunked(one, cuts), chunked(two, cuts) if forced else None, starts_inside=inside)
    for tag in ("<think>", "</think>"):
        assert tag not in thinking and tag not in answer
    def chars(s):
        return sorted("".join(s.replace("<think>", "").replace("</think>", "").split()))

    assert chars(thinking + answer) == chars(one + (two if forced else ""))


def test_two_harmony_analysis_messages_are_separated():
    text = ("<|channel|>analysis<|message|>first reasoning<|end|><|start|>assistant<|channel|>analysis"
            "<|message|>second reasoning<|end|><|start|>assistant<|channel|>final<|message|>answer<|return|>")
    p = HarmonyParser()
    assert join_deltas(p.feed(text) + p.finish()) == ("first reasoning\n\nsecond reasoning", "answer")
    p = HarmonyParser()
    assert join_deltas([d for c in text for d in p.feed(c)] + p.finish()) == (
        "first reasoning\n\nsecond reasoning", "answer")


def test_prompted_harmony_starts_inside_the_analysis_channel():
    p = make_parser(ReasoningFormat.HARMONY, starts_inside=True)
    assert p.in_thought
    out = p.feed("Let's think step by step. 2+2=4.<|end|><|start|>assistant<|channel|>final<|message|>4")
    assert join_deltas(out + p.finish()) == ("Let's think step by step. 2+2=4.", "4")
