"""Retrieval evaluation: the metrics, the dataset loader's errors, and a real run on a tiny labeled set."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bot.evaluation.retrieval import DatasetError, evaluate, load_dataset, ndcg, reciprocal_rank
from retrieval.config import RetrievalConfig
from retrieval.index import CatalogIndex
from tests.retrieval.evalset import QUERIES, write_dataset


def test_ndcg_and_reciprocal_rank() -> None:
    assert ndcg([3, 1], [3, 1], 10) == 1.0
    assert ndcg([1, 3], [3, 1], 10) == pytest.approx((1 + 7 / math.log2(3)) / (7 + 1 / math.log2(3)))
    assert ndcg([0, 0], [2], 10) == 0.0
    assert ndcg([0] * 10 + [3], [3], 10) == 0.0  # beyond the cut-off
    assert (reciprocal_rank([0, 0, 2], 10), reciprocal_rank([0, 0], 10), reciprocal_rank([0, 1], 1)) == (
        1 / 3,
        0.0,
        0.0,
    )


def test_dataset_loads_with_no_answer_queries(tmp_path: Path) -> None:
    dataset = load_dataset(write_dataset(tmp_path))
    assert [q.id for q in dataset.queries] == ["q1", "q2", "q3", "q4"]
    assert dataset.relevant("q1") == {"JKT-1": 3, "JKT-2": 1}
    assert dataset.relevant("q4") == {}


@pytest.mark.parametrize(
    ("qrels", "queries", "message"),
    [
        ("q1\tJKT-1\n", QUERIES, "qrels.tsv line 1: expected query_id<TAB>sku<TAB>grade"),
        ("q1\tJKT-1\t5\n", QUERIES, "grade (0-3)"),
        ("q9\tJKT-1\t1\n", QUERIES, "query 'q9' is not in queries.jsonl"),
        ("q1\tNOPE\t1\n", QUERIES, "SKU 'NOPE' is not in products.jsonl"),
        ("", [*QUERIES, QUERIES[0]], "repeated: q1"),
        ("", [{"id": "q1", "text": "x", "lang": "fr"}], "queries.jsonl line 1"),
    ],
)
def test_malformed_datasets_are_named(tmp_path: Path, qrels: str, queries: list[dict], message: str) -> None:
    with pytest.raises(DatasetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_dataset(write_dataset(tmp_path, qrels, queries))


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="missing products.jsonl, queries.jsonl, qrels.tsv"):
        load_dataset(tmp_path)


async def test_evaluation_on_a_real_index(embedder, tmp_path: Path) -> None:
    dataset = load_dataset(write_dataset(tmp_path / "set"))
    index = await CatalogIndex.open(tmp_path / "data", RetrievalConfig(), embedder=embedder)
    try:
        shop = await index.merchant("eval")
        report = await shop.ingest("products", "products.jsonl", dataset.products)
        assert report.ok
        progress: list[tuple[int, int]] = []
        result = await evaluate(shop, dataset, progress=lambda done, total: progress.append((done, total)))
    finally:
        await index.close()
    assert progress[-1] == (12, 12)
    assert (result.products, result.queries) == (6, 4)
    rows = {(r.mode, r.lang): r for r in result.results}
    assert set(rows) == {(mode, lang) for mode in ("hybrid", "lexical", "dense") for lang in ("all", "zh", "en")}
    hybrid = rows["hybrid", "all"]
    assert (hybrid.queries, hybrid.no_answer_queries) == (3, 1)
    # Hard filters are never broken, and "headphones under 50" has nothing to return in this catalog.
    assert all(r.filter_violation_rate == 0.0 for r in result.results)
    assert hybrid.no_answer_empty_rate == 1.0
    # Tiny and unambiguous: hybrid search puts a relevant product first and finds every one.
    assert hybrid.mrr_at_10 == 1.0 and hybrid.recall_at_50 == 1.0
    assert rows["hybrid", "zh"].queries == 2 and rows["hybrid", "en"].queries == 1
