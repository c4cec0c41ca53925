"""Builds the demo shop's data files from the hand-written sources beside it: deterministic, fixed seed.

    .venv/bin/python -m demo.generator.make_demo          # rewrites every generated file
    .venv/bin/python -m demo.generator.make_demo --check  # exits 1 when a committed file is stale

Writes products.jsonl (one listing per variant), reviews.jsonl (3-6 per product, two of them
prompt-injection attempts), and the retrieval evaluation set: queries.jsonl and qrels.tsv, graded from
`query_source.py`'s rules against the generated catalog. It also writes the conversation suite
demo/shop/conversations.jsonl from `conversation_source.py`, after checking its expectations against the
catalog (a script whose expectations the catalog cannot meet stops the build with the reason).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from demo.generator.catalog_source import FAMILIES, Family
from demo.generator.conversation_source import SCRIPTS, Script, Turn
from demo.generator.query_source import QUERIES, USD_TO_CNY, Query
from demo.generator.review_source import AUTHORS, EXTRAS, GROUP_OF_KIND, INJECTIONS, KEY_ASPECT, SENTENCES

SEED = 20261128
REPO = Path(__file__).resolve().parents[2]
DEMO_DIR = Path("demo/shop")
SUITE = DEMO_DIR / "conversations.jsonl"
SHOP_URL = "https://shop.example.com/p/"


class DemoDataError(ValueError):
    """A hand-written source contradicts the catalog (e.g. a conversation expects products it cannot have)."""


def build_products(rng: random.Random) -> list[dict]:
    """One row per variant; stock and rating drawn from the seeded generator (about 1 in 8 out of stock)."""
    rows = []
    for family in FAMILIES:
        for sku, title, attributes, price in _variants(family):
            stock = 0 if rng.random() < 0.12 else rng.choice([3, 5, 8, 12, 20, 35, 60, 120, 260])
            rows.append(
                {
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
                }
            )
    return rows


def build_reviews(products: list[dict], rng: random.Random) -> list[dict]:
    """3-6 reviews per product in its language; the worse its rating, the more critical reviews."""
    family_of = families_by_sku()
    rows: list[dict] = []
    for product in products:
        family = family_of[product["sku"]]
        sku, lang, kind = product["sku"], family.lang, family.kind
        group = GROUP_OF_KIND[kind]
        good, bad = (_for_kind(pool, kind) for pool in SENTENCES[group][lang])
        critical_share = (5.0 - product["rating"]) / 3.0
        count = rng.randint(3, 6)
        used: set[str] = set()
        for index in range(count):
            is_bad = rng.random() < critical_share
            if not [text for text in (bad if is_bad else good) if text not in used]:
                is_bad = not is_bad  # one side is used up: no product repeats a review sentence
            pool = [text for text in (bad if is_bad else good) if text not in used]
            if not pool:
                break
            if index == 0:  # the key aspect is always covered, so questions about it find an answer
                pool = [text for text in pool if KEY_ASPECT[group][lang] in text.lower()] or pool
            text = rng.choice(pool)
            used.add(text)
            extra = rng.choice(EXTRAS[lang][1 if is_bad else 0])
            rows.append(
                {
                    "sku": sku,
                    "review_id": "",
                    "rating": rng.choice([1, 2, 3]) if is_bad else rng.choice([4, 5, 5]),
                    "text": f"{text}{'' if lang == 'zh' else ' '}{extra}".strip(),
                    "date": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
                    "author": rng.choice(AUTHORS[lang]),
                }
            )
    for injection in INJECTIONS:
        rows.append(
            {
                "sku": injection["sku"],
                "review_id": "",
                "rating": injection["rating"],
                "text": injection["text"],
                "date": injection["date"],
                "author": injection["author"],
            }
        )
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
    family_of = families_by_sku()
    queries, qrels = [], []
    for number, query in enumerate(QUERIES, start=1):
        query_id = f"q{number:03d}"
        queries.append({"id": query_id, "text": query.text, "lang": query.lang})
        for product in products:
            grade = grade_of(query, product, family_of[product["sku"]].kind)
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
    """Price (in yuan), brand, excluded brand and stock: what makes a product irrelevant outright."""
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


def build_conversations(products: list[dict]) -> list[dict]:
    """The suite's lines, each script checked against the catalog first."""
    for script in SCRIPTS:
        for number, turn in enumerate(script.turns, start=1):
            problem = unmet_expectation(turn, products)
            if problem:
                raise DemoDataError(f"conversation {script.id!r} turn {number} ({turn.user!r}): {problem}")
    return [_suite_line(script) for script in SCRIPTS]


def _suite_line(script: Script) -> dict:
    return {"id": script.id, "lang": script.lang, "merchant": "demo", "turns": [_turn(turn) for turn in script.turns]}


def _turn(turn: Turn) -> dict:
    """A message turn, or a card-button press (`press` on card `card` of the cards last sent)."""
    action: dict = {"user": turn.user} if turn.press is None else {"press": turn.press, "card": turn.card}
    return {**action, "expect": turn.expect}


def unmet_expectation(turn: Turn, products: list[dict]) -> str | None:
    """Why the catalog cannot satisfy this turn's expectations, or None when it can."""
    by_sku = {product["sku"]: product for product in products}
    expect = turn.expect
    if unknown := [sku for sku in expect.get("skus_include", []) if sku not in by_sku]:
        return f"unknown SKUs {unknown}"
    if breaking := [sku for sku in expect.get("skus_include", []) if not _passes(by_sku[sku], expect)]:
        return f"SKUs {breaking} break the turn's own filters"
    if expect.get("no_match"):
        if turn.nothing is None:
            return "no_match needs a `nothing` spec saying what the catalog lacks"
        fitting = [product["sku"] for product in products if _passes(product, turn.nothing)]
        return f"the catalog has {fitting[:5]} for the 'nothing fits' request" if fitting else None
    wanted = expect.get("min_products", 0)
    family_of = families_by_sku()
    families = {family_of[product["sku"]].code for product in products if _passes(product, expect)}
    if len(families) < wanted:
        return f"only {len(families)} product lines fit, the turn expects at least {wanted}"
    return None


def _passes(product: dict, spec: dict) -> bool:
    """Whether a product meets the filter keys of an `expect` (or `nothing`) dict."""
    if "category" in spec and spec["category"] not in product["category"].split(" > "):
        return False
    if "brand" in spec and product["brand"] != spec["brand"]:
        return False
    if product["brand"] in spec.get("brand_not", []):
        return False
    if "max_price" in spec and product["price"] > spec["max_price"]:
        return False
    if "min_price" in spec and product["price"] < spec["min_price"]:
        return False
    if spec.get("in_stock") and product["stock"] == 0:
        return False
    return "title" not in spec or any(word.lower() in product["title"].lower() for word in spec["title"])


def families_by_sku() -> dict[str, Family]:
    """The family every SKU comes from (its kind and language are not written to the catalog)."""
    return {sku: family for family in FAMILIES for sku, *_ in _variants(family)}


def _variants(family: Family) -> list[tuple[str, str, dict[str, str], float]]:
    if not family.variants:
        return [(family.code, family.title, dict(family.attributes), _price(family.price))]
    joiner = " " if family.lang == "zh" else " - "
    return [
        (
            f"{family.code}-{v.code}",
            f"{family.title}{joiner}{v.label}",
            {**family.attributes, **v.attributes},
            _price(family.price + v.price_delta),
        )
        for v in family.variants
    ]


def _price(value: float) -> float | int:
    # Whole prices are written as integers, as a merchant's export would have them.
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def build() -> dict[Path, str]:
    """Every generated file's path (relative to the repository root) and content."""
    rng = random.Random(SEED)
    products = build_products(rng)
    # Each file has its own generator, so extending one file never reshuffles another.
    reviews = build_reviews(products, random.Random(f"{SEED}-reviews"))
    queries, qrels = build_qrels(products)
    return {
        DEMO_DIR / "products.jsonl": _jsonl(products),
        DEMO_DIR / "reviews.jsonl": _jsonl(reviews),
        DEMO_DIR / "queries.jsonl": _jsonl(queries),
        DEMO_DIR / "qrels.tsv": "".join(f"{query_id}\t{sku}\t{grade}\n" for query_id, sku, grade in qrels),
        SUITE: _jsonl(build_conversations(products)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 if stale")
    args = parser.parse_args()
    try:
        files = build()
    except DemoDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = []
    for name, content in files.items():
        path = REPO / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                stale.append(str(name))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
    if stale:
        print("stale:", ", ".join(stale), "- run python -m demo.generator.make_demo", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
