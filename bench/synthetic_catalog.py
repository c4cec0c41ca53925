"""Generated product catalogs of any size for the retrieval benchmarks (fast, seeded, Chinese and English).

Titles combine a brand, a feature word, a product noun and a model number, with two or three colour
variants per item, so the texts are distinct, realistic in length, and exercise variant collapsing.
"""

from __future__ import annotations

import json
import random

CATEGORIES = [
    (["服装", "户外", "冲锋衣"], "shell jacket", "冲锋衣"),
    (["服装", "户外", "羽绒服"], "down jacket", "羽绒服"),
    (["服装", "运动", "T恤"], "sports t-shirt", "速干T恤"),
    (["鞋", "跑鞋"], "running shoes", "跑鞋"),
    (["鞋", "徒步鞋"], "hiking boots", "徒步鞋"),
    (["数码", "耳机"], "wireless earbuds", "蓝牙耳机"),
    (["数码", "充电宝"], "power bank", "充电宝"),
    (["数码", "键盘"], "mechanical keyboard", "机械键盘"),
    (["厨房", "锅具"], "frying pan", "炒锅"),
    (["厨房", "小家电"], "electric kettle", "电水壶"),
    (["家居", "床品"], "duvet", "羽绒被"),
    (["箱包", "双肩包"], "laptop backpack", "双肩包"),
    (["美妆", "护肤"], "moisturizing cream", "面霜"),
    (["母婴", "玩具"], "building blocks", "积木"),
    (["运动", "瑜伽"], "yoga mat", "瑜伽垫"),
    (["食品", "茶叶"], "green tea", "绿茶"),
]
BRANDS = [
    "Peak",
    "Nordic",
    "Aurora",
    "Summit",
    "Kestrel",
    "Orbit",
    "Harbor",
    "Maple",
    "Zenith",
    "Vela",
    "山野",
    "骆驼",
    "安踏",
    "李宁",
    "小米",
    "绿联",
    "苏泊尔",
    "美的",
    "罗莱",
    "新秀丽",
    "珀莱雅",
    "乐高派",
    "特步",
    "华为",
]
FEATURES_EN = [
    "lightweight",
    "waterproof",
    "breathable",
    "durable",
    "compact",
    "premium",
    "classic",
    "ultra-soft",
    "portable",
    "quiet",
]
FEATURES_ZH = ["轻量", "防水", "透气", "耐用", "便携", "高端", "经典款", "超柔软", "大容量", "静音"]
DETAILS_EN = [
    "designed for everyday use",
    "great for travel",
    "easy to clean",
    "two-year warranty",
    "fits most sizes",
    "made from recycled materials",
    "long battery life",
    "gift box included",
]
DETAILS_ZH = ["适合日常使用", "出差旅行必备", "清洗方便", "两年质保", "多尺码可选", "环保材料", "续航持久", "附送礼盒"]
COLOURS = [("Black", "黑色"), ("White", "白色"), ("Blue", "蓝色"), ("Red", "红色"), ("Grey", "灰色")]


def generate_products(count: int, seed: int = 7) -> list[dict]:
    """`count` product rows (dicts in the upload format), about half with Chinese titles."""
    rng = random.Random(seed)
    rows: list[dict] = []
    item = 0
    while len(rows) < count:
        item += 1
        path, noun_en, noun_zh = rng.choice(CATEGORIES)
        brand = rng.choice(BRANDS)
        chinese = rng.random() < 0.5
        feature = rng.choice(FEATURES_ZH if chinese else FEATURES_EN)
        noun = noun_zh if chinese else noun_en
        model = f"{rng.choice('ABCDEFGHKMNPRSTVX')}{item}"
        details = rng.sample(DETAILS_ZH if chinese else DETAILS_EN, 2)
        description = ("，".join(details) + "。") if chinese else (", ".join(details).capitalize() + ".")
        price = round(min(9999.0, max(9.9, rng.lognormvariate(5.5, 0.9))), 2)
        for colour_en, colour_zh in rng.sample(COLOURS, rng.randint(1, 3)):
            colour = colour_zh if chinese else colour_en
            rows.append(
                {
                    "sku": f"{model}-{colour_en[:3].upper()}",
                    "title": f"{brand} {feature}{'' if chinese else ' '}{noun} {model} {colour}",
                    "price": price,
                    "category": " > ".join(path),
                    "brand": brand,
                    "description": f"{description} {noun} {feature}",
                    "stock": 0 if rng.random() < 0.15 else rng.randint(1, 200),
                    "color": colour,
                }
            )
    return rows[:count]


def generate_queries(count: int, seed: int = 11) -> list[str]:
    """Shopper-like queries over the same vocabulary, half Chinese."""
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        _, noun_en, noun_zh = rng.choice(CATEGORIES)
        if rng.random() < 0.5:
            queries.append(f"{rng.choice(FEATURES_ZH)}的{noun_zh} {rng.choice(DETAILS_ZH)}")
        else:
            queries.append(f"{rng.choice(FEATURES_EN)} {noun_en} {rng.choice(DETAILS_EN)}")
    return queries


def to_jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
