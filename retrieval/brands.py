"""Brands that a catalog without a brand column still shows in its titles, and whether a title names a brand.

Real shop catalogs often have no brand field: the brand is the title's first word ("华为 HUAWEI P30 ...",
"Apple iPhone 11", "无印良品 MUJI 化妆水"). `title_brands` infers those names from the products that have no
brand of their own, conservatively, so a descriptive first word ("日式", "全棉") is never taken for a brand: a
Chinese first word counts only when some titles pair it with a Latin name ("迪奥（Dior）"), a Latin one only
when it starts at least `MIN_TITLES` titles. `title_names_brand` reads a title the way a shopper does: what a
product fits ("适用于苹果华为小米") is not its brand.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable

from retrieval.models import Product

MIN_TITLES = 3
_LEADING_TAG = re.compile(r"^\s*(?:【[^】]*】|\[[^\]]*\]|\s)+")
_HAN_WITH_LATIN = re.compile(r"^([\u4e00-\u9fff]{2,6})\s*[（(]?\s*([A-Za-z][A-Za-z&'.-]*[A-Za-z])(?![A-Za-z0-9-])")
_LATIN_FIRST = re.compile(r"^([A-Za-z][A-Za-z&'.-]*[A-Za-z])(?![A-Za-z0-9])")
_COMPATIBLE = re.compile(r"适用于|适用|兼容|支持|\bfor\b|\bcompatible\b|\bfits\b", re.I)
_PARTS = re.compile(r"[/|()（）]+")


def brand_aliases(brand: str) -> list[str]:
    """'华为/HUAWEI' -> ['华为', 'huawei'] (folded); the whole name first."""
    folded = unicodedata.normalize("NFKC", brand).strip().casefold()
    return list(dict.fromkeys([folded, *(p.strip() for p in _PARTS.split(folded) if p.strip())]))


def own_name(title: str) -> str:
    """The part of a title that names the product itself (folded): before "适用于" / "for"."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return _COMPATIBLE.split(folded, maxsplit=1)[0]


def title_names_brand(title: str, brand: str) -> bool:
    """Whether the title's own part names `brand` (any of its aliases; Latin ones as whole words)."""
    text = own_name(title)
    return any(_mentions(text, alias) for alias in brand_aliases(brand)[1:] or brand_aliases(brand))


def _mentions(text: str, alias: str) -> bool:
    if alias.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(alias)}(?![a-z])", text) is not None
    return alias in text


def title_brands(products: Iterable[Product]) -> list[str]:
    """Brand names inferred from the titles of products without a brand ('华为/HUAWEI', 'Apple'), sorted."""
    partners: dict[str, Counter[str]] = defaultdict(Counter)
    latin_first: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for product in products:
        if product.brand:
            continue
        title = _LEADING_TAG.sub("", unicodedata.normalize("NFKC", product.title))
        paired = _HAN_WITH_LATIN.match(title)
        first = None if paired else _LATIN_FIRST.match(title)
        if paired:
            partners[paired.group(1)][paired.group(2).casefold()] += 1
            spelled.setdefault(paired.group(2).casefold(), paired.group(2))
        elif first:
            latin_first[first.group(1).casefold()] += 1
            spelled.setdefault(first.group(1).casefold(), first.group(1))
    brands: dict[str, str] = {}
    for han, latins in partners.items():
        partner, count = latins.most_common(1)[0]
        if count >= 2:
            brands[partner] = f"{han}/{spelled[partner]}"
    for word, count in latin_first.items():
        if count >= MIN_TITLES and word not in brands:
            brands[word] = spelled[word]
    return sorted(brands.values())
