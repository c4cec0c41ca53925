"""Which files can be catalog files, and what a file's name says it holds: the one rule that the CLI,
Telegram and any other channel apply before handing bytes to `catalog.parse_catalog_file`.

The suffixes are the ones `tables.file_format` reads, plus `.txt` (tab-separated rows, or policy text).
A kind is guessed from the name only when the merchant did not say it (`/upload KIND`, `--kind`):
Markdown can only be policies; otherwise words in the name decide (reviews first, so
`product_reviews.csv` is reviews, then policies, so `returns.csv` is the returns policy, then products);
a `.txt` without such a word is policy text; anything else is products.
"""

from __future__ import annotations

from pathlib import PurePath

from retrieval.models import DocumentKind
from retrieval.tables import _EXTENSIONS, FileRejected, file_format

# Every suffix a catalog file may have, in the order they are listed to merchants.
CATALOG_SUFFIXES: tuple[str, ...] = (*_EXTENSIONS, ".txt")

# Words in a file name (lower-cased) that say what it holds, checked in this order.
NAME_HINTS: tuple[tuple[DocumentKind, tuple[str, ...]], ...] = (
    ("reviews", ("review", "评价", "评论")),
    (
        "policies",
        ("polic", "faq", "shipping", "return", "refund", "warranty", "政策", "售后", "退货", "退换", "配送", "保修"),
    ),
    ("products", ("product", "price", "stock", "商品", "产品", "价格", "库存")),
)


def is_catalog_file(filename: str) -> bool:
    """Whether the name has a suffix ShopGuide reads (checked before downloading a file)."""
    return PurePath(filename).suffix.lower() in CATALOG_SUFFIXES


def guess_kind(filename: str) -> DocumentKind:
    """The kind of document a file name suggests (see the module docstring for the rule)."""
    if _is_markdown(filename):
        return "policies"
    name = PurePath(filename).name.lower()
    for kind, words in NAME_HINTS:
        if any(word in name for word in words):
            return kind
    return "policies" if PurePath(name).suffix == ".txt" else "products"


def _is_markdown(filename: str) -> bool:
    try:
        return file_format(filename, text_default="tsv") == "markdown"
    except FileRejected:
        return False
