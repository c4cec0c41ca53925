"""Currencies in search: a catalog has one base currency, a customer's limit in another one is converted with
the configured rates (or refused with a clear error), a mixed catalog compares every product in one currency,
and a product whose price cannot be compared never passes a price limit."""

from __future__ import annotations

from typing import Any

import pytest

from retrieval.config import RetrievalConfig
from retrieval.index import CatalogIndex, CurrencyNotConvertible, Shop
from retrieval.query import SearchFilters, Vocabulary, parse_query
from tests.retrieval.conftest import jsonl

RATES = {"USD": 1.0, "CNY": 0.14, "GBP": 1.25}

YUAN_SHOP: list[dict[str, Any]] = [
    {"sku": "BOOT-599", "title": "Hiking boots", "price": 599, "category": "Shoes"},
    {"sku": "BOOT-1599", "title": "Leather hiking boots", "price": "¥1,599", "category": "Shoes"},
    {"sku": "BOOT-299", "title": "Canvas hiking boots", "price": "299元", "category": "Shoes"},
]
MIXED_SHOP: list[dict[str, Any]] = [
    {"sku": "TENT-CN-299", "title": "Dome tent", "price": 299, "currency": "CNY"},  # ~$41.9
    {"sku": "TENT-CN-599", "title": "Family tent", "price": 599, "currency": "CNY"},  # ~$83.9
    {"sku": "TENT-CN-999", "title": "Tunnel tent", "price": 999, "currency": "CNY"},  # ~$139.9
    {"sku": "TENT-US-30", "title": "Pop-up tent", "price": "$30"},  # ~¥214
    {"sku": "TENT-US-89", "title": "Trekking tent", "price": "$89"},  # ~¥636
    {"sku": "TENT-CH-10", "title": "Alpine tent", "price": 10, "currency": "CHF"},  # no rate
]


@pytest.fixture(scope="module")
async def index(embedder, tmp_path_factory):
    index = await CatalogIndex.open(
        tmp_path_factory.mktemp("currency"), RetrievalConfig(currency_rates=RATES), embedder=embedder
    )
    for merchant, products in (("yuan", YUAN_SHOP), ("mixed", MIXED_SHOP)):
        report = await (await index.merchant(merchant)).ingest("products", "p.jsonl", jsonl(products))
        assert report.ok, report.rejected
    yield index
    await index.close()


async def _skus(shop: Shop, query: str, filters: SearchFilters | None = None, **options) -> set[str]:
    return {hit.product.sku for hit in await shop.search(query, filters, k=10, **options)}


async def _asked(shop: Shop, text: str) -> set[str]:
    """What the shop shows for a customer's words, parsed the way the assistant parses them."""
    parsed = parse_query(text, Vocabulary())
    return await _skus(shop, parsed.text, parsed.filters)


async def test_a_dollar_limit_on_a_yuan_catalog_is_converted(index) -> None:
    shop = await index.merchant("yuan")
    assert (await shop.stats()).currency == "CNY"
    # $200 = ¥1,428.57: the ¥599 boots are within it (compared as numbers, 599 > 200 would hide them) ...
    assert await _asked(shop, "hiking boots under $200") == {"BOOT-599", "BOOT-299"}
    # ... and outside $50 (= ¥357).
    assert await _asked(shop, "hiking boots under $50") == {"BOOT-299"}
    assert await _asked(shop, "hiking boots under 1000元") == {"BOOT-599", "BOOT-299"}
    assert await _asked(shop, "hiking boots under 1000") == {"BOOT-599", "BOOT-299"}  # the shop's own currency
    assert await _asked(shop, "hiking boots over a tenner") == {"BOOT-599", "BOOT-1599", "BOOT-299"}  # £10 = ¥89


async def test_a_mixed_catalog_is_compared_in_its_most_common_currency(index) -> None:
    shop = await index.merchant("mixed")
    assert (await shop.stats()).currency == "CNY"
    # 300 yuan ~ $42: the $89 tent is out although 89 < 300, the $30 one is in; the CHF one has no rate.
    assert await _asked(shop, "tent under 300 yuan") == {"TENT-CN-299", "TENT-US-30"}
    assert await _asked(shop, "tent under 300") == {"TENT-CN-299", "TENT-US-30"}
    assert await _asked(shop, "tent under $50") == {"TENT-CN-299", "TENT-US-30"}
    assert await _asked(shop, "tent between $80 and $100") == {"TENT-CN-599", "TENT-US-89"}
    assert await _asked(shop, "tent over ¥900") == {"TENT-CN-999"}
    # Without a price limit every product is found, the one in a currency without a rate too.
    assert len(await _skus(shop, "tent")) == len(MIXED_SHOP)


async def test_sorting_by_price_compares_converted_prices(index) -> None:
    shop = await index.merchant("mixed")
    cheapest = [hit.product.sku for hit in await shop.search("", None, k=10, sort="price_asc")]
    # ¥214 ($30), ¥299, ¥599, ¥636 ($89), ¥999; the price that cannot be compared comes last.
    assert cheapest == ["TENT-US-30", "TENT-CN-299", "TENT-CN-599", "TENT-US-89", "TENT-CN-999", "TENT-CH-10"]
    dearest = [hit.product.sku for hit in await shop.search("tent", None, k=2, sort="price_desc")]
    assert dearest == ["TENT-CN-999", "TENT-US-89"]


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(price_max=300),
        SearchFilters(price_max=50, currency="USD"),
        SearchFilters(price_min=80, price_max=100, currency="USD"),
        SearchFilters(price_min=5, currency="GBP"),
        SearchFilters(price_max=1000, currency="CNY", in_stock_only=True),
    ],
)
async def test_search_and_matches_agree(index, filters: SearchFilters) -> None:
    shop = await index.merchant("mixed")
    stated = filters if filters.currency else filters.model_copy(update={"currency": "CNY"})
    expected = {p.sku for p in await shop.products() if stated.matches(p, shop.currency_rates)}
    for mode in ("hybrid", "dense", "lexical"):
        assert await _skus(shop, "tent", filters, mode=mode) <= expected
    assert await _skus(shop, "tent", filters, mode="dense") == expected


async def test_a_limit_in_a_currency_without_a_rate_is_refused_clearly(index) -> None:
    shop = await index.merchant("yuan")
    with pytest.raises(CurrencyNotConvertible) as caught:
        await shop.search("boots", SearchFilters(price_max=50, currency="EUR"))
    assert (caught.value.currency, caught.value.base) == ("EUR", "CNY")
    assert "CNY" in str(caught.value) and "EUR" in str(caught.value)
    with pytest.raises(CurrencyNotConvertible):
        await shop.similar("BOOT-599", filters=SearchFilters(price_min=1, currency="EUR"))
    # A currency without a price limit needs no rate.
    assert await _skus(shop, "boots", SearchFilters(currency="EUR")) == {"BOOT-599", "BOOT-1599", "BOOT-299"}
