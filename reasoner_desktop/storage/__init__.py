"""SQLite history: SQLAlchemy models, Alembic migrations, repository. No Qt."""
