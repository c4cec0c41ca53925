"""A tiny judged retrieval set in the datasets/ layout (6 products, 4 queries in two splits, one not carried)."""

from __future__ import annotations

import json
from pathlib import Path

PRODUCTS = [
    {
        "sku": "JKT-1",
        "title": "Waterproof Rain Jacket",
        "price": 399,
        "brand": "Peak",
        "category": "服装 > 冲锋衣",
        "stock": 3,
    },
    {"sku": "JKT-2", "title": "轻量防风冲锋衣", "price": 899, "brand": "山野", "category": "服装 > 冲锋衣", "stock": 5},
    {
        "sku": "PAN-1",
        "title": "不锈钢炒锅 32cm",
        "price": 259,
        "brand": "苏泊尔",
        "category": "厨房 > 锅具",
        "stock": 6,
    },
    {
        "sku": "PAN-2",
        "title": "Non-stick Frying Pan",
        "price": 159,
        "brand": "Tefal",
        "category": "厨房 > 锅具",
        "stock": 2,
    },
    {
        "sku": "EAR-1",
        "title": "Noise Cancelling Headphones",
        "price": 1999,
        "brand": "Sony",
        "category": "数码 > 耳机",
        "stock": 7,
    },
    {"sku": "EAR-2", "title": "真无线蓝牙耳机", "price": 99, "brand": "QCY", "category": "数码 > 耳机", "stock": 20},
]
QUERIES: list[dict] = [
    {"id": "q1", "text": "rain jacket", "lang": "en", "type": "plain", "split": "dev"},
    {
        "id": "q2",
        "text": "500元以内的冲锋衣",
        "lang": "zh",
        "type": "constraint",
        "split": "test",
        "constraints": {"price_max": 500, "currency": "CNY"},
    },
    {"id": "q3", "text": "炒锅", "lang": "zh", "type": "plain", "split": "test"},
    {
        "id": "q4",
        "text": "headphones under 50",
        "lang": "en",
        "type": "not_carried",
        "split": "dev",
        "constraints": {"price_max": 50},
        "answerable": False,
        "why_not": "constraint",
    },
]
QRELS = "query_id\tsku\tgrade\nq1\tJKT-1\t3\nq1\tJKT-2\t1\nq2\tJKT-1\t3\nq3\tPAN-1\t3\nq3\tPAN-2\t1\n"
META = {"name": "tiny", "language": "zh", "currency": "CNY", "rates": {"USD": 7.0}}


def write_dataset(directory: Path, qrels: str = QRELS, queries: list[dict] = QUERIES) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "products.jsonl").write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in PRODUCTS), encoding="utf-8"
    )
    (directory / "queries.jsonl").write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries), encoding="utf-8"
    )
    (directory / "qrels.tsv").write_text(qrels, encoding="utf-8")
    (directory / "dataset.json").write_text(json.dumps(META), encoding="utf-8")
    return directory
