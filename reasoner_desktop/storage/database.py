"""Opening the history database: SQLite in WAL mode, foreign keys on, migrated to head.

The order matters, and each step is safe to interrupt:
1. the file is read read-only (URI `mode=ro`): its recorded revision, and a newer app's file is
   refused before anything (not even the journal mode) is written;
2. a file whose tables do not match the revision it records (an upgrade by an older build that
   was interrupted) is set aside and the newest complete backup holding all its rows restored;
3. before an upgrade a backup is taken (temporary name, then rename; see backups.py);
4. the upgrade runs in one transaction (schema.upgrade_atomically).
A history this user cannot write is opened read-only, without any of that.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from reasoner_desktop.storage import backups, schema
from reasoner_desktop.storage.errors import DatabaseError, DatabaseTooNew, HistoryWriteError, translate_error
from reasoner_desktop.storage.schema import MIGRATIONS_DIR, head_revision  # noqa: F401 (re-exported)

__all__ = ["DatabaseError", "DatabaseTooNew", "HistoryWriteError", "OpenedDatabase", "open_database",
           "open_history_database", "create_sqlite_engine", "head_revision", "current_revision"]

BUSY_TIMEOUT_ENV = "REASONER_DESKTOP_BUSY_TIMEOUT_MS"
DEFAULT_BUSY_TIMEOUT_MS = 5000


def busy_timeout_ms() -> int:
    """How long a write waits for another program's lock before giving up (ms)."""
    try:
        return max(0, int(os.environ.get(BUSY_TIMEOUT_ENV, DEFAULT_BUSY_TIMEOUT_MS)))
    except ValueError:
        return DEFAULT_BUSY_TIMEOUT_MS


def _on_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")
    cur.close()


def create_sqlite_engine(path: Path, *, read_only: bool = False) -> Engine:
    if read_only:
        engine = create_engine(f"sqlite:///{path}",
                               creator=lambda: schema.connect_read_only(path, check_same_thread=False))
    else:
        engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    return engine


def _alembic_config(engine: Engine):
    """Alembic's configuration for `engine`'s file (tests build old revisions with it)."""
    return schema.alembic_config(engine.url.render_as_string(hide_password=False))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return schema.read_revision(conn.connection.dbapi_connection)


def writable(path: Path) -> bool:
    """Can this user write the history (and, in WAL mode, create its -wal and -shm files)?"""
    if not os.access(path, os.W_OK):
        return False
    if os.access(path.parent, os.W_OK | os.X_OK):
        return True
    return all(os.access(path.with_name(path.name + s), os.W_OK) for s in ("-wal", "-shm"))


@dataclass(slots=True)
class OpenedDatabase:
    engine: Engine
    read_only: bool = False
    notices: list[str] = field(default_factory=list)  # one sentence each, for the user


def open_database(path: Path) -> Engine:
    """Open (creating if needed) and migrate the history DB at `path`; see open_history_database."""
    return open_history_database(path).engine


def open_history_database(path: Path) -> OpenedDatabase:
    """Open (creating if needed) and migrate the history at `path`.

    A DB written by a newer version of the app is refused, not altered. Before any upgrade of
    an existing DB a backup copy is taken. Errors are DatabaseError with one sentence."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _open(path)
    except DatabaseError:
        raise
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        if is_corruption(exc):
            raise
        error = translate_error(exc, path)
        if type(error) is DatabaseError:
            error = DatabaseError(f"The history database {path} cannot be opened: {_detail(exc)}")
        raise error from None


def _detail(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return getattr(orig, "strerror", None) or str(orig)


def _open(path: Path) -> OpenedDatabase:
    opened = OpenedDatabase(engine=None)  # type: ignore[arg-type]
    head = head_revision()
    revision = None
    if path.exists() and path.stat().st_size > 0:
        with schema.read_only_connection(path) as con:
            revision = schema.read_revision(con)
            if not schema.is_known_revision(revision):
                raise DatabaseTooNew(
                    f"The history database {path} was written by a newer version of Reasoner Desktop "
                    f"(schema {revision}); update the app to open it. It was left unchanged.")
            if not writable(path):
                if revision != head:
                    raise DatabaseError(
                        f"The history database {path} is read-only and needs an upgrade to schema {head} "
                        "for this version of the app; make it writable (it was left unchanged).")
                opened.engine = create_sqlite_engine(path, read_only=True)
                opened.read_only = True
                return _checked(opened)
            backups.remove_stale_temporaries(path)  # of backups and restores that were killed
            interrupted = revision != head and not schema.schema_matches_revision(con, revision)
            summary = schema.data_summary(con) if interrupted else None
            has_rows = schema.holds_rows(con) if interrupted else True
        if interrupted:
            revision = _recover_interrupted_upgrade(path, revision, summary, has_rows, opened.notices)
        if revision is not None and revision != head:
            backups.backup_database(path, revision)
    con = sqlite3.connect(path)  # WAL before the upgrade, so that the upgrade runs in WAL mode too
    try:
        con.execute("PRAGMA journal_mode=WAL")
    finally:
        con.close()
    if revision != head:
        schema.upgrade_atomically(path, busy_timeout_ms())
    opened.engine = create_sqlite_engine(path)
    return _checked(opened)


def _checked(opened: OpenedDatabase) -> OpenedDatabase:
    """Reading the tables early finds a damaged file now, not later."""
    try:
        with opened.engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM messages WHERE status = 'streaming'").scalar()
    except BaseException:
        opened.engine.dispose()
        raise
    return opened


def _recover_interrupted_upgrade(path: Path, revision: str | None, summary: tuple, has_rows: bool,
                                 notices: list[str]) -> str | None:
    """The file's tables do not match its recorded revision: an upgrade by an older build was
    killed half-way. Its rows are intact, and a backup taken before that upgrade holds them."""
    if not has_rows:  # an interrupted first start: nothing to keep
        backups.remove_with_sidecars(path)
        return None
    if revision is None:  # rows, but no upgrade of ours ever finished on it: another program's file
        raise DatabaseError(f"The file {path} is not a Reasoner Desktop history (it holds tables this app did not "
                            "make); it was left unchanged.")
    backup = backups.newest_backup_holding(path, summary)
    if backup is None:
        raise DatabaseError(
            f"The history database {path} was left half-upgraded by an interrupted start of an older version, and "
            "no complete backup holding all of it was found; it was left unchanged.")
    moved = backups.move_aside(path, "interrupted")
    backups.restore(backup, path)
    with schema.read_only_connection(path) as con:
        restored = schema.read_revision(con)
    notices.append(
        f"An interrupted upgrade had left the history unreadable, so it was restored from the backup {backup.name}, "
        f"which holds every conversation (the unreadable file was kept as {moved.name}).")
    return restored


def is_corruption(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return any(s in text for s in ("file is not a database", "malformed", "file is encrypted", "disk image"))


def move_aside(path: Path) -> Path:
    """Rename a damaged DB (and its WAL/SHM files) to history.db.corrupt-<timestamp>."""
    return backups.move_aside(path, "corrupt")


def open_database_safely(path: Path) -> OpenedDatabase:
    """open_history_database(), but a damaged file is moved aside and a fresh DB started (with a
    notice for the user). A DB from a newer app version is still refused."""
    try:
        return open_history_database(path)
    except (SQLAlchemyError, sqlite3.Error) as exc:
        if not is_corruption(exc):
            raise DatabaseError(f"The history database {path} cannot be opened: {_detail(exc)}") from None
        try:
            moved = move_aside(path)
        except OSError:
            raise DatabaseError(f"The history database {path} is damaged and cannot be read: {_detail(exc)}") from None
        opened = open_history_database(path)
        opened.notices.append(
            f"The history database was damaged and could not be read. It was moved to {moved.name} "
            "(nothing was deleted) and a new, empty history was started.")
        return opened
