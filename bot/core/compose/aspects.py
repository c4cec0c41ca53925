"""What a customer asks about a product, in either language, and where the catalog says it.

An aspect ("battery", "weight", "stock" ...) is named by words in Chinese and English ("续航", "battery life",
"多重", "how heavy") and found in a product's attributes by key, whatever language the catalog's keys are
in ("battery", "battery_life", "续航"). Comparative words ("longer", "lightest", "更长", "最轻") say which end
of a comparison the customer wants.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from bot.core.reply import Language
from retrieval.models import Product
from retrieval.money import format_price

Direction = Literal["most", "least"]

# aspect -> (English words, Chinese words, label en, label zh). Words match inside the question; keys of a
# catalog's attributes match on any of the words too.
_ASPECTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, str]] = {
    "battery": (
        ("battery", "runtime", "playtime", "charge lasts", "hours of"),
        ("续航", "电池", "电量", "待机"),
        "battery life",
        "续航",
    ),
    "weight": (
        ("weight", "weigh", "heavy", "lightweight", "light"),
        ("重量", "多重", "多沉", "轻便", "轻"),
        "weight",
        "重量",
    ),
    "waterproof": (("waterproof", "water resistan", "rain"), ("防水", "防雨"), "waterproof rating", "防水"),
    "material": (("material", "fabric", "made of"), ("材质", "面料", "材料"), "material", "材质"),
    "size": (("size", "dimension", "how big"), ("尺码", "尺寸", "多大"), "size", "尺码"),
    "color": (("colour", "color"), ("颜色", "配色"), "colour", "颜色"),
    "capacity": (("capacity", "mah", "litre", "liter"), ("容量", "毫安"), "capacity", "容量"),
    "power": (("power", "watt"), ("功率", "瓦"), "power", "功率"),
    "anc": (("noise cancel", "anc"), ("降噪",), "noise cancelling", "降噪"),
    "warmth": (("warm", "comfort temp"), ("保暖", "温标"), "warmth", "保暖"),
    "fill": (("fill", "down"), ("填充", "绒"), "fill", "填充"),
}
STOCK = "stock"
PRICE = "price"
_STOCK_WORDS = re.compile(r"\bin stock\b|\bsold out\b|\bany left\b|\bstock\b|有货|现货|库存|缺货|没货|售罄", re.I)
_MAYBE_STOCK = re.compile(r"\bavailable\b|\bcan i (?:buy|order)\b|还有吗|能买吗|能下单吗", re.I)
_PRICE_WORDS = re.compile(
    r"\b(?:price|cost|costs|cheaper|cheapest|expensive|pricier|how much)\b|价格|价钱|多少钱|便宜|贵", re.I
)
_MOST = re.compile(
    r"\b(?:longer|longest|more|most|bigger|biggest|larger|largest|higher|highest|heavier|heaviest|stronger|better"
    r"|best|warmer|warmest|pricier|priciest)\b|更长|最长|更久|最久|更大|最大|更多|最多|更高|最高|更重|最重|更强|最强"
    r"|更好|最好|更暖|最暖|更贵|最贵",
    re.I,
)
_LEAST = re.compile(
    r"\b(?:lighter|lightest|smaller|smallest|less|least|fewer|lower|lowest|shorter|shortest|cheaper|cheapest)\b"
    r"|更轻|最轻|更小|最小|更少|最少|更低|最低|更短|最短|便宜",
    re.I,
)
_LEADING_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def asked_aspect(question: str) -> str | None:
    """The aspect a question asks about ('stock' for availability), or None for an open question."""
    text = unicodedata.normalize("NFKC", question).casefold()
    if _STOCK_WORDS.search(text):
        return STOCK
    named = aspects_in(text)
    if named:
        return named[0]
    if _PRICE_WORDS.search(text):
        return PRICE
    return STOCK if _MAYBE_STOCK.search(text) else None


def aspects_in(text: str) -> list[str]:
    """Every aspect `text` names (a search like "lightweight waterproof jacket": weight, waterproof)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return [
        aspect
        for aspect, (english, chinese, _, _) in _ASPECTS.items()
        if any(_has_word(folded, word) for word in english) or any(word in folded for word in chinese)
    ]


def attribute_for(product: Product, aspect: str) -> tuple[str, str] | None:
    """The product's attribute `(key, value)` for `aspect`: a key equal to it or named by one of its words
    (the price is the product's own field)."""
    if aspect == PRICE:
        return None if product.price is None else (PRICE, format_price(product.price, product.currency))
    english, chinese, _, _ = _ASPECTS.get(aspect, ((aspect,), (), aspect, aspect))
    for key, value in product.attributes.items():
        folded = key.casefold().replace("_", " ")
        if folded == aspect or any(word in folded for word in (*english, *chinese)):
            return key, value
    return None


def label(aspect: str, language: Language) -> str:
    """How a reply names the aspect: 'battery life' / '续航'; an attribute key it does not know, as it is."""
    if aspect == PRICE:
        return "价格" if language == "zh" else "price"
    if aspect not in _ASPECTS:
        return aspect.replace("_", " ")
    _, _, english, chinese = _ASPECTS[aspect]
    return chinese if language == "zh" else english


def key_label(key: str, language: Language) -> str:
    """An attribute key in the reply's language when it is a known aspect ('waterproof' -> '防水')."""
    folded = key.casefold().replace("_", " ")
    for aspect, (english, chinese, _, _) in _ASPECTS.items():
        if folded == aspect or folded in english or folded in chinese:
            return label(aspect, language)
    return key.replace("_", " ")


def direction(question: str) -> Direction | None:
    """Which end of a comparison the question wants: 'most' ("longer battery"), 'least' ("lightest"), or None."""
    if _LEAST.search(question):
        return "least"
    if _MOST.search(question):
        return "most"
    return None


def amount(value: str) -> float | None:
    """The leading number of an attribute value ('30 hours' -> 30.0), for comparing products."""
    match = _LEADING_NUMBER.search(value.replace(",", ""))
    return float(match.group(0)) if match else None


def _has_word(text: str, word: str) -> bool:
    """A word (or phrase) at a word start, so "light" is not "flight" and "down" not "download"."""
    return re.search(rf"(?<![a-z]){re.escape(word)}", text) is not None
