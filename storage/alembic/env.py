"""Alembic's environment: the connection is handed over by storage.migrate."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations with 'auditbot db upgrade' (storage.migrate), not the alembic CLI")

context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
