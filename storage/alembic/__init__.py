"""Alembic migrations of the bot's schema (run by storage.migrate)."""
