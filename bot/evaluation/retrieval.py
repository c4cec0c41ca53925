"""Retrieval quality on a labeled set: NDCG@10, MRR@10, Recall@50 and filter violations, per search mode.

Dataset layout (a directory; `demo/shop/` is one):

- `products.jsonl`: the catalog, one product per line, in any form `retrieval.catalog` accepts
  (`{"sku": ..., "title": ..., "price": ..., "category": "户外 > 服装 > 冲锋衣", ...}`).
- `queries.jsonl`: one query per line, `{"id": "q001", "text": "500元以内的冲锋衣", "lang": "zh"}`.
- `qrels.tsv`: `query_id<TAB>sku<TAB>grade`, grade 0-3 (0 not relevant, 1 partly, 2 relevant, 3 exactly
  what was asked). Lines starting with `#` and a `query_id` header line are skipped. A query with no line of
  grade 1 or more has no correct answer in the catalog: the right response is an empty result.

Each query goes through `parse_query` (as a customer's message would) and `CatalogIndex.search` with the
parsed filters, once per mode (hybrid, lexical = BM25 only, dense = embeddings only). Metrics:

- NDCG@10 (gain 2^grade - 1), MRR@10 (first result of grade >= 1) and Recall@50 (share of the graded-relevant
  SKUs among the first 50 results), averaged over the queries that have an answer. A result counts with its
  collapsed variants (`ProductHit.variants`): the best grade among them is the result's grade.
- Filter-violation rate: the share of all returned results that break the query's parsed hard filters.
- No-answer empty rate: the share of no-answer queries for which the search returned nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, ValidationError

from retrieval.query import parse_query

if TYPE_CHECKING:
    from retrieval.index import Shop
    from retrieval.search import ProductHit, SearchMode

PRODUCTS_FILE = "products.jsonl"
QUERIES_FILE = "queries.jsonl"
QRELS_FILE = "qrels.tsv"
MODES: tuple[SearchMode, ...] = ("hybrid", "lexical", "dense")
RECALL_DEPTH = 50
RANK_DEPTH = 10


class DatasetError(ValueError):
    """The dataset directory is incomplete or malformed; the message names the file and line."""


class EvalQuery(BaseModel):
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    lang: Literal["zh", "en"]


class Dataset(BaseModel):
    """A loaded dataset: catalog bytes, queries, and grades per query (`qrels[query_id][sku] = grade`)."""

    products: bytes
    queries: list[EvalQuery]
    qrels: dict[str, dict[str, int]]

    def relevant(self, query_id: str) -> dict[str, int]:
        return {sku: grade for sku, grade in self.qrels.get(query_id, {}).items() if grade > 0}


class ModeMetrics(BaseModel):
    """The metrics of one search mode over one slice of the queries (`lang` = "all", "zh" or "en")."""

    mode: str
    lang: str
    queries: int = Field(description="Queries with a correct answer (the ranking metrics average over these).")
    ndcg_at_10: float
    mrr_at_10: float
    recall_at_50: float
    filter_violation_rate: float
    no_answer_queries: int
    no_answer_empty_rate: float | None = Field(None, description="None when the slice has no no-answer query.")


class RetrievalEvaluation(BaseModel):
    products: int
    queries: int
    results: list[ModeMetrics]


def load_dataset(directory: Path) -> Dataset:
    """Read and cross-check the three files (every qrels query and SKU must exist)."""
    paths = {name: directory / name for name in (PRODUCTS_FILE, QUERIES_FILE, QRELS_FILE)}
    missing = [name for name, path in paths.items() if not path.is_file()]
    if missing:
        raise DatasetError(f"{directory}: missing {', '.join(missing)} (layout: see `shopguide eval retrieval --help`)")
    products = paths[PRODUCTS_FILE].read_bytes()
    queries = list(_read_queries(paths[QUERIES_FILE]))
    ids = [q.id for q in queries]
    if len(set(ids)) != len(ids):
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        raise DatasetError(f"{QUERIES_FILE}: query ids must be unique; repeated: {', '.join(duplicated)}")
    qrels = _read_qrels(paths[QRELS_FILE], set(ids), _skus(products))
    return Dataset(products=products, queries=queries, qrels=qrels)


def _read_queries(path: Path) -> Iterable[EvalQuery]:
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield EvalQuery.model_validate_json(line)
        except ValidationError as exc:
            raise DatasetError(
                f'{QUERIES_FILE} line {number}: {exc.errors()[0]["msg"]} (expected {{"id", "text", "lang": "zh"|"en"}})'
            ) from None


def _skus(products: bytes) -> set[str]:
    skus = set()
    for line in products.decode("utf-8-sig").splitlines():
        if line.strip():
            try:
                skus.add(str(json.loads(line)["sku"]).strip())
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # the catalog parser reports these rows when the dataset is ingested
    return skus


def _read_qrels(path: Path, query_ids: set[str], skus: set[str]) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line.startswith("query_id"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not fields[2].strip().isdigit() or not 0 <= int(fields[2]) <= 3:
            raise DatasetError(f"{QRELS_FILE} line {number}: expected query_id<TAB>sku<TAB>grade (0-3), got {line!r}")
        query_id, sku, grade = fields[0].strip(), fields[1].strip(), int(fields[2])
        if query_id not in query_ids:
            raise DatasetError(f"{QRELS_FILE} line {number}: query {query_id!r} is not in {QUERIES_FILE}")
        if sku not in skus:
            raise DatasetError(f"{QRELS_FILE} line {number}: SKU {sku!r} is not in {PRODUCTS_FILE}")
        qrels.setdefault(query_id, {})[sku] = grade
    return qrels


async def evaluate(
    shop: Shop,
    dataset: Dataset,
    *,
    modes: Sequence[SearchMode] = MODES,
    progress: Callable[[int, int], None] | None = None,
) -> RetrievalEvaluation:
    """Run every query in every mode against the shop's catalog (already ingested) and score it."""
    vocabulary = await shop.vocabulary()
    runs: dict[str, list[_QueryRun]] = {mode: [] for mode in modes}
    total, done = len(modes) * len(dataset.queries), 0
    for query in dataset.queries:
        parsed = parse_query(query.text, vocabulary)
        for mode in modes:
            hits = await shop.search(parsed.text, parsed.filters, RECALL_DEPTH, sort=parsed.sort, mode=mode)
            relevant = dataset.relevant(query.id)
            runs[mode].append(
                _QueryRun(
                    query=query,
                    grades=_grades(hits, dataset.qrels.get(query.id, {})),
                    relevant=relevant,
                    found={sku for hit in hits for sku in (hit.product.sku, *hit.variants) if sku in relevant},
                    violations=sum(not parsed.filters.matches(hit.product, shop.currency_rates) for hit in hits),
                )
            )
            done += 1
            if progress is not None:
                progress(done, total)
    products = sum(1 for line in dataset.products.splitlines() if line.strip())
    results = [
        _metrics(mode, lang, [run for run in mode_runs if lang == "all" or run.query.lang == lang])
        for mode, mode_runs in runs.items()
        for lang in ("all", "zh", "en")
    ]
    return RetrievalEvaluation(products=products, queries=len(dataset.queries), results=results)


class _QueryRun(BaseModel):
    query: EvalQuery
    grades: list[int] = Field(description="Grade of each returned result, in rank order.")
    relevant: dict[str, int]
    found: set[str] = Field(description="Relevant SKUs among the results (a result covers its variants).")
    violations: int


def _grades(hits: Sequence[ProductHit], grades: dict[str, int]) -> list[int]:
    return [max(grades.get(sku, 0) for sku in (hit.product.sku, *hit.variants)) for hit in hits]


def _metrics(mode: str, lang: str, runs: list[_QueryRun]) -> ModeMetrics:
    answered = [run for run in runs if run.relevant]
    unanswerable = [run for run in runs if not run.relevant]
    returned = sum(len(run.grades) for run in runs)
    return ModeMetrics(
        mode=mode,
        lang=lang,
        queries=len(answered),
        ndcg_at_10=_mean(ndcg(run.grades, list(run.relevant.values()), RANK_DEPTH) for run in answered),
        mrr_at_10=_mean(reciprocal_rank(run.grades, RANK_DEPTH) for run in answered),
        recall_at_50=_mean(len(run.found) / len(run.relevant) for run in answered),
        filter_violation_rate=sum(run.violations for run in runs) / returned if returned else 0.0,
        no_answer_queries=len(unanswerable),
        no_answer_empty_rate=_mean(float(not run.grades) for run in unanswerable) if unanswerable else None,
    )


def ndcg(grades: Sequence[int], ideal_grades: Sequence[int], depth: int) -> float:
    """Normalised discounted cumulative gain of `grades` (in rank order) against the best possible order."""
    ideal = _dcg(sorted(ideal_grades, reverse=True)[:depth])
    return _dcg(grades[:depth]) / ideal if ideal else 0.0


def _dcg(grades: Sequence[int]) -> float:
    return sum((2**grade - 1) / math.log2(rank + 1) for rank, grade in enumerate(grades, start=1))


def reciprocal_rank(grades: Sequence[int], depth: int) -> float:
    return next((1.0 / rank for rank, grade in enumerate(grades[:depth], start=1) if grade > 0), 0.0)


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0
