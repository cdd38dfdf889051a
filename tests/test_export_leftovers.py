"""Killed exports leave nothing in the way: their hidden temporary files go at the next export,
and a folder export is written under a temporary name, so no partial folder blocks a re-run.
Real `export` processes, SIGKILLed at a chosen rename (not at a time)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from reasoner_desktop.domain.messages import MessageStatus
from reasoner_desktop.export.files import remove_leftovers
from reasoner_desktop.storage.repository import open_history
from tests.conftest import PYTHON, cli_env

# Runs the command line, SIGKILLed just before its Nth os.replace/os.rename (the commit of a file).
KILLED_AT_RENAME = r"""
import os, signal, sys
from reasoner_desktop import cli
n = int(sys.argv[1])
calls = [0]
for name in ("replace", "rename"):
    def wrapped(src, dst, *a, _real=getattr(os, name), **kw):
        calls[0] += 1
        if calls[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return _real(src, dst, *a, **kw)
    setattr(os, name, wrapped)
sys.exit(cli.main(sys.argv[2:]))
"""


@pytest.fixture
def history(data_dir):
    repo = open_history(data_dir / "history.db")
    for i in range(4):
        cid, uid = repo.start_conversation(f"Question number {i}")
        aid = repo.start_assistant_message(cid, uid, "m")
        repo.finish_message(aid, f"Answer {i}", f"Thought {i}", MessageStatus.COMPLETE)
    repo.engine.dispose()
    return data_dir


def export(data_dir: Path, *args: str, kill_at: int | None = None) -> subprocess.CompletedProcess:
    cmd = [PYTHON, "-m", "reasoner_desktop", "export", *args] if kill_at is None else \
        [PYTHON, "-c", KILLED_AT_RENAME, str(kill_at), "export", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=cli_env(data_dir), timeout=120)


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def hidden_anywhere(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))


def test_a_killed_folder_export_leaves_no_partial_folder_and_the_rerun_cleans_up(history, tmp_path):
    out = tmp_path / "out"
    killed = export(history, "--all", "--format", "md", "-o", str(out / "chats"), kill_at=3)
    assert killed.returncode == -signal.SIGKILL
    assert not (out / "chats").exists()  # two files were written, but into a hidden temporary folder
    (partial,) = hidden(out)
    assert partial.startswith(".chats.") and partial.endswith(".tmp")

    again = export(history, "--all", "--format", "md", "-o", str(out / "chats"))
    assert again.returncode == 0, again.stderr
    assert len(list((out / "chats").glob("*.md"))) == 4
    assert hidden_anywhere(out) == []


@pytest.mark.parametrize("target", ["chat.md", "all.zip"])
def test_a_killed_file_export_leaves_a_temporary_file_that_the_next_export_removes(history, tmp_path, target):
    out = tmp_path / "out"
    ids = ["1"] if target.endswith(".md") else ["--all"]
    killed = export(history, *ids, "--format", "md", "-o", str(out / target), kill_at=1)
    assert killed.returncode == -signal.SIGKILL
    assert not (out / target).exists()
    (left,) = hidden(out)
    assert left.startswith(f".{target}.") and left.endswith(".tmp")

    other = export(history, "2", "--format", "md", "-o", str(out / "other.md"))  # any export to that folder
    assert other.returncode == 0, other.stderr
    assert hidden(out) == []


def test_an_export_into_an_existing_folder_resumes_after_a_kill(history, tmp_path):
    out = tmp_path / "chats"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    killed = export(history, "--all", "--format", "md", "-o", str(out), kill_at=3)
    assert killed.returncode == -signal.SIGKILL
    assert len(list(out.glob("*.md"))) == 2
    again = export(history, "--all", "--format", "md", "-o", str(out))  # the same files again: no clash
    assert again.returncode == 0, again.stderr
    assert len(list(out.glob("*.md"))) == 4 and (out / "notes.txt").read_text() == "mine"
    assert hidden_anywhere(out) == []


def test_only_temporary_files_of_dead_exports_are_removed(tmp_path):
    dead = subprocess.run([PYTHON, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = tmp_path / f".chat.md.{int(dead.stdout)}.abcd1234.tmp"
    mine = tmp_path / f".chat.md.{os.getpid()}.abcd1234.tmp"
    old_style = tmp_path / ".chat.md.k2j4h5g6.tmp"  # an older version's name, without the pid
    fresh_old_style = tmp_path / ".notes.md.zzzz9999.tmp"
    keep = [tmp_path / ".hidden-notes.tmp", tmp_path / "chat.md", mine, fresh_old_style]
    for p in (gone, old_style, *keep):
        p.write_text("x")
    an_hour_ago = time.time() - 2 * 3600
    os.utime(old_style, (an_hour_ago, an_hour_ago))
    assert sorted(remove_leftovers(tmp_path)) == sorted([gone, old_style])
    assert all(p.exists() for p in keep)
