"""Builds the demo shop's data files from `catalog_source.py`: deterministic, fixed seed.

    .venv/bin/python retrieval/demo/make_demo.py          # rewrites the files next to this script
    .venv/bin/python retrieval/demo/make_demo.py --check  # exits 1 when a committed file is stale

Writes products.jsonl (one listing per variant).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_source import FAMILIES, Family  # noqa: E402

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
    return {"products.jsonl": _jsonl(products)}


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
