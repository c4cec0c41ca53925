"""How a message changes the constraints in force: merging new ones, "cheaper" / "more expensive" relative to
the products referred to, "not this brand", and whether a message names another kind of product."""

from __future__ import annotations

import re

from bot.core.cues import FILLER, INSTEAD, find_color
from bot.core.dialog import Constraints
from retrieval.models import Product
from retrieval.query import ParsedQuery


def merge(current: Constraints, parsed: ParsedQuery, color: str | None, *, extra_query: str = "") -> Constraints:
    """The constraints in force with this message's on top: new bounds replace, exclusions add up."""
    filters = parsed.filters
    merged = current.model_copy(deep=True)
    if filters.price_min is not None or filters.price_max is not None:
        merged.price_min, merged.price_max = filters.price_min, filters.price_max
        merged.currency = filters.currency
        merged.cheaper_than = merged.pricier_than = None
    if filters.categories:
        merged.categories = list(filters.categories)
    if filters.brands:
        merged.brands = list(filters.brands)
        merged.exclude_brands = [b for b in merged.exclude_brands if b not in filters.brands]
    for brand in filters.exclude_brands:
        if brand not in merged.exclude_brands:
            merged.exclude_brands.append(brand)
    merged.brands = [b for b in merged.brands if b not in merged.exclude_brands]
    merged.in_stock_only = merged.in_stock_only or filters.in_stock_only
    if color:
        merged.color = color
    if parsed.sort != "relevance":
        merged.sort = parsed.sort
    _, extra = find_color(extra_query)
    extra = FILLER.sub(" ", INSTEAD.sub(" ", extra))
    extra = re.sub(r"[\s,，。.!！?？的]+", " ", extra).strip()
    if extra and extra.casefold() not in merged.query.casefold():
        merged.query = f"{merged.query} {extra}".strip()
    return merged


def another_kind(named: list[str], current: Constraints) -> bool:
    """The message names a kind of product that the search in force is not about."""
    if not named:
        return False
    about = f"{current.query} {' '.join(current.categories)}".casefold()
    return not any(name.casefold() in about for name in named)


def cheaper(merged: Constraints, anchor: list[Product]) -> Constraints:
    priced = [p for p in anchor if p.price is not None]
    if not priced:
        return merged
    cheapest = min(priced, key=lambda p: p.price or 0.0)
    price_from(merged, cheapest)
    bound = round((cheapest.price or 0.0) - 0.01, 2)
    if merged.price_max is None or bound < merged.price_max:
        merged.price_max, merged.cheaper_than = bound, cheapest.title
    merged.sort = "relevance"
    return merged


def price_from(constraints: Constraints, product: Product) -> None:
    """A bound taken from `product`'s price is in its currency: bounds stated in another one no longer apply."""
    if constraints.currency not in (None, product.currency):
        constraints.price_min = constraints.price_max = None
        constraints.cheaper_than = constraints.pricier_than = None
    constraints.currency = product.currency


def pricier(merged: Constraints, anchor: list[Product]) -> Constraints:
    priced = [p for p in anchor if p.price is not None]
    if not priced:
        return merged
    dearest = max(priced, key=lambda p: p.price or 0.0)
    price_from(merged, dearest)
    merged.price_min, merged.pricier_than = round((dearest.price or 0.0) + 0.01, 2), dearest.title
    if merged.price_max is not None and merged.price_max < merged.price_min:
        merged.price_max = merged.cheaper_than = None
    return merged


def other_brand(merged: Constraints, drop: list[str]) -> Constraints:
    for brand in drop:
        if brand not in merged.exclude_brands:
            merged.exclude_brands.append(brand)
    merged.brands = [b for b in merged.brands if b not in merged.exclude_brands]
    return merged


def short(text: str) -> bool:
    return len(re.findall(r"[A-Za-z]+", text)) <= 7 and len(re.findall(r"[\u4e00-\u9fff]", text)) <= 10


def brands_to_drop(current: Constraints, shown: list[Product], references: list[str]) -> list[str]:
    """'Not this brand': the referenced product's brand, else the brand asked for, else the top shown one's."""
    referenced = [p.brand for p in shown if p.sku in references and p.brand]
    if referenced:
        return referenced
    if current.brands:
        return list(current.brands)
    return [shown[0].brand] if shown and shown[0].brand else []
