"""Structured constraints from a shopper's query, in Chinese or English.

`parse_query("500元以内的冲锋衣，不要耐克", vocabulary)` finds the price range, brands to include or
exclude, categories, "in stock" and "cheapest" and returns them as `SearchFilters` beside the cleaned text:
the constraint phrases are removed so the semantic query is about the product itself. Brand and category
names stay in the text (they describe the product) and also become filters when the catalog knows them.

Price bounds are inclusive ("under 50" admits 50). Amounts are read by `money.py` (symbols, codes and
spoken forms in both languages); the currency the customer wrote is kept in `SearchFilters.currency`
(None = the shop's own), and `Shop.search` converts it into the catalog's currency. When two bounds name
different currencies, the first one stated applies to both. The patterns are module constants compiled once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, Field

from retrieval.brands import title_names_brand
from retrieval.models import Product
from retrieval.money import Amount, NoRate, amount_at, amount_pattern, convert
from retrieval.names import NameMatcher

SortOrder = Literal["relevance", "price_asc", "price_desc"]


class SearchFilters(BaseModel):
    """Hard filters: a search never returns a product that breaks one of them.

    A product whose price is unknown, or in a currency the bounds cannot be converted into, never matches
    a price bound.
    """

    price_min: float | None = Field(None, ge=0)
    price_max: float | None = Field(None, ge=0)
    currency: str | None = Field(
        None, description="The currency of price_min/price_max as the customer stated it; None = the shop's own."
    )
    categories: list[str] = Field(
        default_factory=list, description="Any-of, matched against every level of a product's category path."
    )
    brands: list[str] = Field(default_factory=list, description="Any-of.")
    exclude_brands: list[str] = Field(default_factory=list)
    in_stock_only: bool = False
    exclude_skus: list[str] = Field(default_factory=list)

    @property
    def has_price(self) -> bool:
        return self.price_min is not None or self.price_max is not None

    def price_bounds(self, currency: str, rates: Mapping[str, float]) -> tuple[float | None, float | None]:
        """(price_min, price_max) in `currency`; `money.NoRate` when they cannot be converted into it.

        Bounds with no currency of their own are taken to be in `currency` already.
        """
        if self.currency is None or self.currency == currency or not self.has_price:
            return self.price_min, self.price_max
        low, high = self.price_min, self.price_max
        return (
            None if low is None else convert(low, self.currency, currency, rates),
            None if high is None else convert(high, self.currency, currency, rates),
        )

    def price_matches(self, price: float | None, currency: str, rates: Mapping[str, float]) -> bool:
        """Whether a price of `price` `currency` is within the bounds (an unknown price never is)."""
        if not self.has_price:
            return True
        if price is None:
            return False
        try:
            low, high = self.price_bounds(currency, rates)
        except NoRate:
            return False
        return (low is None or price >= low) and (high is None or price <= high)

    def matches(self, product: Product, rates: Mapping[str, float] | None = None) -> bool:
        """True when `product` satisfies every filter (names compare case-insensitively).

        Bounds in another currency than the product's are converted with `rates`; without them (or
        without a rate) the product does not match. Bounds with no currency are compared with the price as
        written; `Shop.search` takes them to be in the catalog's base currency, so set `currency` to that
        to check a search's hits in a catalog that mixes currencies.
        """
        if not self.price_matches(product.price, product.currency, rates or {}):
            return False
        if self.categories:
            wanted = {c.casefold() for c in self.categories}
            if not any(level.casefold() in wanted for level in product.category):
                return False
        if self.brands and not any(_of_brand(product, b) for b in self.brands):
            return False
        if any(_of_brand(product, b) for b in self.exclude_brands if b):
            return False
        if self.in_stock_only and not product.in_stock:
            return False
        return product.sku not in self.exclude_skus


def _of_brand(product: Product, brand: str) -> bool:
    """The brand field names `brand`; a product without one, when its title does (see `retrieval.brands`)."""
    if product.brand:
        return product.brand.casefold() == brand.casefold()
    return title_names_brand(product.title, brand)


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
    categories: list[str] = Field(
        default_factory=list,
        description="The shop's categories the text names: a ranking signal, not a filter (filters.categories "
        "holds only those the customer restricted to: 'only jackets', 只要外套).",
    )


# --- price phrases -------------------------------------------------------------------------------

_ZH_PRICE_WORD = r"(?:(?:价格|价位|预算|售价|价钱)\s*(?:在|是|为)?\s*)?"
_EN_PRICE_WORD = r"(?:(?:priced|price|costing|costs?|for|budget(?:\s+(?:of|is))?)\s+)?"

_RANGE_PATTERNS = [
    re.compile(
        rf"{_ZH_PRICE_WORD}{amount_pattern('lo')}\s*(?:到|至)\s*{amount_pattern('hi')}\s*(?:之间|以内|区间)?的?", re.I
    ),
    re.compile(rf"(?:between|from)\s+{amount_pattern('lo')}\s+(?:and|to|-)\s+{amount_pattern('hi')}", re.I),
    # "100-200" is only a price when a currency marker or price word is there ("100-200元", "$100-200").
    re.compile(
        rf"(?P<ctx>{_ZH_PRICE_WORD}|{_EN_PRICE_WORD}){amount_pattern('lo')}\s*(?:-|~|–|—|to)\s*{amount_pattern('hi')}\s*(?:之间|区间)?的?",
        re.I,
    ),
]
_UPPER_PATTERNS = [
    re.compile(
        rf"{_ZH_PRICE_WORD}(?:不超过|不高于|不要超过|别超过|不到|低于|少于|小于|最多|至多|顶多|不超)\s*{amount_pattern('hi')}的?",
        re.I,
    ),
    re.compile(rf"{_ZH_PRICE_WORD}{amount_pattern('hi')}\s*(?:以内|以下|之内|内|封顶)的?", re.I),
    re.compile(rf"预算\s*(?:是|为|有|只有)?\s*{amount_pattern('hi')}的?", re.I),
    re.compile(
        rf"(?:under|below|less\s+than|cheaper\s+than|no\s+more\s+than|not\s+more\s+than|at\s+most|max(?:imum)?|"
        rf"up\s+to|within|budget(?:\s+(?:of|is))?|<=?)\s*{amount_pattern('hi')}",
        re.I,
    ),
    re.compile(
        rf"{_EN_PRICE_WORD}{amount_pattern('hi')}\s+(?:or\s+less|or\s+under|and\s+under|or\s+below|or\s+cheaper|max)\b",
        re.I,
    ),
]
_LOWER_PATTERNS = [
    re.compile(rf"{_ZH_PRICE_WORD}(?:高于|超过|大于|不低于|不少于|至少|最少|起码)\s*{amount_pattern('lo')}的?", re.I),
    re.compile(rf"{_ZH_PRICE_WORD}{amount_pattern('lo')}\s*(?:以上|起|往上|开外)的?", re.I),
    re.compile(
        rf"(?:over|above|more\s+than|at\s+least|min(?:imum)?|starting\s+(?:at|from)|>=?)\s*{amount_pattern('lo')}", re.I
    ),
    re.compile(
        rf"{_EN_PRICE_WORD}{amount_pattern('lo')}\s*(?:\+|or\s+more|and\s+up|and\s+above|or\s+above|plus)(?!\w)", re.I
    ),
]

# --- stock and sort phrases ----------------------------------------------------------------------

_IN_STOCK = re.compile(
    r"(?:只要|只看)?(?:有货|现货|有库存|库存充足)的?|\b(?:only\s+)?in[\s-]stock(?:\s+only)?\b|\bavailable\s+now\b", re.I
)
_SORT_PATTERNS: list[tuple[re.Pattern[str], SortOrder]] = [
    (
        re.compile(
            r"最便宜|最实惠|价格最低|最低价|价格从低到高|从低到高|\b(?:the\s+)?cheapest\b|\blowest[\s-]price[d]?\b|"
            r"\bleast\s+expensive\b|\bprice\s+low\s+to\s+high\b|\bmost\s+affordable\b|"
            # "cheap towels", "便宜的毛巾": the cheapest of what matches comes first
            r"便宜(?:一?点|一些|些)?的|(?:价格)?实惠的|平价的?|\b(?:cheap|inexpensive|affordable|low[\s-]cost)\b",
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

# --- explicit restriction to a category ("only jackets", 只要外套): the one case a category filters ---------

_ONLY_BEFORE = re.compile(
    r"(?:只要|只看|只买|只找|仅限|只限|仅看)\s*$|(?<![A-Za-z])(?:only|just)\s+(?:the\s+|show\s+me\s+)?$", re.I
)
_ONLY_AFTER = re.compile(r"^\s*(?:only\b|才要|就行)", re.I)

# --- brand exclusion -----------------------------------------------------------------------------

_NEGATION_BEFORE = re.compile(
    r"(?:不要|别要|不想要|不考虑|除了|除去|排除|不含|不买|不喜欢|别推荐|别给我|非)\s*$"
    r"|(?<![A-Za-z])(?:not|no|except|excluding|exclude|without|other\s+than|anything\s+but|but\s+not|avoid)\s+$",
    re.I,
)
_CONJUNCTION_ONLY = re.compile(r"^\s*(?:和|或|或者|跟|与|、|,|，|/|and|or|nor)\s*$", re.I)
_EXCLUSION_TAIL = re.compile(r"^\s*(?:的|以外|之外|牌子的?|品牌的?)")

# Leftovers at the edges once constraint phrases are cut out, and the openers of a request ("I'm looking for",
# 我想买): words every query could start with say nothing about the product.
_EDGE_FILLER = re.compile(
    r"^(?:[\s,，。.;；:：!！?？、]|的|\band\b|\bwith\b|\bfor\b|\bplease\b"
    r"|\bi(?:'m| am)? (?:looking for|searching for|after|want|need|would like)\b|\blooking for\b"
    r"|\b(?:do|does) (?:you|the shop) (?:have|sell|stock|carry)\b|\bhave you got\b|\bshow me\b|\bany\b"
    r"|请问|我想买|我想要|我要买|我要|想买|想要|有没有|有卖|有木有)+"
    r"|(?:[\s,，。.;；:：!！?？、]|的|\band\b|\bwith\b|\bfor\b|\bplease\b|\bonly\b)+$",
    re.I,
)


# Words that name no kind of product on their own.
_GENERIC = re.compile(
    r"\b(?:sets?|stuff|things?|products?|items?|range|collection|gear|brand|toys?)\b|东西|产品|商品|系列|套装|玩具|的",
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
    mentions = _find_names(working, vocabulary.category_matcher, taken=brand_spans)
    categories = list(dict.fromkeys(name for _, _, name in mentions))
    filters.categories = list(dict.fromkeys(name for start, end, name in mentions if _restricted(working, start, end)))

    # A brand that became a filter says nothing more in the text: every candidate has it, and its words would only
    # make any product of the brand look like an answer ("耐克羽绒服" among Nike running shoes).
    # Kept when nothing but generic words would be left ("lego sets": "sets" alone is no kind of product).
    product_words = _cut_spans(working, brand_spans)
    cleaned = re.sub(r"\s+", " ", product_words if re.search(r"\w", _GENERIC.sub(" ", product_words)) else working)
    previous = None
    while previous != cleaned:
        previous, cleaned = cleaned, _EDGE_FILLER.sub("", cleaned).strip()
    return ParsedQuery(text=cleaned, filters=filters, sort=sort, categories=categories)


def _take_prices(text: str, filters: SearchFilters) -> str:
    """Find price ranges and bounds, record them on `filters`, and cut them out of `text`."""
    for pattern in _RANGE_PATTERNS:
        for match in list(pattern.finditer(text)):
            low, high = amount_at(match, "lo"), amount_at(match, "hi")
            if low is None or high is None:
                continue
            if "ctx" in pattern.groupindex and not (match.group("ctx") or low.currency or high.currency):
                continue
            low, high = sorted((low, high), key=lambda amount: amount.value)
            _bound(filters, "price_min", low, max)
            _bound(filters, "price_max", high, min)
            text = text.replace(match.group(0), " ", 1)
    for patterns, group, field, tighter in (
        (_UPPER_PATTERNS, "hi", "price_max", min),
        (_LOWER_PATTERNS, "lo", "price_min", max),
    ):
        for pattern in patterns:
            for match in list(pattern.finditer(text)):
                amount = amount_at(match, group)
                if amount is None:
                    continue
                _bound(filters, field, amount, tighter)
                text = text.replace(match.group(0), " ", 1)
    return text


def _bound(filters: SearchFilters, field: str, amount: Amount, tighter: Callable[[float, float], float]) -> None:
    """Set `field` to `amount` (or the `tighter` of it and the bound already there); keep the first currency."""
    current = getattr(filters, field)
    setattr(filters, field, amount.value if current is None else tighter(current, amount.value))
    if filters.currency is None:
        filters.currency = amount.currency


def _cut(text: str, patterns: list[re.Pattern[str]]) -> tuple[str, bool]:
    found = False
    for pattern in patterns:
        text, count = pattern.subn(" ", text)
        found = found or count > 0
    return text, found


# --- names from the vocabulary -------------------------------------------------------------------


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

    new_text = _cut_spans(text, cuts)
    # Recompute spans of the kept mentions in the new text for the category pass.
    spans = [(start, end) for start, end, brand in brands.find(new_text) if brand in filters.brands]
    return new_text, spans


def _cut_spans(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, position = [], 0
    for start, end in sorted(spans):
        pieces.append(text[position:start] + " ")
        position = max(position, end)
    return "".join(pieces) + text[position:]


def _find_names(text: str, names: NameMatcher, *, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    return [
        (start, end, name)
        for start, end, name in names.find(text)
        if not any(start < t_end and t_start < end for t_start, t_end in taken)
    ]


def _restricted(text: str, start: int, end: int) -> bool:
    """Whether the customer restricts the search to the category named at text[start:end] ("only jackets")."""
    return bool(_ONLY_BEFORE.search(text[:start]) or _ONLY_AFTER.match(text[end:]))
