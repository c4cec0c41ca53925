"""Commands: eval retrieval (judged datasets) and eval intents (the labeled utterance set); the commands that
train are in `training.py`.

A dataset's catalog is ingested into a temporary data directory (merchant `eval`), with the dataset's own
currency rates, so the stored catalog is never touched.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from bot.cli.app import DataDirOption, JsonOption, console, eval_app, fail, load_settings
from bot.cli.catalog import open_index, progress_bar, run_command
from bot.evaluation.intents import (
    UTTERANCES,
    IntentSetError,
    Utterance,
    evaluate_intents,
    load_utterances,
    vectors_of,
)
from bot.evaluation.retrieval import (
    SYSTEMS,
    Dataset,
    RetrievalEvaluation,
    SliceMetrics,
    System,
    evaluate,
    ingest_dataset,
    load_dataset,
    write_run,
)
from bot.evaluation.retrieval.dataset import SplitChoice
from bot.settings import Settings
from retrieval.embed import open_embedder
from retrieval.index import Shop
from retrieval.lexical import Tokenizer

EVAL_MERCHANT = "eval"

DatasetOption = Annotated[
    Path,
    typer.Option(
        "--dataset",
        help="A dataset folder: products.jsonl, queries.jsonl, qrels.tsv (+ reviews.jsonl, policies.md, "
        "dataset.json); see docs/EVALUATION.md. The demo set: demo/shop; the real ones: datasets/<name>.",
    ),
]
SplitOption = Annotated[
    str, typer.Option("--split", help="train or dev (tune on them), test (report it, never tune on it) or all.")
]


@asynccontextmanager
async def dataset_shop(settings: Settings, dataset: Dataset, directory: Path, *, progress: bool) -> AsyncIterator[Shop]:
    """A temporary index holding the dataset's catalog, searched with the dataset's currency rates."""
    rates = dataset.meta.currency_rates()
    if rates is not None:
        settings = settings.model_copy(
            update={"retrieval": settings.retrieval.model_copy(update={"currency_rates": rates})}
        )
    with tempfile.TemporaryDirectory(prefix="shopguide-eval-") as scratch:
        async with open_index(settings, Path(scratch)) as index:
            shop = await index.merchant(EVAL_MERCHANT)
            with progress_bar(f"embedding {dataset.name}", progress):
                await ingest_dataset(shop, dataset, directory)
            yield shop


@eval_app.command("retrieval")
def eval_retrieval(
    dataset: DatasetOption,
    split: SplitOption = "all",
    run_out: Annotated[
        Path | None,
        typer.Option(
            "--run-out", help='Write the assistant\'s run: one JSON line per query {"query_id", "results", "no_match"}.'
        ),
    ] = None,
    systems: Annotated[str, typer.Option("--systems", help=f"Comma-separated, from: {', '.join(SYSTEMS)}.")] = ",".join(
        SYSTEMS
    ),
    ranker: Annotated[
        str | None,
        typer.Option("--ranker", help="learned or fusion: how the assistant orders results (default: the setting)."),
    ] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """NDCG@10, MRR@10, Recall@50, constraint violations in the shown slots and "not carried" answers, per split
    and query type, for the assistant and the baselines (docs/EVALUATION.md)."""
    settings = load_settings(data_dir)
    which = _split(split)
    chosen = [s.strip() for s in systems.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SYSTEMS]
    if unknown or not chosen:
        fail(f"--systems: unknown {', '.join(unknown) or '(none)'}; choose from {', '.join(SYSTEMS)}")
    if ranker is not None:
        if ranker not in ("learned", "fusion"):
            fail(f"--ranker {ranker}: use learned or fusion")
        settings = settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update={"ranker": ranker})})
    result = run_command(
        _eval_retrieval(settings, dataset, which, [s for s in SYSTEMS if s in chosen], progress=not as_json)
    )
    if run_out is not None and "assistant" in result.runs:
        write_run(run_out, result.runs["assistant"])
    if as_json:
        console.print_json(result.model_dump_json())
        return
    console.print(retrieval_table(result))


async def _eval_retrieval(
    settings: Settings, directory: Path, split: SplitChoice, systems: list[System], *, progress: bool
) -> RetrievalEvaluation:
    data = load_dataset(directory)
    tokenizer = await asyncio.to_thread(Tokenizer)
    async with dataset_shop(settings, data, directory, progress=progress) as shop:
        with progress_bar(f"answering ({', '.join(systems)})", progress) as update:
            return await evaluate(shop, data, tokenizer, split=split, systems=systems, progress=update)


def retrieval_table(result: RetrievalEvaluation) -> Table:
    table = Table(
        title=f"{result.dataset}: {result.queries} queries ({result.split}), {result.products} products",
        title_justify="left",
        header_style="bold",
    )
    table.caption = (
        "violations: top-5 slots shown as matches that break a stated constraint; not carried: unanswerable "
        "queries answered 'nothing matches'; false: answerable queries answered so"
    )
    for column in (
        "system",
        "split",
        "type",
        "queries",
        "NDCG@10",
        "MRR@10",
        "R@50",
        "violations",
        "not carried",
        "false",
    ):
        table.add_column(column, justify="left" if column in ("system", "split", "type") else "right")
    for row in result.results:
        table.add_row(*slice_cells(row))
    return table


def slice_cells(row: SliceMetrics) -> list[str]:
    return [
        row.system,
        row.split,
        row.type,
        f"{row.queries}",
        figure(row.ndcg_at_10),
        figure(row.mrr_at_10),
        figure(row.recall_at_50),
        "-" if row.violation_rate is None else f"{row.violation_rate:.1%} of {row.constrained_slots}",
        "-" if row.not_carried_recall is None else f"{row.not_carried_recall:.0%} of {row.not_carried}",
        "-" if row.false_not_carried_rate is None else f"{row.false_not_carried_rate:.1%}",
    ]


def _split(split: str) -> SplitChoice:
    splits: dict[str, SplitChoice] = {"train": "train", "dev": "dev", "test": "test", "all": "all"}
    if split not in splits:
        fail(f"--split {split}: use train, dev, test or all")
    return splits[split]


def figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


# --- eval intents ----------------------------------------------------------------------------------


@eval_app.command("intents")
def eval_intents(
    split: SplitOption = "all",
    utterances: Annotated[
        Path, typer.Option("--utterances", help="The labeled set (datasets/intents/README.md).")
    ] = UTTERANCES,
    rules_only: Annotated[
        bool, typer.Option("--rules-only", help="The rules alone, without the intent classifier.")
    ] = False,
    errors: Annotated[bool, typer.Option("--errors", help="List every misread message.")] = False,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Per-intent precision and recall of the assistant's understanding (the rules and the intent classifier, on
    the configured encoder's vectors) on the labeled utterance set."""
    which = _split(split)
    try:
        labeled = load_utterances(utterances)
    except IntentSetError as exc:
        fail(str(exc))
    chosen = [u for u in labeled if which == "all" or u.split == which]
    vectors = {} if rules_only else run_command(_vectors(load_settings(data_dir), chosen))
    result = evaluate_intents(chosen, which, vectors)
    if as_json:
        console.print_json(result.model_dump_json())
        return
    trap = "-" if result.trap_accuracy is None else f"{result.trap_accuracy:.1%} of {result.traps}"
    method = "rules alone" if not vectors else "rules + classifier"
    table = Table(
        title=f"Intents ({result.split}, {method}): {result.utterances} messages, accuracy {result.accuracy:.1%}, "
        f"traps {trap}",
        title_justify="left",
        header_style="bold",
    )
    for column in ("intent", "support", "predicted", "precision", "recall"):
        table.add_column(column, justify="left" if column == "intent" else "right")
    for row in result.per_intent:
        table.add_row(row.intent, str(row.support), str(row.predicted), figure(row.precision), figure(row.recall))
    console.print(table)
    if errors:
        for error in result.errors:
            console.print(f"{error['id']} ({error['context']}): {error['expected']} -> {error['got']}: {error['text']}")


async def _vectors(settings: Settings, utterances: list[Utterance]) -> dict[str, np.ndarray]:
    return await vectors_of(utterances, await open_embedder(settings.retrieval))
