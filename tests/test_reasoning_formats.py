"""Recorded raw transcripts of every supported format, parsed whole and in any chunking."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reasoner_desktop.domain.reasoning import (
    HarmonyParser,
    ReasoningFormat,
    ThinkTags,
    detect_format,
    join_deltas,
    make_parser,
)

CASES = json.loads((Path(__file__).parent / "transcripts" / "formats.json").read_text(encoding="utf-8"))


def parser_for(case):
    custom = ThinkTags(*case["custom"]) if "custom" in case else None
    return make_parser(ReasoningFormat(case["format"]), starts_inside=case["starts_inside"], custom=custom)


def parse(case, chunks):
    p = parser_for(case)
    out = []
    for c in chunks:
        out += p.feed(c)
    return join_deltas(out + p.finish())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_transcript_parses(case):
    assert parse(case, [case["raw"]]) == (case["thinking"], case["answer"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_transcript_token_by_token(case):
    assert parse(case, list(case["raw"])) == (case["thinking"], case["answer"])


@settings(max_examples=60, deadline=None)
@given(case=st.sampled_from(CASES), cuts=st.lists(st.integers(0, 10_000), max_size=20))
def test_transcripts_in_any_chunking(case, cuts):
    text = case["raw"]
    points = sorted({c % (len(text) + 1) for c in cuts})
    chunks = [text[a:b] for a, b in zip([0, *points], [*points, len(text)])]
    assert parse(case, chunks) == (case["thinking"], case["answer"])


HARMONY_PIECES = st.sampled_from(["<|channel|>", "analysis", "final", "<|message|>", "<|end|>", "<|start|>",
                                  "assistant", "<|return|>", "<|", "|>", "<", "x", " ", "\n", "思"])


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(HARMONY_PIECES, max_size=30), cuts=st.lists(st.integers(0, 500), max_size=12))
def test_harmony_any_chunking_matches_whole(pieces, cuts):
    text = "".join(pieces)
    points = sorted({c % (len(text) + 1) for c in cuts})
    chunks = [text[a:b] for a, b in zip([0, *points], [*points, len(text)])]

    def run(parts):
        p = HarmonyParser()
        out = []
        for part in parts:
            out += p.feed(part)
        return join_deltas(out + p.finish())

    assert run(chunks) == run([text])


def test_harmony_force_close_switches_to_the_final_channel():
    p = HarmonyParser()
    out = p.feed("<|channel|>analysis<|message|>thinking hard") + p.force_close() + p.feed("the answer")
    assert join_deltas(out) == ("thinking hard", "the answer")


def test_snapshot_and_restore_rewind_the_parser():
    p = make_parser(ReasoningFormat.THINK, starts_inside=True)
    p.feed("abc ")
    state = p.snapshot()
    assert join_deltas(p.feed("</think>answer")) == ("", "answer")
    p.restore(state)
    assert p.in_thought and join_deltas(p.feed("more</think>x")) == (" more", "x")


@pytest.mark.parametrize("template, fmt", [
    ("{{ '<|start|>assistant<|channel|>final<|message|>' }}", ReasoningFormat.HARMONY),
    ("{% if x %}[THINK]{% endif %}", ReasoningFormat.MAGISTRAL),
    ("{{ '<|im_start|>assistant\\n<think>\\n' }}", ReasoningFormat.THINK),
    ("{{ '<|im_start|>assistant\\n' }}", ReasoningFormat.NONE),
    (None, ReasoningFormat.NONE),
])
def test_format_detection_from_the_template(template, fmt):
    assert detect_format(template) is fmt
