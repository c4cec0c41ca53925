"""The answer to a question about a product, or about which of the products on screen: the fact asked for
(an attribute, the price, the stock), or a plain "the catalog does not list it", never both.

`asked_fact` says what an answer must state (`grounding.AskedFact`), so the model's answer is held to the same
fact as the template's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core import held
from bot.core.compose import aspects
from bot.core.compose.products import local_name, stock_text
from bot.core.compose.text import first_sentence, plain, price_text, readable, sentences
from bot.core.grounding import AskedFact
from bot.core.reply import Language
from bot.i18n import t
from retrieval.models import Product, Review

# Words of an English question that name no attribute.
_QUESTION_WORDS = frozenset(
    [
        "does",
        "do",
        "the",
        "have",
        "has",
        "what",
        "how",
        "which",
        "this",
        "that",
        "with",
        "is",
        "are",
        "can",
        "will",
        "its",
        "it's",
        "long",
        "much",
        "many",
        "about",
        "there",
        "and",
        "for",
        "you",
        "your",
        "one",
        "ones",
        "any",
        "tell",
        "more",
        "me",
        "it",
        "they",
        "them",
    ]
)
_MAX_FACTS = 5


@dataclass(frozen=True)
class _Found:
    """What the catalog says about the question for one product: the facts and the ways of stating them."""

    lines: list[str]
    statements: list[str]


def asked_fact(products: Sequence[Product], question: str, language: Language) -> AskedFact | None:
    """The fact a specific question asks of `products` (None for an open question like "tell me more")."""
    topic = aspects.asked_aspect(question) or ("words" if _feature_words(products, question) else None)
    if topic is None:
        return None
    statements = [s for p in products for s in _find(p, question, language).statements]
    return AskedFact(topic=topic, statements=list(dict.fromkeys(statements)))


def product_answer(product: Product, question: str, reviews: Sequence[Review], language: Language) -> str:
    """One product: the fact asked for with a review that speaks to it, else what the catalog does list."""
    head = t(
        "about_product",
        language,
        title=local_name(product.title, language),
        price=price_text(product.price, product.currency, language),
        stock=stock_text(product, language),
    )
    found = _find(product, question, language)
    quotes = [f"“{quote}”" for r in reviews[:2] if held.quotable(r) and (quote := _quote(r, language))]
    if found.lines:
        return "\n".join([head, *found.lines, *quotes])
    aspect = aspects.asked_aspect(question)
    title = local_name(product.title, language)
    if aspect is not None or _feature_words([product], question):
        what = aspects.label(aspect, language) if aspect else t("that_detail", language)
        missing = t("catalog_lacks", language, what=what, title=title)
        listed = _facts(product, language)
        return "\n".join([head, missing, *([t("catalog_lists", language), *listed] if listed else [])])
    facts = _facts(product, language)
    description = plain(held.description(product))
    summary = [s for s in sentences(description)[:2] if readable(s, language)]
    return "\n".join([head, *facts, *summary, *quotes])


def products_answer(products: Sequence[Product], question: str, language: Language) -> str:
    """Several products (those on screen): the asked aspect of each, and which one has most or least of it."""
    aspect = aspects.asked_aspect(question) or aspects.PRICE
    values = {p.sku: aspects.attribute_for(p, aspect) if aspect != aspects.STOCK else None for p in products}
    lines = []
    for product in products:
        value = stock_text(product, language) if aspect == aspects.STOCK else (values[product.sku] or (None, None))[1]
        shown = value if value is not None else t("not_listed", language)
        lines.append(t("aspect_of", language, title=local_name(product.title, language), value=shown))
    what = aspects.label(aspect, language)
    head = t("aspect_compared", language, what=what)
    winner = _winner(products, values, aspects.direction(question))
    if winner is not None:
        product, value = winner
        key = "has_most" if aspects.direction(question) == "most" else "has_least"
        head = t(key, language, title=local_name(product.title, language), what=what, value=value)
    return "\n".join([head, *lines])


def _winner(
    products: Sequence[Product], values: dict[str, tuple[str, str] | None], wanted: aspects.Direction | None
) -> tuple[Product, str] | None:
    """The product at the wanted end of a numeric aspect, when every product lists a number for it."""
    numbers = {sku: aspects.amount(value[1]) if value else None for sku, value in values.items()}
    if wanted is None or any(n is None for n in numbers.values()) or len(set(numbers.values())) < 2:
        return None
    pick = max if wanted == "most" else min
    best = pick(products, key=lambda p: numbers[p.sku] or 0.0)
    found = values[best.sku]
    return (best, found[1]) if found else None


def _find(product: Product, question: str, language: Language) -> _Found:
    """The facts that answer `question` for `product`, and the ways an answer may state them."""
    aspect = aspects.asked_aspect(question)
    if aspect == aspects.STOCK:
        statements = [stock_text(product, language), *_stock_words(product)]
        return _Found(
            [t("stock_answer", language, title=local_name(product.title, language), stock=statements[0])], statements
        )
    if aspect is not None:
        found = aspects.attribute_for(product, aspect)
        if found is None:
            return _Found([], [])
        key, value = found
        number = aspects.amount(value)
        statements = [value, *([f"{number:g}"] if number is not None else [])]
        return _Found([t("fact", language, key=aspects.key_label(key, language), value=value)], statements)
    words = _feature_words([product], question)
    lines = [
        t("fact", language, key=aspects.key_label(key, language), value=value)
        for key, value in product.attributes.items()
        if any(w in f"{key} {value}".casefold() for w in words)
    ]
    description = plain(held.description(product))
    lines += [s for s in sentences(description) if readable(s, language) and any(w in s.casefold() for w in words)][:2]
    return _Found(lines, sorted(words) if lines else [])


def _feature_words(products: Sequence[Product], question: str) -> set[str]:
    """The question's words (3+ Latin letters, not question words or brand names) that the catalog's facts of
    the products mention: 'Does the Salomon X Ultra 4 have GORE-TEX?' -> {'gore', 'tex'}."""
    words = {w.casefold() for w in re.findall(r"[A-Za-z]{3,}", question)} - _QUESTION_WORDS
    brands = {w.casefold() for p in products for w in re.findall(r"[A-Za-z]{3,}", p.brand or "")}
    facts = " ".join(
        f"{' '.join(f'{k} {v}' for k, v in p.attributes.items())} {held.description(p)}" for p in products
    ).casefold()
    return {w for w in words - brands if w in facts}


def _facts(product: Product, language: Language) -> list[str]:
    """The product's first attributes as 'key: value' lines."""
    shown = list(product.attributes.items())[:_MAX_FACTS]
    return [t("fact", language, key=aspects.key_label(key, language), value=value) for key, value in shown]


def _stock_words(product: Product) -> list[str]:
    if not product.in_stock:
        return ["out of stock", "sold out", "unavailable", "not available", "缺货", "无货", "售罄"]
    return ["in stock", "available", "有货", "现货", *([str(product.stock)] if product.stock else [])]


def _quote(review: Review, language: Language) -> str:
    return first_sentence(review.text) if readable(review.text, language) else ""
