"""Commands: eval retrieval (judged datasets), eval train-ranker (the learned ranker, leave-one-catalog-out),
eval intents (the labeled utterance set).

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

import typer
from rich.table import Table

from bot.cli.app import DataDirOption, JsonOption, console, eval_app, fail, load_settings
from bot.cli.catalog import open_index, progress_bar, run_async
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
    str, typer.Option("--split", help="dev (tune on it), test (report it, never tune on it) or all.")
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
    if split not in ("dev", "test", "all"):
        fail(f"--split {split}: use dev, test or all")
    chosen = [s.strip() for s in systems.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SYSTEMS]
    if unknown or not chosen:
        fail(f"--systems: unknown {', '.join(unknown) or '(none)'}; choose from {', '.join(SYSTEMS)}")
    if ranker is not None:
        if ranker not in ("learned", "fusion"):
            fail(f"--ranker {ranker}: use learned or fusion")
        settings = settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update={"ranker": ranker})})
    result = run_async(
        _eval_retrieval(settings, dataset, split, [s for s in SYSTEMS if s in chosen], progress=not as_json)  # type: ignore[arg-type]
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
        _figure(row.ndcg_at_10),
        _figure(row.mrr_at_10),
        _figure(row.recall_at_50),
        "-" if row.violation_rate is None else f"{row.violation_rate:.1%} of {row.constrained_slots}",
        "-" if row.not_carried_recall is None else f"{row.not_carried_recall:.0%} of {row.not_carried}",
        "-" if row.false_not_carried_rate is None else f"{row.false_not_carried_rate:.1%}",
    ]


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
