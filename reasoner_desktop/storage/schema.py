"""The schema side of opening a history file: reading what a file holds without changing it,
telling whether its tables match the revision it records, and upgrading it atomically.

Every Alembic upgrade runs in one explicit SQLite transaction (BEGIN IMMEDIATE ... COMMIT): a
start killed at any moment leaves the file at its old revision or at the new one, never between.
Python's sqlite3 driver would otherwise commit each CREATE/ALTER on its own (it opens transactions
only for INSERT/UPDATE/DELETE), so the migration connection gets `isolation_level = None` and
emits BEGIN itself (SQLAlchemy's documented pysqlite recipe).
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool

from reasoner_desktop.storage.errors import DatabaseError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"
# Extended result codes for "a read-only connection cannot set up the WAL index here".
_READONLY_DIRECTORY, _READONLY_CANTINIT, _READONLY_RECOVERY, _CANTOPEN = 1544, 1288, 264, 14


@lru_cache(maxsize=1)
def script_directory() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


def head_revision() -> str:
    return script_directory().get_current_head()


def is_known_revision(revision: str | None) -> bool:
    if revision is None:
        return True
    try:
        return script_directory().get_revision(revision) is not None
    except CommandError:
        return False


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


# -- reading a file without changing it ------------------------------------------------

def read_only_uri(path: Path, *, immutable: bool = False) -> str:
    return f"file:{quote(str(path))}?mode=ro" + ("&immutable=1" if immutable else "")


def connect_read_only(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """A connection that cannot write `path`, its header or its journal (URI `mode=ro`).

    A WAL-mode file in a folder this user cannot write can only be read when its WAL index
    exists; when no -wal file holds data either, the file is opened `immutable` instead."""
    con = sqlite3.connect(read_only_uri(path), uri=True, check_same_thread=check_same_thread)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return con
    except sqlite3.Error as exc:
        con.close()
        code = getattr(exc, "sqlite_errorcode", None)
        wal = path.with_name(path.name + "-wal")
        wal_has_data = wal.exists() and wal.stat().st_size > 0
        if code not in (_READONLY_DIRECTORY, _READONLY_CANTINIT, _READONLY_RECOVERY, _CANTOPEN) or wal_has_data:
            raise
    return sqlite3.connect(read_only_uri(path, immutable=True), uri=True, check_same_thread=check_same_thread)


@contextmanager
def read_only_connection(path: Path):
    """For a short look at a file: with no -wal or -journal beside it nobody is writing it, and it
    is opened `immutable` (no WAL index, no lock files left behind); else `mode=ro`."""
    quiet = not any(path.with_name(path.name + s).exists() for s in ("-wal", "-journal"))
    con = None
    if quiet:
        con = sqlite3.connect(read_only_uri(path, immutable=True), uri=True)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error:  # perhaps caught mid-write after all: read it again, with locks
            con.close()
            con = None
    con = con or connect_read_only(path)
    try:
        yield con
    finally:
        con.close()


def quote_name(name: str) -> str:
    """An SQL identifier, quoted (names come from the file, which may be anyone's)."""
    return '"' + name.replace('"', '""') + '"'


def table_names(con: sqlite3.Connection) -> set[str]:
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def read_revision(con: sqlite3.Connection) -> str | None:
    if VERSION_TABLE not in table_names(con):
        return None
    rows = con.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()
    return rows[0][0] if rows else None


def schema_fingerprint(con: sqlite3.Connection) -> frozenset[tuple]:
    """The names of the tables, their columns, indexes, triggers and views (Alembic's own table
    and FTS5's shadow tables left out): what a migration creates, independent of SQL spelling."""
    rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                       "WHERE name NOT LIKE 'sqlite!_%' ESCAPE '!'").fetchall()
    virtual = {name for type_, name, _, sql in rows if type_ == "table" and (sql or "").upper().startswith(
        "CREATE VIRTUAL TABLE")}
    items: set[tuple] = set()
    for type_, name, table, _ in rows:
        if VERSION_TABLE in (name, table) or any(name.startswith(f"{v}_") for v in virtual):
            continue
        items.add((type_, name))
        if type_ == "table":
            for column in con.execute(f"PRAGMA table_info({quote_name(name)})"):
                items.add(("column", name, column[1]))
    return frozenset(items)


@lru_cache(maxsize=None)
def expected_fingerprint(revision: str | None) -> frozenset[tuple]:
    """The fingerprint of an empty history at `revision`, made by running the migrations in memory."""
    if revision is None:
        return frozenset()
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as conn:
            cfg = alembic_config("sqlite://")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            return schema_fingerprint(conn.connection.dbapi_connection)
    finally:
        engine.dispose()


def schema_matches_revision(con: sqlite3.Connection, revision: str | None) -> bool:
    return schema_fingerprint(con) == expected_fingerprint(revision)


def data_summary(con: sqlite3.Connection) -> tuple:
    """(conversations, highest conversation id, messages, highest message id): enough to tell
    whether a backup holds every row of a file that cannot be migrated."""
    tables = table_names(con)
    out: list = []
    for table in ("conversations", "messages"):
        out.extend(con.execute(f"SELECT count(*), max(id) FROM {table}").fetchone() if table in tables else (0, None))
    return tuple(out)


def holds_rows(con: sqlite3.Connection) -> bool:
    """Any row in any table but Alembic's own (an interrupted first start holds none)."""
    for name in table_names(con) - {VERSION_TABLE}:
        if name.startswith("sqlite_"):
            continue
        try:
            if con.execute(f"SELECT 1 FROM {quote_name(name)} LIMIT 1").fetchone():
                return True
        except sqlite3.Error:  # e.g. a virtual table of a module this build lacks: assume data
            return True
    return False


# -- upgrading -------------------------------------------------------------------------

def _migration_engine(path: Path, busy_timeout_ms: int) -> Engine:
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # the driver emits no BEGIN/COMMIT of its own
        # Foreign keys off while tables may be rebuilt (SQLite's advice), checked before COMMIT.
        dbapi_conn.execute("PRAGMA foreign_keys=OFF")
        dbapi_conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock first: no half-done upgrade waits for it

    return engine


def upgrade_atomically(path: Path, busy_timeout_ms: int, target: str = "head") -> None:
    """Run every pending migration of `path` in one transaction: all of them or none."""
    engine = _migration_engine(path, busy_timeout_ms)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(f"sqlite:///{path}")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
            problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise DatabaseError(f"The history database {path} could not be upgraded: the upgrade would break "
                                    f"{len(problems)} links between rows; it was left unchanged.")
    finally:
        engine.dispose()
