"""Query constraints in Chinese and English: prices, brands, categories, stock and sort order."""

from __future__ import annotations

import pytest

from retrieval.models import Product
from retrieval.query import SearchFilters, Vocabulary, parse_query

VOCABULARY = Vocabulary(
    brands=["Nike", "耐克", "Adidas", "阿迪达斯", "The North Face", "始祖鸟 Arc'teryx", "On", "LG", "Sony"],
    categories=["服装", "户外", "冲锋衣", "Jackets", "Running Shoes", "耳机", "Headphones", "鞋"],
)


def parsed(text: str) -> tuple[str, dict, str]:
    result = parse_query(text, VOCABULARY)
    return result.text, result.filters.model_dump(exclude_defaults=True), result.sort


@pytest.mark.parametrize(
    ("query", "text", "price_min", "price_max"),
    [
        ("500元以内的冲锋衣", "冲锋衣", None, 500),
        ("500以下 冲锋衣", "冲锋衣", None, 500),
        ("不超过500的耳机", "耳机", None, 500),
        ("价格低于 300 元的耳机", "耳机", None, 300),
        ("预算500买个耳机", "买个耳机", None, 500),
        ("两百块以内", "", None, 200),
        ("1.5k以内的耳机", "耳机", None, 1500),
        ("1,299元以下", "", None, 1299),
        ("１００元以内的鞋", "鞋", None, 100),
        ("waterproof jacket under $50", "waterproof jacket", None, 50),
        ("less than 50 headphones", "headphones", None, 50),
        ("headphones below 300", "headphones", None, 300),
        ("jackets 50 or less", "jackets", None, 50),
        ("size 42 shoes under 80 bucks", "size 42 shoes", None, 80),
        ("100到200块的耳机", "耳机", 100, 200),
        ("100-200元 跑鞋", "跑鞋", 100, 200),
        ("价格在100~200之间的鞋", "鞋", 100, 200),
        ("between 100 and 200 jackets", "jackets", 100, 200),
        ("$100-$200 shoes", "shoes", 100, 200),
        ("shoes from 200 to 100 dollars", "shoes", 100, 200),
        ("200元以上的冲锋衣", "冲锋衣", 200, None),
        ("超过1000的耳机", "耳机", 1000, None),
        ("headphones over 100 dollars", "headphones", 100, None),
        ("at least $20 gift", "gift", 20, None),
        ("headphones 500+", "headphones", 500, None),
        ("over 100 but under 300 jacket", "but jacket", 100, 300),
    ],
)
def test_price_phrases(query: str, text: str, price_min: float | None, price_max: float | None) -> None:
    result = parse_query(query, VOCABULARY)
    assert (result.filters.price_min, result.filters.price_max) == (price_min, price_max)
    assert result.text == text


@pytest.mark.parametrize(
    ("query", "price_min", "price_max", "currency"),
    [
        ("500元以内的冲锋衣", None, 500, "CNY"),
        ("两千五块以内的手机", None, 2500, "CNY"),
        ("预算300人民币", None, 300, "CNY"),
        ("20美元以内的登机箱", None, 20, "USD"),
        ("50英镑以下的耳机", None, 50, "GBP"),
        ("100欧元以上", 100, None, "EUR"),
        ("headphones under $200", None, 200, "USD"),
        ("jacket below 80 bucks", None, 80, "USD"),
        ("gift under £30", None, 30, "GBP"),
        ("something under a tenner", None, 10, "GBP"),
        ("shoes at most 40 quid", None, 40, "GBP"),
        ("boots between 50 and 80 pounds", 50, 80, "GBP"),
        ("kettle under €25", None, 25, "EUR"),
        ("tent over 300 yuan", 300, None, "CNY"),
        ("$100-200 shoes", 100, 200, "USD"),
        ("under 300", None, 300, None),  # no currency stated: the shop's own
        ("500以内的耳机", None, 500, None),
    ],
)
def test_the_stated_currency_is_kept(
    query: str, price_min: float | None, price_max: float | None, currency: str | None
) -> None:
    filters = parse_query(query, VOCABULARY).filters
    assert (filters.price_min, filters.price_max, filters.currency) == (price_min, price_max, currency)


@pytest.mark.parametrize(
    "query",
    [
        "tent under 5kg",
        "42码的跑鞋",
        "100-200 piece puzzle",
        "iPhone 15 case",
        "3岁以上的玩具",
        "500ml water bottle",
        "model 100-200",
    ],
)
def test_numbers_that_are_not_prices_are_left_alone(query: str) -> None:
    result = parse_query(query, VOCABULARY)
    assert (result.filters.price_min, result.filters.price_max) == (None, None)
    assert result.text == query


@pytest.mark.parametrize(
    ("query", "text", "excluded"),
    [
        ("跑鞋 不要耐克", "跑鞋", ["耐克"]),
        ("除了耐克以外的跑鞋", "跑鞋", ["耐克"]),
        ("不要耐克和阿迪达斯的鞋", "鞋", ["耐克", "阿迪达斯"]),
        ("running shoes not Nike", "running shoes", ["Nike"]),
        ("no Nike shoes", "shoes", ["Nike"]),
        ("jackets except The North Face", "jackets", ["The North Face"]),
        ("shoes, not nike or adidas", "shoes", ["Nike", "Adidas"]),
        ("without Arc'teryx", "", ["始祖鸟 Arc'teryx"]),
    ],
)
def test_brand_exclusions_are_cut_from_the_text(query: str, text: str, excluded: list[str]) -> None:
    result = parse_query(query, VOCABULARY)
    assert result.filters.exclude_brands == excluded
    assert result.filters.brands == []
    assert result.text == text


@pytest.mark.parametrize(
    ("query", "brands", "categories", "text"),
    [
        ("Nike running shoes", ["Nike"], ["Running Shoes"], "running shoes"),
        ("nike RUNNING SHOES", ["Nike"], ["Running Shoes"], "RUNNING SHOES"),
        ("始祖鸟冲锋衣", ["始祖鸟 Arc'teryx"], ["冲锋衣"], "冲锋衣"),
        ("arc'teryx jacket", ["始祖鸟 Arc'teryx"], ["Jackets"], "jacket"),
        ("索尼 耳机", [], ["耳机"], "索尼 耳机"),
        ("sony headphones", ["Sony"], ["Headphones"], "headphones"),
        ("lg monitor", ["LG"], [], "monitor"),
        ("jacket on sale", [], ["Jackets"], "jacket on sale"),
        ("On running shoes", ["On"], ["Running Shoes"], "running shoes"),
        ("Nike", ["Nike"], [], "Nike"),
        ("nike stuff", ["Nike"], [], "nike stuff"),
    ],
)
def test_brands_and_categories_from_the_vocabulary(
    query: str, brands: list[str], categories: list[str], text: str
) -> None:
    result = parse_query(query, VOCABULARY)
    # A brand is a hard filter; a category named in passing only ranks (it must never empty a relevant result).
    assert (result.filters.brands, result.categories, result.filters.categories) == (brands, categories, [])
    # A brand that became a filter leaves the text unless nothing but generic words would be left; a category
    # describes the product, so it stays in the semantic text.
    assert result.text == text


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("I'm looking for dog food", "dog food"),
        ("do you sell espresso machines?", "espresso machines"),
        ("any jigsaws for a 5 year old", "jigsaws for a 5 year old"),
        ("有没有婴儿用的东西", "婴儿用的东西"),
        ("我想买蓝牙耳机", "蓝牙耳机"),
        ("show me tents", "tents"),
    ],
)
def test_the_openers_of_a_request_leave_the_text(query: str, text: str) -> None:
    assert parse_query(query, VOCABULARY).text == text


@pytest.mark.parametrize(
    ("query", "categories"),
    [
        ("only jackets", ["Jackets"]),
        ("just running shoes please", ["Running Shoes"]),
        ("jackets only", ["Jackets"]),
        ("只要冲锋衣", ["冲锋衣"]),
        ("只看耳机", ["耳机"]),
        ("waterproof jackets", []),
        ("冲锋衣", []),
    ],
)
def test_a_category_filters_only_when_the_customer_restricts_to_it(query: str, categories: list[str]) -> None:
    assert parse_query(query, VOCABULARY).filters.categories == categories


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("便宜的毛巾", "毛巾"),
        ("cheap towels", "towels"),
        ("实惠的冲锋衣", "冲锋衣"),
        ("affordable headphones", "headphones"),
    ],
)
def test_cheap_orders_by_price(query: str, text: str) -> None:
    result = parse_query(query, VOCABULARY)
    assert (result.text, result.sort) == (text, "price_asc")


@pytest.mark.parametrize(
    ("query", "text", "in_stock", "sort"),
    [
        ("有货的冲锋衣", "冲锋衣", True, "relevance"),
        ("现货耳机", "耳机", True, "relevance"),
        ("in stock jackets only", "jackets", True, "relevance"),
        ("fitness tracker band, in stock", "fitness tracker band", True, "relevance"),
        ("The North Face jacket in stock", "jacket", True, "relevance"),
        ("最便宜的耳机", "耳机", False, "price_asc"),
        ("the cheapest headphones", "headphones", False, "price_asc"),
        ("most expensive jacket", "jacket", False, "price_desc"),
        ("最贵的有货冲锋衣", "冲锋衣", True, "price_desc"),
    ],
)
def test_stock_and_sort(query: str, text: str, in_stock: bool, sort: str) -> None:
    result = parse_query(query, VOCABULARY)
    assert (result.text, result.filters.in_stock_only, result.sort) == (text, in_stock, sort)


def test_included_and_excluded_brands_together() -> None:
    assert parsed("Nike not Adidas") == ("Nike", {"brands": ["Nike"], "exclude_brands": ["Adidas"]}, "relevance")


def test_everything_at_once() -> None:
    text, filters, sort = parsed("有货的冲锋衣，500-1000元，不要耐克，最便宜")
    assert text == "冲锋衣"
    assert filters == {
        "price_min": 500,
        "price_max": 1000,
        "currency": "CNY",
        "exclude_brands": ["耐克"],
        "in_stock_only": True,
    }
    assert sort == "price_asc"


def test_plain_queries_have_no_filters() -> None:
    assert parsed("a warm coat for hiking in the rain") == ("a warm coat for hiking in the rain", {}, "relevance")
    assert parse_query("送女朋友的礼物", Vocabulary()).filters == SearchFilters()


def _product(**fields: object) -> Product:
    return Product(**{"merchant_id": "m", "sku": "S", "title": "T", "price": 100.0, **fields})


@pytest.mark.parametrize(
    ("filters", "product", "expected"),
    [
        (SearchFilters(price_min=100, price_max=100), _product(), True),
        (SearchFilters(price_max=99.99), _product(), False),
        (SearchFilters(categories=["户外"]), _product(category=["服装", "户外", "冲锋衣"]), True),
        (SearchFilters(categories=["jackets"]), _product(category=["Outdoor", "Jackets"]), True),
        (SearchFilters(categories=["鞋"]), _product(category=["服装", "户外", "冲锋衣"]), False),
        (SearchFilters(brands=["nike"]), _product(brand="Nike"), True),
        (SearchFilters(brands=["Nike"]), _product(), False),
        (SearchFilters(exclude_brands=["NIKE"]), _product(brand="Nike"), False),
        (SearchFilters(exclude_brands=["Nike"]), _product(), True),
        (SearchFilters(in_stock_only=True), _product(in_stock=False), False),
        (SearchFilters(exclude_skus=["S"]), _product(), False),
    ],
)
def test_filters_match_products(filters: SearchFilters, product: Product, expected: bool) -> None:
    assert filters.matches(product) is expected


RATES = {"USD": 1.0, "CNY": 0.14}


@pytest.mark.parametrize(
    ("filters", "product", "expected"),
    [
        (SearchFilters(price_max=200, currency="USD"), _product(price=599.0, currency="CNY"), True),  # ~$84
        (SearchFilters(price_max=50, currency="USD"), _product(price=599.0, currency="CNY"), False),
        (SearchFilters(price_max=300, currency="CNY"), _product(price=89.0, currency="USD"), False),  # ~¥636
        (SearchFilters(price_max=300, currency="CNY"), _product(price=30.0, currency="USD"), True),
        (SearchFilters(price_max=300, currency="GBP"), _product(price=1.0, currency="CNY"), False),  # no rate
        (SearchFilters(price_max=300, currency="USD"), _product(price=1.0, currency="CHF"), False),  # no rate
        (SearchFilters(in_stock_only=True, currency="GBP"), _product(currency="CHF"), True),  # no bound: no rate needed
        (SearchFilters(price_max=300), _product(price=250.0, currency="CHF"), True),  # no currency: as written
    ],
)
def test_bounds_in_another_currency_are_converted(filters: SearchFilters, product: Product, expected: bool) -> None:
    assert filters.matches(product, RATES) is expected
