"""Retrieval evaluation: the metrics, gold constraints, the dataset loader's errors, and a real run on a tiny set."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bot.evaluation.retrieval import (
    DatasetError,
    GoldConstraints,
    QueryResult,
    evaluate,
    ingest_dataset,
    load_dataset,
    ndcg,
    reciprocal_rank,
    write_run,
)
from bot.evaluation.retrieval.metrics import ConstraintChecker, score
from retrieval.config import RetrievalConfig
from retrieval.index import CatalogIndex
from retrieval.lexical import Tokenizer
from retrieval.models import Product
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


def _product(sku: str, title: str, price: float | None, **fields: object) -> Product:
    return Product.model_validate({"merchant_id": "m", "sku": sku, "title": title, "price": price, **fields})


CATALOG = [
    _product("H1", "华为 HUAWEI P30 手机", 3000),
    _product("H2", "荣耀20 手机 适用于华为", 1999),
    _product("A1", "Apple iPhone 11", 699, currency="USD"),
    _product("N1", "No price phone", None),
    _product("B1", "Branded kettle", 99, brand="NITORI制造商", in_stock=False),
]


@pytest.mark.parametrize(
    ("sku", "gold", "meets"),
    [
        ("H1", GoldConstraints(brands=["华为/HUAWEI"]), True),
        # What a product fits is not its brand: the Honor phone "for Huawei" is not a Huawei phone.
        ("H2", GoldConstraints(brands=["华为/HUAWEI"]), False),
        ("H2", GoldConstraints(exclude_brands=["华为/HUAWEI"]), True),
        ("A1", GoldConstraints(price_max=5000, currency="CNY"), True),  # $699 = ¥4,893 at 7.0
        ("A1", GoldConstraints(price_max=4800), False),
        ("A1", GoldConstraints(price_max=700, currency="USD"), True),
        ("N1", GoldConstraints(price_max=10_000), False),  # an unknown price never meets a limit
        ("B1", GoldConstraints(in_stock=True), False),
        ("B1", GoldConstraints(brands=["NITORI制造商"]), True),
        ("B1", GoldConstraints(exclude_brands=["NITORI制造商"]), False),
    ],
)
def test_gold_constraints_are_judged_by_the_evaluators_own_rules(sku: str, gold: GoldConstraints, meets: bool) -> None:
    checker = ConstraintChecker(CATALOG, "CNY", {"CNY": 1.0, "USD": 7.0})
    assert checker.meets(sku, gold) is meets


def test_a_query_is_scored_on_its_shown_slots_and_its_answer() -> None:
    checker = ConstraintChecker(CATALOG, "CNY", {"CNY": 1.0, "USD": 7.0})
    gold = GoldConstraints(price_max=2500)
    # A card standing for two variants counts as both SKUs, in order.
    shown = QueryResult(query_id="q", results=[["H2", "H1"], ["N1"]], no_match=False)
    scored = score(shown, {"H2": 3, "H1": 1}, True, gold, checker)
    assert scored.ndcg == pytest.approx(1.0) and scored.recall == 1.0
    assert (scored.shown_slots, scored.violating_slots) == (2, 1)  # the unknown price breaks the limit
    # Alternatives under "nothing matches" do not claim to meet the limit.
    said_none = score(shown.model_copy(update={"no_match": True}), {}, False, gold, checker)
    assert (said_none.shown_slots, said_none.ndcg, said_none.no_match) == (0, None, True)


def test_dataset_loads_with_splits_types_and_gold_constraints(tmp_path: Path) -> None:
    dataset = load_dataset(write_dataset(tmp_path))
    assert [q.id for q in dataset.queries] == ["q1", "q2", "q3", "q4"]
    assert [q.id for q in dataset.selected("dev")] == ["q1", "q4"]
    assert dataset.relevant("q1") == {"JKT-1": 3, "JKT-2": 1}
    assert not dataset.answerable(dataset.queries[3]) and dataset.queries[1].constraints.price_max == 500
    assert dataset.meta.currency_rates() == {"CNY": 1.0, "USD": 7.0}


@pytest.mark.parametrize(
    ("qrels", "queries", "message"),
    [
        ("q1\tJKT-1\n", QUERIES, "qrels.tsv line 1: expected query_id<TAB>sku<TAB>grade"),
        ("q1\tJKT-1\t5\n", QUERIES, "grade (0-3)"),
        ("q9\tJKT-1\t1\n", QUERIES, "query 'q9' is not in queries.jsonl"),
        ("q1\tNOPE\t1\n", QUERIES, "SKU 'NOPE' is not in products.jsonl"),
        ("", [*QUERIES, QUERIES[0]], "repeated: q1"),
        ("", [{"id": "q1", "text": "x", "lang": "fr"}], "queries.jsonl line 1: lang"),
        ("", [{"id": "q1", "text": "x", "lang": "en", "split": "validation"}], "queries.jsonl line 1: split"),
        ("", [{"id": "q1", "text": "x", "lang": "en", "split": "train"}], "training queries belong in train/"),
        ("q4\tJKT-1\t2\n", QUERIES, "'q4' is marked unanswerable but has relevant grades"),
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
    config = RetrievalConfig(currency_rates=dataset.meta.currency_rates() or {})
    index = await CatalogIndex.open(tmp_path / "data", config, embedder=embedder)
    try:
        shop = await index.merchant("eval")
        await ingest_dataset(shop, dataset)
        progress: list[tuple[int, int]] = []
        result = await evaluate(shop, dataset, Tokenizer(), progress=lambda done, total: progress.append((done, total)))
    finally:
        await index.close()
    assert progress[-1] == (20, 20)  # 4 queries x 5 systems
    assert (result.products, result.queries) == (6, 4)
    rows = {(r.system, r.split, r.type): r for r in result.results}
    fusion = rows["fusion", "all", "all"]
    assert (fusion.queries, fusion.answerable, fusion.not_carried) == (4, 3, 1)
    # "headphones under 50": nothing meets the limit, and the parsed filter lets nothing through.
    assert rows["fusion", "all", "not_carried"].not_carried_recall == 1.0
    # Stated limits are never broken by what search shows as matches.
    assert all(r.violation_rate in (None, 0.0) for r in result.results if r.system != "bm25")
    # Plain BM25 knows no limits: "500元以内的冲锋衣" shows the ¥899 jacket too.
    assert rows["bm25", "all", "constraint"].violation_rate == 0.5
    assert rows["fusion", "all", "all"].mrr_at_10 == 1.0 and rows["fusion", "all", "all"].recall_at_50 == 1.0
    run = tmp_path / "run.jsonl"
    write_run(run, result.runs["assistant"])
    assert [json.loads(line)["query_id"] for line in run.read_text().splitlines()] == ["q1", "q2", "q3", "q4"]
