"""Cell values of catalog files: clean text and the typed fields (price, stock, flags, ratings, category paths,
URLs, attributes).

Each parser takes a cell as the table reader gave it (text already cleaned by `clean`, or a JSON/XLSX number,
list or object) and returns the field's value or raises `FieldError` naming the field and an actionable
reason in English with the Chinese gist in brackets, which the merchant sees in the upload report.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from typing import Any

from retrieval.money import PriceFormatError, currency_code, parse_price

PRICE_EXAMPLES = "expected e.g. 1299, ¥1,299.00, 1299元, $12.50, 12,50 €"


class FieldError(ValueError):
    """A cell that cannot be used; `field` names the column, the message is the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


# A tag starts with a letter, "/", "!" or "?" right after "<", as in HTML itself: "<5 kg", "a < b" stay text.
_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[A-Za-z/!?][^>]*>", re.I | re.S)
# C0/C1 control characters other than line breaks and tabs: never meant, and XLSX cannot hold them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean(value: Any) -> str:
    """A cell as clean text: NFKC, control characters and HTML tags removed, entities decoded, spaces collapsed
    within each line, blank lines dropped (line breaks stay: descriptions and policies have paragraphs).

    Repeated until nothing changes ("&amp;lt;b&amp;gt;" needs two rounds), so cleaning clean text changes
    nothing: a stored value read back from an export is the same value.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    for _ in range(5):  # entities nest rarely more than twice; the bound only guards pathological input
        previous = text
        text = _CONTROL.sub("", unicodedata.normalize("NFKC", text))
        if "<" in text:
            text = _TAG.sub(" ", text)
        if "&" in text:
            text = html.unescape(text)
        if text == previous:
            break
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def one_line(text: str) -> str:
    """Clean text on one line (titles, names, codes)."""
    return " ".join(text.split())


def as_text(value: Any) -> str:
    """A field that is one line of text. Cleaning is idempotent, so a cell cleaned already (or a string
    nested in a JSON list or object, which was not) ends up the same."""
    return one_line(clean(value))


def text_block(value: Any) -> str:
    """A field that may have paragraphs (description, review text, policy text)."""
    return clean(value)


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_merchant(value: Any, merchant_id: str) -> None:
    owner = as_text(value)
    if owner and owner != merchant_id:
        raise FieldError(
            "merchant",
            f'the row belongs to merchant "{owner}" but this upload is for "{merchant_id}"; remove the row '
            "or upload it from that merchant's account (不属于当前商家)",
        )


def required_text(values: dict[str, Any], field: str, *, multiline: bool = False) -> str:
    text = text_block(values.get(field)) if multiline else as_text(values.get(field))
    if not text:
        raise FieldError(field, f"{field} is empty; every row needs one (必填)")
    return text


def price(value: Any) -> tuple[float | None, str | None]:
    """'¥1,299.00' -> (1299.0, 'CNY'); '$12.50' -> (12.5, 'USD'); 99 -> (99.0, None) (see `money.parse_price`);
    an empty cell -> (None, None): the price is unknown (the upload report warns about it)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount, code = float(value), None
    else:
        text = as_text(value)
        if not text:
            return None, None
        try:
            amount, code = parse_price(text)
        except PriceFormatError:
            raise FieldError("price", f'"{shorten(text)}" is not a price ({PRICE_EXAMPLES}) (价格格式不对)') from None
    if amount < 0:
        raise FieldError("price", f"{amount:g} is negative; a price must be 0 or more (价格不能为负)")
    return round(amount, 2), code


def currency(value: Any) -> str | None:
    """A currency column: a code (cny, USD), a sign ($, ¥) or a name (人民币, 美元, euros) -> its ISO code."""
    text = as_text(value)
    if not text:
        return None
    code = currency_code(text)
    if code is None:
        raise FieldError("currency", f'"{shorten(text)}" is not a currency; use a 3-letter code such as CNY or USD')
    return code


_TRUE = {"true", "yes", "y", "1", "有货", "有", "是", "在售", "现货", "in stock", "available"}
_FALSE = {
    "false",
    "no",
    "n",
    "0",
    "无货",
    "无",
    "否",
    "缺货",
    "售罄",
    "下架",
    "out of stock",
    "sold out",
    "unavailable",
}


def flag(value: Any, field: str) -> bool | None:
    text = as_text(value).casefold()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError(field, f'"{shorten(text)}" is not yes/no (use true/false, yes/no, 1/0, 有货/无货)')


def stock(value: Any) -> tuple[int | None, bool | None]:
    """Units on hand, or (None, flag) when the stock column holds 有货/无货 style words."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    else:
        text = as_text(value)
        if not text:
            return None, None
        match = re.fullmatch(r"([+-]?\d+(?:\.0+)?)\s*(?:件|个|pcs|units?)?", text, re.I)
        if not match:
            try:
                return None, flag(text, "stock")
            except FieldError:
                raise FieldError("stock", f'"{shorten(text)}" is not a number of units (e.g. 12) or yes/no') from None
        number = float(match.group(1))
    if number != int(number) or number < 0:
        raise FieldError("stock", f"{number:g} is not a whole number of units, 0 or more (库存必须是非负整数)")
    return int(number), None


def rating(value: Any, field: str, *, whole: bool) -> float | None:
    """'4.5', '4.5分', '4.5/5', '★★★★' -> 4.5, 4.5, 4.5, 4.0; None when empty."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = as_text(value)
        if not text:
            return None
        if set(text) <= {"★", "☆"}:
            number = float(text.count("★"))
        else:
            match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:分|星|stars?|/\s*5(?:\.0)?)?", text, re.I)
            if not match:
                raise FieldError(
                    field, f'"{shorten(text)}" is not a rating; use a number from {1 if whole else 0} to 5'
                )
            number = float(match.group(1))
    low = 1 if whole else 0
    if whole and not number.is_integer():
        raise FieldError(field, f"{number:g} is not a whole number of stars; use 1, 2, 3, 4 or 5 (评分应为 1-5 的整数)")
    if not low <= number <= 5:
        raise FieldError(field, f"{number:g} is out of range; use a number from {low} to 5 (评分应为 {low}-5)")
    return round(number, 2)  # 4.57, not 4.5714285714285715: what a shop shows, and what every file format keeps


def category(value: Any) -> list[str]:
    """'服装 > 户外 > 冲锋衣', '服装/户外/冲锋衣' or a JSON list -> ['服装', '户外', '冲锋衣'].

    List items are split the same way, so a level never holds a separator and a path written as text
    reads back as the same levels.
    """
    parts = value if isinstance(value, list) else [value]
    levels = (level for part in parts for level in _CATEGORY_SEPARATOR.split(as_text(part)))
    return [level for level in (one_line(level) for level in levels) if level]


_CATEGORY_SEPARATOR = re.compile(r"\s*(?:>|/|›|»|→|\\)\s*")
# Between URLs: whitespace, or a comma, semicolon or pipe right before the next http(s):// (a comma inside
# one URL, as in ".../w_300,h_300/a.jpg", stays).
_URL_SEPARATOR = re.compile(r"\s+|\s*[,;|]\s*(?=https?://)", re.I)


def urls(value: Any, field: str) -> list[str]:
    items = value if isinstance(value, list) else _URL_SEPARATOR.split(as_text(value))
    urls = [url for url in (as_text(item) for item in items) if url]
    for url in urls:
        if not re.match(r"https?://\S+$", url, re.I):
            raise FieldError(field, f'"{shorten(url)}" is not an http(s) URL (链接格式不对)')
    return urls


def attributes(free: dict[str, Any], nested: Any) -> dict[str, str]:
    """Free columns plus an `attributes` object (JSON, or a cell holding a JSON object) -> {name: text}, one line
    each; empty names and values are dropped."""
    merged = dict(free)
    if isinstance(nested, str) and nested.strip():
        try:
            nested = json.loads(nested)
        except json.JSONDecodeError:
            nested = None
        if not isinstance(nested, dict):
            raise FieldError("attributes", 'attributes must be a JSON object like {"color": "red"}')
    if isinstance(nested, dict):
        merged.update(nested)
    elif nested not in (None, ""):
        raise FieldError("attributes", 'attributes must be a JSON object like {"color": "red"}')
    result: dict[str, str] = {}
    for name, value in merged.items():
        text = ", ".join(filter(None, map(as_text, value))) if isinstance(value, list) else as_text(value)
        if text and as_text(name):
            result[as_text(name)] = text
    return result
