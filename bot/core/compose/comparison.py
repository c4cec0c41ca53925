"""Products side by side: the comparison table (facts only), its template answer, and the phrases of the
Compare button."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.compose.products import local_name, product_line, stock_text
from bot.core.compose.reviews import ReviewSummary, review_counts
from bot.core.compose.text import clip, price_text
from bot.core.reply import Language
from bot.i18n import t
from retrieval.models import Product, Review

_MAX_ATTRIBUTES = 5


def comparison_table(
    products: Sequence[Product], reviews: dict[str, list[Review]], language: Language
) -> list[list[str]]:
    """Rows of a compact table, header first: price, brand, rating, stock, shared attributes, reviews."""
    header = [""] + [clip(p.title, 28) for p in products]
    rows = [
        [t("table_price", language), *(price_text(p.price, p.currency, language) for p in products)],
        [t("table_brand", language), *(p.brand or "-" for p in products)],
        [t("table_rating", language), *(f"{p.rating:g}/5" if p.rating is not None else "-" for p in products)],
        [t("table_stock", language), *(stock_text(p, language) for p in products)],
    ]
    for key in _shared_attributes(products)[:_MAX_ATTRIBUTES]:
        rows.append([key, *(clip(p.attributes.get(key, "-"), 24) for p in products)])
    rows.append([t("table_reviews", language), *(review_counts(reviews.get(p.sku, []), language) for p in products)])
    return [header, *rows]


def _shared_attributes(products: Sequence[Product]) -> list[str]:
    """Attribute names at least two of the products have, in the order they first appear."""
    keys: list[str] = []
    for product in products:
        for key in product.attributes:
            shared = sum(key in other.attributes for other in products) >= 2
            if shared and key not in keys:
                keys.append(key)
    return keys


def table_text(table: list[list[str]]) -> str:
    return "\n".join(" | ".join(row) for row in table)


def comparison(products: Sequence[Product], summaries: dict[str, ReviewSummary], language: Language) -> str:
    """The template answer: each product with a buyer quote for and against, then the cheapest and best rated."""
    lines = [t("comparing", language, count=len(products))]
    for i, product in enumerate(products, 1):
        line = product_line(i, product, language)
        summary = summaries.get(product.sku)
        if summary and summary.pros:
            line += t("buyers_like", language, quote=summary.pros[0])
        if summary and summary.cons:
            line += t("buyers_complain", language, quote=summary.cons[0])
        lines.append(line)
    priced = [p for p in products if p.price is not None]
    if priced:
        cheapest = min(priced, key=lambda p: p.price or 0.0)
        lines.append(t("cheapest", language, title=local_name(cheapest.title, language)))
    rated = [p for p in products if p.rating is not None]
    if rated:
        best = max(rated, key=lambda p: p.rating or 0)
        lines.append(t("best_rated", language, title=local_name(best.title, language), rating=best.rating))
    return "\n".join(lines)
