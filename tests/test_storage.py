"""History DB: migrations, repository, crash recovery. Real SQLite files."""

import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import text

from reasoner_desktop.domain.events import GenerationStats
from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.storage.database import DatabaseTooNew, head_revision, open_database
from reasoner_desktop.storage.repository import HistoryRepository, open_history, title_from, writer_token


def test_empty_db_migrates_to_head_in_wal_mode(tmp_path):
    engine = open_database(tmp_path / "h.db")
    with engine.connect() as c:
        assert c.execute(text("select version_num from alembic_version")).scalar() == head_revision()
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_newer_db_is_refused_and_left_unchanged(tmp_path):
    db = tmp_path / "h.db"
    open_database(db).dispose()
    con = sqlite3.connect(db)
    con.execute("update alembic_version set version_num='9999_from_the_future'")
    con.commit()
    con.close()
    before = db.read_bytes()
    with pytest.raises(DatabaseTooNew, match="newer version"):
        open_database(db)
    assert db.read_bytes() == before


def test_exchange_is_stored_with_thinking_and_status(tmp_path):
    repo = open_history(tmp_path / "h.db")
    cid = repo.create_conversation()
    uid = repo.add_user_message(cid, "  How many\napples?  ")
    aid = repo.start_assistant_message(cid, uid, "m.gguf")
    assert repo.get_message(aid).status is MessageStatus.STREAMING
    repo.save_partial(aid, "Eig", "Three plus")
    stats = GenerationStats(model="m.gguf", thinking_tokens=5, answer_tokens=2, thinking_seconds=1.5)
    repo.finish_message(aid, "Eight.", "Three plus five.", MessageStatus.COMPLETE, stats)
    conv = repo.get_conversation(cid)
    assert conv.title == "How many apples?"  # from the user's words, not the thought
    user, answer = conv.messages
    assert (user.role, answer.role, answer.parent_id) == (Role.USER, Role.ASSISTANT, uid)
    assert (answer.content, answer.thinking, answer.status) == ("Eight.", "Three plus five.", MessageStatus.COMPLETE)
    assert (answer.thinking_seconds, answer.thinking_tokens, answer.answer_tokens, answer.model) == (1.5, 5, 2, "m.gguf")
    # Old thoughts stay out of the prompt history.
    assert [m.thinking for m in repo.prompt_history(cid)] == ["", "Three plus five."]


def test_title_is_shortened():
    assert title_from("x" * 100).endswith("…") and len(title_from("x" * 100)) == 60
    assert title_from("   ") == "New chat"


def test_rows_of_a_dead_writer_become_interrupted_and_keep_text(tmp_path):
    db = tmp_path / "h.db"
    repo = open_history(db)
    cid = repo.create_conversation()
    uid = repo.add_user_message(cid, "q")
    live = repo.start_assistant_message(cid, uid, "m")
    dead = repo.start_assistant_message(cid, uid, "m")
    repo.save_partial(dead, "half an ans", "half a thought")
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    with repo.engine.begin() as c:
        c.execute(text("update messages set writer=:w where id=:id"),
                  {"w": writer_token(int(proc.stdout)), "id": dead})
    assert HistoryRepository(repo.engine).recover_interrupted() == 1
    msg = repo.get_message(dead)
    assert (msg.status, msg.content, msg.thinking) == (MessageStatus.INTERRUPTED, "half an ans", "half a thought")
    assert repo.get_message(live).status is MessageStatus.STREAMING  # written by this live process


def test_deleting_a_conversation_cascades(tmp_path):
    repo = open_history(tmp_path / "h.db")
    cid = repo.create_conversation()
    repo.add_user_message(cid, "q")
    with repo.engine.begin() as c:
        c.execute(text("delete from conversations where id=:id"), {"id": cid})
        assert c.execute(text("select count(*) from messages")).scalar() == 0


# -- migrations --------------------------------------------------------------------------

def test_a_db_at_the_first_revision_with_data_migrates_to_head_intact(tmp_path):
    from alembic import command

    from reasoner_desktop.storage.database import _alembic_config, create_sqlite_engine

    db = tmp_path / "history.db"
    engine = create_sqlite_engine(db)
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO conversations (id, title, created_at, updated_at, pinned) "
                          "VALUES (1, 'Old chat', '2026-01-01 10:00:00', '2026-01-01 10:00:00', 0)"))
        conn.execute(text("INSERT INTO messages (id, conversation_id, parent_id, role, content, thinking, status, "
                          "created_at, updated_at) VALUES "
                          "(1, 1, NULL, 'user', 'What is a zebra?', '', 'complete', '2026-01-01 10:00:00', "
                          "'2026-01-01 10:00:00'), "
                          "(2, 1, 1, 'assistant', 'A striped horse.', 'Think of stripes.', 'complete', "
                          "'2026-01-01 10:00:01', '2026-01-01 10:00:01')"))
    engine.dispose()

    repo = open_history(db)
    with repo.engine.connect() as c:
        assert c.execute(text("select version_num from alembic_version")).scalar() == head_revision()
    conv = repo.get_conversation(1)
    assert conv.title == "Old chat" and conv.active_path == [1, 2]
    assert [(m.content, m.thinking) for m in conv.messages] == [("What is a zebra?", ""),
                                                                ("A striped horse.", "Think of stripes.")]
    # The backup taken before migrating holds the old data at the old revision.
    (backup,) = tmp_path.glob("history.db.bak-0001-*")
    old = sqlite3.connect(backup)
    assert old.execute("select version_num from alembic_version").fetchone() == ("0001",)
    assert old.execute("select count(*) from messages").fetchone() == (2,)
    # Data written before the search index existed is searchable.
    assert [h.message_id for h in repo.search("striped")] == [2]


def test_no_backup_for_a_new_db(tmp_path):
    open_history(tmp_path / "history.db")
    assert not list(tmp_path.glob("*.bak-*"))


# -- branches ----------------------------------------------------------------------------

def _exchange(repo, cid, question, answer, **kw):
    uid = repo.add_user_message(cid, question, **kw)
    aid = repo.start_assistant_message(cid, uid, "m")
    repo.finish_message(aid, answer, f"thinking about {question}", MessageStatus.COMPLETE)
    return uid, aid


def test_editing_a_question_makes_a_branch_and_switching_back_restores_it(tmp_path):
    repo = open_history(tmp_path / "h.db")
    cid = repo.create_conversation()
    u1, a1 = _exchange(repo, cid, "q1", "a1")
    u2, a2 = _exchange(repo, cid, "q2", "a2")
    u2b, a2b = _exchange(repo, cid, "q2 edited", "a2b", as_sibling_of=u2)
    assert repo.siblings(u2) == [u2, u2b] and repo.get_message(u2b).parent_id == a1
    conv = repo.get_conversation(cid)
    assert conv.active_path == [u1, a1, u2b, a2b] and len(conv.messages) == 6  # nothing erased
    assert [m.content for m in repo.prompt_history(cid)] == ["q1", "a1", "q2 edited", "a2b"]
    assert repo.switch_branch(u2) == a2
    assert repo.get_conversation(cid).active_path == [u1, a1, u2, a2]
    # A new question continues the active branch.
    u3, _ = _exchange(repo, cid, "q3", "a3")
    assert repo.get_message(u3).parent_id == a2


def test_regenerated_answers_are_siblings(tmp_path):
    repo = open_history(tmp_path / "h.db")
    cid = repo.create_conversation()
    u1, a1 = _exchange(repo, cid, "q1", "first answer")
    a1b = repo.start_assistant_message(cid, u1, "m")
    repo.finish_message(a1b, "second answer", "", MessageStatus.COMPLETE)
    assert repo.siblings(a1) == [a1, a1b]
    assert repo.get_conversation(cid).siblings(a1b) == [a1, a1b]
    assert repo.prompt_history(cid)[-1].content == "second answer"
    repo.switch_branch(a1)
    assert repo.prompt_history(cid)[-1].content == "first answer"


# -- management --------------------------------------------------------------------------

def test_rename_pin_delete_rate_keep(tmp_path):
    repo = open_history(tmp_path / "h.db")
    a = repo.create_conversation()
    b = repo.create_conversation()
    _, aid = _exchange(repo, a, "First question", "answer")
    repo.rename_conversation(a, "  My   chat ")
    assert repo.get_conversation(a).title == "My chat"
    repo.set_pinned(b, True)
    assert [c.id for c in repo.list_conversations()] == [b, a]
    repo.set_rating(aid, 1)
    repo.set_keep_thinking(aid, True)
    msg = repo.get_message(aid)
    assert msg.rating == 1 and msg.keep_thinking
    assert repo.prompt_history(a)[-1].keep_thinking
    with pytest.raises(ValueError):
        repo.set_rating(aid, 5)
    repo.delete_conversation(a)
    assert repo.get_conversation(a) is None and repo.get_message(aid) is None
    assert repo.search("answer") == []  # the index followed the cascade
    with pytest.raises(KeyError):
        repo.rename_conversation(a, "gone")


def test_title_never_comes_from_thinking(tmp_path):
    repo = open_history(tmp_path / "h.db")
    cid = repo.create_conversation()
    _exchange(repo, cid, "Plan a trip to Kyoto", "Sure")
    assert repo.get_conversation(cid).title == "Plan a trip to Kyoto"


# -- search ------------------------------------------------------------------------------

def test_search_finds_thought_words_only_when_asked(tmp_path):
    repo = open_history(tmp_path / "h.db")
    cid = repo.create_conversation()
    uid = repo.add_user_message(cid, "Tell me about volcanoes")
    aid = repo.start_assistant_message(cid, uid, "m")
    repo.finish_message(aid, "Volcanoes erupt when magma rises.", "The user wants geology; mention the caldera.",
                        MessageStatus.COMPLETE)
    assert repo.search("caldera") == []
    (hit,) = repo.search("caldera", include_thoughts=True)
    assert (hit.message_id, hit.field, hit.conversation_id) == (aid, "thinking", cid)
    assert "[caldera]" in hit.snippet
    (hit,) = repo.search("magma")
    assert hit.field == "content" and "[magma]" in hit.snippet
    assert {h.message_id for h in repo.search("volc")} == {aid, uid}  # the last word matches as a prefix


def test_search_follows_streaming_updates_and_odd_queries(tmp_path):
    repo = open_history(tmp_path / "h.db")
    cid = repo.create_conversation()
    uid = repo.add_user_message(cid, "q")
    aid = repo.start_assistant_message(cid, uid, "m")
    repo.save_partial(aid, "partial words", "")
    assert [h.message_id for h in repo.search("partial")] == [aid]
    repo.save_partial(aid, "final words", "")
    assert repo.search("partial") == [] and [h.message_id for h in repo.search("final")] == [aid]
    for odd in ['"', "AND OR NOT", "col:umn", "*", "(", "NEAR(a b)", ""]:
        repo.search(odd)  # never an FTS syntax error
    assert [h.message_id for h in repo.search("Final WORDS")] == [aid]


# -- corrupt files -----------------------------------------------------------------------

def test_a_garbage_db_is_moved_aside_and_a_fresh_one_started(tmp_path):
    db = tmp_path / "history.db"
    db.write_bytes(b"this is not sqlite at all" * 100)
    repo = open_history(db)
    (moved,) = tmp_path.glob("history.db.corrupt-*")
    assert moved.read_bytes() == b"this is not sqlite at all" * 100
    assert len(repo.startup_notices) == 1 and moved.name in repo.startup_notices[0]
    cid = repo.create_conversation()
    assert repo.get_conversation(cid) is not None


def test_a_db_with_damaged_pages_is_moved_aside(tmp_path):
    db = tmp_path / "history.db"
    repo = open_history(db)
    cid = repo.create_conversation()
    for i in range(300):
        _exchange(repo, cid, f"question {i} " + "x" * 200, "answer " + "y" * 200)
    repo.engine.dispose()
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    raw = bytearray(db.read_bytes())
    raw[4096:len(raw) - 4096] = b"\xff" * (len(raw) - 8192)  # wipe every page but the first and last
    db.write_bytes(bytes(raw))
    repo2 = open_history(db)
    assert list(tmp_path.glob("history.db.corrupt-*")) and repo2.startup_notices
