"""One evaluation run: ingest a dataset's catalog, answer its queries with each system, measure, and write the
run file an outside scorer can read (`write_run`: one JSON line per query, the assistant's top 50 SKUs and
whether it said nothing matches)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from bot.evaluation.retrieval.dataset import Dataset, DatasetError, EvalQuery, SplitChoice
from bot.evaluation.retrieval.metrics import (
    RECALL_DEPTH,
    ConstraintChecker,
    QueryResult,
    Scored,
    SliceMetrics,
    score,
    summarise,
)
from bot.evaluation.retrieval.systems import SYSTEMS, PlainBM25, Runner, System
from retrieval.index import Shop
from retrieval.lexical import Tokenizer


class RetrievalEvaluation(BaseModel):
    dataset: str
    products: int
    queries: int
    split: str
    results: list[SliceMetrics]
    runs: dict[str, list[QueryResult]] = Field(default_factory=dict, exclude=True)


async def ingest_dataset(shop: Shop, dataset: Dataset, directory: Path | None = None) -> None:
    """Upload the dataset's catalog files into `shop`; every row must be accepted."""
    for kind, (name, data) in dataset.files.items():
        report = await shop.ingest(kind, name, data)
        if not report.ok:
            problems = report.parsed.errors or [str(r) for r in report.rejected[:5]]
            where = directory / name if directory else name
            raise DatasetError(f"{where} does not ingest cleanly: {'; '.join(problems)}")


async def evaluate(
    shop: Shop,
    dataset: Dataset,
    tokenizer: Tokenizer,
    *,
    split: SplitChoice = "all",
    systems: Sequence[System] = SYSTEMS,
    progress: Callable[[int, int], None] | None = None,
) -> RetrievalEvaluation:
    """Answer the `split` queries with every system on the shop (the dataset already ingested) and measure."""
    products = await shop.products()
    queries = dataset.selected(split)
    runner = Runner(shop, await shop.vocabulary(), PlainBM25(products, tokenizer))
    checker = ConstraintChecker(
        products, dataset.meta.currency or (await shop.stats()).currency or "CNY", shop.currency_rates
    )
    runs: dict[str, list[QueryResult]] = {system: [] for system in systems}
    scored: dict[str, list[tuple[EvalQuery, Scored]]] = {system: [] for system in systems}
    total, done = len(systems) * len(queries), 0
    for query in queries:
        for system in systems:
            result = await runner.answer(system, query)
            runs[system].append(result)
            grades = dataset.qrels.get(query.id, {})
            scored[system].append((query, score(result, grades, dataset.answerable(query), query.constraints, checker)))
            done += 1
            if progress is not None:
                progress(done, total)
    return RetrievalEvaluation(
        dataset=dataset.name,
        products=len(products),
        queries=len(queries),
        split=split,
        results=[row for system in systems for row in _slices(system, split, scored[system])],
        runs=runs,
    )


def _slices(system: str, split: str, scored: list[tuple[EvalQuery, Scored]]) -> list[SliceMetrics]:
    """All queries, then each split (when there are several), then each type."""
    rows = [summarise(system, split, "all", [s for _, s in scored])]
    splits = sorted({q.split for q, _ in scored if q.split})
    if len(splits) > 1:
        rows += [summarise(system, name, "all", [s for q, s in scored if q.split == name]) for name in splits]
    for kind in dict.fromkeys(q.type for q, _ in scored):
        rows.append(summarise(system, split, kind, [s for q, s in scored if q.type == kind]))
    return rows


def write_run(path: Path, results: Sequence[QueryResult]) -> None:
    """One JSON line per query: `{"query_id", "results": [top 50 SKUs, in order], "no_match"}`; a result that
    stands for several variants lists its SKU, then theirs."""
    with path.open("w", encoding="utf-8") as out:
        for result in results:
            skus = [sku for group in result.results for sku in group][:RECALL_DEPTH]
            line = {"query_id": result.query_id, "results": skus, "no_match": result.no_match}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
