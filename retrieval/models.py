"""The catalog's documents: products, reviews and shop policies, as validated records.

These are the only shapes that cross from `retrieval` to the rest of ShopGuide.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, Field

DocumentKind = Literal["products", "reviews", "policies"]
DOCUMENT_KINDS: tuple[DocumentKind, ...] = ("products", "reviews", "policies")
FLAGS_DESCRIPTION = (
    "Held text not yet confirmed by the merchant: the `retrieval.screening` flags its description (a product) or "
    "its text (a review) raised at ingest. Customer-facing answers and prompts leave flagged text out."
)


class Product(BaseModel):
    """One sellable item of one merchant. `price` is in `currency` units, rounded to cents; None = the catalog
    does not say (shown as "price unknown", never within a price limit)."""

    merchant_id: str
    sku: str
    title: str
    price: float | None = Field(None, ge=0)
    currency: str = "CNY"
    description: str = ""
    category: list[str] = Field(
        default_factory=list, description="Path from the root, e.g. ['服装', '户外', '冲锋衣']."
    )
    brand: str | None = None
    stock: int | None = Field(None, ge=0, description="Units on hand when the file says; None = unknown.")
    in_stock: bool = True
    image_urls: list[str] = Field(default_factory=list)
    url: str | None = None
    rating: float | None = Field(None, ge=0, le=5)
    attributes: dict[str, str] = Field(default_factory=dict, description="Free attributes: color, size, material ...")
    flags: list[str] = Field(default_factory=list, description=FLAGS_DESCRIPTION)

    @property
    def key(self) -> str:
        return f"{self.merchant_id}:{self.sku}"

    def content_hash(self) -> str:
        """Stable hash of everything that is embedded or filtered on; unchanged rows re-embed nothing."""
        return _hash(_hashed(self))


class Review(BaseModel):
    """A buyer's review of one product."""

    merchant_id: str
    sku: str
    review_id: str = Field(description="From the file, or derived from sku+author+date+text when absent.")
    rating: int | None = Field(None, ge=1, le=5, description="None = the source gives no stars.")
    text: str
    date: str | None = None
    author: str | None = None
    flags: list[str] = Field(default_factory=list, description=FLAGS_DESCRIPTION)

    @property
    def key(self) -> str:
        return f"{self.merchant_id}:{self.sku}:{self.review_id}"

    def content_hash(self) -> str:
        return _hash(_hashed(self))


class Policy(BaseModel):
    """A passage of the shop's policies or FAQ (shipping, returns, warranty ...)."""

    merchant_id: str
    policy_id: str
    title: str = Field(description="Section heading or FAQ question.")
    text: str

    @property
    def key(self) -> str:
        return f"{self.merchant_id}:{self.policy_id}"

    def content_hash(self) -> str:
        return _hash(self.model_dump(mode="json"))


def _hashed(record: Product | Review) -> dict:
    """What a content hash covers: the record, with `flags` only when it has some (so records stored before
    flags existed keep their hashes)."""
    return record.model_dump(mode="json", exclude=set() if record.flags else {"flags"})


def _hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]
