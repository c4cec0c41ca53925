"""What the customer asked for in words, the recommendation (advice: `bot.core.compose.advice`), and the
no-match answer: said as such, with the nearest options labelled by how each misses the request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.compose.advice import advice
from bot.core.compose.products import local_name, product_line
from bot.core.compose.text import HAN
from bot.core.dialog import Constraints
from bot.core.reply import Language
from bot.i18n import t
from retrieval.models import Product, Review
from retrieval.money import format_price as money


def constraints_text(constraints: Constraints, language: Language, currency: str = "CNY") -> str:
    """The hard requirements in words: 'under ¥500, not Nike, in stock' / '500元以内、不要Nike、有货'."""
    parts = _price_parts(constraints, language, constraints.currency or currency)
    brands = [local_name(b, language) for b in constraints.brands]
    excluded = [local_name(b, language) for b in constraints.exclude_brands]
    separator = t("list_separator", language)
    if brands:
        parts.append(t("wanted_brands", language, brands=t("brands_or", language).join(brands)))
    if excluded:
        parts.append(t("wanted_not_brands", language, brands=separator.join(excluded)))
    categories = [c for c in constraints.categories if bool(HAN.search(c)) == (language == "zh")]
    if categories:
        parts.append(" / ".join(categories))
    if constraints.in_stock_only:
        parts.append(t("wanted_in_stock", language))
    if constraints.color:
        parts.append(t("wanted_color", language, color=constraints.color))
    return separator.join(parts)


def _price_parts(constraints: Constraints, language: Language, currency: str) -> list[str]:
    parts: list[str] = []
    low, high = constraints.price_min, constraints.price_max
    # Bounds derived from a shown product ("cheaper") are said as such: the number is not the customer's.
    if constraints.cheaper_than:
        parts.append(t("wanted_cheaper_than", language, title=constraints.cheaper_than))
        high = None
    if constraints.pricier_than:
        parts.append(t("wanted_pricier_than", language, title=constraints.pricier_than))
        low = None
    if low is not None and high is not None:
        parts.append(
            t("wanted_between", language, low=_bound(low, currency, language), high=_bound(high, currency, language))
        )
    elif high is not None:
        parts.append(t("wanted_at_most", language, high=_bound(high, currency, language)))
    elif low is not None:
        parts.append(t("wanted_at_least", language, low=_bound(low, currency, language)))
    return parts


def _bound(value: float, currency: str, language: Language) -> str:
    """A budget figure: a price in English ('¥500'), a bare number before 元 in Chinese ('500元以内')."""
    return money(value, currency) if language == "en" else f"{value:g}"


def recommendation(
    products: Sequence[Product],
    constraints: Constraints,
    language: Language,
    reviews: Mapping[str, Sequence[Review]] | None = None,
) -> str:
    """The advice on `products` for what the customer asked (`reviews` by sku: where the review point comes from).

    The customer's own words are not echoed: a message is data, and may carry an injection attempt.
    """
    wanted = constraints_text(constraints, language, products[0].currency if products else "CNY")
    head = t("found_for_wanted", language, wanted=wanted) if wanted else t("found_intro", language)
    return "\n".join([head, *advice(products, constraints, language, reviews or {})])


def no_match(constraints: Constraints, alternatives: Sequence[Product], language: Language) -> str:
    """Nothing fits, said as such ("nothing is cheaper than X" for a refinement), then the nearest options,
    each with how it misses the request."""
    wanted = constraints_text(constraints, language, alternatives[0].currency if alternatives else "CNY")
    if constraints.cheaper_than:
        head = t("nothing_cheaper", language, title=local_name(constraints.cheaper_than, language))
    elif constraints.pricier_than:
        head = t("nothing_pricier", language, title=local_name(constraints.pricier_than, language))
    else:
        head = t("no_match_wanted", language, wanted=wanted) if wanted else t("no_match", language)
    if not alternatives:
        return "\n".join([head, t("no_match_try_other", language)])
    lines = [head, t("nearest_alternatives", language)]
    for position, product in enumerate(alternatives, 1):
        misses = _misses(product, constraints, language)
        line = product_line(position, product, language)
        lines.append(t("alternative_misses", language, line=line, misses=misses) if misses else line)
    return "\n".join(lines)


def _misses(product: Product, constraints: Constraints, language: Language) -> str:
    """How an alternative misses the request: over or under the price asked, a brand ruled out, out of stock."""
    misses: list[str] = []
    high, low, price = constraints.price_max, constraints.price_min, product.price
    if price is None:  # price unknown: it cannot be said to miss a price bound
        high = low = None
    if constraints.cheaper_than and high is not None and price is not None and price > high:
        # The bound sits a cent under the shown product's price ("cheaper" than it).
        amount = money(price - high - 0.01, product.currency)
        misses.append(
            t("miss_dearer_than", language, amount=amount, title=local_name(constraints.cheaper_than, language))
        )
    elif high is not None and price is not None and price > high:
        misses.append(t("miss_dearer", language, amount=money(price - high, product.currency)))
    if low is not None and price is not None and price < low:
        misses.append(t("miss_cheaper", language, amount=money(low - price, product.currency)))
    if product.brand and product.brand in constraints.exclude_brands:
        misses.append(t("miss_brand", language, brand=local_name(product.brand, language)))
    if constraints.brands and product.brand not in constraints.brands:
        misses.append(t("miss_other_brand", language, brand=local_name(product.brand or "-", language)))
    if constraints.in_stock_only and not product.in_stock:
        misses.append(t("stock_out", language))
    return t("list_separator", language).join(misses)


def follow_ups(language: Language) -> list[str]:
    """What to ask next under a recommendation (quick replies)."""
    return t("follow_ups", language).split("|")
