"""The typer application and what every command shares: settings, logging, error output."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from bot.settings import Settings, describe_invalid_settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help="ShopGuide: a grounded AI shopping assistant.")
eval_app = typer.Typer(no_args_is_help=True, help="Quality checks: retrieval metrics and the conversation suite.")
app.add_typer(eval_app, name="eval")
console = Console()
err_console = Console(stderr=True)

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Where the catalog, indexes and state live (default: SHOPGUIDE_DATA_DIR or ./data)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def load_settings(data_dir: Path | None = None) -> Settings:
    """Read settings once for a command, with `--data-dir` taking precedence, and set up logging."""
    try:
        settings = Settings()
    except ValidationError as exc:
        fail(describe_invalid_settings(exc))
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Third-party chatter would drown the command's own output.
    for noisy in ("httpx", "chromadb", "jieba", "bm25s", "urllib3", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return settings


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an actionable error to stderr and exit non-zero."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)
