"""Opening the history database: SQLite in WAL mode, foreign keys on, migrated to head."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class DatabaseError(Exception):
    """The history database cannot be used. str(error) is the user-facing sentence."""


class DatabaseTooNew(DatabaseError):
    pass


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def _on_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def create_sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    return engine


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_database(path: Path, label: str) -> Path:
    """A consistent copy of the DB (SQLite backup API, safe with WAL) next to it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = path.with_name(f"{path.name}.bak-{label}-{stamp}")
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def open_database(path: Path) -> Engine:
    """Open (creating if needed) and migrate the history DB at `path`.

    A DB written by a newer version of the app is refused, not altered. Before any
    migration of an existing DB a backup copy is taken.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists() and path.stat().st_size > 0
    engine = create_sqlite_engine(path)
    try:
        _migrate(engine, path, existed)
        with engine.connect() as conn:  # reading the tables early finds a damaged file now, not later
            conn.exec_driver_sql("SELECT count(*) FROM messages WHERE status = 'streaming'").scalar()
    except BaseException:
        engine.dispose()
        raise
    return engine


def _migrate(engine: Engine, path: Path, existed: bool) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    current = current_revision(engine)
    if current is not None:
        try:
            script.get_revision(current)
        except CommandError:
            raise DatabaseTooNew(
                f"The history database {path} was written by a newer version of Reasoner Desktop "
                f"(schema {current}); update the app to open it. It was left unchanged."
            ) from None
    if current != script.get_current_head():
        if existed and current is not None:
            backup_database(path, f"{current}")
        cfg = _alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")


def _is_corruption(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("file is not a database", "malformed", "file is encrypted", "disk image"))


def move_aside(path: Path) -> Path:
    """Rename a damaged DB (and its WAL/SHM files) to history.db.corrupt-<timestamp>."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


def open_database_safely(path: Path) -> tuple[Engine, list[str]]:
    """open_database(), but a damaged file is moved aside and a fresh DB started.

    Returns the engine and notices for the user. A DB from a newer app version is still refused.
    """
    notices: list[str] = []
    try:
        return open_database(path), notices
    except (SQLAlchemyDatabaseError, sqlite3.DatabaseError) as exc:
        if not _is_corruption(exc):
            raise DatabaseError(f"The history database {path} cannot be opened: {getattr(exc, 'orig', exc)}") from None
        moved = move_aside(path)
        notices.append(
            f"The history database was damaged and could not be read. It was moved to {moved.name} "
            "(nothing was deleted) and a new, empty history was started."
        )
        return open_database(path), notices
