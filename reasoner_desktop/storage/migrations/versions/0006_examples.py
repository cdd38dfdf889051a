"""Thoughts kept in context per conversation, and the user's library of worked examples.

`conversations.keep_thoughts` is "Keep all thoughts" for a whole conversation (each answer's own
`keep_thinking` still says what is sent back). `examples` holds the editable worked examples for
manual chain of thought; an example made from an answer remembers it, and outlives it (SET NULL).
`ix_messages_rating` lets the liked answers (rating = 1), few among many, be found without
reading every message.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-11
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("keep_thoughts", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_messages_rating", "messages", ["rating"])
    op.create_table(
        "examples",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("thought", sa.Text, nullable=False, server_default=""),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("source_message_id", sa.Integer, sa.ForeignKey("messages.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    # SQLite looks up the examples of each deleted message (ON DELETE SET NULL): an index, not a scan.
    op.create_index("ix_examples_source_message_id", "examples", ["source_message_id"])


def downgrade() -> None:
    op.drop_index("ix_examples_source_message_id", "examples")
    op.drop_table("examples")
    op.drop_index("ix_messages_rating", "messages")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("keep_thoughts")
