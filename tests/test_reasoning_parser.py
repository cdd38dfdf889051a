"""The streaming <think> parser: unit cases and a chunking property."""

from hypothesis import given, settings
from hypothesis import strategies as st

from reasoner_desktop.domain.events import AnswerDelta, ThinkingDelta
from reasoner_desktop.domain.reasoning import TagReasoningParser, ThinkTags, join_deltas


def parse(chunks, **kw):
    p = TagReasoningParser(**kw)
    out = []
    for c in chunks:
        out += p.feed(c)
    out += p.finish()
    return out


def test_thought_then_answer():
    thinking, answer = join_deltas(parse(["<think>\nStep one.\n</think>\n\nIt is 8."]))
    assert thinking == "Step one."
    assert answer == "It is 8."


def test_events_come_in_order():
    events = parse(["<think>a", "b</think>", "c"])
    assert [type(e) for e in events] == [ThinkingDelta, ThinkingDelta, AnswerDelta]


def test_tags_split_across_tokens():
    chunks = ["<", "th", "ink", ">", "hm", "m", "<", "/", "thi", "nk", ">", "ok"]
    assert join_deltas(parse(chunks)) == ("hmm", "ok")


def test_output_starting_inside_the_thought():
    # R1-distill templates and prompted thinking open <think> in the prompt.
    assert join_deltas(parse(["Let me see", "...</think>\n\nFour."], starts_inside=True)) == ("Let me see...", "Four.")


def test_repeated_opening_tag_inside_is_dropped():
    assert join_deltas(parse(["<th", "ink>\nx</think>y"], starts_inside=True)) == ("x", "y")


def test_no_thought_at_all():
    assert join_deltas(parse(["Just an answer."])) == ("", "Just an answer.")


def test_thought_never_closed_stays_thought():
    p = TagReasoningParser()
    events = p.feed("<think>still going") + p.finish()
    assert join_deltas(events) == ("still going", "")
    assert p.in_thought


def test_text_before_the_thought_is_answer():
    assert join_deltas(parse(["Sure. <think>plan</think>Done."])) == ("plan", "Sure. Done.")


def test_partial_tag_at_end_is_flushed_as_text():
    assert join_deltas(parse(["<think>a</thi"])) == ("a</thi", "")
    assert join_deltas(parse(["answer <thi"])) == ("", "answer <thi")


def test_force_close_moves_on_to_the_answer():
    p = TagReasoningParser(starts_inside=True)
    events = p.feed("thinking  ") + p.force_close() + p.feed("answer") + p.finish()
    assert join_deltas(events) == ("thinking", "answer")
    assert not p.in_thought and p.thought_closed


def test_custom_tags():
    tags = ThinkTags("[THINK]", "[/THINK]")
    assert join_deltas(parse(["[THI", "NK]x[/TH", "INK]y"], tags=tags)) == ("x", "y")


PIECES = st.sampled_from(["<think>", "</think>", "<", "/", "think", ">", "a", "b", " ", "\n", "é", "思", "<th", "nk>"])


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(PIECES, max_size=30), cuts=st.lists(st.integers(0, 400), max_size=12),
       inside=st.booleans())
def test_any_chunking_gives_the_same_parse(pieces, cuts, inside):
    text = "".join(pieces)
    points = sorted({c % (len(text) + 1) for c in cuts})
    chunks = [text[a:b] for a, b in zip([0, *points], [*points, len(text)])]
    assert join_deltas(parse(chunks, starts_inside=inside)) == join_deltas(parse([text], starts_inside=inside))


@settings(max_examples=200, deadline=None)
@given(thought=st.text(alphabet="ab xyz\n思é.", max_size=40), answer=st.text(alphabet="ab xyz\n思é.", max_size=40),
       cuts=st.lists(st.integers(0, 200), max_size=10))
def test_well_formed_transcripts_split_exactly(thought, answer, cuts):
    text = f"<think>{thought}</think>{answer}"
    points = sorted({c % (len(text) + 1) for c in cuts})
    chunks = [text[a:b] for a, b in zip([0, *points], [*points, len(text)])]
    assert join_deltas(parse(chunks)) == (thought.strip(), answer.lstrip())
