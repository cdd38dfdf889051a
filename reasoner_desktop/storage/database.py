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
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    current = current_revision(engine)
    head = script.get_current_head()
    if current is not None:
        try:
            script.get_revision(current)
        except CommandError:
            engine.dispose()
            raise DatabaseTooNew(
                f"The history database {path} was written by a newer version of Reasoner Desktop "
                f"(schema {current}); update the app to open it. It was left unchanged."
            ) from None
    if current != head:
        if existed and current is not None:
            backup_database(path, f"{current}")
        cfg = _alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    return engine
