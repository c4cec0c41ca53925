"""Commands: ingest, search, catalog (stats, list, rollback), eval retrieval."""

from __future__ import annotations

from bot.cli.app import app  # noqa: F401
