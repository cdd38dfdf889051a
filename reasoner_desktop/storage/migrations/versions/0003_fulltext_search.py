"""Full-text search over answers and thoughts (SQLite FTS5, kept in sync by triggers).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE messages_fts USING fts5(content, thinking, content='messages', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
        "INSERT INTO messages_fts(rowid, content, thinking) VALUES (new.id, new.content, new.thinking); END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
        "INSERT INTO messages_fts(messages_fts, rowid, content, thinking) "
        "VALUES ('delete', old.id, old.content, old.thinking); END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, thinking ON messages BEGIN "
        "INSERT INTO messages_fts(messages_fts, rowid, content, thinking) "
        "VALUES ('delete', old.id, old.content, old.thinking); "
        "INSERT INTO messages_fts(rowid, content, thinking) VALUES (new.id, new.content, new.thinking); END"
    )
    op.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")


def downgrade() -> None:
    for trigger in ("messages_fts_insert", "messages_fts_delete", "messages_fts_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS messages_fts")
