"""Commands that train what ships in the package: eval train-ranker (the learned ranker and its answer model,
measured leave one catalog out) and eval train-intents (the intent classifier, measured on held-out folds).

Each dataset's catalog is ingested once into a temporary data directory (merchant `eval`) and reopened per
ranker, with the dataset's own currency rates, so the stored catalog is never touched.
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
from bot.cli.catalog import progress_bar, run_command
from bot.cli.evaluate import EVAL_MERCHANT, figure
from bot.core.intent_model import IntentModel, packaged_intent_model_path
from bot.evaluation.intent_training import FOLDS, Comparison, IntentTraining
from bot.evaluation.intent_training import train as train_intents
from bot.evaluation.intents import TRAINING_UTTERANCES, UTTERANCES, IntentSetError, Utterance, load_utterances
from bot.evaluation.retrieval import Dataset, RetrievalEvaluation, evaluate, ingest_dataset, load_dataset
from bot.evaluation.retrieval.fitting import QueryExamples, fit
from bot.evaluation.retrieval.training import (
    HeldOut,
    TrainingReport,
    collect,
    evaluation_split,
    tested_texts,
    training_queries,
)
from bot.settings import Settings
from retrieval.embed import Embedder, open_embedder
from retrieval.index import CatalogIndex, Shop
from retrieval.lexical import Tokenizer
from retrieval.ranker import NO_RANKER, packaged_ranker_path


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
    """Train the learned ranker and its answer model on the train and dev splits of the catalogs (and the demo
    set), measure each catalog's dev split with a ranker trained without it, and write the ranker trained on all."""
    settings = load_settings(data_dir)
    directories = datasets or default_datasets()
    report = run_command(_train(settings, directories, out or packaged_ranker_path(), progress=not as_json))
    if as_json:
        console.print_json(report.model_dump_json())
        return
    for catalog, dropped in report.dropped.items():
        console.print(
            f"{catalog}: trained on {report.trained_queries[catalog]} queries; leakage guard dropped {len(dropped)} "
            f"train queries that repeat a test query{': ' + ', '.join(dropped) if dropped else ''}"
        )
    table = Table(title="Leave one catalog out (trained on the others)", title_justify="left", header_style="bold")
    columns = ("held out", "split", "queries", "learned", "fusion", "assistant", "not carried", "false", "violations")
    for column in columns:
        table.add_column(column, justify="left" if column in ("held out", "split") else "right")
    for row in report.held_out:
        table.add_row(
            row.catalog,
            row.split,
            str(row.queries),
            figure(row.learned_ndcg),
            figure(row.fusion_ndcg),
            figure(row.assistant_ndcg),
            figure(row.not_carried_recall),
            figure(row.false_not_carried_rate),
            figure(row.violation_rate),
        )
    table.caption = (
        "NDCG@10 of the learned order, the fusion and what the assistant shows; its 'nothing matches' answers"
    )
    console.print(table)
    verdict = "beats" if report.learned_beats_fusion_everywhere else "does NOT beat"
    console.print(
        f"The learned ranker {verdict} the fusion on every held-out catalog. Answer floor {report.ranker.floor:.3f} "
        f"(chosen leave one catalog out). Written to {report.written_to}"
    )


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
    tests = tested_texts(data for _, data in loaded)
    embedder = await open_embedder(settings.retrieval)
    tokenizer = await asyncio.to_thread(Tokenizer)
    with contextlib.ExitStack() as scratch:
        dirs = {
            data.name: Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="shopguide-train-")))
            for _, data in loaded
        }
        examples: dict[str, list[QueryExamples]] = {}
        dropped: dict[str, list[str]] = {}
        for directory, data in loaded:
            queries, dropped[data.name] = training_queries(data, tests)
            async with _index(settings, data, dirs[data.name], embedder, None) as shop:
                with progress_bar(f"embedding {data.name}", progress):
                    await ingest_dataset(shop, data, directory)
                examples[data.name] = await collect(shop, data, queries)
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
                        split=evaluation_split(data),
                        systems=["learned", "fusion", "assistant"],
                        progress=update,
                    )
            held_out.append(_held_out(data.name, result))
    everything = [e for rows in examples.values() for e in rows]
    ranker = fit(
        everything,
        note="trained by `shopguide eval train-ranker` on the train and dev splits of " + ", ".join(examples),
    )
    ranker.save(out)
    return TrainingReport(
        held_out=held_out,
        ranker=ranker,
        written_to=str(out),
        trained_queries={name: len(rows) for name, rows in examples.items()},
        dropped=dropped,
    )


@asynccontextmanager
async def _index(
    settings: Settings, dataset: Dataset, directory: Path, embedder: Embedder, ranker: Path | None
) -> AsyncIterator[Shop]:
    """The dataset's shop in `directory` (ingested once, reopened per ranker), with the dataset's rates."""
    # Features are collected with no ranker at all: training must not depend on the one it replaces.
    update: dict[str, object] = {"ranker": "learned", "ranker_path": str(ranker) if ranker else NO_RANKER}
    if (rates := dataset.meta.currency_rates()) is not None:
        update["currency_rates"] = rates
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
        assistant_ndcg=assistant.ndcg_at_10,
        not_carried_recall=assistant.not_carried_recall,
        false_not_carried_rate=assistant.false_not_carried_rate,
        violation_rate=assistant.violation_rate,
    )


# --- eval train-intents ----------------------------------------------------------------------------


@eval_app.command("train-intents")
def eval_train_intents(
    training: Annotated[
        Path, typer.Option("--training", help="The training utterances (datasets/intents/train/README.md).")
    ] = TRAINING_UTTERANCES,
    utterances: Annotated[
        Path, typer.Option("--utterances", help="The evaluation set; only its dev split is trained on.")
    ] = UTTERANCES,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the model (default: the packaged bot/core/intent_model.json)."),
    ] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Train the intent classifier on the training utterances and the evaluation set's dev split (never test),
    with the configured encoder; choose the rule intents it trusts on folds of the training utterances; write it."""
    settings = load_settings(data_dir)
    try:
        train_set, evaluation = load_utterances(training), load_utterances(utterances)
    except IntentSetError as exc:
        fail(str(exc))
    dev = [u for u in evaluation if u.split == "dev"]
    target = out or packaged_intent_model_path()
    model, folds = run_command(_train_intents(settings, train_set, dev))
    model.save(target)
    report = IntentTraining(model=model, folds=folds, written_to=str(target))
    if as_json:
        console.print_json(report.model_dump_json(exclude={"model": {"weights"}}))
        return
    console.print(
        f"Trained on {len(train_set)} training messages and {len(dev)} dev messages ({model.encoder} vectors). "
        f"On {folds.messages} training messages held out in {FOLDS} folds: rules alone {folds.rules_accuracy:.1%}, "
        f"rules + classifier {folds.combined_accuracy:.1%}; trusted rule intents: {', '.join(folds.trusted) or 'none'}. "
        f"Written to {target}"
    )


async def _train_intents(
    settings: Settings, training: list[Utterance], dev: list[Utterance]
) -> tuple[IntentModel, Comparison]:
    embedder = await open_embedder(settings.retrieval)
    both = [*training, *dev]
    vectors = dict(zip([u.id for u in both], await embedder.embed([u.text for u in both]), strict=True))
    return await asyncio.to_thread(train_intents, training, dev, vectors, embedder.name)
