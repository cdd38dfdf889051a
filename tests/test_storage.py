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
