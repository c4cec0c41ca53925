"""A shopping guide's advice from catalog facts alone, in the customer's language: the best pick and why (the
customer's stated needs matched to the product's facts), one line per other pick on how it differs from it, a
short review point where a buyer of the pick said something quotable, and what to ask next.

Used by the recommendation and the comparison templates, so both read as advice rather than a listing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core import held
from bot.core.compose import aspects
from bot.core.compose.products import local_name, stock_text
from bot.core.compose.text import first_sentence, price_text, readable
from bot.core.dialog import Constraints
from bot.core.reply import Language
from bot.i18n import t
from retrieval.models import Product, Review
from retrieval.money import format_price as money

_MAX_DIFFERENCES = 2
_RATING_GAP = 0.2  # ratings closer than this say nothing about which is better
_NOT_DIFFERENCES = {"size", "fit"}  # lists of sizes tell no product apart
_LIKED = 4  # stars: a review this good says what buyers like


def best_pick(products: Sequence[Product], constraints: Constraints) -> Product:
    """The product that meets most of the customer's stated needs, in stock before not; retrieval's order
    breaks ties (it already ranks by relevance)."""
    ranked = sorted(
        enumerate(products),
        key=lambda item: (len(needs_met(item[1], constraints, "en")), item[1].in_stock, -item[0]),
        reverse=True,
    )
    return ranked[0][1]


def needs_met(product: Product, constraints: Constraints, language: Language) -> list[str]:
    """The customer's needs this product meets, each with the fact that meets it ('waterproof: 10000mm',
    'within your ¥600 budget', 'in stock')."""
    met = [
        t("fact", language, key=aspects.key_label(key, language), value=value)
        for key, value in _asked_attributes(product, constraints)
    ]
    if (
        constraints.price_max is not None
        and not constraints.cheaper_than
        and product.price is not None
        and product.price <= constraints.price_max
    ):
        met.append(t("need_budget", language, budget=_amount(constraints.price_max, product.currency, language)))
    if constraints.brands and product.brand in constraints.brands:
        met.append(t("need_brand", language, brand=local_name(product.brand or "", language)))
    color = constraints.color
    if color and color.casefold() in f"{product.title} {product.attributes.get('color', '')}".casefold():
        met.append(t("need_color", language, color=color))
    if constraints.in_stock_only and product.in_stock:
        met.append(stock_text(product, language))
    return met


def advice(
    products: Sequence[Product],
    constraints: Constraints,
    language: Language,
    reviews: Mapping[str, Sequence[Review]],
) -> list[str]:
    """The advice lines: the pick and why, a line per other product, a review point, and a next question."""
    best = best_pick(products, constraints)
    reasons = needs_met(best, constraints, language) or _standout(best, language)
    lines = [
        t(
            "best_pick",
            language,
            title=local_name(best.title, language),
            price=price_text(best.price, best.currency, language),
            reasons=t("list_separator", language).join(reasons),
        )
    ]
    for other in (p for p in products if p.sku != best.sku):
        differences = _differences(other, best, constraints, language) or [t("diff_similar", language)]
        lines.append(
            t(
                "other_pick",
                language,
                title=local_name(other.title, language),
                price=price_text(other.price, other.currency, language),
                differences=t("list_separator", language).join(differences),
            )
        )
    # The pick's buyers first; when none of them wrote in the customer's language, another shown product's.
    ordered = [best, *(p for p in products if p.sku != best.sku)]
    point = next((found for p in ordered if (found := review_point(p, reviews.get(p.sku, ()), language))), "")
    if point:
        lines.append(point)
    lines.append(_next_question(products, constraints, best, language))
    return lines


def review_point(product: Product, reviews: Sequence[Review], language: Language) -> str:
    """One short, whole sentence from the best-rated quotable review in the customer's language ("" if none)."""
    rated = [r for r in reviews if r.rating is not None]  # unrated reviews are neither praise nor complaint
    for review in sorted(rated, key=lambda r: (-(r.rating or 0), -len(r.text))):
        quote = first_sentence(review.text) if held.quotable(review) and readable(review.text, language) else ""
        if quote and (review.rating or 0) >= _LIKED:
            title = local_name(product.title, language)
            return t("review_point", language, title=title, quote=quote, rating=review.rating)
    return ""


def _asked_attributes(product: Product, constraints: Constraints) -> list[tuple[str, str]]:
    """The product's attributes for what the customer's words ask about ("lightweight waterproof jacket")."""
    found = [aspects.attribute_for(product, aspect) for aspect in aspects.aspects_in(constraints.query)]
    return list(dict.fromkeys(item for item in found if item is not None))


def _standout(product: Product, language: Language) -> list[str]:
    """What recommends a product when the customer stated no need it meets: its rating and stock."""
    facts = [t("diff_rating", language, rating=product.rating)] if product.rating is not None else []
    return [*facts, stock_text(product, language)]


def _differences(other: Product, best: Product, constraints: Constraints, language: Language) -> list[str]:
    """How `other` differs from the pick: price, rating, one telling attribute, stock."""
    found: list[str] = []
    gap = other.price - best.price if other.price is not None and best.price is not None else 0.0
    if abs(gap) >= 1:
        key = "diff_cheaper" if gap < 0 else "diff_dearer"
        found.append(t(key, language, amount=money(abs(gap), other.currency)))
    if other.rating is not None and best.rating is not None and abs(other.rating - best.rating) >= _RATING_GAP:
        found.append(t("diff_rating", language, rating=other.rating))
    attribute = _telling_attribute(other, best, constraints)
    if attribute is not None:
        key, value, theirs = attribute
        found.append(t("diff_attribute", language, key=aspects.key_label(key, language), value=value, other=theirs))
    found = found[:_MAX_DIFFERENCES]
    if not other.in_stock and best.in_stock:
        found.append(stock_text(other, language))
    return found


def _telling_attribute(other: Product, best: Product, constraints: Constraints) -> tuple[str, str, str] | None:
    """An attribute both have with different values, preferring what the customer asked about."""
    asked = [key for key, _ in _asked_attributes(other, constraints)]
    for key in [*asked, *other.attributes]:
        if key.casefold() in _NOT_DIFFERENCES or key not in best.attributes:
            continue
        if other.attributes[key] != best.attributes[key]:
            return key, other.attributes[key], best.attributes[key]
    return None


def _next_question(products: Sequence[Product], constraints: Constraints, best: Product, language: Language) -> str:
    """What to ask next: the budget when none was given, a brand when several are shown, else a comparison."""
    if constraints.price_max is None and constraints.price_min is None and len(products) > 1:
        return t("ask_budget", language)
    brands = {p.brand for p in products if p.brand}
    if not constraints.brands and len(brands) > 1:
        return t("ask_brand", language)
    others = [p for p in products if p.sku != best.sku]
    if others:
        first, second = local_name(best.title, language), local_name(others[0].title, language)
        return t("ask_compare", language, first=first, second=second)
    return t("ask_more", language)


def _amount(value: float, currency: str, language: Language) -> str:
    """A budget figure: a price in English ('¥500'), a bare number before 元 in Chinese ('500元')."""
    return money(value, currency) if language == "en" else f"{value:g}元"
