"""Structured constraints from a shopper's query, in Chinese or English.

`parse_query("500元以内的冲锋衣，不要耐克", vocabulary)` finds the price range, brands to include or
exclude, categories, "in stock" and "cheapest" and returns them as `SearchFilters` beside the cleaned text:
the constraint phrases are removed so the semantic query is about the product itself. Brand and category
names stay in the text (they describe the product) and also become filters when the catalog knows them.

Price bounds are inclusive ("under 50" admits 50). Amounts carry no currency conversion: a shop prices in
one currency, and the bound applies to the number. The patterns are module constants compiled once.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, Field

from retrieval.models import Product

SortOrder = Literal["relevance", "price_asc", "price_desc"]


class SearchFilters(BaseModel):
    """Hard filters: a search never returns a product that breaks one of them."""

    price_min: float | None = Field(None, ge=0)
    price_max: float | None = Field(None, ge=0)
    categories: list[str] = Field(
        default_factory=list, description="Any-of, matched against every level of a product's category path."
    )
    brands: list[str] = Field(default_factory=list, description="Any-of.")
    exclude_brands: list[str] = Field(default_factory=list)
    in_stock_only: bool = False
    exclude_skus: list[str] = Field(default_factory=list)

    def matches(self, product: Product) -> bool:
        """True when `product` satisfies every filter (names compare case-insensitively)."""
        if self.price_min is not None and product.price < self.price_min:
            return False
        if self.price_max is not None and product.price > self.price_max:
            return False
        if self.categories:
            wanted = {c.casefold() for c in self.categories}
            if not any(level.casefold() in wanted for level in product.category):
                return False
        brand = (product.brand or "").casefold()
        if self.brands and brand not in {b.casefold() for b in self.brands}:
            return False
        if brand and brand in {b.casefold() for b in self.exclude_brands}:
            return False
        if self.in_stock_only and not product.in_stock:
            return False
        return product.sku not in self.exclude_skus


class Vocabulary(BaseModel):
    """The names a merchant's catalog uses, so a query can be matched against them.

    Building the matchers costs about a millisecond for a few hundred names: keep one Vocabulary per
    catalog version rather than one per query.
    """

    brands: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list, description="Every level of every category path, deduplicated.")

    @cached_property
    def brand_matcher(self) -> NameMatcher:
        return NameMatcher(self.brands)

    @cached_property
    def category_matcher(self) -> NameMatcher:
        return NameMatcher(self.categories)


class ParsedQuery(BaseModel):
    """What `parse_query` understood: the product-only text plus hard filters and a sort order."""

    text: str
    filters: SearchFilters
    sort: SortOrder = "relevance"


# --- price phrases -------------------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[零一二两三四五六七八九十百千万]+)(?:\s*(?:[kK](?![a-zA-Z])|千|万))?"
_CURRENCY_BEFORE = r"(?:US\$|\$|¥|RMB|CNY|USD)"
_CURRENCY_AFTER = r"(?:元|块钱|块|rmb|cny|usd|dollars?|bucks|美元|美金)"
# Numbers followed by these are sizes, weights, ages ... not prices.
_NOT_A_PRICE = (
    r"(?!\.?\d)(?!,\d)(?!\s*(?:kg|g\b|cm|mm|m\b|ml|l\b|gb|tb|mah|w\b|寸|英寸|码|号|克|斤|公斤|毫升|升|厘米|米|岁|人|个|件|"
    r"天|小时|分钟|inch|\"|%|ft\b|lbs?\b|oz\b|years?\b|months?\b|days?\b|hours?\b|pcs\b|pieces?\b|people\b|kids?\b|cups?\b))"
)
_AMOUNT = rf"(?:{_CURRENCY_BEFORE}\s*)?(?P<{{name}}>{_NUMBER})(?:\s*{_CURRENCY_AFTER})?{_NOT_A_PRICE}"


def _amount(name: str) -> str:
    return _AMOUNT.replace("{name}", name)


_ZH_PRICE_WORD = r"(?:(?:价格|价位|预算|售价|价钱)\s*(?:在|是|为)?\s*)?"
_EN_PRICE_WORD = r"(?:(?:priced|price|costing|costs?|for|budget(?:\s+(?:of|is))?)\s+)?"

_RANGE_PATTERNS = [
    re.compile(rf"{_ZH_PRICE_WORD}{_amount('lo')}\s*(?:到|至)\s*{_amount('hi')}\s*(?:之间|以内|区间)?的?", re.I),
    re.compile(rf"(?:between|from)\s+{_amount('lo')}\s+(?:and|to|-)\s+{_amount('hi')}", re.I),
    # "100-200" is only a price when a currency marker or price word is there ("100-200元", "$100-200").
    re.compile(
        rf"(?P<ctx>{_ZH_PRICE_WORD}|{_EN_PRICE_WORD}){_amount('lo')}\s*(?:-|~|–|—|to)\s*{_amount('hi')}\s*(?:之间|区间)?的?",
        re.I,
    ),
]
_UPPER_PATTERNS = [
    re.compile(
        rf"{_ZH_PRICE_WORD}(?:不超过|不高于|不要超过|别超过|不到|低于|少于|小于|最多|至多|顶多|不超)\s*{_amount('hi')}的?",
        re.I,
    ),
    re.compile(rf"{_ZH_PRICE_WORD}{_amount('hi')}\s*(?:以内|以下|之内|内|封顶)的?", re.I),
    re.compile(rf"预算\s*(?:是|为|有|只有)?\s*{_amount('hi')}的?", re.I),
    re.compile(
        rf"(?:under|below|less\s+than|cheaper\s+than|no\s+more\s+than|not\s+more\s+than|at\s+most|max(?:imum)?|"
        rf"up\s+to|within|budget(?:\s+(?:of|is))?|<=?)\s*{_amount('hi')}",
        re.I,
    ),
    re.compile(
        rf"{_EN_PRICE_WORD}{_amount('hi')}\s+(?:or\s+less|or\s+under|and\s+under|or\s+below|or\s+cheaper|max)\b", re.I
    ),
]
_LOWER_PATTERNS = [
    re.compile(rf"{_ZH_PRICE_WORD}(?:高于|超过|大于|不低于|不少于|至少|最少|起码)\s*{_amount('lo')}的?", re.I),
    re.compile(rf"{_ZH_PRICE_WORD}{_amount('lo')}\s*(?:以上|起|往上|开外)的?", re.I),
    re.compile(
        rf"(?:over|above|more\s+than|at\s+least|min(?:imum)?|starting\s+(?:at|from)|>=?)\s*{_amount('lo')}", re.I
    ),
    re.compile(rf"{_EN_PRICE_WORD}{_amount('lo')}\s*(?:\+|or\s+more|and\s+up|and\s+above|or\s+above|plus)(?!\w)", re.I),
]
_CURRENCY_MARK = re.compile(rf"{_CURRENCY_BEFORE}|{_CURRENCY_AFTER}", re.I)

# --- stock and sort phrases ----------------------------------------------------------------------

_IN_STOCK = re.compile(
    r"(?:只要|只看)?(?:有货|现货|有库存|库存充足)的?|\b(?:only\s+)?in[\s-]stock(?:\s+only)?\b|\bavailable\s+now\b", re.I
)
_SORT_PATTERNS: list[tuple[re.Pattern[str], SortOrder]] = [
    (
        re.compile(
            r"最便宜|最实惠|价格最低|最低价|价格从低到高|从低到高|\b(?:the\s+)?cheapest\b|\blowest[\s-]price[d]?\b|"
            r"\bleast\s+expensive\b|\bprice\s+low\s+to\s+high\b|\bmost\s+affordable\b",
            re.I,
        ),
        "price_asc",
    ),
    (
        re.compile(
            r"最贵|价格最高|最高价|价格从高到低|从高到低|\b(?:the\s+)?most\s+expensive\b|\bpriciest\b|\bhighest[\s-]price[d]?\b|"
            r"\bprice\s+high\s+to\s+low\b",
            re.I,
        ),
        "price_desc",
    ),
]

# --- brand exclusion -----------------------------------------------------------------------------

_NEGATION_BEFORE = re.compile(
    r"(?:不要|别要|不想要|不考虑|除了|除去|排除|不含|不买|不喜欢|别推荐|别给我|非)\s*$"
    r"|(?<![A-Za-z])(?:not|no|except|excluding|exclude|without|other\s+than|anything\s+but|but\s+not|avoid)\s+$",
    re.I,
)
_CONJUNCTION_ONLY = re.compile(r"^\s*(?:和|或|或者|跟|与|、|,|，|/|and|or|nor)\s*$", re.I)
_EXCLUSION_TAIL = re.compile(r"^\s*(?:的|以外|之外|牌子的?|品牌的?)")
_NAME_PARTS = re.compile(
    r"[/|()（）·,，]+|\s+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s*(?=[A-Za-z])|(?<=[A-Za-z])\s*(?=[\u4e00-\u9fff])"
)
_LATIN = re.compile(r"[A-Za-z0-9]")

# Leftovers at the edges once constraint phrases are cut out.
_EDGE_FILLER = re.compile(
    r"^(?:[\s,，。.;；:：!！?？、]|的|\band\b|\bwith\b|\bfor\b|\bplease\b)+"
    r"|(?:[\s,，。.;；:：!！?？、]|的|\band\b|\bwith\b|\bfor\b|\bplease\b|\bonly\b)+$",
    re.I,
)


def parse_query(text: str, vocabulary: Vocabulary) -> ParsedQuery:
    """Split `text` into the product description and hard filters (see the module docstring)."""
    working = unicodedata.normalize("NFKC", text)
    filters = SearchFilters()

    working = _take_prices(working, filters)
    working, in_stock = _cut(working, [_IN_STOCK])
    filters.in_stock_only = in_stock
    sort: SortOrder = "relevance"
    for pattern, order in _SORT_PATTERNS:
        working, found = _cut(working, [pattern])
        if found and sort == "relevance":
            sort = order

    working, brand_spans = _take_brands(working, vocabulary.brand_matcher, filters)
    filters.categories = _find_names(working, vocabulary.category_matcher, taken=brand_spans)

    cleaned = re.sub(r"\s+", " ", working)
    previous = None
    while previous != cleaned:
        previous, cleaned = cleaned, _EDGE_FILLER.sub("", cleaned).strip()
    return ParsedQuery(text=cleaned, filters=filters, sort=sort)


def _take_prices(text: str, filters: SearchFilters) -> str:
    """Find price ranges and bounds, record them on `filters`, and cut them out of `text`."""
    for pattern in _RANGE_PATTERNS:
        for match in list(pattern.finditer(text)):
            if "ctx" in pattern.groupindex and not (match.group("ctx") or _CURRENCY_MARK.search(match.group(0))):
                continue
            low, high = _to_number(match.group("lo")), _to_number(match.group("hi"))
            if low is None or high is None:
                continue
            low, high = min(low, high), max(low, high)
            filters.price_min = low if filters.price_min is None else max(filters.price_min, low)
            filters.price_max = high if filters.price_max is None else min(filters.price_max, high)
            text = text.replace(match.group(0), " ", 1)
    for patterns, group in ((_UPPER_PATTERNS, "hi"), (_LOWER_PATTERNS, "lo")):
        for pattern in patterns:
            for match in list(pattern.finditer(text)):
                value = _to_number(match.group(group))
                if value is None:
                    continue
                if group == "hi":
                    filters.price_max = value if filters.price_max is None else min(filters.price_max, value)
                else:
                    filters.price_min = value if filters.price_min is None else max(filters.price_min, value)
                text = text.replace(match.group(0), " ", 1)
    return text


def _to_number(raw: str) -> float | None:
    """'1,299' -> 1299.0, '1.5k' -> 1500.0, '五百' -> 500.0, '2万' -> 20000.0."""
    raw = raw.replace(" ", "")
    multiplier = 1
    if raw[-1] in "kK千" and len(raw) > 1 and raw[:-1].replace(",", "").replace(".", "").isdigit():
        raw, multiplier = raw[:-1], 1000
    elif raw[-1] == "万" and len(raw) > 1 and raw[:-1].replace(".", "").isdigit():
        raw, multiplier = raw[:-1], 10000
    if raw[0].isdigit():
        try:
            return float(raw.replace(",", "")) * multiplier
        except ValueError:
            return None
    return _chinese_number(raw)


def _chinese_number(raw: str) -> float | None:
    """Chinese numerals up to the ten-thousands: 五百 -> 500, 两千五百 -> 2500, 一万 -> 10000."""
    total = section = digit = 0
    for char in raw:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            section += (digit or 1) * _CN_UNITS[char]
            digit = 0
        elif char == "万":
            total += (section + digit) * 10000
            section = digit = 0
        else:
            return None
    value = total + section + digit
    return float(value) if value else None


def _cut(text: str, patterns: list[re.Pattern[str]]) -> tuple[str, bool]:
    found = False
    for pattern in patterns:
        text, count = pattern.subn(" ", text)
        found = found or count > 0
    return text, found


# --- names from the vocabulary -------------------------------------------------------------------


class NameMatcher:
    """Finds a vocabulary's names in a query: case-insensitive, zh and en, longest alias first.

    Aliases: '耐克 Nike' and 'Nike/耐克' also answer to '耐克' and 'Nike' alone, and a plural English name
    ("Jackets") to the singular ("jacket"). Built once per `Vocabulary` (see its cached properties).
    """

    def __init__(self, names: list[str]) -> None:
        self._aliases = _aliases(names)
        parts = []
        for alias in sorted(self._aliases, key=len, reverse=True):
            escaped = re.escape(alias)
            if _LATIN.match(alias[-1]):
                # An English word may be plural in the query: jacket -> jackets.
                escaped += r"(?:s|es)?(?![A-Za-z0-9])"
            if _LATIN.match(alias[0]):
                escaped = r"(?<![A-Za-z0-9])" + escaped
            parts.append(escaped)
        self._pattern = re.compile("|".join(parts), re.I) if parts else None

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, canonical name) for each mention."""
        if self._pattern is None:
            return []
        found = []
        for match in self._pattern.finditer(text):
            written = match.group(0)
            key = written.casefold()
            canonical = (
                self._aliases.get(key)
                or self._aliases.get(key.removesuffix("es"))
                or self._aliases.get(key.removesuffix("s"))
            )
            if canonical is None:
                continue
            # Short mixed-case names ("On") must match as written, or "on sale" would mean the brand On;
            # short acronyms ("LG") match in any case.
            if len(written) <= 3 and _LATIN.match(written) and not canonical.isupper() and written != canonical:
                continue
            found.append((match.start(), match.end(), canonical))
        return found


def _aliases(names: list[str]) -> dict[str, str]:
    """Every way a name can be written in a query -> the catalog's spelling."""
    aliases: dict[str, str] = {}
    for name in names:
        canonical = name.strip()
        if not canonical:
            continue
        normalised = unicodedata.normalize("NFKC", canonical)
        for alias in [normalised, *_NAME_PARTS.split(normalised)]:
            alias = alias.strip()
            if not alias or (len(alias) == 1 and _LATIN.match(alias)):
                continue
            key = alias.casefold()
            aliases.setdefault(key, canonical)
            if len(key) > 3 and key.endswith("s") and _LATIN.match(key[-2]):
                aliases.setdefault(key[:-1], canonical)
                if key.endswith("es"):
                    aliases.setdefault(key[:-2], canonical)
    return aliases


def _take_brands(text: str, brands: NameMatcher, filters: SearchFilters) -> tuple[str, list[tuple[int, int]]]:
    """Record included and excluded brands; cut each exclusion phrase ("不要耐克", "not Nike") out of `text`.

    Returns the new text and the spans of the brand mentions left in it.
    """
    cuts: list[tuple[int, int]] = []
    kept: list[tuple[int, int, str]] = []
    previous_end, previous_excluded = 0, False
    for start, end, brand in brands.find(text):
        before = text[previous_end:start]
        negation = _NEGATION_BEFORE.search(text[:start])
        chained = previous_excluded and _CONJUNCTION_ONLY.match(before) is not None
        if negation or chained:
            tail = _EXCLUSION_TAIL.match(text[end:])
            cut_start = negation.start() if negation else previous_end
            cuts.append((cut_start, end + (tail.end() if tail else 0)))
            if brand not in filters.exclude_brands:
                filters.exclude_brands.append(brand)
            previous_excluded = True
        else:
            kept.append((start, end, brand))
            previous_excluded = False
        previous_end = end
    filters.brands = [b for b in dict.fromkeys(brand for _, _, brand in kept) if b not in filters.exclude_brands]

    pieces, position = [], 0
    for start, end in cuts:
        pieces.append(text[position:start] + " ")
        position = max(position, end)
    pieces.append(text[position:])
    new_text = "".join(pieces)
    # Recompute spans of the kept mentions in the new text for the category pass.
    spans = [(start, end) for start, end, brand in brands.find(new_text) if brand in filters.brands]
    return new_text, spans


def _find_names(text: str, names: NameMatcher, *, taken: list[tuple[int, int]]) -> list[str]:
    found: list[str] = []
    for start, end, name in names.find(text):
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        if name not in found:
            found.append(name)
    return found
