"""Alembic environment: runs on the connection handed over by storage.database."""

from alembic import context

from reasoner_desktop.storage.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # `alembic` CLI use by developers
    from sqlalchemy import create_engine

    connection = create_engine(config.get_main_option("sqlalchemy.url")).connect()

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
