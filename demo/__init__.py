"""The demo shop shipped with ShopGuide, so a fresh install answers with nothing configured.

The data files live in `shop/` (described in `shop/README.md`) and are package data; the hand-written
sources and the generator that writes them live in `generator/`, which is not installed:
`python -m demo.generator.make_demo` regenerates the data from a checkout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retrieval.models import DocumentKind

from retrieval.models import DocumentKind

MERCHANT = "demo"
# One file per catalog document kind, in the order they must be ingested (reviews need their products).
CATALOG_FILES: dict[DocumentKind, str] = {
    "products": "products.jsonl",
    "reviews": "reviews.jsonl",
    "policies": "policies.md",
}


def shop_dir() -> Path:
    """The folder holding the demo shop's catalog, its judged queries and the conversation suite."""
    return Path(str(files(__name__) / "shop"))


def conversations_path() -> Path:
    """The conversation regression suite written against the demo shop."""
    return shop_dir() / "conversations.jsonl"
