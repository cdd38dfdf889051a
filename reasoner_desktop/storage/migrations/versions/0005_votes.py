"""Votes among parallel reasoning paths: one row per question answered by several paths.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("question_id", sa.Integer, sa.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text, nullable=False, server_default=""),
        sa.Column("agree", sa.Integer, nullable=False, server_default="0"),
        sa.Column("of", sa.Integer, nullable=False, server_default="0"),
        sa.Column("winner_id", sa.Integer),
        sa.Column("paths_json", sa.Text, nullable=False, server_default="[]"),
        sa.Column("created_at", sa.DateTime),
        sa.UniqueConstraint("question_id", name="uq_votes_question_id"),
    )
    op.create_index("ix_votes_conversation_id", "votes", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_votes_conversation_id", "votes")
    op.drop_table("votes")
