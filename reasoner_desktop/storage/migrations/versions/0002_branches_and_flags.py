"""Branches (the active leaf of each conversation) and per-message flags.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("active_leaf_id", sa.Integer))
    op.add_column("messages", sa.Column("keep_thinking", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("messages", sa.Column("rating", sa.Integer))
    op.add_column("messages", sa.Column("budget", sa.String(16)))
    op.add_column("messages", sa.Column("sampling_json", sa.Text))
    # Existing conversations were linear: their newest message is the active leaf.
    op.execute(
        "UPDATE conversations SET active_leaf_id = "
        "(SELECT max(id) FROM messages WHERE messages.conversation_id = conversations.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        for column in ("sampling_json", "budget", "rating", "keep_thinking"):
            batch.drop_column(column)
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("active_leaf_id")
