"""Stable UUIDs for conversations and messages, so that exports can be re-imported
without duplicates and reference each other across databases.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("uuid", sa.String(64)))
    op.add_column("messages", sa.Column("uuid", sa.String(64)))
    bind = op.get_bind()
    for table in ("conversations", "messages"):
        ids = [row[0] for row in bind.execute(sa.text(f"SELECT id FROM {table}"))]
        if ids:
            bind.execute(sa.text(f"UPDATE {table} SET uuid = :u WHERE id = :id"),
                         [{"u": str(uuid.uuid4()), "id": i} for i in ids])
    op.create_index("ix_conversations_uuid", "conversations", ["uuid"], unique=True)
    op.create_index("ix_messages_uuid", "messages", ["uuid"])


def downgrade() -> None:
    op.drop_index("ix_messages_uuid", "messages")
    op.drop_index("ix_conversations_uuid", "conversations")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("uuid")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("uuid")
