"""Builds the demo shop's data files from `catalog_source.py`: deterministic, fixed seed.

    .venv/bin/python retrieval/demo/make_demo.py          # rewrites the files next to this script
    .venv/bin/python retrieval/demo/make_demo.py --check  # exits 1 when a committed file is stale

Writes products.jsonl (one listing per variant), reviews.jsonl (3-6 per product, two of them
prompt-injection attempts), and the retrieval evaluation set: queries.jsonl and qrels.tsv, graded from
`query_source.py`'s rules against the generated catalog.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_source import FAMILIES, Family  # noqa: E402
from query_source import QUERIES, USD_TO_CNY, Query  # noqa: E402
from review_source import AUTHORS, EXTRAS, GROUP_OF_KIND, INJECTIONS, KEY_ASPECT, SENTENCES  # noqa: E402

SEED = 20261128
HERE = Path(__file__).resolve().parent
SHOP_URL = "https://shop.example.com/p/"


def build_products(rng: random.Random) -> list[dict]:
    """One row per variant; stock and rating drawn from the seeded generator (about 1 in 8 out of stock)."""
    rows = []
    for family in FAMILIES:
        for sku, title, attributes, price in _variants(family):
            stock = 0 if rng.random() < 0.12 else rng.choice([3, 5, 8, 12, 20, 35, 60, 120, 260])
            rows.append({
                "sku": sku,
                "title": title,
                "price": price,
                "currency": family.currency,
                "description": family.description,
                "category": family.category,
                "brand": family.brand,
                "stock": stock,
                "rating": round(rng.uniform(3.6, 4.9), 1),
                "url": SHOP_URL + sku,
                "attributes": attributes,
            })
    return rows


def build_reviews(products: list[dict], rng: random.Random) -> list[dict]:
    """3-6 reviews per product in its language; the worse its rating, the more critical reviews."""
    kinds = kinds_by_sku()
    langs = {sku: family.lang for family in FAMILIES for sku, *_ in _variants(family)}
    rows: list[dict] = []
    for product in products:
        sku, lang = product["sku"], langs[product["sku"]]
        kind = kinds[sku]
        group = GROUP_OF_KIND[kind]
        good, bad = (_for_kind(pool, kind) for pool in SENTENCES[group][lang])
        critical_share = (5.0 - product["rating"]) / 3.0
        count = rng.randint(3, 6)
        used: set[str] = set()
        for index in range(count):
            is_bad = rng.random() < critical_share
            pool = bad if is_bad else good
            if index == 0:  # the key aspect is always covered, so questions about it find an answer
                keyed = [text for text in pool if KEY_ASPECT[group][lang] in text.lower()]
                pool = keyed or pool
            fresh = [text for text in pool if text not in used] or pool
            text = rng.choice(fresh)
            used.add(text)
            extra = rng.choice(EXTRAS[lang][1 if is_bad else 0])
            rows.append({
                "sku": sku,
                "review_id": "",
                "rating": rng.choice([1, 2, 3]) if is_bad else rng.choice([4, 5, 5]),
                "text": f"{text}{'' if lang == 'zh' else ' '}{extra}".strip(),
                "date": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
                "author": rng.choice(AUTHORS[lang]),
            })
    for injection in INJECTIONS:
        rows.append({"sku": injection["sku"], "review_id": "", "rating": injection["rating"],
                     "text": injection["text"], "date": injection["date"], "author": injection["author"]})
    rows.sort(key=lambda row: (row["sku"], row["date"]))
    for number, row in enumerate(rows, start=1):
        row["review_id"] = f"RV{number:05d}"
    return rows


def _for_kind(pool: list[str], kind: str) -> list[str]:
    """The sentences of a pool that fit this kind, with their "[kind,...]" tag removed."""
    fitting = []
    for text in pool:
        if text.startswith("["):
            tag, text = text[1:].split("]", 1)
            if kind not in tag.split(","):
                continue
        fitting.append(text)
    return fitting


def build_qrels(products: list[dict]) -> tuple[list[dict], list[tuple[str, str, int]]]:
    """The queries (ids q001...) and every (query, sku, grade >= 1) that the query's rules give."""
    kinds = kinds_by_sku()
    queries, qrels = [], []
    for number, query in enumerate(QUERIES, start=1):
        query_id = f"q{number:03d}"
        queries.append({"id": query_id, "text": query.text, "lang": query.lang})
        for product in products:
            grade = grade_of(query, product, kinds[product["sku"]])
            if grade:
                qrels.append((query_id, product["sku"], grade))
    return queries, qrels


def grade_of(query: Query, product: dict, kind: str) -> int:
    """0-3: how well `product` answers `query`; 0 whenever it breaks one of the query's hard constraints."""
    if not meets_constraints(query, product):
        return 0
    if any(product["sku"].startswith(prefix) for prefix in query.skus):
        return 3
    grade = query.grades.get(kind, 0)
    if grade == 3 and query.need is not None and not query.need(product):
        grade = query.miss
    return grade


def meets_constraints(query: Query, product: dict) -> bool:
    price = product["price"] * (USD_TO_CNY if product["currency"] == "USD" else 1.0)
    if query.max_price is not None and price > query.max_price:
        return False
    if query.min_price is not None and price < query.min_price:
        return False
    if query.brands and product["brand"] not in query.brands:
        return False
    if product["brand"] in query.exclude:
        return False
    return not (query.in_stock and product["stock"] == 0)


def kinds_by_sku() -> dict[str, str]:
    """The internal product type of every SKU (not written to the catalog)."""
    return {sku: family.kind for family in FAMILIES for sku, *_ in _variants(family)}


def _variants(family: Family) -> list[tuple[str, str, dict[str, str], float]]:
    if not family.variants:
        return [(family.code, family.title, dict(family.attributes), _price(family.price))]
    joiner = " " if family.lang == "zh" else " - "
    return [
        (f"{family.code}-{v.code}", f"{family.title}{joiner}{v.label}", {**family.attributes, **v.attributes},
         _price(family.price + v.price_delta))
        for v in family.variants
    ]


def _price(value: float) -> float | int:
    # Whole prices are written as integers, as a merchant's export would have them.
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def build() -> dict[str, str]:
    """Every generated file's name and content."""
    rng = random.Random(SEED)
    products = build_products(rng)
    # Each file has its own generator, so extending one file never reshuffles another.
    reviews = build_reviews(products, random.Random(f"{SEED}-reviews"))
    queries, qrels = build_qrels(products)
    return {
        "products.jsonl": _jsonl(products),
        "reviews.jsonl": _jsonl(reviews),
        "queries.jsonl": _jsonl(queries),
        "qrels.tsv": "".join(f"{query_id}\t{sku}\t{grade}\n" for query_id, sku, grade in qrels),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 if stale")
    args = parser.parse_args()
    stale = []
    for name, content in build().items():
        path = HERE / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                stale.append(name)
        else:
            path.write_text(content, encoding="utf-8")
    if stale:
        print("stale:", ", ".join(stale), "- run retrieval/demo/make_demo.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
