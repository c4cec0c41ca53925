"""Variants of one item: the same product in another colour or size, listed as one search result.

Two products are variants when they share a brand and a `variant_key`: the title with colour and size words
(and the values of colour/size attributes) removed, in English and Chinese.
"""

from __future__ import annotations

import re
import unicodedata

from retrieval.models import Product

_COLOUR_WORDS = [
    "black",
    "white",
    "red",
    "blue",
    "green",
    "yellow",
    "pink",
    "purple",
    "grey",
    "gray",
    "brown",
    "orange",
    "navy",
    "beige",
    "silver",
    "gold",
    "khaki",
    "xxxl",
    "xxl",
    "xl",
    "xs",
    "s",
    "m",
    "l",
    "2xl",
    "3xl",
    "small",
    "medium",
    "large",
]
_VARIANT_WORD = re.compile(
    r"\b(?:" + "|".join(_COLOUR_WORDS) + r")\b"
    r"|[黑白红蓝绿黄粉紫灰棕橙银金]色|藏青|米色|卡其色?|[大中小]号|均码|\d{2,3}\s*[码号]|\b(?:eu|us|uk)\s*\d+(?:\.\d)?\b"
)
_VARIANT_ATTRIBUTES = {"color", "colour", "size", "颜色", "尺码", "尺寸"}
_NON_WORD = re.compile(r"[\W_]+")


def variant_key(product: Product) -> str:
    """The title with colour and size words removed: variants of one item share it."""
    title = unicodedata.normalize("NFKC", product.title).casefold()
    for name, value in product.attributes.items():
        if name.casefold() in _VARIANT_ATTRIBUTES and value.strip():
            title = title.replace(unicodedata.normalize("NFKC", value).casefold(), " ")
    key = _NON_WORD.sub("", _VARIANT_WORD.sub(" ", title))
    # A title that is nothing but colour/size words is its own item.
    return key or product.sku
