"""What a sentence claims, recognised in Chinese and English: money, "free", discounts, availability, stock
counts, product-like names, citations, and the admission that the shop's data does not say. The grounding
check (`bot.core.grounding`) judges each claim against the evidence; these are only the patterns.

Also the sentence splitter the check streams with, and the content terms it compares texts by.
"""

from __future__ import annotations

import re
import unicodedata

NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
MONEY = re.compile(
    rf"(?:US\$|\$|¥|￥|RMB|CNY|USD)\s*(?P<before>{NUMBER})"
    rf"|(?P<after>{NUMBER})\s*(?:元|块|yuan|rmb|cny|dollars?|usd)",
    re.I,
)
ANY_NUMBER = re.compile(rf"(?<![\w.,])(?P<n>{NUMBER})")
CITATION = re.compile(r"\[(\d+)\]")
FREE = re.compile(
    r"(?<!-)\bfree\b|\bfor nothing\b|\bno charge\b|\bat no cost\b|\bcosts? nothing\b|\bgratis\b"
    r"|免费|免单|白送|不要钱|零元|(?<![\d.])0\s*元",
    re.I,
)
DISCOUNT = re.compile(
    r"\bdiscount(?:s|ed)?\b|\d+\s*%\s*off\b|\bon sale\b|\bsale price\b|\bhalf[- ]price\b|\bclearance\b|\bcoupons?\b"
    r"|\bmarked down\b|\bprice cut\b|\bdeal of the day\b|\bflash sale\b"
    r"|打折|折扣|优惠|促销|特价|半价|满减|秒杀|降价|清仓|(?<![叠])\d+(?:\.\d)?\s*折(?![叠扣])",
    re.I,
)
OUT_OF_STOCK = re.compile(
    r"\bout of stock\b|\bsold out\b|\bunavailable\b|\bnot (?:currently |yet )?(?:in stock|available)\b"
    r"|\bno longer (?:in stock|available)\b|\bisn'?t (?:in stock|available)\b|\bno stock\b"
    r"|缺货|无货|没货|没有货|售罄|卖完|断货|暂无库存|没有库存|无库存",
    re.I,
)
IN_STOCK = re.compile(r"\bin stock\b|\bavailable now\b|\bready to ship\b|有货|现货|有库存|库存充足", re.I)
# "3 left", "10 in stock", "仅剩3件", "库存 60": a count of units on hand (never "3件商品", a count of products).
STOCK_COUNT = re.compile(
    r"(?P<en>\d+)\s*(?:(?:units?|pieces|pcs)\s+)?(?:left|remaining|in stock)\b"
    r"|\b(?:only|just)\s+(?P<only>\d+)\b(?=[^.!?]{0,40}\b(?:left|remaining|in stock)\b)"
    r"|(?:库存|仅剩|只剩|还剩|剩余|剩)\s*(?P<zh>\d+)",
    re.I,
)
# Letters and digits together (WH-1000XM5, X9000) or CamelCase (UltraJacket): names a model invents.
MODEL_NAME = re.compile(r"\b(?:[A-Za-z]+-?\d+[A-Za-z0-9-]*|\d+[A-Za-z]+[A-Za-z0-9-]*|[A-Z][a-z]+[A-Z][A-Za-z]+)\b")
UNITS_NOT_NAMES = re.compile(
    r"^\d+(?:\.\d+)?(?:kg|g|mg|cm|mm|m|km|ml|l|gb|tb|mb|mah|w|v|hz|khz|mhz|ghz|h|hr|hrs|min|s|k|x|p|d|nd|rd|st|th|in|ft|lb|lbs|oz|mp)$",
    re.I,
)
# Two or more capitalised words in a row ("Zen Aroma Diffuser"): an English product name.
TITLE_RUN = re.compile(r"(?<![\w-])[A-Z][A-Za-z'&]*(?:-[A-Za-z]+)*(?:[ ][A-Z][A-Za-z'&]*(?:-[A-Za-z]+)*)+(?![\w-])")
# Words that start a sentence or a title run without being part of a name.
NOT_NAME_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "our",
        "your",
        "you",
        "i",
        "we",
        "they",
        "he",
        "she",
        "if",
        "for",
        "with",
        "both",
        "each",
        "all",
        "any",
        "buyers",
        "customers",
        "people",
        "pros",
        "cons",
        "yes",
        "no",
        "and",
        "or",
        "but",
        "so",
        "also",
    ]
)
# "The shop's data does not say" in either language: the honest answer to a question the data cannot answer.
NO_DATA = re.compile(
    r"\b(?:does|do|did)\s*(?:not|n't)\s+(?:say|mention|list|state|specify|include|show)\b|\bnot (?:listed|stated|"
    r"specified|mentioned|given|available in)\b|\bno (?:information|info|data|details?)\b|\b(?:don't|do not) know\b"
    r"|没有(?:说明|写|提到|标注|注明|相关|这方面|这项|提供)|未(?:注明|说明|标注|提供|提到)|(?:资料|信息)(?:里|中)?(?:没有|未)|不清楚|无法确定",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])|(?<=[.])(?=\s)")
_GENERIC = frozenset(
    [
        "product",
        "products",
        "item",
        "items",
        "shop",
        "store",
        "customer",
        "customers",
        "service",
        "quality",
        "price",
        "prices",
        "great",
        "good",
        "best",
        "with",
        "that",
        "this",
        "from",
        "have",
        "will",
        "your",
        "about",
        "which",
        "their",
        "they",
        "them",
        "also",
        "very",
        "more",
        "most",
        "some",
        "other",
    ]
)


class SentenceSplitter:
    """Cuts streamed text into whole sentences as they complete."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, delta: str) -> list[str]:
        self._buffer += delta
        pieces = _SENTENCE_END.split(self._buffer)
        self._buffer = pieces.pop()
        return [p for p in pieces if p.strip()]

    def flush(self) -> str:
        rest, self._buffer = self._buffer, ""
        return rest if rest.strip() else ""


def split_sentences(text: str) -> list[str]:
    splitter = SentenceSplitter()
    sentences = splitter.feed(text)
    rest = splitter.flush()
    return [*sentences, rest] if rest else sentences


def join_sentences(sentences: list[str]) -> str:
    return "".join(sentences).strip()


def content_terms(text: str) -> set[str]:
    """Content terms: Latin words of 4+ letters (generic shop words aside), figures, Chinese character pairs."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = {w.removesuffix("s") for w in re.findall(r"[a-z]{4,}|\d{2,}", folded)} - _GENERIC
    pairs = {run[i : i + 2] for run in re.findall(r"[\u4e00-\u9fff]{2,}", folded) for i in range(len(run) - 1)}
    return words | pairs


def stems(text: str) -> set[str]:
    """Content terms with English endings cut ('stayed', 'stays' -> 'stay'): how a claim is matched to a review."""
    return {_stem(term) for term in content_terms(text)}


def stock_counts(text: str) -> list[int]:
    return [int(next(v for v in m.groupdict().values() if v)) for m in STOCK_COUNT.finditer(text)]


def to_float(raw: str) -> float:
    return float(raw.replace(",", ""))


def plain_number(value: float) -> str:
    """1299.0 -> '1299', 12.5 -> '12.5': how the evidence writes numbers."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def squash(text: str) -> str:
    """Text without spaces and punctuation, case-folded: how an echoed instruction is recognised."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text)).casefold()


def _stem(term: str) -> str:
    if not term.isascii() or term.isdigit():
        return term
    for ending in ("ing", "ed", "es", "ly", "y", "e"):
        if term.endswith(ending) and len(term) - len(ending) >= 3:
            return term[: -len(ending)]
    return term
