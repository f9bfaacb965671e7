"""Jinja2 templates of every message the bot sends, one folder per language."""
