"""The reply of one turn as it is being put together (`Draft`): its text, products, the evidence it cites,
quick replies and stage timings, and the product cards a channel renders."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.compose.products import product_facts, public_url
from bot.core.reply import ButtonAction, Evidence, EvidenceKind, Language, ProductCard, Reply
from retrieval.models import Product, Review

CARD_BUTTONS: tuple[ButtonAction, ...] = ("details", "compare", "similar", "why", "buy", "like", "dislike")


@dataclass
class Draft:
    """The reply of one turn as it is being put together."""

    turn_id: str
    language: Language
    intent: str
    text: str = ""
    products: list[Product] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    quick_replies: list[str] = field(default_factory=list)
    comparison: list[list[str]] | None = None
    fallback: bool = False
    handoff: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    def cite(
        self,
        kind: EvidenceKind,
        merchant_id: str,
        source_id: str,
        text: str,
        *,
        sku: str | None = None,
        field_name: str | None = None,
    ) -> Evidence:
        item = Evidence(
            ref=len(self.evidence) + 1,
            kind=kind,
            merchant_id=merchant_id,
            sku=sku,
            source_id=source_id,
            field=field_name,
            text=text,
        )
        self.evidence.append(item)
        return item

    def cite_products(self, products: Sequence[Product]) -> None:
        for product in products:
            self.cite("product", product.merchant_id, product.sku, product_facts(product), sku=product.sku)

    def cite_reviews(self, reviews: Sequence[Review]) -> None:
        for review in reviews:
            stars = f"{review.rating}/5: " if review.rating is not None else ""
            quote = f"{stars}{review.text[:200]}"
            self.cite("review", review.merchant_id, review.review_id, quote, sku=review.sku, field_name="text")

    def time(self, stage: str, since: float) -> None:
        """Record how long `stage` took, from `since` (a `time.perf_counter()` reading) to now."""
        self.timings[stage] = elapsed_ms(since)

    def reply(self) -> Reply:
        return Reply(
            turn_id=self.turn_id,
            language=self.language,
            intent=self.intent,
            text=self.text,
            products=[card(p, self.labels.get(p.sku)) for p in self.products],
            evidence=self.evidence,
            quick_replies=self.quick_replies,
            comparison=self.comparison,
            fallback=self.fallback,
            handoff=self.handoff,
        )


def card(product: Product, label: str | None = None) -> ProductCard:
    """A product as channels show it: the catalog's values, with the buttons it supports. A link or image at
    a private, loopback or link-local address is never passed on (ingest rejects them; older catalogs may
    still hold one)."""
    url = public_url(product.url)
    images = [image for image in product.image_urls if public_url(image)]
    buttons = [b for b in CARD_BUTTONS if b != "buy" or url]
    return ProductCard(
        merchant_id=product.merchant_id,
        sku=product.sku,
        title=product.title,
        price=product.price,
        currency=product.currency,
        in_stock=product.in_stock,
        stock=product.stock,
        rating=product.rating,
        image_url=images[0] if images else None,
        url=url,
        label=label,
        buttons=buttons,
    )


def new_turn_id() -> str:
    return uuid.uuid4().hex[:12]


def elapsed_ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
