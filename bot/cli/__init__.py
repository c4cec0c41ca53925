"""The `shopguide` console entry point: one typer app assembled from per-area command modules."""

from __future__ import annotations

from bot.cli import catalog, chat, demo, evaluate, held, llm, run, training, uploads  # noqa: F401  (each module registers its commands)
from bot.cli.app import app


def main() -> None:
    app()
