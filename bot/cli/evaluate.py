"""Commands: eval retrieval (judged datasets), eval train-ranker (the learned ranker, leave-one-catalog-out),
eval intents (the labeled utterance set).

A dataset's catalog is ingested into a temporary data directory (merchant `eval`), with the dataset's own
currency rates, so the stored catalog is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import demo
from bot.cli.app import DataDirOption, JsonOption, console, eval_app, fail, load_settings
from bot.cli.catalog import open_index, progress_bar, run_command
from bot.evaluation.intents import UTTERANCES, IntentSetError, evaluate_intents, load_utterances
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
from bot.evaluation.retrieval.training import HeldOut, QueryExamples, TrainingReport, collect, fit, training_split
from bot.settings import Settings
from retrieval.embed import Embedder, open_embedder
from retrieval.index import CatalogIndex, Shop
from retrieval.lexical import Tokenizer
from retrieval.ranker import packaged_ranker_path

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
        _figure(row.ndcg_at_10),
        _figure(row.mrr_at_10),
        _figure(row.recall_at_50),
        "-" if row.violation_rate is None else f"{row.violation_rate:.1%} of {row.constrained_slots}",
        "-" if row.not_carried_recall is None else f"{row.not_carried_recall:.0%} of {row.not_carried}",
        "-" if row.false_not_carried_rate is None else f"{row.false_not_carried_rate:.1%}",
    ]


def _split(split: str) -> SplitChoice:
    splits: dict[str, SplitChoice] = {"dev": "dev", "test": "test", "all": "all"}
    if split not in splits:
        fail(f"--split {split}: use dev, test or all")
    return splits[split]


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


# --- eval train-ranker -----------------------------------------------------------------------------


@eval_app.command("train-ranker")
def eval_train_ranker(
    datasets: Annotated[
        list[Path] | None,
        typer.Option("--dataset", help="Repeat per catalog (default: demo/shop and every prepared datasets/<name>)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the ranker (default: the packaged retrieval/ranker.json)."),
    ] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Train the learned ranker on the dev splits of the catalogs (and the demo set), measure it on each catalog
    left out of its training (against the untrained fusion), and write the ranker trained on all of them."""
    settings = load_settings(data_dir)
    directories = datasets or default_datasets()
    report = run_command(_train(settings, directories, out or packaged_ranker_path(), progress=not as_json))
    if as_json:
        console.print_json(report.model_dump_json())
        return
    table = Table(title="Leave one catalog out (trained on the others)", title_justify="left", header_style="bold")
    for column in ("held out", "split", "queries", "learned NDCG@10", "fusion NDCG@10", "not carried", "false"):
        table.add_column(column, justify="left" if column in ("held out", "split") else "right")
    for row in report.held_out:
        table.add_row(
            row.catalog,
            row.split,
            str(row.queries),
            _figure(row.learned_ndcg),
            _figure(row.fusion_ndcg),
            _figure(row.not_carried_recall),
            _figure(row.false_not_carried_rate),
        )
    console.print(table)
    verdict = "beats" if report.learned_beats_fusion_everywhere else "does NOT beat"
    console.print(f"The learned ranker {verdict} the fusion on every held-out catalog. Written to {report.written_to}")


def default_datasets() -> list[Path]:
    """The demo set and every dataset folder whose catalog has been prepared."""
    root = Path("datasets")
    prepared = sorted(p for p in root.glob("*") if (p / "products.jsonl").is_file() and (p / "qrels.tsv").is_file())
    return [demo.shop_dir(), *prepared]


async def _train(settings: Settings, directories: list[Path], out: Path, *, progress: bool) -> TrainingReport:
    loaded = [(directory, load_dataset(directory)) for directory in directories]
    seen: dict[str, int] = {}
    for _, data in loaded:  # two folders of one shop name are still two catalogs
        seen[data.name] = seen.get(data.name, 0) + 1
        if seen[data.name] > 1:
            data.name = f"{data.name}#{seen[data.name]}"
    embedder = await open_embedder(settings.retrieval)
    tokenizer = await asyncio.to_thread(Tokenizer)
    with contextlib.ExitStack() as scratch:
        dirs = {
            data.name: Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="shopguide-train-")))
            for _, data in loaded
        }
        examples: dict[str, list[QueryExamples]] = {}
        for directory, data in loaded:
            async with _index(settings, data, dirs[data.name], embedder, None) as shop:
                with progress_bar(f"embedding {data.name}", progress):
                    await ingest_dataset(shop, data, directory)
                examples[data.name] = await collect(shop, data, training_split(data))
        held_out = []
        for _, data in loaded:
            others = [e for name, rows in examples.items() if name != data.name for e in rows]
            model_path = dirs[data.name] / "fold-ranker.json"
            fit(others, note=f"without {data.name}").save(model_path)
            async with _index(settings, data, dirs[data.name], embedder, model_path) as shop:
                with progress_bar(f"held out: {data.name}", progress) as update:
                    result = await evaluate(
                        shop,
                        data,
                        tokenizer,
                        split=training_split(data),
                        systems=["learned", "fusion", "assistant"],
                        progress=update,
                    )
            held_out.append(_held_out(data.name, result))
    everything = [e for rows in examples.values() for e in rows]
    ranker = fit(
        everything, note="trained by `shopguide eval train-ranker` on the dev splits of " + ", ".join(examples)
    )
    ranker.save(out)
    return TrainingReport(held_out=held_out, ranker=ranker, written_to=str(out))


@asynccontextmanager
async def _index(
    settings: Settings, dataset: Dataset, directory: Path, embedder: Embedder, ranker: Path | None
) -> AsyncIterator[Shop]:
    """The dataset's shop in `directory` (ingested once, reopened per ranker), with the dataset's rates."""
    update: dict[str, object] = {}
    if (rates := dataset.meta.currency_rates()) is not None:
        update["currency_rates"] = rates
    if ranker is not None:
        update |= {"ranker": "learned", "ranker_path": str(ranker)}
    index = await CatalogIndex.open(directory, settings.retrieval.model_copy(update=update), embedder=embedder)
    try:
        yield await index.merchant(EVAL_MERCHANT)
    finally:
        await index.close()


def _held_out(name: str, result: RetrievalEvaluation) -> HeldOut:
    overall = {row.system: row for row in result.results if row.type == "all" and row.split == result.split}
    assistant = overall["assistant"]
    return HeldOut(
        catalog=name,
        split=result.split,
        queries=result.queries,
        learned_ndcg=overall["learned"].ndcg_at_10,
        fusion_ndcg=overall["fusion"].ndcg_at_10,
        not_carried_recall=assistant.not_carried_recall,
        false_not_carried_rate=assistant.false_not_carried_rate,
    )


# --- eval intents ----------------------------------------------------------------------------------


@eval_app.command("intents")
def eval_intents(
    split: SplitOption = "all",
    utterances: Annotated[
        Path, typer.Option("--utterances", help="The labeled set (datasets/intents/README.md).")
    ] = UTTERANCES,
    errors: Annotated[bool, typer.Option("--errors", help="List every misread message.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Per-intent precision and recall of the assistant's understanding on the labeled utterance set."""
    which = _split(split)
    try:
        result = evaluate_intents(load_utterances(utterances), which)
    except IntentSetError as exc:
        fail(str(exc))
    if as_json:
        console.print_json(result.model_dump_json())
        return
    trap = "-" if result.trap_accuracy is None else f"{result.trap_accuracy:.1%} of {result.traps}"
    table = Table(
        title=f"Intents ({result.split}): {result.utterances} messages, accuracy {result.accuracy:.1%}, traps {trap}",
        title_justify="left",
        header_style="bold",
    )
    for column in ("intent", "support", "predicted", "precision", "recall"):
        table.add_column(column, justify="left" if column == "intent" else "right")
    for row in result.per_intent:
        table.add_row(row.intent, str(row.support), str(row.predicted), _figure(row.precision), _figure(row.recall))
    console.print(table)
    if errors:
        for error in result.errors:
            console.print(f"{error['id']} ({error['context']}): {error['expected']} -> {error['got']}: {error['text']}")
