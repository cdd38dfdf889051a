"""Worked examples: liked answers chosen for a new question (similarity, diversity, fill-up), the
example library, "Keep all thoughts" per conversation, and migration 0006. Real SQLite files."""

from __future__ import annotations

import sqlite3

import pytest

from reasoner_desktop.domain.examples import LibraryExample, LikedExample, choose_examples
from reasoner_desktop.domain.messages import FewShotExample, MessageStatus, Role
from reasoner_desktop.storage import examples as storage_examples
from reasoner_desktop.storage import schema
from reasoner_desktop.storage.backups import list_backups
from reasoner_desktop.storage.database import create_sqlite_engine, head_revision
from reasoner_desktop.storage.errors import HistoryWriteError
from reasoner_desktop.storage.examples import question_terms, terms_query
from reasoner_desktop.storage.repository import HistoryRepository, open_history
from tests.history_files import make_history, messages_digest

UNRELATED = ["What is the capital of France?", "How long should I boil an egg?", "Tell me a joke about cats.",
             "Explain photosynthesis to a child.", "Who painted the Mona Lisa?"]


@pytest.fixture
def repo(data_dir):
    repo = open_history(data_dir / "history.db")
    yield repo
    repo.engine.dispose()


def answer(repo, question, text="The answer.", thought="A worked thought.", *, conversation=None, rating=1,
           status=MessageStatus.COMPLETE) -> tuple[int, int]:
    """One question and its answer (in a new conversation unless given one); returns (conversation, answer)."""
    if conversation is None:
        conversation, uid = repo.start_conversation(question)
    else:
        uid = repo.add_user_message(conversation, question)
    aid = repo.start_assistant_message(conversation, uid, "m.gguf")
    if status is not MessageStatus.STREAMING:
        repo.finish_message(aid, text, thought, status)
    else:
        repo.save_partial(aid, text, thought)
    if rating is not None:
        repo.set_rating(aid, rating)
    return conversation, aid


def ids(chosen: list[LikedExample]) -> list[int]:
    return [e.message_id for e in chosen]


# -- choosing liked answers ------------------------------------------------------------------

def test_the_most_similar_questions_come_first_not_the_newest(repo):
    _, sort_list = answer(repo, "How do I sort a list in Python?", "Use sorted().", "sorted returns a new list.")
    _, reverse = answer(repo, "How do I reverse a string in Python?")
    _, sort_dict = answer(repo, "Best way to sort a dictionary by value in Python")
    for q in UNRELATED:  # newer than all three
        answer(repo, q)

    chosen = repo.liked_examples("sort a python list with numbers", k=3)
    assert ids(chosen) == [sort_list, sort_dict, reverse]
    assert chosen[0].score > chosen[1].score > chosen[2].score > 0
    best = chosen[0]
    assert (best.question, best.thought, best.answer) == ("How do I sort a list in Python?",
                                                          "sorted returns a new list.", "Use sorted().")
    assert best.as_few_shot() == FewShotExample("How do I sort a list in Python?", "sorted returns a new list.",
                                                "Use sorted().")


def test_never_two_examples_from_one_conversation_only_the_better_one(repo):
    conv, exact = answer(repo, "How do I sort a list in Python?")
    _, loose = answer(repo, "And in Python, sort it how?", conversation=conv)  # newer, less alike
    _, other = answer(repo, "What is the capital of France?")
    chosen = repo.liked_examples("How do I sort a list in Python?", k=3)
    assert ids(chosen) == [exact, other]
    assert loose not in ids(chosen)


def test_at_most_k_examples(repo):
    for q in UNRELATED:
        answer(repo, q)
    assert len(repo.liked_examples("capital of France")) == 3  # the default
    assert len(repo.liked_examples("capital of France", k=2)) == 2
    assert len(repo.liked_examples("capital of France", k=10)) == len(UNRELATED)
    assert repo.liked_examples("capital of France", k=0) == []


def test_too_few_alike_fills_up_with_the_newest_liked_answers(repo):
    _, paris = answer(repo, "What is the capital of France?")
    _, old = answer(repo, "Explain photosynthesis to a child.")
    _, middle = answer(repo, "Who painted Mona Lisa?")
    _, newest = answer(repo, "Tell me a joke about cats.")
    chosen = repo.liked_examples("Which city is the capital of France?", k=3)
    assert ids(chosen) == [paris, newest, middle]
    assert chosen[0].score > 0 and [e.score for e in chosen[1:]] == [0.0, 0.0]
    # A question like none of them still gets examples: the newest.
    assert ids(repo.liked_examples("quantum chromodynamics", k=2)) == [newest, middle]
    assert old not in ids(chosen)


def test_no_liked_answers_no_examples(repo):
    assert repo.liked_examples("anything at all") == []
    answer(repo, "What is the capital of France?", rating=None)
    answer(repo, "What is the capital of France, again?", rating=-1)
    assert repo.liked_examples("What is the capital of France?") == []


@pytest.mark.parametrize("kind", ["unrated", "disliked", "no thought", "blank thought", "no answer", "stopped",
                                  "error", "interrupted", "streaming"])
def test_only_complete_liked_answers_with_a_thought_are_examples(repo, kind):
    q = "What is the capital of France?"
    _, good = answer(repo, "Who painted the Mona Lisa?")
    bad = {
        "unrated": dict(rating=None), "disliked": dict(rating=-1), "no thought": dict(thought=""),
        "blank thought": dict(thought="  \n\t "), "no answer": dict(text=" \n"),
        "stopped": dict(status=MessageStatus.STOPPED), "error": dict(status=MessageStatus.ERROR),
        "interrupted": dict(status=MessageStatus.INTERRUPTED), "streaming": dict(status=MessageStatus.STREAMING),
    }[kind]
    _, rejected = answer(repo, q, **bad)  # the very question asked, and the newest
    assert ids(repo.liked_examples(q, k=5)) == [good]
    assert repo.get_message(rejected) is not None


def test_a_chinese_question_finds_a_similar_chinese_question(repo):
    _, similar = answer(repo, "怎样反转一个字符串", "用切片 s[::-1]。", "切片的步长为负一时顺序反过来。")
    _, weather = answer(repo, "今天天气怎么样")
    _, egg = answer(repo, "如何煮鸡蛋")  # the newest, and shares 如何 with the question
    chosen = repo.liked_examples("如何反转字符串", k=3)
    assert ids(chosen) == [similar, egg, weather]
    assert chosen[0].score > chosen[1].score > 0 and chosen[2].score == 0.0
    # Mixed scripts: the Latin word and the Chinese bigrams both count.
    _, python = answer(repo, "Python 列表排序")
    assert ids(repo.liked_examples("怎么给Python列表排序", k=1)) == [python]


def test_question_terms_split_cjk_runs_into_bigrams():
    assert question_terms("如何反转字符串") == ["如何", "何反", "反转", "转字", "字符", "符串"]
    assert question_terms("Python如何 sort_by 我") == ["python", "如何", "sort_by", "我"]
    assert question_terms("カタカナ") == ["カタ", "タカ", "カナ"]
    assert question_terms('"*NEAR( - _ ^') == ["near"]


@pytest.mark.parametrize("odd", ['"', "*", "NEAR(", "-", "a - b", "sort* NEAR(list", 'sort" OR "x', "AND OR NOT",
                                 "^", "col:umn", "(", "_", "", "   ", "\x00", "'; DROP TABLE messages; --"])
def test_fts_syntax_in_the_question_is_only_text(repo, odd):
    _, sort_list = answer(repo, "How do I sort a list?")
    _, paris = answer(repo, "What is the capital of France?")
    chosen = repo.liked_examples(odd, k=2)
    assert sorted(ids(chosen)) == sorted([sort_list, paris])
    if "sort" in odd:
        assert ids(chosen)[0] == sort_list  # its words still count
    assert len(repo.list_conversations()) == 2


def test_the_conversation_being_answered_is_left_out(repo):
    current, own = answer(repo, "How do I sort a list in Python?")
    _, other = answer(repo, "How do I sort a tuple in Python?")
    _, paris = answer(repo, "What is the capital of France?")
    assert ids(repo.liked_examples("sort a list in Python", k=3)) == [own, other, paris]
    assert ids(repo.liked_examples("sort a list in Python", k=3, exclude_conversation_id=current)) == [other, paris]


def test_the_query_and_the_candidates_read_are_bounded(repo, monkeypatch):
    long_question = " ".join(f"word{i}" for i in range(200))
    query = terms_query(long_question)
    assert query.count(" OR ") == storage_examples.MAX_QUERY_TERMS - 1 and '"word31"' in query
    assert '"word32"' not in query

    _, oldest_alike = answer(repo, "How do I sort a list in Python?")
    newer = [answer(repo, q)[1] for q in UNRELATED[:3]]
    assert ids(repo.liked_examples("sort a list in python", k=1)) == [oldest_alike]
    monkeypatch.setattr(storage_examples, "MAX_CANDIDATES", 3)  # only the 3 newest liked answers are read
    assert ids(repo.liked_examples("sort a list in python", k=1)) == [newer[-1]]


def test_examples_are_chosen_in_a_read_only_history(repo, data_dir):
    _, paris = answer(repo, "What is the capital of France?")
    ro = HistoryRepository(create_sqlite_engine(data_dir / "history.db", read_only=True), read_only=True)
    try:
        assert ids(ro.liked_examples("capital of France")) == [paris]
        assert ids(ro.liked_examples("capital of France")) == [paris]  # the temporary index is made again
        with pytest.raises(HistoryWriteError):
            ro.add_example("q", "t", "a")
    finally:
        ro.engine.dispose()


def test_choose_examples_diversity_k_and_fill_order():
    def c(mid, cid, score=0.0):
        return LikedExample(mid, cid, f"q{mid}", f"t{mid}", f"a{mid}", score)

    ranked = [c(1, 10, 3.0), c(2, 10, 2.0), c(3, 20, 1.0)]
    newest = [c(4, 30), c(3, 20), c(5, 30), c(6, 40), c(1, 10)]
    assert [e.message_id for e in choose_examples(ranked, newest, 3)] == [1, 3, 4]
    assert [e.message_id for e in choose_examples(ranked, newest, 10)] == [1, 3, 4, 6]
    assert [e.message_id for e in choose_examples([], newest, 2)] == [4, 3]
    assert choose_examples(ranked, newest, 0) == [] and choose_examples([], [], 3) == []


# -- "Keep all thoughts" ---------------------------------------------------------------------

def test_keep_all_thoughts_sets_every_answer_and_the_next_ones(repo):
    conv, a1 = answer(repo, "q1", "a1", "t1", rating=None)
    _, a2 = answer(repo, "q2", "a2", "t2", conversation=conv, rating=None)
    other, b1 = answer(repo, "q3", "b1", "tb", rating=None)
    assert repo.get_conversation(conv).keep_thoughts is False

    repo.set_conversation_keep_thoughts(conv, True)
    record = repo.get_conversation(conv)
    assert record.keep_thoughts is True
    assert [(m.role, m.keep_thinking) for m in record.messages] == [
        (Role.USER, False), (Role.ASSISTANT, True), (Role.USER, False), (Role.ASSISTANT, True)]
    _, a3 = answer(repo, "q4", "a3", "t3", conversation=conv, rating=None)
    assert repo.get_message(a3).keep_thinking is True  # a new answer starts with its thought kept
    assert [(m.content, m.thinking, m.keep_thinking) for m in repo.prompt_history(conv) if m.role is Role.ASSISTANT] \
        == [("a1", "t1", True), ("a2", "t2", True), ("a3", "t3", True)]
    assert repo.get_message(b1).keep_thinking is False and repo.get_conversation(other).keep_thoughts is False

    repo.set_conversation_keep_thoughts(conv, False)
    assert repo.get_conversation(conv).keep_thoughts is False
    assert [repo.get_message(a).keep_thinking for a in (a1, a2, a3)] == [False, False, False]
    _, a4 = answer(repo, "q5", "a4", "t4", conversation=conv, rating=None)
    assert repo.get_message(a4).keep_thinking is False
    repo.set_keep_thinking(a2, True)  # one answer's own switch still works
    assert [m.keep_thinking for m in repo.prompt_history(conv) if m.role is Role.ASSISTANT] == [
        False, True, False, False]
    with pytest.raises(KeyError):
        repo.set_conversation_keep_thoughts(9999, True)


def test_keep_all_thoughts_is_one_transaction(repo):
    conv, a1 = answer(repo, "q1", rating=None)
    with pytest.raises(RuntimeError), repo.one_transaction():
        repo.set_conversation_keep_thoughts(conv, True)
        assert repo.get_message(a1).keep_thinking is True  # seen inside the transaction
        raise RuntimeError("the block fails")
    assert repo.get_conversation(conv).keep_thoughts is False and repo.get_message(a1).keep_thinking is False


# -- the example library ---------------------------------------------------------------------

def test_the_example_library_add_list_update_delete(repo):
    conv, aid = answer(repo, "2 + 2?", "4", "Two and two make four.")
    first = repo.add_example("  2 + 2?\n", "Two and two make four.", " 4 ", source_message_id=aid)
    second = repo.add_example("Capital of France?", "", "Paris")
    assert repo.list_examples() == [LibraryExample(first, "2 + 2?", "Two and two make four.", "4", aid),
                                    LibraryExample(second, "Capital of France?", "", "Paris", None)]
    repo.update_example(second, "Capital of Italy?", "Rome is the capital.", "Rome")
    assert repo.list_examples()[1] == LibraryExample(second, "Capital of Italy?", "Rome is the capital.", "Rome")
    assert repo.list_examples()[1].as_few_shot() == FewShotExample("Capital of Italy?", "Rome is the capital.",
                                                                   "Rome")
    repo.delete_example(first)
    assert [e.id for e in repo.list_examples()] == [second]
    # An example made from an answer outlives it.
    third = repo.add_example("2 + 2?", "", "4", source_message_id=aid)
    repo.delete_conversation(conv)
    assert [(e.id, e.source_message_id) for e in repo.list_examples()] == [(second, None), (third, None)]


def test_the_example_library_refuses_unknown_ids_and_empty_texts(repo):
    eid = repo.add_example("q", "t", "a")
    for call in (lambda: repo.update_example(eid + 1, "q", "t", "a"), lambda: repo.delete_example(eid + 1),
                 lambda: repo.add_example("q", "t", "a", source_message_id=12345)):
        with pytest.raises(KeyError):
            call()
    for question, ans, word in (("", "a", "question"), ("  \n", "a", "question"), ("q", " ", "answer")):
        with pytest.raises(ValueError) as caught:
            repo.add_example(question, "t", ans)
        sentence = str(caught.value)
        assert f"its {word} is empty" in sentence and sentence.endswith(".") and ". " not in sentence
        with pytest.raises(ValueError):
            repo.update_example(eid, question, "t", ans)
    assert repo.list_examples() == [LibraryExample(eid, "q", "t", "a")]  # nothing written


# -- migration 0006 --------------------------------------------------------------------------

def test_a_0005_history_with_data_upgrades_to_head_keeping_everything(data_dir):
    db = data_dir / "history.db"
    data_dir.mkdir(parents=True)
    make_history(db, "0005", conversations=6, per_conversation=4)
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE messages SET rating = 1 WHERE id IN (2, 6)")
        con.execute("UPDATE messages SET rating = -1, keep_thinking = 1 WHERE id = 10")
        con.execute("INSERT INTO votes (conversation_id, question_id, method, answer, agree, of, paths_json) "
                    "VALUES (1, 1, 'extracted', '42', 2, 3, '[]')")
    con.close()
    digest = messages_digest(db)

    repo = open_history(db)
    try:
        with schema.read_only_connection(db) as ro:
            assert schema.read_revision(ro) == head_revision()
            assert schema.schema_matches_revision(ro, head_revision())
            assert ro.execute("SELECT count(*) FROM examples").fetchone() == (0,)
            assert ro.execute("SELECT DISTINCT keep_thoughts FROM conversations").fetchall() == [(0,)]
            assert ro.execute("SELECT id, rating, keep_thinking FROM messages WHERE rating IS NOT NULL "
                              "ORDER BY id").fetchall() == [(2, 1, 0), (6, 1, 0), (10, -1, 1)]
        assert messages_digest(db) == digest
        assert [b.label for b in list_backups(db)] == ["0005"]
        assert repo.get_conversation(1).votes[1]["answer"] == "42"
        assert repo.get_conversation(1).keep_thoughts is False
        assert sorted(ids(repo.liked_examples("token1", k=5))) == [2, 6]
        assert ids(repo.liked_examples("token5", k=1)) == [6]  # message 5 asked it: found by its words
        eid = repo.add_example("q", "", "a", source_message_id=2)
        repo.set_conversation_keep_thoughts(1, True)
        assert repo.list_examples()[0].id == eid and repo.get_message(2).keep_thinking is True
    finally:
        repo.engine.dispose()


@pytest.mark.parametrize("budget", ["cut", "answered_now"])
def test_a_thought_closed_for_the_model_teaches_nothing(repo, budget):
    """A thought cut by a budget or by Answer now ends with our sentence, not the model's reasoning."""
    from reasoner_desktop.domain.events import GenerationStats

    q = "What is the capital of France?"
    _, good = answer(repo, "Who painted the Mona Lisa?")
    cid, uid = repo.start_conversation(q)
    closed = repo.start_assistant_message(cid, uid, "m.gguf")
    repo.finish_message(closed, "Paris.", "Let's think. Time is up; answering now.", MessageStatus.COMPLETE,
                        GenerationStats(budget=budget))
    repo.set_rating(closed, 1)
    assert ids(repo.liked_examples(q, k=5)) == [good]
    extended = repo.start_assistant_message(cid, uid, "m.gguf")
    repo.finish_message(extended, "Paris.", "Let's think.\nWait, France.", MessageStatus.COMPLETE,
                        GenerationStats(budget="extended"))
    repo.set_rating(extended, 1)
    assert ids(repo.liked_examples(q, k=5)) == [extended, good]


def test_a_very_long_liked_answer_is_no_example(repo):
    q = "What is the capital of France?"
    _, good = answer(repo, "Who painted the Mona Lisa?")
    answer(repo, q, thought="step " * 2000)  # 10,000 characters of thought
    assert ids(repo.liked_examples(q, k=5)) == [good]


def test_examples_from_answers_in_the_order_given(repo):
    _, a = answer(repo, "First?", "One.", "Thought one.")
    _, b = answer(repo, "Second?", "Two.", "Thought two.")
    got = repo.examples_from_answers([b, 99999, a])
    assert [(e.message_id, e.question, e.thought, e.answer) for e in got] == [
        (b, "Second?", "Thought two.", "Two."), (a, "First?", "Thought one.", "One.")]


def test_json_export_keeps_the_chats_choice_and_drops_foreign_ids(repo):
    """Keep all thoughts travels with the conversation; the row ids an answer names (its examples, the answer
    it went on from) mean other messages in another history, so they are not imported."""
    from reasoner_desktop.domain.events import GenerationStats
    from reasoner_desktop.export.json_format import from_document, to_document
    from reasoner_desktop.export.options import ThinkingExport

    cid, uid = repo.start_conversation("Q?")
    aid = repo.start_assistant_message(cid, uid, "m.gguf")
    repo.finish_message(aid, "A.", "T.", MessageStatus.COMPLETE,
                        GenerationStats(examples_used=[7, 8], continued_from=5, thinking_tokens=9, budget="none"))
    repo.set_conversation_keep_thoughts(cid, True)
    doc = to_document([repo.get_conversation(cid)], ThinkingExport.INCLUDE)
    assert doc["conversations"][0]["keep_thoughts"] is True
    (back,) = from_document(doc)
    assert back.keep_thoughts is True
    stats = back.messages[1].stats
    assert stats["examples_used"] == [] and stats["continued_from"] is None and stats["thinking_tokens"] == 9
