#!/usr/bin/env python3
"""Build the newbee-mall catalog file (products.jsonl) for this dataset folder.

Reads the derived JSONL made from upstream newbee-mall's `src/main/resources/newbee_mall_schema.sql`
(table tb_newbee_mall_goods_info joined to its category path; see SOURCE.md) and writes, next to this
script (or into --out):

- products.jsonl: one product per source good, in the form `retrieval.catalog` accepts:
  sku = goods_id (string), title = goods_name, description = goods_intro, price = selling_price (integer
  CNY; the key is left out when the source has none), currency "CNY", category = the 3-level category path
  joined with " > " ("" when the good has none), in_stock = goods_sell_status is "0" (on sale, per
  `Constants.SELL_STATUS_UP = 0` in the upstream code), attributes = {"original_price": ..., "tag": ...}
  where the source has them. No brand: the source has no brand field (the brand is only inside the title).

The catalog has no reviews and no policies, so no reviews.jsonl or policies.md is written.
Standard library only; the output depends only on the input file.

    python3 datasets/newbee_mall/prepare.py [--source PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_SOURCE = Path("/work/shared/catalogs/newbee_mall/products.derived.jsonl")
HERE = Path(__file__).resolve().parent


def _text(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _number(value: object) -> int | float | None:
    if value is None or value == "":
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def product(row: dict) -> dict:
    out: dict = {"sku": str(row["goods_id"]).strip(), "title": _text(row.get("goods_name"))}
    price = _number(row.get("selling_price"))
    if price is not None:
        out["price"] = price
    out["currency"] = "CNY"
    out["description"] = _text(row.get("goods_intro"))
    out["category"] = " > ".join(level for level in (_text(p) for p in row.get("category_path") or []) if level)
    status = row.get("goods_sell_status")
    if status is not None and str(status).strip() != "":
        out["in_stock"] = str(status).strip() == "0"
    attributes: dict[str, str] = {}
    original = _number(row.get("original_price"))
    if original is not None:
        attributes["original_price"] = str(original)
    tag = _text(row.get("tag"))
    if tag:
        attributes["tag"] = tag
    if attributes:
        out["attributes"] = attributes
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help=f"derived newbee-mall JSONL (default {DEFAULT_SOURCE})")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: this dataset folder)")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"error: {args.source} not found; pass --source PATH (see SOURCE.md for how it is made)", file=sys.stderr)
        return 1
    rows = [json.loads(line) for line in args.source.read_text(encoding="utf-8").splitlines() if line.strip()]
    products = [product(row) for row in rows]
    skus = [p["sku"] for p in products]
    if len(set(skus)) != len(skus):
        print("error: the source repeats a goods_id", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "products.jsonl").open("w", encoding="utf-8", newline="\n") as handle:
        for item in products:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    priced = sum(1 for p in products if "price" in p)
    print(f"products.jsonl: {len(products)} products ({priced} with a price, {len(products) - priced} without)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
