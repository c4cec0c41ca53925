"""Which shown products a message points at: "the second one", "第二个", "the first two", "those two",
"it", "the Sony one", "索尼那款"."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

from bot.core.cues import DETAILS
from retrieval.models import Product

_EN_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "last": -1,
}
_ZH_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_WORD_NUMBERS = {"two": 2, "three": 3, "four": 4}
_ZH_MEASURE = r"(?:个|款|件|种|项|双|台|部|只|条|套|把|支|顶|瓶|本)"

_REF_FIRST_N = re.compile(
    r"\b(?:first|top)\s+(two|three|four|2|3|4)\b|(?:前|头)\s*([两二三四234])\s*" + _ZH_MEASURE + "?", re.I
)
_REF_ORDINAL_EN = re.compile(
    r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\b(?!\s+(?:two|three|four|time|of all)\b)", re.I
)
_REF_NUMBER_EN = re.compile(r"(?:#|\b(?:number|no\.?|option|item|product|choice)\s*)([1-5])\b", re.I)
_REF_ORDINAL_ZH = re.compile(
    rf"第\s*([一二三四五1-5])\s*{_ZH_MEASURE}?|([一二三四五1-5])\s*号|(最后)\s*(?:一)?\s*{_ZH_MEASURE}"
)
_REF_PAIR = re.compile(
    r"\b(?:both|those two|these two|the two|them both|both of them)\b|(?:这|那)\s*(?:两|二)\s*"
    + _ZH_MEASURE
    + r"?|两"
    + _ZH_MEASURE
    + "都|两个都",
    re.I,
)
_REF_ALL = re.compile(
    r"\b(?:them|these|those|all of them|all three)\b|(?:这|那)些|(?:这|那)几(?:个|款|样|件)|它们|它们俩|全部", re.I
)
_REF_ONE = re.compile(r"\b(?:it|this one|that one|the one)\b|(?:这|那)\s*" + _ZH_MEASURE + "|它", re.I)
_REF_MIDDLE = re.compile(r"\b(?:the\s+)?middle(?:\s+one)?\b|中间(?:那|这)?(?:个|款|件)?", re.I)
# Words that point at products by position or as a pair (a message of only these is a reference).
REFERENCE_WORDS = re.compile(
    "|".join(
        p.pattern for p in (_REF_FIRST_N, _REF_ORDINAL_EN, _REF_NUMBER_EN, _REF_ORDINAL_ZH, _REF_PAIR, _REF_MIDDLE)
    ),
    re.I,
)


def _first_n(match: re.Match[str]) -> Iterator[tuple[int, int]]:
    raw = match.group(1) or match.group(2)
    count = _WORD_NUMBERS.get(raw.lower()) or _ZH_NUMERALS.get(raw) or int(raw)
    for index in range(count):
        yield match.start() + index, index


def _ordinal_en(match: re.Match[str]) -> Iterator[tuple[int, int]]:
    number = _EN_ORDINALS[match.group(1).lower()]
    yield match.start(), number - 1 if number > 0 else -1


def _number_en(match: re.Match[str]) -> Iterator[tuple[int, int]]:
    yield match.start(), int(match.group(1)) - 1


def _middle(match: re.Match[str]) -> Iterator[tuple[int, int]]:
    yield match.start(), MIDDLE


def _ordinal_zh(match: re.Match[str]) -> Iterator[tuple[int, int]]:
    yield match.start(), -1 if match.group(3) else _ZH_NUMERALS[match.group(1) or match.group(2)] - 1


# Words that name positions in the list, each with the (position in the message, index in the list) it picks.
_POSITIONS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Iterator[tuple[int, int]]]], ...] = (
    (_REF_FIRST_N, _first_n),
    (_REF_ORDINAL_EN, _ordinal_en),
    (_REF_NUMBER_EN, _number_en),
    (_REF_ORDINAL_ZH, _ordinal_zh),
    (_REF_MIDDLE, _middle),
)
MIDDLE = 1_000  # stands for the middle of however many are shown


def references(text: str, shown: list[Product], focus: list[str]) -> list[str]:
    """SKUs of shown products the message points at, in the order it names them.

    Positions ("the second", "前两个") and brands ("the Sony one") name products; without them, a pair,
    "them" or "it" means the products last referred to, else the top of the list.
    """
    if not shown:
        return []
    skus = [p.sku for p in shown]
    picked = [
        (position, skus[len(skus) // 2 if index == MIDDLE else index])
        for pattern, positions in _POSITIONS
        for match in pattern.finditer(text)
        for position, index in positions(match)
        if index == MIDDLE or -len(skus) <= index < len(skus)
    ]
    picked.extend(_brand_references(text, shown))
    if not picked:
        return _unnamed_references(text, skus, focus)
    ordered = [sku for _, sku in sorted(picked, key=lambda item: item[0])]
    return list(dict.fromkeys(ordered))


def _unnamed_references(text: str, skus: list[str], focus: list[str]) -> list[str]:
    """'both', 'them', 'it': the products referred to last, else the top of the list."""
    if _REF_PAIR.search(text):
        pair = focus if len(focus) >= 2 else skus[:2]
        return pair[:2]
    if _REF_ALL.search(text):
        return skus[:4]
    if _REF_ONE.search(text):
        return focus[:1] if focus else skus[:1]
    return []


def _brand_references(text: str, shown: list[Product]) -> list[tuple[int, str]]:
    """'the Sony one', '索尼那款': a brand that exactly one shown product has."""
    found = []
    folded = unicodedata.normalize("NFKC", text).casefold()
    for product in shown:
        if not product.brand:
            continue
        names = [n for n in re.split(r"[/|()（）\s]+", product.brand.casefold()) if len(n) >= 2]
        same_brand = [p for p in shown if p.brand == product.brand]
        for name in names:
            position = folded.find(name)
            if position >= 0 and len(same_brand) == 1:
                found.append((position, product.sku))
                break
    return found


def strip_references(text: str) -> str:
    """`text` without its words that point at products (and "tell me more"-like asks for details)."""
    for pattern in (
        _REF_FIRST_N,
        _REF_ORDINAL_EN,
        _REF_NUMBER_EN,
        _REF_ORDINAL_ZH,
        _REF_MIDDLE,
        _REF_PAIR,
        _REF_ALL,
        _REF_ONE,
    ):
        text = pattern.sub(" ", text)
    return DETAILS.sub(" ", re.sub(r"\b(?:one|ones|the)\b", " ", text, flags=re.I))
