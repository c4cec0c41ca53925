"""How the deterministic answers name products in the customer's language, and show what the catalog lacks."""

from __future__ import annotations

import pytest

from bot.core.compose.comparison import comparison_table
from bot.core.compose.products import buy, details, local_name, product_line
from bot.core.compose.reviews import summarise_reviews, summary_counts
from bot.core.reply import Language
from retrieval.models import Product, Review


@pytest.mark.parametrize(
    ("name", "english"),
    [
        ("Li-Ning/李宁", "Li-Ning"),
        ("小米手环9 Xiaomi Smart Band 9", "Xiaomi Smart Band 9"),
        # Only a brand and a size would be left in Latin letters: the whole name says more.
        ("骆驼 CAMEL 全自动帐篷 3-4人 公园野餐", "骆驼 CAMEL 全自动帐篷 3-4人 公园野餐"),
        ("安踏 ANTA 防风运动夹克", "安踏 ANTA 防风运动夹克"),
    ],
)
def test_english_replies_keep_a_latin_name_only_when_it_names_the_product(name: str, english: str) -> None:
    assert local_name(name, "en") == english
    assert local_name(name, "zh") == name


def _unpriced(**fields: object) -> Product:
    return Product.model_validate(
        {"merchant_id": "m", "sku": "P1", "title": "Wooden Pirate Ship", "price": None, **fields}
    )


@pytest.mark.parametrize(("language", "unknown"), [("en", "price unknown"), ("zh", "价格未知")])
def test_a_product_without_a_price_is_shown_as_price_unknown(language: Language, unknown: str) -> None:
    product = _unpriced()
    assert unknown in product_line(1, product, language)
    assert unknown in details(product, language)
    assert unknown in buy(product.model_copy(update={"url": "https://shop.example/p1"}), language)
    assert comparison_table([product, _unpriced(sku="P2", price=20)], {}, language)[1][1] == unknown


def test_reviews_without_stars_are_counted_but_not_called_good_or_bad() -> None:
    reviews = [Review(merchant_id="m", sku="P1", review_id=str(i), text=f"很软 {i}") for i in range(3)]
    summary = summarise_reviews("P1", reviews, "zh")
    assert (summary.count, summary.average, summary.positive, summary.negative) == (3, None, 0, 0)
    assert summary_counts(summary, "zh") == "共 3 条评价（无星级评分）"
