"""Worked examples from the history: liked answers chosen by how similar their questions are to a
new one (Auto-CoT from the user's own history), and the user's example library.

How similarity works, and why this way
--------------------------------------
Questions are compared with SQLite FTS5's BM25 over *terms*: a word of a spaced script (lower-
cased), or, inside a run of Han, kana or other unspaced CJK characters, every two neighbouring
characters (a bigram; a lone character stands for itself), as Lucene's CJK analyzer does. Chinese
writes no spaces and most of its words are two characters long, so "如何反转字符串" and
"怎样反转一个字符串" share 反转, 字符 and 符串.

SQLite's own tokenizers cannot do this. unicode61 (messages_fts, migration 0003) makes a whole run
of Han ONE token, so those two questions share nothing. trigram (SQLite >= 3.34, which Python's
own Windows and macOS builds have, but not every Linux Python) needs three shared characters in a
row: it misses two-character words, above all when they are reordered ("如何排序列表" and
"怎么给列表排序" share no trigram but 排序 and 列表), and a query term shorter than three
characters matches nothing. So the terms are made in Python, and SQLite's triggers (which cannot
call Python) could not keep a stored index of them in step with the messages; one kept by hand
would miss every row written another way (an import, an older build, another tool) and need
filling for old histories.

So the index is built per call, in a TEMP FTS5 table of this connection, over the questions of the
newest liked answers only (at most MAX_CANDIDATES; a user likes few): always in step with the
history, in any SQLite with FTS5, and possible in a history opened read-only (the temp schema is
the connection's own). BM25's word weights then come from those questions: a word most of them
share counts for next to nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import Session, aliased

from reasoner_desktop.domain.examples import LibraryExample, LikedExample, choose_examples
from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.storage.models import Example, Message, utcnow

MAX_QUERY_TERMS = 32  # of the new question: a pasted page costs no more than a long question
MAX_CANDIDATES = 500  # the newest liked answers compared with the new question
MAX_EXAMPLE_CHARS = 8000  # a liked answer's thought and answer together; longer ones would crowd the prompt
QUESTION_CHARS = 2000  # of each liked answer's question, indexed
_TABLE = "liked_questions"

# Unspaced scripts: kana, CJK ideographs (with extensions A to H), compatibility ideographs.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"[{_CJK}]+|[^\W{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def question_terms(question: str) -> list[str]:
    """The terms questions are compared by: words, and bigrams of CJK runs (see the module's doc)."""
    terms: list[str] = []
    for run in _RUN.findall(question):
        if _IS_CJK.match(run):
            terms.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
        elif any(ch.isalnum() for ch in run):  # not a lone "_", which no tokenizer keeps
            terms.append(run.lower())
    return terms


def terms_query(question: str) -> str | None:
    """The new question as an FTS5 query: any of its first MAX_QUERY_TERMS distinct terms.

    Each term is quoted (and holds only letters, digits and "_"), so FTS syntax in the user's
    text ("", *, NEAR(, -, AND) is never syntax."""
    terms = list(dict.fromkeys(question_terms(question)))[:MAX_QUERY_TERMS]
    return " OR ".join(f'"{t}"' for t in terms) or None


@dataclass(frozen=True, slots=True)
class _Candidate:
    message_id: int
    conversation_id: int
    score: float = 0.0


def _filled(column):
    return func.length(func.trim(column, " \t\r\n")) > 0


def liked_examples(s: Session, question: str, k: int, exclude_conversation_id: int | None) -> list[LikedExample]:
    """Up to `k` liked answers as examples for `question`: see HistoryRepository.liked_examples."""
    if k <= 0:
        return []
    asked = aliased(Message)
    rows = s.execute(
        select(Message.id, Message.conversation_id, func.substr(asked.content, 1, QUESTION_CHARS))
        .join(asked, asked.id == Message.parent_id)
        .where(Message.rating == 1, Message.role == Role.ASSISTANT.value,
               Message.status == MessageStatus.COMPLETE.value, _filled(Message.thinking), _filled(Message.content),
               # A thought closed for the model (a budget cut, Answer now) ends with our sentence, not its reasoning;
               # a very long one would crowd the prompt.
               or_(Message.budget.is_(None), Message.budget.notin_(("cut", "answered_now"))),
               func.length(Message.thinking) + func.length(Message.content) <= MAX_EXAMPLE_CHARS,
               asked.role == Role.USER.value, _filled(asked.content),
               *([Message.conversation_id != exclude_conversation_id] if exclude_conversation_id is not None else []))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(MAX_CANDIDATES)
    ).all()
    newest = [_Candidate(mid, cid) for mid, cid, _ in rows]
    scores = _similarity(s, {mid: q for mid, _, q in rows}, terms_query(question))
    position = {c.message_id: i for i, c in enumerate(newest)}
    ranked = sorted((_Candidate(c.message_id, c.conversation_id, scores[c.message_id])
                     for c in newest if c.message_id in scores),
                    key=lambda c: (-c.score, position[c.message_id]))
    chosen = choose_examples(ranked, newest, k)
    return _with_texts(s, chosen, scores)


def _similarity(s: Session, questions: dict[int, str], query: str | None) -> dict[int, float]:
    """Message id -> BM25 similarity (higher is closer) of the questions that share a term with
    the query, from a TEMP FTS5 index made for this call and dropped after it."""
    if query is None or not questions:
        return {}
    s.execute(text(f"DROP TABLE IF EXISTS temp.{_TABLE}"))
    s.execute(text(f"CREATE VIRTUAL TABLE temp.{_TABLE} USING fts5(terms, tokenize='unicode61 remove_diacritics 2')"))
    try:
        s.execute(text(f"INSERT INTO temp.{_TABLE}(rowid, terms) VALUES (:id, :terms)"),
                  [{"id": mid, "terms": " ".join(question_terms(q))} for mid, q in questions.items()])
        rows = s.execute(text(f"SELECT rowid, bm25({_TABLE}) FROM temp.{_TABLE} WHERE {_TABLE} MATCH :q"),
                         {"q": query}).all()
    finally:
        s.execute(text(f"DROP TABLE IF EXISTS temp.{_TABLE}"))
    return {mid: -float(score) for mid, score in rows}  # FTS5's bm25() is lower for closer


def examples_from_answers(s: Session, message_ids) -> list[LikedExample]:
    """Answers given by id as examples (in that order; gone ones left out), e.g. the ones an earlier answer
    was shown, for Think longer on it."""
    rows = s.execute(select(Message.id, Message.conversation_id).where(Message.id.in_(list(message_ids)))).all()
    found = {mid: cid for mid, cid in rows}
    return _with_texts(s, [_Candidate(mid, found[mid]) for mid in message_ids if mid in found], {})


def _with_texts(s: Session, chosen: list[_Candidate], scores: dict[int, float]) -> list[LikedExample]:
    """The chosen answers with their whole question, thought and answer (read for these few only)."""
    if not chosen:
        return []
    asked = aliased(Message)
    texts = {mid: row for mid, *row in s.execute(
        select(Message.id, asked.content, Message.thinking, Message.content)
        .join(asked, asked.id == Message.parent_id)
        .where(Message.id.in_([c.message_id for c in chosen])))}
    return [LikedExample(c.message_id, c.conversation_id, *texts[c.message_id], score=scores.get(c.message_id, 0.0))
            for c in chosen if c.message_id in texts]


# -- the example library -------------------------------------------------------------------

def _library_example(e: Example) -> LibraryExample:
    return LibraryExample(e.id, e.question, e.thought, e.answer, e.source_message_id)


def checked_texts(question: str, thought: str, answer: str) -> tuple[str, str, str]:
    """The texts trimmed; an example without a question or an answer teaches nothing."""
    question, thought, answer = (question or "").strip(), (thought or "").strip(), (answer or "").strip()
    for name, value in (("question", question), ("answer", answer)):
        if not value:
            raise ValueError(f"An example needs a question and an answer, and its {name} is empty.")
    return question, thought, answer


def list_library(s: Session) -> list[LibraryExample]:
    return [_library_example(e) for e in s.scalars(select(Example).order_by(Example.id))]


def add_to_library(s: Session, question: str, thought: str, answer: str, source_message_id: int | None) -> int:
    question, thought, answer = checked_texts(question, thought, answer)
    if source_message_id is not None and s.get(Message, source_message_id) is None:
        raise KeyError(source_message_id)
    example = Example(question=question, thought=thought, answer=answer, source_message_id=source_message_id)
    s.add(example)
    s.flush()
    return example.id


def update_in_library(s: Session, example_id: int, question: str, thought: str, answer: str) -> None:
    question, thought, answer = checked_texts(question, thought, answer)
    changed = s.execute(update(Example).where(Example.id == example_id)
                        .values(question=question, thought=thought, answer=answer, updated_at=utcnow()))
    if changed.rowcount == 0:
        raise KeyError(example_id)


def delete_from_library(s: Session, example_id: int) -> None:
    if s.execute(delete(Example).where(Example.id == example_id)).rowcount == 0:
        raise KeyError(example_id)
