"""Small inline catalogs for retrieval tests, and read-only indexes over one of them shared by the session: one
on the test embedder, one on the real encoder for tests of meaning (cross-language search)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.config import RetrievalConfig
from retrieval.embed import Embedder
from retrieval.index import CatalogIndex
from retrieval.models import DocumentKind

SHOP = "shop-a"

PRODUCTS = [
    {
        "sku": "JKT-RED",
        "title": "Alpine Shell Jacket Red",
        "price": 899,
        "brand": "Peak",
        "category": "服装 > 户外 > 冲锋衣",
        "description": "Waterproof breathable hard shell for hiking in the rain",
        "stock": 3,
        "color": "red",
    },
    {
        "sku": "JKT-BLU",
        "title": "Alpine Shell Jacket Blue",
        "price": 899,
        "brand": "Peak",
        "category": "服装 > 户外 > 冲锋衣",
        "description": "Waterproof breathable hard shell for hiking in the rain",
        "stock": 0,
        "color": "blue",
    },
    {
        "sku": "JKT-LITE",
        "title": "轻量防风冲锋衣 女款",
        "price": 399,
        "brand": "山野",
        "category": "服装 > 户外 > 冲锋衣",
        "description": "轻薄防泼水，适合春秋徒步",
        "stock": 8,
    },
    {
        "sku": "JKT-DOWN",
        "title": "Down Puffer Jacket",
        "price": 1299,
        "brand": "Nordic",
        "category": "服装 > 户外 > 羽绒服",
        "description": "Warm 700-fill goose down jacket for winter",
        "stock": 2,
    },
    {
        "sku": "SHOE-RUN",
        "title": "Nike Pegasus Running Shoes",
        "price": 699,
        "brand": "Nike",
        "category": "鞋 > 跑鞋",
        "description": "Cushioned daily trainer for road running",
        "stock": 10,
    },
    {
        "sku": "SHOE-RUN2",
        "title": "李宁 赤兔 跑鞋 轻量",
        "price": 399,
        "brand": "Li-Ning",
        "category": "鞋 > 跑鞋",
        "description": "轻量竞速训练跑步鞋",
        "stock": 5,
    },
    {
        "sku": "SHOE-TRAIL",
        "title": "Trail Runner X200",
        "price": 899,
        "brand": "Salomon",
        "category": "鞋 > 越野跑鞋",
        "description": "Grippy trail running shoe for mountain paths",
        "stock": 4,
    },
    {
        "sku": "PAN-1",
        "title": "不锈钢炒锅 32cm",
        "price": 259,
        "brand": "苏泊尔",
        "category": "厨房 > 锅具",
        "description": "三层复合钢炒锅，无涂层，燃气电磁炉通用",
        "stock": 6,
    },
    {
        "sku": "PAN-2",
        "title": "Non-stick Frying Pan 28cm",
        "price": 159,
        "brand": "Tefal",
        "category": "厨房 > 锅具",
        "description": "Titanium non-stick coating, induction ready",
        "stock": 0,
    },
    {
        "sku": "EAR-1",
        "title": "Wireless Noise Cancelling Headphones",
        "price": 1999,
        "brand": "Sony",
        "category": "数码 > 耳机",
        "description": "Over-ear Bluetooth headphones with active noise cancellation",
        "stock": 7,
    },
    {
        "sku": "EAR-2",
        "title": "真无线蓝牙耳机 长续航",
        "price": 99,
        "brand": "QCY",
        "category": "数码 > 耳机",
        "description": "入耳式蓝牙耳机，续航30小时",
        "stock": 20,
    },
    {
        "sku": "BAG-1",
        "title": "Laptop Backpack 15.6 inch",
        "price": 349,
        "brand": "Samsonite",
        "category": "箱包 > 双肩包",
        "description": "Padded laptop compartment, water resistant commuter backpack",
        "stock": 9,
    },
]

REVIEWS = [
    {"sku": "JKT-RED", "review_id": "r1", "rating": 5, "text": "Kept me completely dry in heavy rain, great hood."},
    {
        "sku": "JKT-RED",
        "review_id": "r2",
        "rating": 2,
        "text": "The sizing runs small, I had to return it for a larger size.",
    },
    {"sku": "JKT-RED", "review_id": "r3", "rating": 4, "text": "颜色很正，做工不错，就是有点重。"},
    {
        "sku": "SHOE-RUN",
        "review_id": "r4",
        "rating": 5,
        "text": "Very comfortable for long runs, sizing is true to size.",
    },
    {"sku": "PAN-1", "review_id": "r5", "rating": 1, "text": "用了一周就粘锅了，很失望。"},
]

POLICIES = """# Shipping
Orders ship within 48 hours. Free shipping on orders over 99 yuan.

# Returns
Unworn items can be returned within 7 days of delivery for a full refund.

# 保修
电子产品享受一年保修，人为损坏不在保修范围内。

# Payment
- Alipay, WeChat Pay and bank cards (Visa, Mastercard)
- 货到付款仅限中国大陆地区
"""


def jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()


async def load_shop(index: CatalogIndex, merchant_id: str = SHOP) -> None:
    files: list[tuple[DocumentKind, str, bytes]] = [
        ("products", "products.jsonl", jsonl(PRODUCTS)),
        ("reviews", "reviews.jsonl", jsonl(REVIEWS)),
        ("policies", "policies.md", POLICIES.encode()),
    ]
    for kind, name, data in files:
        report = await (await index.merchant(merchant_id)).ingest(kind, name, data)
        assert report.ok, (report.parsed.errors, report.rejected)


async def _open_shop(embedder: Embedder, data_dir: Path) -> CatalogIndex:
    index = await CatalogIndex.open(data_dir, RetrievalConfig(), embedder=embedder)
    await load_shop(index)
    return index


@pytest.fixture(scope="session")
async def shop_index(embedder, tmp_path_factory):
    """The inline shop, ingested once for read-only tests."""
    index = await _open_shop(embedder, tmp_path_factory.mktemp("shop-index"))
    yield index
    await index.close()


@pytest.fixture(scope="session")
async def semantic_shop_index(semantic_embedder, tmp_path_factory):
    """The inline shop on the real multilingual encoder."""
    index = await _open_shop(semantic_embedder, tmp_path_factory.mktemp("semantic-shop-index"))
    yield index
    await index.close()
