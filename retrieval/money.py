"""Money: the one place that knows how amounts are written, read, converted and shown.

- `find_amounts(text)`: the amounts of money a customer or a reply writes, in Chinese or English: symbols
  and codes before or after the number (¥ ￥ $ US$ £ € RMB CNY USD GBP EUR ...), spoken forms (元 块 块钱
  人民币 yuan, dollars bucks 美元 美金, pounds quid 英镑, euros 欧元, "a tenner", "a fiver"), Chinese
  numerals (三百, 两千五), and k/千/万 multipliers. A number followed by a unit (5kg, 500ml, 3岁, 15 inch)
  is never money.
- `amount_pattern(name)` / `amount_at(match, name)`: the same grammar as a regex fragment, for parsers
  that look for amounts inside longer phrases ("under $50", "500元以内"); there the currency is optional.
- `parse_price(cell)`: a catalog file's price cell ("¥1,299.00", "1299元", "$12.50", "12,50 €").
- `convert(amount, from, to, rates)`: with `rates` = the value of one unit of each currency in a common
  reference unit (`RetrievalConfig.currency_rates`); `NoRate` when a currency has none.
- `base_currency(currencies)`: the currency a catalog is priced in (the most common one).
- `format_price(amount, currency)`: every channel and every answer shows a price this way, so a card, a
  reply and an export never disagree about one product's price.

Currencies are ISO 4217 codes. A bare ¥ is read as CNY (the shops this serves price in yuan).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# How a currency is written before an amount ("$5", "RMB 5") and after it ("5元", "5 dollars").
# Keys are matched case-insensitively; Latin words only as whole words.
_BEFORE: dict[str, str] = {
    "US$": "USD",
    "HK$": "HKD",
    "JP¥": "JPY",
    "$": "USD",
    "＄": "USD",
    "¥": "CNY",
    "￥": "CNY",
    "£": "GBP",
    "€": "EUR",
    "RMB": "CNY",
    "CNY": "CNY",
    "USD": "USD",
    "GBP": "GBP",
    "EUR": "EUR",
    "JPY": "JPY",
    "HKD": "HKD",
    "人民币": "CNY",
}
_AFTER: dict[str, str] = {
    "元": "CNY",
    "块钱": "CNY",
    "块": "CNY",
    "人民币": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "yuan": "CNY",
    "美元": "USD",
    "美金": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "$": "USD",
    "英镑": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "£": "GBP",
    "欧元": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "€": "EUR",
    "日元": "JPY",
    "円": "JPY",
    "jpy": "JPY",
    "yen": "JPY",
    "港币": "HKD",
    "港元": "HKD",
    "hkd": "HKD",
}
# Spoken amounts with no number in them.
_SPOKEN: dict[str, tuple[float, str]] = {"tenner": (10.0, "GBP"), "fiver": (5.0, "GBP")}
_SIGNS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def _alternatives(names: Iterable[str]) -> str:
    """A regex alternation of `names`, longest first, Latin words only as whole words."""
    parts = []
    for name in sorted(names, key=len, reverse=True):
        escaped = re.escape(name)
        if name[0].isascii() and name[0].isalpha():
            escaped = r"(?<![A-Za-z])" + escaped
        if name[-1].isascii() and name[-1].isalpha():
            escaped += r"(?![A-Za-z])"
        parts.append(escaped)
    return "(?:" + "|".join(parts) + ")"


_NUMBER = (
    r"(?:\d+[千万]\d(?![\d.])|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)"
    r"(?:\s*(?:[kK](?![a-zA-Z])|千|万))?"
)
# Numbers followed by these are sizes, weights, ages, counts ... not money.
_NOT_MONEY = (
    r"(?!\.?\d)(?!,\d)(?!\s*(?:kg|g\b|cm|mm|m\b|ml|l\b|gb|tb|mah|w\b|寸|英寸|码|号|克|斤|公斤|毫升|升|厘米|米|岁|人|个|件|"
    r"天|小时|分钟|inch|\"|%|ft\b|lbs?\b|oz\b|years?\b|months?\b|days?\b|hours?\b|pcs\b|pieces?\b|people\b|kids?\b|cups?\b))"
)
_BEFORE_PATTERN = _alternatives(_BEFORE)
_AFTER_PATTERN = _alternatives(_AFTER)
_SPOKEN_PATTERN = r"(?<![A-Za-z])(?:an?\s+)?(?:" + "|".join(_SPOKEN) + r")(?![A-Za-z])"
_AMOUNT = (
    rf"(?:(?:(?P<NAME_before>{_BEFORE_PATTERN})\s*)?(?P<NAME>{_NUMBER})(?:\s*(?P<NAME_after>{_AFTER_PATTERN}))?{_NOT_MONEY}"
    rf"|(?P<NAME_spoken>{_SPOKEN_PATTERN}))"
)
_LOOKUP = {name.casefold(): code for name, code in (*_BEFORE.items(), *_AFTER.items())}
_ANY_AMOUNT = re.compile(_AMOUNT.replace("NAME", "amount"), re.I)


@dataclass(frozen=True)
class Amount:
    """An amount found in text: its value, its currency (None = not written) and where it was."""

    value: float
    currency: str | None
    start: int
    end: int


class NoRate(LookupError):
    """No exchange rate is configured for `currency`."""

    def __init__(self, currency: str) -> None:
        super().__init__(f"no exchange rate for {currency}")
        self.currency = currency


class PriceFormatError(ValueError):
    """A price cell that is not a price."""


def amount_pattern(name: str) -> str:
    """A regex fragment matching one amount, currency optional, as groups named `name`, `name_before`,
    `name_after` and `name_spoken`; compile it with re.IGNORECASE and read it with `amount_at`."""
    return _AMOUNT.replace("NAME", name)


def amount_at(match: re.Match[str], name: str) -> Amount | None:
    """The amount that `amount_pattern(name)` matched (None when its number cannot be read)."""
    spoken = match.group(f"{name}_spoken")
    if spoken:
        value, currency = _SPOKEN[spoken.split()[-1].casefold()]
        return Amount(value, currency, match.start(f"{name}_spoken"), match.end(f"{name}_spoken"))
    number = parse_number(match.group(name))
    if number is None:
        return None
    marker = match.group(f"{name}_before") or match.group(f"{name}_after")
    start = match.start(f"{name}_before") if match.group(f"{name}_before") else match.start(name)
    end = match.end(f"{name}_after") if match.group(f"{name}_after") else match.end(name)
    return Amount(number, currency_code(marker) if marker else None, start, end)


def find_amounts(text: str) -> list[Amount]:
    """Every amount of money written with a currency (or as a spoken amount) in `text`, in order."""
    amounts = (amount_at(match, "amount") for match in _ANY_AMOUNT.finditer(text))
    return [amount for amount in amounts if amount is not None and amount.currency is not None]


def currency_code(name: str) -> str | None:
    """'¥', '元', 'rmb', '人民币' -> 'CNY'; 'usd', '$', '美元' -> 'USD'; any other 3-letter code upper-cased."""
    key = name.strip().casefold()
    if key in _LOOKUP:
        return _LOOKUP[key]
    return key.upper() if re.fullmatch(r"[a-z]{3}", key) else None


def parse_number(raw: str) -> float | None:
    """'1,299' -> 1299.0, '1.5k' -> 1500.0, '五百' -> 500.0, '两千五' -> 2500.0, '2万' -> 20000.0, '1万2' ->
    12000.0 (a digit after the unit is the next unit down, as in 两千五)."""
    raw = raw.replace(" ", "")
    if shorthand := re.fullmatch(r"(\d+)([千万])(\d)", raw):
        unit = 10000 if shorthand.group(2) == "万" else 1000
        return float(int(shorthand.group(1)) * unit + int(shorthand.group(3)) * unit // 10)
    multiplier = 1
    head = raw[:-1].replace(",", "").replace(".", "", 1)
    if len(raw) > 1 and raw[-1] in "kK千万" and head.isdigit():
        raw, multiplier = raw[:-1], 10000 if raw[-1] == "万" else 1000
    if raw[0].isdigit():
        try:
            return float(raw.replace(",", "")) * multiplier
        except ValueError:
            return None
    return _chinese_number(raw)


def _chinese_number(raw: str) -> float | None:
    """Chinese numerals: 五百 -> 500, 两千五 -> 2500 (a digit right after a unit is the next unit down),
    三百零五 -> 305, 一万五 -> 15000, 十二 -> 12."""
    total = section = digit = 0
    last_unit = 0
    for char in raw:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
            if digit == 0:
                last_unit = 0  # 零 ends the shorthand: 三百零五 is 305, not 350
        elif char in _CN_UNITS:
            section += (digit or 1) * _CN_UNITS[char]
            digit, last_unit = 0, _CN_UNITS[char]
        elif char == "万":
            total += (section + digit) * 10000
            section = digit = 0
            last_unit = 10000
        else:
            return None
    if digit and last_unit >= 100:
        digit *= last_unit // 10
    value = total + section + digit
    return float(value) if value else None


# A price cell: sign, currency, the number (1,299.00 / 1299 / 12,50 / 1.299,00), currency.
_PRICE_CELL = re.compile(
    rf"^(?P<sign>[+-]?)\s*(?:(?P<before>{_BEFORE_PATTERN})\s*)?(?P<sign_after>[+-]?)"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:\.\d{3})+,\d{1,2}|\d+,\d{1,2}|\d+(?:\.\d+)?)"
    rf"\s*(?P<after>{_AFTER_PATTERN})?$",
    re.I,
)


def parse_price(cell: str) -> tuple[float, str | None]:
    """'¥1,299.00' -> (1299.0, 'CNY'); '$12.50' -> (12.5, 'USD'); '12,50 €' -> (12.5, 'EUR'); '99' -> (99.0, None).

    Raises `PriceFormatError` for anything else (the caller words the message).
    """
    match = _PRICE_CELL.match(cell.strip())
    if match is None:
        raise PriceFormatError(cell)
    number = match.group("number")
    if re.search(r",\d{1,2}$", number):
        number = number.replace(".", "").replace(",", ".")  # a decimal comma: 12,50 / 1.299,00
    else:
        number = number.replace(",", "")
    amount = float(number) * (-1 if "-" in (match.group("sign"), match.group("sign_after")) else 1)
    marker = match.group("before") or match.group("after")
    return amount, currency_code(marker) if marker else None


def convert(amount: float, currency: str, to: str, rates: Mapping[str, float]) -> float:
    """`amount` of `currency` in `to`; `NoRate` when either has no rate (nothing is needed for the same one)."""
    if currency == to:
        return amount
    for code in (currency, to):
        if not rates.get(code):
            raise NoRate(code)
    return amount * rates[currency] / rates[to]


def base_currency(currencies: Iterable[str]) -> str | None:
    """The most common currency (ties: alphabetical), None when there are none."""
    counts = Counter(currencies)
    return min(counts, key=lambda code: (-counts[code], code)) if counts else None


def format_price(amount: float, currency: str) -> str:
    """¥899 / $12.50 / 899 CHF: whole amounts without cents, others with two decimals."""
    number = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    sign = _SIGNS.get(currency.upper())
    return f"{sign}{number}" if sign else f"{number} {currency}"
