"""The history cannot be written after it opened: locked by another program, a full disk, a
history this user cannot write. Each: one sentence, exit 2, a sound file, nothing half-written,
no SQL or message text in the output. Real processes, a real small file system, a real other user."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from reasoner_desktop.export.options import ExportFormat, ThinkingExport
from reasoner_desktop.services.exporting import export_conversations
from reasoner_desktop.storage.database import BUSY_TIMEOUT_ENV
from reasoner_desktop.storage.repository import open_history
from reasoner_desktop.storage.schema import head_revision, read_only_connection
from tests.conftest import PYTHON, cli_env
from tests.history_files import make_history

HEAD = head_revision()  # a history of this version: nothing to upgrade

MARKER = "MARKER-TEXT-THAT-MUST-NOT-LEAK"
QUESTION = "What is two plus two?"
NOBODY = 65534


def _export_file(tmp: Path, *, conversations: int, size: int) -> Path:
    """A Reasoner Desktop JSON export whose messages carry MARKER (about `size` bytes of text)."""
    repo = open_history(tmp / "source.db")
    per = max(1, size // conversations)
    for c in range(conversations):
        cid, uid = repo.start_conversation(f"{MARKER} question {c}")
        aid = repo.start_assistant_message(cid, uid, "m")
        repo.finish_message(aid, f"{MARKER} " + "answer words " * (per // 13), "", repo.get_message(uid).status)
    out = tmp / "export.json"
    export_conversations(repo, None, ExportFormat.JSON, ThinkingExport.INCLUDE, out)
    repo.engine.dispose()
    return out


def _state(db: Path) -> tuple:
    """integrity_check, conversations (id, title), and every message (read without leaving a
    WAL index behind, which would take room on a full disk)."""
    with read_only_connection(db) as con:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        convs = con.execute("SELECT id, title FROM conversations ORDER BY id").fetchall()
        rows = con.execute("SELECT id, conversation_id, parent_id, role, content, thinking FROM messages "
                           "ORDER BY id").fetchall()
    return integrity, convs, hashlib.sha256(repr(rows).encode()).hexdigest()


def _one_sentence(out: subprocess.CompletedProcess, *starts: str) -> str:
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr[-2000:]
    line = lines[0]
    assert line.startswith(tuple(f"reasoner-desktop: {s}" for s in starts)), line
    text = out.stdout + out.stderr
    assert MARKER not in text and QUESTION not in text and "SQL" not in text and "INSERT" not in text
    return line


def _cli(data: Path, *args: str, env: dict | None = None, user: int | None = None,
         timeout: int = 180) -> subprocess.CompletedProcess:
    cmd = [PYTHON, "-m", "reasoner_desktop", *args]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, env={**cli_env(data), **(env or {})},
                          timeout=timeout)


def _ask(data: Path, **kw) -> subprocess.CompletedProcess:
    return _cli(data, "ask", QUESTION, "--max-tokens", "16", "--seed", "1", **kw)


# -- locked by another program ------------------------------------------------------------------

@pytest.mark.model
def test_import_and_ask_while_another_program_holds_the_history_locked(data_dir, tmp_path):
    data_dir.mkdir(parents=True)
    db = data_dir / "history.db"
    make_history(db, HEAD, conversations=6, per_conversation=4)
    export = _export_file(tmp_path, conversations=3, size=3000)
    before = _state(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        short_wait = {BUSY_TIMEOUT_ENV: "200"}
        for out in (_cli(data_dir, "import", str(export), env=short_wait), _ask(data_dir, env=short_wait)):
            line = _one_sentence(out, "The history is locked by another program")
            assert line.count(". ") == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _state(db) == before and before[0] == "ok"
    # Once the other program is done, the same import goes through.
    out = _cli(data_dir, "import", str(export))
    assert out.returncode == 0, out.stderr
    assert len(_state(db)[1]) == len(before[1]) + 3


# -- a full disk --------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs (needs root, as CI has); skipped only where mounting one is impossible."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(mnt)],
                         capture_output=True, text=True)
    if out.returncode:
        pytest.skip(f"a small tmpfs cannot be mounted here (mount: {out.stderr.strip() or out.returncode}); "
                    "CI runs as root, where it can")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=False)
    if os.path.ismount(mnt):
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    """Leave `leave` bytes free on `disk`."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with open(filler, "wb") as fh:
        fh.write(b"\0" * (free - leave))
    assert abs(shutil.disk_usage(disk).free - leave) <= 4096
    return filler


def test_import_on_a_full_disk_writes_nothing_and_leaks_no_text(small_disk, tmp_path):
    data = small_disk / "data"
    db = data / "history.db"
    data.mkdir()
    make_history(db, HEAD, conversations=12, per_conversation=4)
    export = _export_file(tmp_path, conversations=20, size=400_000)
    before = _state(db)
    filler = _fill(small_disk, 100 * 1024)
    out = _cli(data, "import", str(export))
    _one_sentence(out, f"The disk holding {data} is full")
    assert _state(db) == before and before[0] == "ok"
    # Nothing half-written stands in the way: with room again, the same import goes through.
    filler.unlink()
    out = _cli(data, "import", str(export))
    assert out.returncode == 0, out.stderr
    assert len(_state(db)[1]) == len(before[1]) + 20


@pytest.mark.model
@pytest.mark.parametrize("free_kb", [16, 40, 64, 84])
def test_ask_on_a_full_disk_leaves_no_empty_chat(small_disk, free_kb):
    """Too little room to start a turn: the old code saved an empty "New chat" at 64 and 84 KB
    (and at 100 KB a question without its answer). The conversation, the question and the
    answer's row are one transaction now: all of them, or nothing. (16 KB: not even the WAL
    index fits, and the history cannot be opened.)"""
    data = small_disk / "data"
    db = data / "history.db"
    data.mkdir()
    make_history(db, HEAD, conversations=12, per_conversation=4)
    before = _state(db)
    filler = _fill(small_disk, free_kb * 1024)
    _one_sentence(_ask(data), f"The disk holding {data} is full")
    filler.unlink()  # room to read it back (a reader needs a WAL index too)
    assert _state(db) == before and before[0] == "ok"


# -- a history this user cannot write ----------------------------------------------------------

@pytest.fixture
def read_only_history():
    """(data folder, history, other folder, user): a history this user can read but not write.
    As root: the files belong to root and the commands run as `nobody`; else: chmod."""
    base = Path(tempfile.mkdtemp(prefix="reasoner-ro-"))
    base.chmod(0o755)
    data, out, home = base / "data", base / "out", base / "home"
    for d in (data, out, home):
        d.mkdir()
    db = data / "history.db"
    make_history(db, HEAD, conversations=5, per_conversation=4)
    user = None
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv (util-linux) is needed to run a command as another user")
        user = NOBODY
        for d in (out, home):
            os.chown(d, NOBODY, NOBODY)
    else:
        db.chmod(0o444)
        data.chmod(0o555)
    try:
        yield data, db, out, home, user
    finally:
        data.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_reading_commands_work_on_a_read_only_history_and_writing_ones_say_so(read_only_history, tmp_path):
    data, db, out_dir, home, user = read_only_history
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_CACHE_HOME": str(home)}
    export = _export_file(tmp_path, conversations=2, size=2000)
    shutil.copy(export, out_dir / "export.json")
    os.chmod(out_dir / "export.json", 0o644)
    before_bytes = hashlib.sha256(db.read_bytes()).hexdigest()
    before = _state(db)
    listing = sorted(p.name for p in data.iterdir())

    hist = _cli(data, "history", "--json", env=env, user=user)
    assert hist.returncode == 0 and hist.stderr == "", hist.stderr
    assert [(c["id"], c["title"]) for c in json.loads(hist.stdout)] == sorted(before[1], key=lambda c: -c[0])
    found = _cli(data, "search", "token7", "--json", env=env, user=user)
    assert found.returncode == 0, found.stderr
    assert [h["message_id"] for h in json.loads(found.stdout)] == [7]
    exported = _cli(data, "export", "--all", "--format", "md", "-o", str(out_dir / "chats"), env=env, user=user)
    assert exported.returncode == 0, exported.stderr
    assert len(list((out_dir / "chats").glob("*.md"))) == 5

    line = _one_sentence(_cli(data, "import", str(out_dir / "export.json"), env=env, user=user),
                         "The history is read-only")
    assert str(db) in line
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before_bytes
    assert sorted(p.name for p in data.iterdir()) == listing


@pytest.mark.model
def test_ask_on_a_history_this_user_cannot_write(read_only_history):
    data, db, _, home, user = read_only_history
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_CACHE_HOME": str(home)}
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    _one_sentence(_ask(data, env=env, user=user), "The history is read-only")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


# -- the one translation ------------------------------------------------------------------------

def test_sqlite_and_os_errors_become_one_sentence_without_sql(tmp_path):
    import errno

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from reasoner_desktop.storage.database import create_sqlite_engine
    from reasoner_desktop.storage.errors import FULL, LOCKED, READ_ONLY, HistoryWriteError, describe, translate_error

    db = tmp_path / "h.db"
    make_history(db, HEAD, conversations=1, per_conversation=2)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    engine = create_sqlite_engine(db)
    with pytest.raises(OperationalError) as locked:
        with engine.begin() as c:
            c.execute(text("PRAGMA busy_timeout=0"))
            c.execute(text("UPDATE messages SET content = :c"), {"c": MARKER})
    holder.execute("ROLLBACK")
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as read_only:
        ro.execute("UPDATE messages SET content = ?", (MARKER,))
    ro.close()
    cases = [(locked.value, LOCKED), (read_only.value, READ_ONLY), (OSError(errno.ENOSPC, "No space"), FULL),
             (OSError(errno.EROFS, "Read-only file system"), READ_ONLY)]
    for exc, kind in cases:
        error = translate_error(exc, db)
        assert isinstance(error, HistoryWriteError) and error.kind == kind, (exc, error)
        assert MARKER not in str(error) and "UPDATE" not in str(error) and str(error).endswith(".")
        assert describe(exc, db) == error.reason
    other = translate_error(sqlite3.OperationalError("no such table: x"), db)
    assert type(other).__name__ == "DatabaseError" and "no such table: x" in str(other)
    engine.dispose()
