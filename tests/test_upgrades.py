"""Upgrades never cost a history: a start killed anywhere in an upgrade, a file half-upgraded by
an older build, a file from a newer version, and the backups. Real SQLite files, real processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from reasoner_desktop.storage import schema
from reasoner_desktop.storage.backups import BACKUPS_KEPT, list_backups
from reasoner_desktop.storage.database import DatabaseError, DatabaseTooNew, head_revision, open_database
from reasoner_desktop.storage.repository import open_history
from tests.conftest import PYTHON, cli_env
from tests.history_files import make_history, messages_digest

BIG = dict(conversations=5000, per_conversation=10)  # 50,000 messages


def run_cli(data_dir: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "reasoner_desktop", *args], capture_output=True, text=True,
                          env=cli_env(data_dir), timeout=timeout)


def run_killer(data_dir: Path, mode: str, n: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "tests.upgrade_killer", mode, str(n), "--", *args], capture_output=True,
                          text=True, env=cli_env(data_dir), timeout=120, cwd=Path(__file__).parent.parent)


def copy_history(src_dir: Path, dst_dir: Path) -> Path:
    """The history as the killed process left it: the file with its WAL and WAL index."""
    dst_dir.mkdir(parents=True)
    for suffix in ("", "-wal", "-shm"):
        f = src_dir / f"history.db{suffix}"
        if f.exists():
            shutil.copy2(f, dst_dir / f.name)
    return dst_dir / "history.db"


def revision_and_schema(db: Path) -> tuple[str | None, bool]:
    with schema.read_only_connection(db) as con:
        revision = schema.read_revision(con)
        return revision, schema.schema_matches_revision(con, revision)


@pytest.fixture(scope="module")
def big_0001(tmp_path_factory) -> tuple[Path, tuple[int, str]]:
    """A revision-0001 history of 50,000 messages (made once; tests copy it)."""
    db = tmp_path_factory.mktemp("template") / "history.db"
    assert make_history(db, "0001", **BIG) == 50_000
    return db, messages_digest(db)


def test_sigkill_anywhere_in_the_upgrade_of_a_50000_message_history_loses_nothing(big_0001, tmp_path):
    template, digest = big_0001
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy2(template, data / "history.db")
    db = data / "history.db"
    search = ("search", "token31337", "--json")

    # How much work the upgrade is, measured on a copy: SQL statements and SQLite progress steps.
    dry = tmp_path / "dry"
    copy_history(data, dry)
    counted = run_killer(dry, "count", 0, *search)
    assert counted.returncode == 0, counted.stderr
    work = json.loads(counted.stderr.strip().splitlines()[-1])
    statements, steps = work["statements"], work["progress"]
    assert statements >= 20 and steps >= 50, work

    moments = [("statement", k) for k in range(2, statements + 1, 4)]  # between DDL statements
    moments += [("progress", steps * k // 4) for k in range(1, 4)]  # inside the long ones (FTS, uuids)
    moments += [("commit", 0), ("backup-rename", 0)]
    assert len(moments) >= 10
    for i, (mode, n) in enumerate(moments):
        killed = run_killer(data, mode, n, *search)
        assert killed.returncode == -signal.SIGKILL, f"{mode} {n}: not killed mid-upgrade: {killed.stderr}"
        # All or nothing: still revision 0001, its own tables, every message, a sound file.
        assert revision_and_schema(db) == ("0001", True), (mode, n)
        assert messages_digest(db) == digest, (mode, n)
        # Failed starts do not pile up full-size backups; an unrenamed one is never taken for a backup.
        assert [b.label for b in list_backups(db)] == ["0001"], (mode, n)

        # The next start (on a copy, so that the kills go on on this file) upgrades it whole.
        restarted = copy_history(data, tmp_path / f"restart-{i}")
        repo = open_history(restarted)
        try:
            assert repo.startup_notices == []
            with repo.engine.connect() as c:
                assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert revision_and_schema(restarted) == (head_revision(), True)
            assert [h.message_id for h in repo.search("token31337")] == [31337]
        finally:
            repo.engine.dispose()
        assert messages_digest(restarted) == digest, (mode, n)
        shutil.rmtree(restarted.parent)

    # And a real start of the command line, after all those kills.
    out = run_cli(data, *search)
    assert out.returncode == 0, out.stderr
    assert [h["message_id"] for h in json.loads(out.stdout)] == [31337]
    assert revision_and_schema(db) == (head_revision(), True) and messages_digest(db) == digest
    assert len(list_backups(db)) == 1
    assert not [p.name for p in data.iterdir() if p.name.endswith((".tmp", ".tmp-journal"))]


def test_a_killed_first_start_is_started_again(tmp_path):
    """Killed while creating the tables of a new history: the next start creates them whole."""
    data = tmp_path / "data"
    for k in (2, 5, 8):
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir()
        assert run_killer(data, "statement", k, "history").returncode == -signal.SIGKILL
        out = run_cli(data, "history", "--json")
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout) == [] and out.stderr == ""
        assert revision_and_schema(data / "history.db") == (head_revision(), True)


# -- a file half-upgraded by an older build -------------------------------------------------

def _half_upgraded(data: Path, statements: list[str]) -> tuple[Path, tuple[int, str], Path]:
    """What the old, non-atomic upgrade left when killed: a backup at 0001 (taken first), then
    some of migration 0002's statements committed while alembic_version still says 0001, then
    two more failed starts that each backed up the broken file, and a backup cut off mid-copy."""
    db = data / "history.db"
    make_history(db, "0001", conversations=40, per_conversation=6)
    digest = messages_digest(db)
    good = data / "history.db.bak-0001-20260101T100000000000"
    shutil.copy2(db, good)
    con = sqlite3.connect(db, isolation_level=None)
    for sql in statements:
        con.execute(sql)
    con.close()
    for stamp in ("20260101T100100000000", "20260101T100200000000"):
        shutil.copy2(db, data / f"history.db.bak-0001-{stamp}")
    half = data / "history.db.bak-0001-20260101T100300000000"
    half.write_bytes(db.read_bytes()[:4096])
    (data / f"{half.name}-journal").write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + bytes(504))
    return db, digest, good


HALF_0002 = ["ALTER TABLE conversations ADD COLUMN active_leaf_id INTEGER",
             "ALTER TABLE messages ADD COLUMN keep_thinking BOOLEAN DEFAULT 0 NOT NULL"]


def test_a_half_upgraded_history_is_restored_from_its_backup_with_a_notice(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db, digest, good = _half_upgraded(data, HALF_0002)
    broken = db.read_bytes()

    out = run_cli(data, "search", "token77", "--json")
    assert out.returncode == 0, out.stderr
    assert [h["message_id"] for h in json.loads(out.stdout)] == [77]
    (notice,) = out.stderr.strip().splitlines()
    assert "restored from the backup history.db.bak-0001-20260101T100000000000" in notice, notice
    assert notice.count(". ") == 0 and notice.endswith(").")  # one sentence
    assert revision_and_schema(db) == (head_revision(), True) and messages_digest(db) == digest
    # The unreadable file is kept; the broken backups are gone; at most BACKUPS_KEPT remain.
    (kept,) = [p for p in data.glob("history.db.interrupted-*") if not p.name.endswith(("-wal", "-shm"))]
    assert kept.read_bytes() == broken
    left = list_backups(db)
    assert 1 <= len(left) <= BACKUPS_KEPT
    for b in left:
        assert revision_and_schema(b.path) == ("0001", True)
    assert not list(data.glob("*-journal"))
    # The next start has nothing to say.
    again = run_cli(data, "history")
    assert again.returncode == 0 and again.stderr == ""


def test_a_half_upgraded_history_without_a_complete_backup_is_left_alone(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db, _, good = _half_upgraded(data, HALF_0002[:1])
    good.unlink()
    before = _history_files(data)
    out = run_cli(data, "history")
    assert out.returncode == 2 and out.stdout == ""
    (line,) = out.stderr.strip().splitlines()
    assert "half-upgraded" in line and "left unchanged" in line and "Traceback" not in out.stderr
    assert _history_files(data) == before  # (the app's log folder may appear beside them)


def _history_files(data) -> dict:
    return {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()}


def test_half_upgrades_of_each_kind_from_the_issue_recover(tmp_path):
    """`duplicate column name: uuid` (0003 killed while upgrading), `table conversations already
    exists` (a first start killed), `duplicate column name: active_leaf_id` (0001 killed)."""
    # 0003 with 0004's first column added.
    d1 = tmp_path / "a"
    d1.mkdir()
    db = d1 / "history.db"
    make_history(db, "0003", conversations=10, per_conversation=4)
    digest = messages_digest(db)
    shutil.copy2(db, d1 / "history.db.bak-0003-20260101T000000000000")
    sqlite3.connect(db, isolation_level=None).execute("ALTER TABLE conversations ADD COLUMN uuid VARCHAR(64)")
    repo = open_history(db)
    assert len(repo.startup_notices) == 1 and "bak-0003-20260101T000000000000" in repo.startup_notices[0]
    assert messages_digest(db) == digest and [h.message_id for h in repo.search("token7")] == [7]
    repo.engine.dispose()

    # A first start killed after some tables: no rows anywhere, so it simply starts again.
    d2 = tmp_path / "b"
    d2.mkdir()
    con = sqlite3.connect(d2 / "history.db", isolation_level=None)
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
    con.execute("CREATE TABLE conversations (id INTEGER PRIMARY KEY, title VARCHAR(200))")
    con.close()
    repo = open_history(d2 / "history.db")
    assert repo.startup_notices == [] and repo.list_conversations() == []
    assert revision_and_schema(d2 / "history.db") == (head_revision(), True)
    repo.engine.dispose()

    # Rows but no finished upgrade of ours: another program's file, refused and left alone.
    d3 = tmp_path / "c"
    d3.mkdir()
    con = sqlite3.connect(d3 / "history.db")
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO notes (body) VALUES ('keep me')")
    con.commit()
    con.close()
    before = (d3 / "history.db").read_bytes()
    with pytest.raises(DatabaseError, match="not a Reasoner Desktop history"):
        open_history(d3 / "history.db")
    assert (d3 / "history.db").read_bytes() == before


# -- a newer version's file ---------------------------------------------------------------

@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_a_newer_versions_file_is_refused_with_every_byte_unchanged(tmp_path, journal):
    data = tmp_path / "data"
    data.mkdir()
    db = data / "history.db"
    make_history(db, "0004", conversations=3, per_conversation=2)
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.commit()
    con.execute(f"PRAGMA journal_mode={journal}")
    con.close()
    before = _history_files(data)
    for args in (("history",), ("search", "token1"), ("import", str(tmp_path / "nothing.json"))):
        out = run_cli(data, *args)
        assert out.returncode == 2 and "newer version" in out.stderr and out.stderr.count("\n") == 1, out.stderr
        # The file (header, change counter, journal mode) is byte for byte what it was.
        assert db.read_bytes() == before["history.db"]
        assert not (data / "history.db-journal").exists() and not list(data.glob("*.bak-*"))
    with pytest.raises(DatabaseTooNew, match="newer version"):
        open_database(db)
    assert db.read_bytes() == before["history.db"]


# -- backups ------------------------------------------------------------------------------

def test_backups_are_complete_and_at_most_three_are_kept(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = data / "history.db"
    # Five older backups, a temporary one a killed start left (its process is gone) and one a
    # running start is writing (this process): the dead one goes, the live one stays.
    for i in range(5):
        make_history(data / f"history.db.bak-0001-2026010{i}T000000000000", "0001", conversations=1,
                     per_conversation=2)
    dead = subprocess.run([PYTHON, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = data / f".history.db.bak-0001-20260110T000000000000.{int(dead.stdout)}.tmp"
    live = data / f".history.db.bak-0001-20260111T000000000000.{os.getpid()}.tmp"
    restore = data / f".history.db.{int(dead.stdout)}.tmp"  # a killed restore's copy
    for f, text in ((stale, b"half a copy"), (live, b"being written"), (restore, b"half a restore")):
        f.write_bytes(text)
    make_history(db, "0002", conversations=4, per_conversation=2)
    digest = messages_digest(db)
    repo = open_history(db)
    repo.engine.dispose()
    left = list_backups(db)
    assert len(left) == BACKUPS_KEPT
    newest = left[0]
    assert newest.label == "0002" and revision_and_schema(newest.path) == ("0002", True)
    assert messages_digest(newest.path) == digest
    assert not stale.exists() and not restore.exists() and live.exists()
    assert [b.stamp for b in left[1:]] == ["20260104T000000000000", "20260103T000000000000"]


def test_no_backup_and_no_upgrade_for_a_history_at_head(tmp_path):
    db = tmp_path / "history.db"
    open_history(db).engine.dispose()
    open_history(db).engine.dispose()
    assert list_backups(db) == []


def test_a_read_only_history_that_needs_an_upgrade_says_so(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = data / "history.db"
    make_history(db, "0002", conversations=2, per_conversation=2)
    before = db.read_bytes()
    if os.geteuid() == 0:
        out = subprocess.run(["mount", "--bind", "-o", "ro", str(data), str(data)], capture_output=True, text=True)
        if out.returncode:
            pytest.skip(f"cannot make a read-only mount here: {out.stderr.strip()}")
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(data)], check=True)
            result = run_cli(data, "history")
        finally:
            subprocess.run(["umount", str(data)], check=True)
    else:
        db.chmod(0o444)
        data.chmod(0o555)
        try:
            result = run_cli(data, "history")
        finally:
            data.chmod(0o755)
            db.chmod(0o644)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "is read-only and needs an upgrade" in line
    assert db.read_bytes() == before


# -- every earlier revision ---------------------------------------------------------------

def _earlier_revisions() -> list[str]:
    return [r.revision for r in schema.script_directory().walk_revisions() if r.revision != head_revision()]


@pytest.mark.parametrize("revision", _earlier_revisions())
def test_a_history_at_each_earlier_revision_upgrades_to_head_keeping_every_message(tmp_path, revision):
    db = tmp_path / "history.db"
    n = make_history(db, revision, conversations=12, per_conversation=6)
    digest = messages_digest(db)
    repo = open_history(db)
    try:
        assert repo.startup_notices == []
        assert revision_and_schema(db) == (head_revision(), True)
        assert [b.label for b in list_backups(db)] == [revision]
        assert messages_digest(db) == digest and digest[0] == n
        assert [c.id for c in repo.all_conversations()] == list(range(12, 0, -1))
        assert [h.message_id for h in repo.search("token41")] == [41]
    finally:
        repo.engine.dispose()
