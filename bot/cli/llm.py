"""Commands: serve-llm (embedded engine or vLLM)."""

from __future__ import annotations

from bot.cli.app import app  # noqa: F401
