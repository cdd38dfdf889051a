"""Backups of the history taken before an upgrade, and the way back to one.

`history.db.bak-<revision>-<UTC time>` lies next to `history.db`. A backup is written under a
hidden temporary name and renamed when complete, so a start killed mid-copy leaves no half
backup that looks valid (its temporary file is removed by a later start). A start that takes a
backup replaces older backups of the same revision (a start that failed and is tried again does
not pile up full-size copies), and at most BACKUPS_KEPT backups are kept.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil

from reasoner_desktop.storage import schema

BACKUPS_KEPT = 3
_SIDECARS = ("-journal", "-wal", "-shm")
# Temporary names: ".history.db.bak-0001-<time>.<pid>.tmp" (the pid tells a live writer from a dead one).
_TEMP = re.compile(r"^\.(?P<final>.+)\.(?P<pid>\d+)\.tmp(?:-journal|-wal|-shm)?$")


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")


def _pid_alive(pid: int) -> bool:
    """Through psutil on every OS: os.kill(pid, 0) would terminate the process on Windows."""
    return pid == os.getpid() or psutil.pid_exists(pid)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_with_sidecars(path: Path) -> None:
    for p in (path, *(path.with_name(path.name + s) for s in _SIDECARS)):
        p.unlink(missing_ok=True)


def remove_stale_temporaries(path: Path) -> None:
    """Temporary backups (and restores) left by killed starts of the history at `path`."""
    prefix = f"{path.name}."
    for entry in path.parent.iterdir():
        m = _TEMP.match(entry.name)
        if m and (m["final"] == path.name or m["final"].startswith(prefix)) and not _pid_alive(int(m["pid"])):
            entry.unlink(missing_ok=True)


def _temporary(final: Path) -> Path:
    return final.with_name(f".{final.name}.{os.getpid()}.tmp")


@dataclass(slots=True)
class Backup:
    path: Path
    label: str  # the revision in its name
    stamp: str

    @property
    def name(self) -> str:
        return self.path.name


def list_backups(path: Path) -> list[Backup]:
    """The backups of `path`, newest first."""
    prefix = f"{path.name}.bak-"
    found = []
    for entry in path.parent.glob(f"{glob_escape(path.name)}.bak-*"):
        rest = entry.name[len(prefix):]
        if rest.endswith(_SIDECARS) or not entry.is_file():
            continue
        label, _, stamp = rest.rpartition("-")
        found.append(Backup(entry, label or rest, stamp if label else ""))
    found.sort(key=lambda b: (b.stamp, b.path.stat().st_mtime_ns), reverse=True)
    return found


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def backup_database(path: Path, label: str) -> Path:
    """A consistent copy of the history (SQLite's backup API, safe with WAL) next to it, under a
    temporary name first; then older backups of the same revision go, and all but BACKUPS_KEPT."""
    remove_stale_temporaries(path)
    target = path.with_name(f"{path.name}.bak-{label}-{_stamp()}")
    tmp = _temporary(target)
    try:
        src = sqlite3.connect(schema.read_only_uri(path), uri=True)
        try:
            dst = sqlite3.connect(tmp)
            try:
                dst.execute("PRAGMA journal_mode=OFF")  # the rename below is what makes it complete
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        remove_with_sidecars(tmp)
        raise
    _fsync_dir(path.parent)
    for old in list_backups(path):
        if old.path != target and old.label == label:
            remove_with_sidecars(old.path)
    prune_backups(path)
    return target


def _usable(backup: Path, *, integrity: bool) -> tuple[str, tuple] | None:
    """(revision, data summary) of a complete backup, else None. A backup beside a -journal was
    cut off mid-copy (by an older build); one whose tables do not match its revision was taken
    of a half-upgraded file."""
    if backup.with_name(backup.name + "-journal").exists():
        return None
    try:
        con = sqlite3.connect(schema.read_only_uri(backup, immutable=True), uri=True)
        try:
            revision = schema.read_revision(con)
            if revision is None or not schema.is_known_revision(revision):
                return None
            if not schema.schema_matches_revision(con, revision):
                return None
            if integrity and con.execute("PRAGMA quick_check").fetchone() != ("ok",):
                return None
            return revision, schema.data_summary(con)
        finally:
            con.close()
    except sqlite3.Error:
        return None


def prune_backups(path: Path, keep: int = BACKUPS_KEPT) -> None:
    """Keep the newest `keep` complete backups; delete the rest, and every broken or half-upgraded one."""
    kept = 0
    for backup in list_backups(path):
        if kept < keep and _usable(backup.path, integrity=False) is not None:
            kept += 1
            continue
        remove_with_sidecars(backup.path)


def newest_backup_holding(path: Path, summary: tuple) -> Backup | None:
    """The newest complete backup whose tables match its revision and that holds every
    conversation and message `summary` (of the file at `path`) counts."""
    for backup in list_backups(path):
        usable = _usable(backup.path, integrity=True)
        if usable is not None and _holds(usable[1], summary):
            return backup
    return None


def _holds(backup_summary: tuple, summary: tuple) -> bool:
    conv_n, conv_max, msg_n, msg_max = summary
    b_conv_n, b_conv_max, b_msg_n, b_msg_max = backup_summary
    return b_conv_n >= conv_n and b_msg_n >= msg_n and (b_conv_max or 0) >= (conv_max or 0) and \
        (b_msg_max or 0) >= (msg_max or 0)


def move_aside(path: Path, label: str) -> Path:
    """Rename `path` (and its WAL/SHM files, which belong to it) to `<name>.<label>-<time>`."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


def restore(backup: Backup, path: Path) -> None:
    """Copy `backup` to `path` (which must not exist) through a temporary file."""
    tmp = _temporary(path)
    try:
        shutil.copyfile(backup.path, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
