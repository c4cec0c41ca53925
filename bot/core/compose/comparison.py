"""Products side by side: the comparison table (facts only) and its template answer (advice on which to pick)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.compose.advice import advice
from bot.core.compose.products import stock_text
from bot.core.compose.reviews import review_counts
from bot.core.compose.text import clip, price_text
from bot.core.dialog import Constraints
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


def comparison(
    products: Sequence[Product], constraints: Constraints, reviews: Mapping[str, Sequence[Review]], language: Language
) -> str:
    """The template answer: which one to pick and why, how each other one differs, a buyer's word on the pick,
    and what to ask next (the table itself travels beside the text, `Reply.comparison`)."""
    return "\n".join([t("comparing", language, count=len(products)), *advice(products, constraints, language, reviews)])
