"""Small text helpers the composers share: clipping, first sentences, and whether a text reads in a language."""

from __future__ import annotations

import re

from bot.core.reply import Language
from bot.i18n import t
from retrieval.money import format_price

HAN = re.compile(r"[\u3400-\u9fff]")
SHORT_QUOTE = 70


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def first_sentence(text: str, limit: int = SHORT_QUOTE) -> str:
    sentence = re.split(r"(?<=[。！？!?])|(?<=[.;；])\s", text.strip(), maxsplit=1)[0]
    return clip(sentence, limit)


def price_text(price: float | None, currency: str, language: Language) -> str:
    """'¥899', or "price unknown" in the customer's language when the catalog gives none."""
    return t("price_unknown", language) if price is None else format_price(price, currency)


def readable(text: str, language: Language) -> bool:
    """Whether `text` is written in `language` (Chinese: it has Han characters)."""
    return bool(HAN.search(text)) == (language == "zh")
