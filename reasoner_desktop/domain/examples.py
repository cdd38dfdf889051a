"""Worked examples for manual chain of thought: the user's liked answers (Auto-CoT from their own
history) and their editable example library, and how a few are chosen among many.

Pure: no SQL, no Qt. The history ranks its liked answers by how similar their questions are to
the new one; choose_examples() turns that ranking into the examples a prompt gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from reasoner_desktop.domain.messages import FewShotExample


@dataclass(frozen=True, slots=True)
class LikedExample:
    """A thumbs-up answer with its thought, as a worked example for a new question.

    `score` is how similar its question is to the new one (BM25, higher is closer); 0.0 for an
    example taken only because it is recent."""

    message_id: int
    conversation_id: int
    question: str
    thought: str
    answer: str
    score: float = 0.0

    def as_few_shot(self) -> FewShotExample:
        return FewShotExample(self.question, self.thought, self.answer)


@dataclass(frozen=True, slots=True)
class LibraryExample:
    """An example of the user's library: written, or made from an answer (`source_message_id`)
    and then edited. The source is None once that answer is deleted; the example stays."""

    id: int
    question: str
    thought: str
    answer: str
    source_message_id: int | None = None

    def as_few_shot(self) -> FewShotExample:
        return FewShotExample(self.question, self.thought, self.answer)


class _Candidate(Protocol):
    @property
    def message_id(self) -> int: ...

    @property
    def conversation_id(self) -> int: ...


C = TypeVar("C", bound=_Candidate)


def choose_examples(ranked: Sequence[C], newest: Sequence[C], k: int) -> list[C]:
    """At most `k` examples: the most similar first (`ranked`, best first), then, when fewer than
    `k` are similar, the newest of the rest (`newest`, newest first), so that a user with liked
    answers always gets some.

    Never two from one conversation: answers of one conversation tend to repeat one topic and
    one style, and a few examples teach more when they differ."""
    chosen: list[C] = []
    conversations: set[int] = set()
    messages: set[int] = set()
    for candidate in (*ranked, *newest):
        if len(chosen) >= k:
            break
        if candidate.conversation_id in conversations or candidate.message_id in messages:
            continue
        chosen.append(candidate)
        conversations.add(candidate.conversation_id)
        messages.add(candidate.message_id)
    return chosen
