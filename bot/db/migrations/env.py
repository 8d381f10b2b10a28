"""Alembic environment: runs on the connection bot.db.migrate hands over (async engines)."""

from __future__ import annotations

from alembic import context

from bot.db.metadata import all_metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `esign-bot db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=all_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
