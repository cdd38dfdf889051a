"""Final answers out of free text, and a vote among reasoning paths (self-consistency).

`extract_answer` reads what an answer settles on: `\\boxed{…}`, "the answer is …", a multiple-choice
letter, yes/no, or the last number (units, thousands separators, fractions, percentages and LaTeX
fractions normalised, so "1,200 apples", "$1200" and "1200.0" are one answer). `vote` groups equal
answers; the largest group wins, ties go to the group whose paths were most confident (mean token
log-probability), then to the earliest path. Pure functions, no I/O; bounded on any input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

# Model output is untrusted: only this much of the end of an answer is read.
MAX_SCAN = 20_000


@dataclass(frozen=True, slots=True)
class Extracted:
    key: str  # normalised: equal keys are the same answer
    text: str  # as written (for display)
    kind: str  # boxed | phrase | choice | yesno | number


@dataclass(frozen=True, slots=True)
class PathVote:
    path: int
    answer: Extracted | None
    confidence: float | None = None  # mean token log-probability


@dataclass(frozen=True, slots=True)
class Vote:
    method: str  # extracted | model | none
    winner: int  # index of the winning path
    answer: str  # the winning answer as written ("" when none could be read)
    agree: int  # paths that gave the winning answer
    of: int  # paths in all
    paths: tuple[PathVote, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {"method": self.method, "winner": self.winner, "answer": self.answer, "agree": self.agree,
                "of": self.of, "paths": [{"path": p.path, "final_answer": p.answer.text if p.answer else None,
                                          "key": p.answer.key if p.answer else None,
                                          "confidence": p.confidence} for p in self.paths]}

    @classmethod
    def from_dict(cls, d: dict) -> Vote:
        paths = []
        for p in d.get("paths") or []:
            text, key = p.get("final_answer"), p.get("key")
            answer = Extracted(str(key if key is not None else text), str(text), "stored") if text is not None else None
            paths.append(PathVote(int(p.get("path", len(paths))), answer, p.get("confidence")))
        return cls(str(d.get("method", "none")), int(d.get("winner", 0)), str(d.get("answer", "")),
                   int(d.get("agree", 0)), int(d.get("of", len(paths))), tuple(paths))


# -- numbers -------------------------------------------------------------------------------

_LATEX_FRAC = re.compile(r"\\[dt]?frac\s*\{\s*(-?[\d.,]+)\s*\}\s*\{\s*(-?[\d.,]+)\s*\}")
_NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>[-−])?\s?(?P<cur>[$€£¥])?\s?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s*/\s*(?P<den>\d+(?:\.\d+)?))?"
    r"\s*(?P<pct>%|percent\b|per cent\b)?"
)


def _fraction(num: str, den: str | None = None) -> Fraction | None:
    try:
        value = Fraction(num.replace(",", ""))
        if den is not None:
            d = Fraction(den.replace(",", ""))
            if d == 0:
                return None
            value /= d
        return value
    except (ValueError, ZeroDivisionError):
        return None


def _number_key(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _numbers(text: str) -> list[tuple[str, Fraction]]:
    """(as written, value) of every number in `text`, in order."""
    text = _LATEX_FRAC.sub(lambda m: f"{m.group(1)}/{m.group(2)}", text)
    out = []
    for m in _NUMBER.finditer(text):
        value = _fraction(m.group("num"), m.group("den"))
        if value is None:
            continue
        if m.group("sign"):
            value = -value
        if m.group("pct"):
            value /= 100
        out.append((m.group(0).strip(), value))
    return out


def normalise_number(text: str) -> str | None:
    """The key of the last number in `text` ("1,200 apples" -> "1200", "3/4" -> "3/4", "45%" -> "9/20")."""
    found = _numbers(text)
    return _number_key(found[-1][1]) if found else None


# -- answers -------------------------------------------------------------------------------

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_PHRASE = re.compile(
    r"(?:the\s+)?(?:final\s+)?answer\s*(?:is|:|=|would be|will be)\s*:?\s*(?P<rest>[^\n]{1,200})",
    re.IGNORECASE)
_CHOICE = re.compile(
    r"(?:^|[\s(\[*:])(?:\(\s*(?P<a>[A-J])\s*\)|(?P<b>[A-J])\s*\)|(?:option|choice)\s+(?P<c>[A-J])\b|"
    r"\*\*(?P<d>[A-J])\*\*|(?P<e>[A-J])(?=\s*[.:]?\s*$))",
    re.MULTILINE)
_YESNO = re.compile(r"^\W*(?P<w>yes|no)(?:[.,!;:]|\s*$)", re.IGNORECASE)  # "No idea" is no answer


def _boxed(text: str) -> str | None:
    """The content of the last \\boxed{…}, braces balanced (None if unclosed)."""
    last = None
    for m in _BOXED.finditer(text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth == 0:
            last = text[m.end(): i - 1]
    return last


def _clean(text: str) -> str:
    text = text.strip().strip("*_`$ ").strip()
    text = re.sub(r"^\\text\{(.*)\}$", r"\1", text)
    return text.rstrip(".!;, ").strip()


def _key_of(text: str) -> tuple[str, str] | None:
    """(key, kind) of a short final answer: a letter, yes/no, a number, else the words themselves."""
    t = _clean(text)
    if not t:
        return None
    m = re.fullmatch(r"\(?([A-J])\)?(?:[.:)]\s.*)?", t)
    if m:
        return f"choice:{m.group(1)}", "choice"
    m = _YESNO.match(t)
    if m and len(t) <= 40:
        return f"yesno:{m.group('w').lower()}", "yesno"
    numbers = list(_NUMBER.finditer(_LATEX_FRAC.sub(lambda m: f"{m.group(1)}/{m.group(2)}", t)))
    if len(numbers) == 1:  # "8 apples", "$1,200": the number; "x^{2}+1" is an expression, kept as words
        rest = t[: numbers[0].start()] + t[numbers[0].end():] if "frac" not in t else ""
        if not re.search(r"[=^+*/<>\\{}]", rest):
            return f"number:{normalise_number(t)}", "number"
    words = " ".join(re.sub(r"[^\w\s]", " ", t.lower()).split())
    return (f"text:{words}", "text") if words else None


def extract_answer(answer: str) -> Extracted | None:
    """What an answer settles on, or None when nothing can be read."""
    text = answer[-MAX_SCAN:]
    if not text.strip():
        return None
    boxed = _boxed(text)
    if boxed is not None:
        found = _key_of(boxed)
        if found:
            return Extracted(found[0], _clean(boxed), "boxed")
    phrases = list(_PHRASE.finditer(text))
    if phrases:
        rest = phrases[-1].group("rest")
        rest = re.split(r"(?<=[^\d])\.(?:\s|$)|\.\s", rest)[0]  # up to the end of the sentence
        found = _key_of(rest)
        if found:
            key, kind = found
            if kind == "text":  # "the answer is 8 apples because it is 3 + 5": the first number decides
                numbers = _numbers(rest)
                if numbers:
                    written, value = numbers[0]
                    return Extracted(f"number:{_number_key(value)}", written, "phrase")
            return Extracted(key, _clean(rest), "phrase")
    tail = text.strip().splitlines()[-1] if text.strip() else ""
    m = _CHOICE.search(tail)
    if m:
        letter = next(g for g in m.groups() if g)
        return Extracted(f"choice:{letter}", letter, "choice")
    m = _YESNO.match(text)
    if m:
        return Extracted(f"yesno:{m.group('w').lower()}", m.group("w").capitalize(), "yesno")
    found = _numbers(text)
    if found:
        written, value = found[-1]
        return Extracted(f"number:{_number_key(value)}", written, "number")
    return None


# -- the vote ------------------------------------------------------------------------------

def vote(answers: list[str], confidences: list[float | None] | None = None) -> Vote:
    """Majority vote over the paths' answers (ties: the most confident group, then the earliest)."""
    n = len(answers)
    confidences = list(confidences or [None] * n)
    paths = tuple(PathVote(i, extract_answer(a), confidences[i]) for i, a in enumerate(answers))
    groups: dict[str, list[int]] = {}
    for p in paths:
        if p.answer is not None:
            groups.setdefault(p.answer.key, []).append(p.path)
    if not groups:
        best = _most_confident(range(n), confidences)
        return Vote("none", best, "", 0, n, paths)

    def rank(key: str) -> tuple:
        members = groups[key]
        known = [confidences[i] for i in members if confidences[i] is not None]
        mean = sum(known) / len(known) if known else float("-inf")
        return (len(members), mean, -members[0])

    key = max(groups, key=rank)
    members = groups[key]
    winner = _most_confident(members, confidences)
    return Vote("extracted", winner, paths[winner].answer.text, len(members), n, paths)


def _most_confident(candidates, confidences: list[float | None]) -> int:
    candidates = list(candidates)
    if not candidates:
        return 0
    return max(candidates, key=lambda i: (confidences[i] if confidences[i] is not None else float("-inf"), -i))


def model_choice_prompt(question: str, answers: list[str], max_chars: int = 1500) -> str:
    """Universal self-consistency: ask the model which candidate agrees most with the others."""
    parts = [f"Question: {question.strip()[:max_chars]}", "",
             f"Here are {len(answers)} candidate responses:"]
    for i, a in enumerate(answers, 1):
        parts += ["", f"Response {i}:", a.strip()[-max_chars:] or "(empty)"]
    parts += ["", "Which response is the most consistent with the majority of the responses? "
                  "Reply with its number only."]
    return "\n".join(parts)


def parse_model_choice(reply: str, n: int) -> int | None:
    """The 0-based path a model's reply picks ("Response 3", "3"), or None."""
    for m in re.finditer(r"\d+", reply[:MAX_SCAN]):
        k = int(m.group(0))
        if 1 <= k <= n:
            return k - 1
    return None
