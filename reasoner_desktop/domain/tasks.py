"""Problems with exact answers, made procedurally from a seed, for the scaling lab (`reasoner-desktop eval`).

Each task makes as many problems as asked, the same ones for the same seed, and checks an answer with
the vote's own extraction (domain/votes.py): a problem is solved when the answer's key is the expected one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from reasoner_desktop.domain.votes import Extracted

NAMES = ("Tom", "Ana", "Li Wei", "Sara", "Omar", "Mia", "Ravi", "Yuki")
THINGS = ("apples", "marbles", "books", "coins", "stickers", "pencils")


@dataclass(frozen=True, slots=True)
class Problem:
    question: str
    expected_key: str  # domain.votes key of the right answer, e.g. "number:42", "choice:B"
    expected: str  # as a person would write it

    def is_solved_by(self, answer: Extracted | None) -> bool:
        return answer is not None and answer.key == self.expected_key


def _arithmetic(rng: random.Random) -> Problem:
    """One operation on small numbers: within reach of a tiny model, so that every curve can rise."""
    a, b = rng.randint(2, 20), rng.randint(2, 20)
    op = rng.choice(["+", "-", "*"])
    if op == "-" and b > a:
        a, b = b, a
    value = a + b if op == "+" else a - b if op == "-" else a * b
    return Problem(f"What is {a} {op} {b}? End with: The answer is <number>.", f"number:{value}", str(value))


def _word(rng: random.Random) -> Problem:
    name, thing = rng.choice(NAMES), rng.choice(THINGS)
    start, bought, given = rng.randint(3, 30), rng.randint(2, 20), rng.randint(1, 10)
    value = start + bought - given
    q = (f"{name} has {start} {thing}. {name} gets {bought} more and then gives {given} away. "
         f"How many {thing} does {name} have now? End with: The answer is <number>.")
    return Problem(q, f"number:{value}", str(value))


def _choice(rng: random.Random) -> Problem:
    a, b = rng.randint(10, 99), rng.randint(10, 99)
    right = a + b
    wrong = {right + d for d in (-10, -1, 1, 10, 11, -11)} - {right}
    options = rng.sample(sorted(wrong), 3) + [right]
    rng.shuffle(options)
    letters = "ABCD"
    lines = "\n".join(f"({letters[i]}) {v}" for i, v in enumerate(options))
    letter = letters[options.index(right)]
    q = f"What is {a} + {b}?\n{lines}\nEnd with: The answer is (<letter>)."
    return Problem(q, f"choice:{letter}", f"({letter}) {right}")


TASKS = {"arithmetic": _arithmetic, "word": _word, "choice": _choice}


def make_problems(task: str, n: int, seed: int = 0) -> list[Problem]:
    """`n` problems of `task` (one of TASKS), the same ones for the same seed."""
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}: choose one of {', '.join(TASKS)}.")
    rng = random.Random(f"{task}:{seed}")
    return [TASKS[task](rng) for _ in range(n)]
