"""Commands: chat, ask, eval conversations."""

from __future__ import annotations

from bot.cli.app import app  # noqa: F401
