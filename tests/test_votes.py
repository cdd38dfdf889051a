"""Final-answer extraction and the vote among reasoning paths (domain/votes.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reasoner_desktop.domain.votes import (
    Vote,
    extract_answer,
    model_choice_prompt,
    normalise_number,
    parse_model_choice,
    vote,
)


@pytest.mark.parametrize("text, key, kind", [
    (r"So the total is \boxed{42}.", "number:42", "boxed"),
    (r"We get $\boxed{\frac{3}{4}}$ in the end.", "number:3/4", "boxed"),
    (r"First \boxed{1}, corrected: \boxed{2}", "number:2", "boxed"),
    (r"\boxed{x^{2}+1}", "text:x 2 1", "boxed"),
    ("Tom has 3 + 5 = 8 apples. The answer is 8.", "number:8", "phrase"),
    ("Final answer: 1,200 apples", "number:1200", "phrase"),
    ("The answer is $1200.00 in total.", "number:1200", "phrase"),
    ("the final answer is 45%.", "number:9/20", "phrase"),
    ("The answer is (C).", "choice:C", "phrase"),
    ("The answer is yes, because it rains.", "yesno:yes", "phrase"),
    ("The answer is Paris.", "text:paris", "phrase"),
    ("The answer is 5, but we need the sum to be 8.", "number:5", "phrase"),
    ("So the answer is 8 apples because 3 + 5 = 8.", "number:8", "phrase"),
    ("Looking at the options, the best fit is (B)", "choice:B", "choice"),
    ("After checking each option:\nB", "choice:B", "choice"),
    ("Yes. Both conditions hold.", "yesno:yes", "yesno"),
    ("No, it cannot be.", "yesno:no", "yesno"),
    ("3 + 5 is 8, and 8 - 2 = 6 apples left.", "number:6", "number"),
    ("It costs −3.50 dollars.", "number:-7/2", "number"),
    ("Half of it: 1/2 of the cake.", "number:1/2", "number"),
    ("The distance is 12.0 km.", "number:12", "number"),
])
def test_every_answer_form_is_read(text, key, kind):
    got = extract_answer(text)
    assert got is not None and (got.key, got.kind) == (key, kind), got


@pytest.mark.parametrize("text", ["", "   ", "I am not sure what you mean.", r"\boxed{"])
def test_nothing_to_read_is_none(text):
    assert extract_answer(text) is None


def test_a_phrase_with_several_numbers_shows_the_one_that_decides():
    got = extract_answer("The answer is 5, but we need the sum to be 8.")
    assert (got.key, got.text) == ("number:5", "5")


def test_numbers_written_differently_are_one_answer():
    same = ["The answer is 1,200.", r"\boxed{1200}", "So we get $1200 in total.", "1200.0 apples",
            "Final answer: 1200"]
    assert {extract_answer(t).key for t in same} == {"number:1200"}
    assert normalise_number("3/4") == normalise_number("0.75") == normalise_number(r"\frac{3}{4}") == "3/4"
    assert normalise_number("45%") == normalise_number("45 percent") == normalise_number("0.45")


def test_the_majority_wins_and_knows_who_agreed():
    v = vote(["The answer is 8.", r"\boxed{8}", "I think 7.", "So 8 apples.", "No idea"])
    assert (v.method, v.answer, v.agree, v.of) == ("extracted", "8", 3, 5)
    assert v.winner in (0, 1, 3)
    assert [p.answer.key if p.answer else None for p in v.paths] == \
        ["number:8", "number:8", "number:7", "number:8", None]


def test_a_tie_goes_to_the_more_confident_group():
    answers = ["The answer is 8.", "The answer is 7.", "The answer is 8.", "The answer is 7."]
    v = vote(answers, [-2.0, -0.5, -2.2, -0.4])
    assert (v.answer, v.agree, v.winner) == ("7", 2, 3)  # the 7s were surer; its surest path wins
    v = vote(answers, [-0.1, -0.5, -0.2, -0.4])
    assert (v.answer, v.winner) == ("8", 0)
    v = vote(answers)  # nothing known of confidence: the earliest group
    assert v.answer == "8"


def test_no_extractable_answer_is_method_none_with_the_most_confident_path():
    v = vote(["Hmm.", "Well, it depends.", "I cannot tell."], [-3.0, -0.2, -1.0])
    assert (v.method, v.winner, v.agree, v.of, v.answer) == ("none", 1, 0, 3, "")


def test_a_vote_survives_its_dict_form():
    v = vote(["The answer is 8.", "7", r"\boxed{8}"], [-1.0, -2.0, -0.5])
    back = Vote.from_dict(v.to_dict())
    assert (back.method, back.winner, back.answer, back.agree, back.of) == (v.method, v.winner, v.answer, 2, 3)
    assert [p.answer.text if p.answer else None for p in back.paths] == ["8", "7", "8"]


def test_universal_self_consistency_prompt_and_reply():
    prompt = model_choice_prompt("Which city?", ["Paris, surely.", "It is Rome.", "Paris."])
    assert "Response 3:" in prompt and prompt.endswith("Reply with its number only.")
    assert parse_model_choice("Response 3 is the most consistent.", 3) == 2
    assert parse_model_choice("The second one (2).", 3) == 1
    assert parse_model_choice("None of them: 7", 3) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_read_without_raising(text):
    got = extract_answer(text)
    assert got is None or (got.key and got.kind)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=16),
       st.lists(st.floats(-20, 0), min_size=16, max_size=16))
def test_the_vote_is_a_plurality_of_the_numbers_given(values, conf):
    answers = [f"The answer is {v:,}." for v in values]
    v = vote(answers, conf[: len(values)])
    counts = {x: values.count(x) for x in values}
    assert v.method == "extracted" and v.of == len(values)
    assert v.agree == max(counts.values())
    assert counts[values[v.winner]] == v.agree
    assert int(v.answer.replace(",", "")) == values[v.winner]


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="{}\\boxed ", max_size=2000))
def test_nested_or_unclosed_boxes_are_bounded(text):
    extract_answer(text)
