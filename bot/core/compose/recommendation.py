"""What the customer asked for in words, and the recommendation, no-match and not-sold answers around a
product list."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.compose.products import local_name, product_lines
from bot.core.compose.text import HAN
from bot.core.dialog import Constraints
from bot.core.reply import Language
from bot.i18n import t
from retrieval.models import Product
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


def recommendation(products: Sequence[Product], constraints: Constraints, language: Language) -> str:
    # The customer's own words are not echoed: a message is data, and may carry an injection attempt.
    wanted = constraints_text(constraints, language, products[0].currency if products else "CNY")
    head = t("found_for_wanted", language, wanted=wanted) if wanted else t("found_intro", language)
    return "\n".join([head, *product_lines(products, language), t("found_next", language)])


def no_match(constraints: Constraints, alternatives: Sequence[Product], language: Language) -> str:
    wanted = constraints_text(constraints, language, alternatives[0].currency if alternatives else "CNY")
    head = t("no_match_wanted", language, wanted=wanted) if wanted else t("no_match", language)
    if not alternatives:
        return "\n".join([head, t("no_match_try_other", language)])
    return "\n".join([head, t("nearest_alternatives", language), *product_lines(alternatives, language)])


def follow_ups(language: Language) -> list[str]:
    """What to ask next under a recommendation (quick replies)."""
    return t("follow_ups", language).split("|")
