"""The template answer to a question about one product: the catalog facts and review quotes that bear on it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.compose.products import local_name, stock_text
from bot.core.compose.text import clip, first_sentence, price_text, readable
from bot.core.reply import Language
from bot.i18n import t
from retrieval.models import Product, Review

# Chinese ways of asking about an attribute, mapped to the attribute names catalogs use.
_ASPECTS = {
    "续航": "battery",
    "电池": "battery",
    "电量": "battery",
    "重量": "weight",
    "多重": "weight",
    "多沉": "weight",
    "防水": "waterproof",
    "材质": "material",
    "面料": "material",
    "尺码": "size",
    "尺寸": "size",
    "多大": "size",
    "颜色": "color",
    "容量": "capacity",
    "功率": "power",
    "降噪": "anc",
    "保暖": "warmth",
}
_ASPECT_LABELS = {aspect: word for word, aspect in reversed(_ASPECTS.items())}
# Words of an English question that name no attribute.
_QUESTION_WORDS = frozenset(
    [
        "does",
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
    ]
)
_MAX_ATTRIBUTES = 5


def product_answer(product: Product, question: str, reviews: Sequence[Review], language: Language) -> str:
    """Catalog facts that bear on `question`; when none do, what the catalog says about the product."""
    words = _asked_about(product, question)
    matched = [
        f"{_ASPECT_LABELS.get(key, key) if language == 'zh' else key}: {value}"
        for key, value in product.attributes.items()
        if any(w in key.casefold() or w in value.casefold() for w in words)
    ]
    sentences = [
        s for s in re.split(r"(?<=[。！？!?.])\s*", product.description) if s and any(w in s.casefold() for w in words)
    ]
    # Quotes and description sentences in another language would make the answer unreadable to the customer.
    sentences = [s for s in sentences if readable(s, language)]
    quotes = [f"“{first_sentence(r.text)}”" for r in reviews[:2] if readable(r.text, language)]
    price = price_text(product.price, product.currency, language)
    head = t(
        "about_product",
        language,
        title=local_name(product.title, language),
        price=price,
        stock=stock_text(product, language),
    )
    if matched or sentences:
        return "\n".join([head, *matched, *sentences[:2], *quotes])
    facts = [f"{key}: {value}" for key, value in list(product.attributes.items())[:_MAX_ATTRIBUTES]]
    description = [clip(product.description, 160)] if readable(product.description, language) else []
    return "\n".join([head, t("catalog_silent", language), *facts, *description, *quotes]).strip()


def _asked_about(product: Product, question: str) -> set[str]:
    """The question's own words beyond the product's name, and the attributes its Chinese words ask about."""
    latin = {w.casefold() for w in re.findall(r"[A-Za-z]{3,}", question)} - _QUESTION_WORDS
    latin -= {w.casefold() for w in re.findall(r"[A-Za-z]{3,}", f"{product.title} {product.brand or ''}")}
    return latin | {aspect for word, aspect in _ASPECTS.items() if word in question}
