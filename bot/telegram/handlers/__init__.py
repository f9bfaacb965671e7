"""Telegram handlers: each parses an update or a typed button, calls one service method and
shows its result. Which handler takes what is declared in bot/app.py."""
