#!/usr/bin/env python3
"""Build the litemall catalog files (products.jsonl, reviews.jsonl) for this dataset folder.

Reads the derived JSONL made from upstream litemall's `litemall-db/sql/litemall_data.sql` (see SOURCE.md)
and writes, next to this script (or into --out):

- products.jsonl: one product per source good, in the form `retrieval.catalog` accepts:
  sku = the source id (string), title = name, price = retail_price (CNY; the key is left out when the
  source has none), currency "CNY", description = brief, category "category_l1 > category_l2",
  brand (only when the source has one), in_stock = is_on_sale, attributes = {attribute: value}.
- reviews.jsonl: one review per source comment: sku, review_id ("<sku>-c<NNN>", the comment's position
  within its good), text. The source's stars are placeholders (993 of 994 are 1, the schema default),
  so no rating is written.

Standard library only; the output depends only on the input file.

    python3 datasets/litemall/prepare.py [--source PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_SOURCE = Path("/work/shared/catalogs/litemall/products.derived.jsonl")
HERE = Path(__file__).resolve().parent


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def product(row: dict) -> dict:
    out: dict = {"sku": str(row["id"]).strip(), "title": _text(row.get("name"))}
    price = row.get("retail_price")
    if price is not None:
        out["price"] = int(price) if float(price).is_integer() else float(price)
    out["currency"] = "CNY"
    out["description"] = _text(row.get("brief"))
    levels = [_text(row.get("category_l1")), _text(row.get("category_l2"))]
    out["category"] = " > ".join(level for level in levels if level)
    brand = _text(row.get("brand"))
    if brand:
        out["brand"] = brand
    if row.get("is_on_sale") is not None:
        out["in_stock"] = bool(row["is_on_sale"])
    attributes: dict[str, str] = {}
    for item in row.get("attributes") or []:
        name, value = _text(item.get("attribute")), _text(item.get("value"))
        if not name or not value:
            continue
        # A good may name one attribute twice; keep every value, in source order.
        attributes[name] = f"{attributes[name]}; {value}" if name in attributes else value
    if attributes:
        out["attributes"] = attributes
    return out


def reviews(row: dict) -> list[dict]:
    sku = str(row["id"]).strip()
    result = []
    for number, comment in enumerate(row.get("comments") or [], start=1):
        text = _text(comment.get("content"))
        if text:
            result.append({"sku": sku, "review_id": f"{sku}-c{number:03d}", "text": text})
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help=f"derived litemall JSONL (default {DEFAULT_SOURCE})")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: this dataset folder)")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"error: {args.source} not found; pass --source PATH (see SOURCE.md for how it is made)", file=sys.stderr)
        return 1
    rows = [json.loads(line) for line in args.source.read_text(encoding="utf-8").splitlines() if line.strip()]
    products = [product(row) for row in rows]
    skus = [p["sku"] for p in products]
    if len(set(skus)) != len(skus):
        print("error: the source repeats a product id", file=sys.stderr)
        return 1
    review_rows = [review for row in rows for review in reviews(row)]
    args.out.mkdir(parents=True, exist_ok=True)
    for name, records in (("products.jsonl", products), ("reviews.jsonl", review_rows)):
        with open(args.out / name, "w", encoding="utf-8", newline="\n") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    priced = sum(1 for p in products if "price" in p)
    print(f"wrote {len(products)} products ({priced} with a price) and {len(review_rows)} reviews to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
