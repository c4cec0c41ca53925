"""The shipped demo data is consistent: catalog, reviews, policies, retrieval eval set, conversation suite.

Fast (no model): reads the files, parses them with the real catalog parser and suite loader, and checks
that they are what `python -m demo.generator.make_demo` generates.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from bot.evaluation.conversations import load_conversations
from demo import CATALOG_FILES
from demo.generator import make_demo
from demo.generator.conversation_source import Turn
from demo.generator.query_source import QUERIES
from retrieval.catalog import parse_catalog_file
from retrieval.models import Policy

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "demo" / "shop"
SUITE = DEMO / "conversations.jsonl"
CJK = re.compile(r"[\u4e00-\u9fff]")
INJECTION = re.compile(r"忽略之前|ignore all previous instructions", re.IGNORECASE)


def _jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (DEMO / name).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def products() -> dict[str, dict]:
    rows = _jsonl("products.jsonl")
    skus = [row["sku"] for row in rows]
    assert len(skus) == len(set(skus)), [sku for sku, n in Counter(skus).items() if n > 1]
    return {row["sku"]: row for row in rows}


@pytest.fixture(scope="module")
def qrels() -> list[tuple[str, str, int]]:
    lines = (DEMO / "qrels.tsv").read_text(encoding="utf-8").splitlines()
    return [(query_id, sku, int(grade)) for query_id, sku, grade in (line.split("\t") for line in lines)]


def test_committed_files_are_what_the_generator_writes() -> None:
    for path, content in make_demo.build().items():
        assert (REPO / path).read_text(encoding="utf-8") == content, (
            f"{path} is stale: run python -m demo.generator.make_demo"
        )


def test_catalog_shape(products: dict[str, dict]) -> None:
    rows = list(products.values())
    assert len(rows) >= 220
    assert len({row["category"].split(" > ")[0] for row in rows}) >= 10
    assert all(" > " in row["category"] for row in rows)
    chinese = sum(bool(CJK.search(row["title"] + row["description"])) for row in rows)
    assert 0.4 <= chinese / len(rows) <= 0.65
    currencies = Counter(row["currency"] for row in rows)
    assert currencies["CNY"] >= 0.95 * len(rows) and set(currencies) <= {"CNY", "USD"}
    assert 10 <= sum(row["stock"] == 0 for row in rows) <= len(rows) // 4
    assert all(row["url"] == f"https://shop.example.com/p/{row['sku']}" for row in rows)
    assert not any("image_url" in row or "image_urls" in row for row in rows)
    assert all(isinstance(value, str) for row in rows for value in row["attributes"].values())
    brands = {row["brand"] for row in rows}
    assert {
        "Nike/耐克",
        "Li-Ning/李宁",
        "ANTA/安踏",
        "The North Face/北面",
        "Xiaomi/小米",
        "Anker/安克",
        "Midea/美的",
        "Sony/索尼",
    } <= brands


def test_variant_families_share_a_listing(products: dict[str, dict]) -> None:
    families = Counter((row["brand"], row["description"]) for row in products.values())
    assert sum(count >= 3 for count in families.values()) >= 10
    colours = {row["attributes"]["color"] for row in products.values() if row["sku"].startswith("TNF-RESOLVE2-")}
    assert len(colours) == 3


def test_files_pass_the_catalog_parser() -> None:
    for kind, name in CATALOG_FILES.items():
        data = (DEMO / name).read_bytes()
        parsed = parse_catalog_file(kind, name, data, "demo", max_bytes=len(data) + 1, max_rows=100_000)
        assert not parsed.errors and not parsed.rejected, (name, parsed.errors, parsed.rejected[:3])
        assert parsed.records


def test_reviews(products: dict[str, dict]) -> None:
    reviews = _jsonl("reviews.jsonl")
    assert len({review["review_id"] for review in reviews}) == len(reviews)
    assert {review["sku"] for review in reviews} == set(products)
    injections = [review for review in reviews if INJECTION.search(review["text"])]
    assert 1 <= len(injections) <= 2
    per_product = Counter(review["sku"] for review in reviews if review not in injections)
    assert set(per_product.values()) <= {3, 4, 5, 6}
    ratings = Counter(review["rating"] for review in reviews)
    assert set(ratings) <= {1, 2, 3, 4, 5} and ratings[1] + ratings[2] >= 50 and ratings[5] >= 200
    jacket_reviews = [r["text"] for r in reviews if r["sku"].startswith("CAMEL-3IN1-")]
    assert any("拉链" in text for text in jacket_reviews)


def test_policies_cover_both_languages() -> None:
    data = (DEMO / "policies.md").read_bytes()
    parsed = parse_catalog_file("policies", "policies.md", data, "demo", max_bytes=10**6, max_rows=1000)
    titles = {p.title for p in parsed.records if isinstance(p, Policy)}
    for heading in (
        "配送说明",
        "退换货政策(7天无理由)",
        "保修政策",
        "支付方式",
        "联系人工客服",
        "Shipping",
        "Warranty",
        "Payment",
        "Order help and FAQ",
        "Talk to a person",
    ):
        assert heading in titles
    text = data.decode()
    assert "¥99" in text and "7 天" in text and "7 days" in text


def test_retrieval_eval_set(products: dict[str, dict], qrels: list[tuple[str, str, int]]) -> None:
    queries = _jsonl("queries.jsonl")
    ids = [query["id"] for query in queries]
    assert len(ids) == len(set(ids)) >= 130
    langs = Counter(query["lang"] for query in queries)
    assert set(langs) == {"zh", "en"} and min(langs.values()) >= 0.45 * len(queries)
    assert sum(query.constrained for query in QUERIES) * 3 >= len(QUERIES)
    pairs = [(query_id, sku) for query_id, sku, _ in qrels]
    assert len(pairs) == len(set(pairs))
    assert {query_id for query_id, _ in pairs} <= set(ids)
    assert {sku for _, sku in pairs} <= set(products)
    assert {grade for *_, grade in qrels} <= {1, 2, 3}
    unanswerable = set(ids) - {query_id for query_id, _ in pairs}
    assert 8 <= len(unanswerable) <= 20


def test_relevant_products_meet_the_query_constraints(
    products: dict[str, dict], qrels: list[tuple[str, str, int]]
) -> None:
    by_id = {f"q{number:03d}": query for number, query in enumerate(QUERIES, start=1)}
    broken = [
        (query_id, sku) for query_id, sku, _ in qrels if not make_demo.meets_constraints(by_id[query_id], products[sku])
    ]
    assert not broken


def test_conversation_suite(products: dict[str, dict]) -> None:
    conversations = load_conversations(SUITE)
    assert len(conversations) >= 64
    langs = Counter(c.lang for c in conversations)
    assert langs["zh"] >= 32 and langs["en"] >= 32
    assert sum(len(c.turns) > 1 for c in conversations) >= 20
    named = {sku for c in conversations for turn in c.turns for sku in turn.expect.skus_include or []}
    assert named <= set(products)
    checks = Counter(key for c in conversations for turn in c.turns for key, value in turn.expect if value is not None)
    for check in ("no_match", "comparison", "handoff", "quick_replies", "text_not_contains", "brand_not", "in_stock"):
        assert checks[check] >= 2, check
    intents = {turn.expect.intent for c in conversations for turn in c.turns}
    assert intents >= {
        "search",
        "refine",
        "reference",
        "compare",
        "reviews",
        "policy",
        "greeting",
        "clarify",
        "out_of_scope",
        "handoff",
        "product_question",
    }


def test_conversation_checks_catch_impossible_expectations(products: dict[str, dict]) -> None:
    rows = list(products.values())
    cheapest_tent = min(p["price"] for p in rows if "帐篷" in p["category"])
    turn = Turn("帐篷便宜的", {"no_match": True}, {"category": "帐篷", "max_price": cheapest_tent})
    assert "SY-TENT1" in (make_demo.unmet_expectation(turn, rows) or "")
    assert "unknown SKUs" in (make_demo.unmet_expectation(Turn("x", {"skus_include": ["NOPE"]}), rows) or "")
    assert make_demo.unmet_expectation(
        Turn("x", {"category": "帐篷", "max_price": cheapest_tent - 1, "min_products": 1}), rows
    )
