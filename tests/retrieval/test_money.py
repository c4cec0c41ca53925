"""Money in both languages: finding amounts in text, reading price cells, converting, formatting."""

from __future__ import annotations

import pytest

from retrieval.config import DEFAULT_CURRENCY_RATES
from retrieval.money import (
    NoRate,
    PriceFormatError,
    base_currency,
    convert,
    currency_code,
    find_amounts,
    format_price,
    parse_number,
    parse_price,
)


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        # Chinese: symbols, codes and words before or after, Chinese numerals, multipliers
        ("500元以内的冲锋衣", [(500, "CNY")]),
        ("预算￥1,299", [(1299, "CNY")]),
        ("¥99.5 一件", [(99.5, "CNY")]),
        ("两百块以内", [(200, "CNY")]),
        ("三百块钱左右", [(300, "CNY")]),
        ("两千五元的手机", [(2500, "CNY")]),
        ("一万五人民币", [(15000, "CNY")]),
        ("人民币300", [(300, "CNY")]),
        ("1.5万元", [(15000, "CNY")]),
        ("3千块", [(3000, "CNY")]),
        ("50美元或者50美金", [(50, "USD"), (50, "USD")]),
        ("30英镑", [(30, "GBP")]),
        ("100欧元", [(100, "EUR")]),
        ("1000日元", [(1000, "JPY")]),
        ("200港币", [(200, "HKD")]),
        # English
        ("under $200 please", [(200, "USD")]),
        ("US$12 or USD 15", [(12, "USD"), (15, "USD")]),
        ("about 80 bucks", [(80, "USD")]),
        ("100 dollars", [(100, "USD")]),
        ("$1.5k budget", [(1500, "USD")]),
        ("£3.42 each", [(3.42, "GBP")]),
        ("20 pounds or 30 quid", [(20, "GBP"), (30, "GBP")]),
        ("something under a tenner", [(10, "GBP")]),
        ("a fiver", [(5, "GBP")]),
        ("GBP 40", [(40, "GBP")]),
        ("€20 or 25 euros", [(20, "EUR"), (25, "EUR")]),
        ("300 yuan", [(300, "CNY")]),
        ("RMB 500", [(500, "CNY")]),
        ("HK$300", [(300, "HKD")]),
        # numbers that are not money, and numbers with no currency
        ("5kg", []),
        ("500ml water bottle", []),
        ("3岁以上", []),
        ("15 inch laptop", []),
        ("42码", []),
        ("a 2 person tent", []),
        ("iPhone 15 case", []),
        ("under 300", []),
    ],
)
def test_find_amounts(text: str, amounts: list[tuple[float, str]]) -> None:
    assert [(amount.value, amount.currency) for amount in find_amounts(text)] == amounts


def test_found_amounts_know_where_they_were() -> None:
    text = "a jacket under $200, not over 1500元"
    assert [text[a.start : a.end] for a in find_amounts(text)] == ["$200", "1500元"]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,299", 1299),
        ("1.5k", 1500),
        ("2万", 20000),
        ("五百", 500),
        ("两千五", 2500),
        ("三百五", 350),
        ("一万五", 15000),
        ("三百零五", 305),
        ("十二", 12),
        ("两万五千", 25000),
        ("零", None),
        ("天", None),
    ],
)
def test_parse_number(raw: str, value: float | None) -> None:
    assert parse_number(raw) == value


@pytest.mark.parametrize(
    ("cell", "price"),
    [
        ("¥1,299.00", (1299.0, "CNY")),
        ("1299元", (1299.0, "CNY")),
        ("$12.50", (12.5, "USD")),
        ("£3.42", (3.42, "GBP")),
        ("12,50 €", (12.5, "EUR")),
        ("1.299,00 €", (1299.0, "EUR")),
        ("12.50 EUR", (12.5, "EUR")),
        ("USD 12", (12.0, "USD")),
        ("RMB1299", (1299.0, "CNY")),
        ("99 人民币", (99.0, "CNY")),
        ("1,299", (1299.0, None)),
        ("99", (99.0, None)),
        ("-5", (-5.0, None)),
    ],
)
def test_parse_price(cell: str, price: tuple[float, str | None]) -> None:
    assert parse_price(cell) == price


@pytest.mark.parametrize("cell", ["", "abc", "12 apples", "1,2,3", "$", "约100元"])
def test_parse_price_refuses_what_is_not_a_price(cell: str) -> None:
    with pytest.raises(PriceFormatError):
        parse_price(cell)


@pytest.mark.parametrize(
    ("name", "code"),
    [("cny", "CNY"), ("人民币", "CNY"), ("元", "CNY"), ("$", "USD"), ("美金", "USD"), ("英镑", "GBP"), ("chf", "CHF")],
)
def test_currency_code(name: str, code: str) -> None:
    assert currency_code(name) == code


RATES = {"USD": 1.0, "CNY": 0.14, "GBP": 1.25}


@pytest.mark.parametrize(
    ("amount", "currency", "to", "expected"),
    [
        (200, "USD", "CNY", 200 / 0.14),
        (700, "CNY", "USD", 98.0),
        (10, "GBP", "USD", 12.5),
        (10, "GBP", "CNY", 12.5 / 0.14),
        (5, "CHF", "CHF", 5),  # the same currency needs no rate
    ],
)
def test_convert(amount: float, currency: str, to: str, expected: float) -> None:
    assert convert(amount, currency, to, RATES) == pytest.approx(expected)


@pytest.mark.parametrize(("currency", "to", "missing"), [("CHF", "CNY", "CHF"), ("CNY", "JPY", "JPY")])
def test_convert_without_a_rate_names_the_currency(currency: str, to: str, missing: str) -> None:
    with pytest.raises(NoRate) as caught:
        convert(1, currency, to, RATES)
    assert caught.value.currency == missing


def test_default_rates_cover_every_currency_the_parser_reads() -> None:
    codes = {a.currency for a in find_amounts("¥1 $1 £1 €1 1日元 1港币")}
    assert codes <= set(DEFAULT_CURRENCY_RATES)


@pytest.mark.parametrize(
    ("currencies", "base"),
    [(["CNY", "USD", "CNY"], "CNY"), (["USD", "CNY"], "CNY"), (["GBP"], "GBP"), ([], None)],
)
def test_base_currency_is_the_most_common(currencies: list[str], base: str | None) -> None:
    assert base_currency(currencies) == base


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (899, "CNY", "¥899"),
        (1299.5, "CNY", "¥1,299.50"),
        (12.5, "USD", "$12.50"),
        (3.42, "GBP", "£3.42"),
        (20, "EUR", "€20"),
        (300, "HKD", "HK$300"),
        (899, "CHF", "899 CHF"),
    ],
)
def test_format_price(amount: float, currency: str, shown: str) -> None:
    assert format_price(amount, currency) == shown
