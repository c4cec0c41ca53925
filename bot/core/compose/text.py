"""Small text helpers the composers share: clipping, whole sentences, plain text from Markdown, and whether a
text reads in a language. A customer never gets a sentence cut in the middle or raw Markdown."""

from __future__ import annotations

import re

from bot.core.reply import Language
from bot.i18n import t
from retrieval.money import format_price

HAN = re.compile(r"[\u3400-\u9fff]")
SHORT_QUOTE = 90
_SENTENCE = re.compile(r"[^。！？!?\n]+?(?:[。！？!?]+|\.(?=\s|$)|(?=\n)|$)")
_MARKUP = (
    (re.compile(r"\[([^\]]+)\]\((?:https?://|/)[^)]*\)"), r"\1"),  # [text](url) -> text
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),  # **bold**
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),  # *emphasis*
    (re.compile(r"`([^`]+)`"), r"\1"),
)
_BULLET = re.compile(r"^\s*(?:[-*+•·]|\d{1,2}[.)、])\s+")
# A list flattened onto one line ("... 退货。 - 无理由 ..."): each item after a sentence's end starts a line.
_INLINE_BULLET = re.compile(r"(?<=[。.!?！？;；:：])\s+[-*+•·]\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis (for labels, never for sentences)."""
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sentences(text: str) -> list[str]:
    """The whole sentences of `text` (plain text: a line break ends one too), stripped."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip(" \t.。")]


def whole_sentences(text: str, limit: int) -> str:
    """As many leading whole sentences of `text` as fit in `limit` characters ("" when even the first does not)."""
    kept = ""
    for sentence in sentences(text):
        candidate = f"{kept} {sentence}".strip() if kept and not HAN.search(sentence[:1]) else kept + sentence
        if len(candidate) > limit:
            break
        kept = candidate
    return kept


def first_sentence(text: str, limit: int = SHORT_QUOTE) -> str:
    """The first sentence of `text` that fits in `limit` characters ("" when none does): a quote, never cut."""
    return next((s for s in sentences(text) if len(s) <= limit), "")


def plain(text: str) -> str:
    """Markdown made plain text: no emphasis marks, headings, bullets or link syntax; a table's rule rows
    dropped and its rows read as 'cell: cell'. Line breaks are kept."""
    lines = []
    for line in _INLINE_BULLET.sub("\n", text).splitlines():
        if _TABLE_RULE.match(line):
            continue
        line = re.sub(r"^\s{0,3}#{1,6}\s+", "", _BULLET.sub("", line))
        if line.strip().startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            line = ": ".join(cell for cell in cells if cell)
        for pattern, replacement in _MARKUP:
            line = pattern.sub(replacement, line)
        lines.append(line.strip())
    return "\n".join(line for line in lines if line)


def price_text(price: float | None, currency: str, language: Language) -> str:
    """'¥899', or "price unknown" in the customer's language when the catalog gives none."""
    return t("price_unknown", language) if price is None else format_price(price, currency)


def readable(text: str, language: Language) -> bool:
    """Whether `text` is written in `language` (Chinese: it has Han characters)."""
    return bool(HAN.search(text)) == (language == "zh")
