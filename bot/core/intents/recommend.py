"""Search and refine: the products that meet the customer's constraints, or the nearest alternatives when
none do, and the model's explanation of the list.

`find_products` is the decision itself (what the customer will be shown, and whether it is said to be what
they asked for); `shopguide eval retrieval` runs the same function, so what it measures is what customers get.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence

from pydantic import BaseModel, Field

from bot.core.compose.recommendation import constraints_text, follow_ups, no_match, recommendation
from bot.core.context import TurnContext
from bot.core.dialog import Constraints
from bot.core.generate import Generation
from bot.core.lookups import CatalogLookups, one_kind, same_kind, search_query
from bot.core.reply import Language, TurnEvent
from bot.core.understand import Understanding
from bot.i18n import t
from retrieval.models import Product


class Found(BaseModel):
    """What a search turn shows: the products, and whether they are what was asked for."""

    products: list[Product] = Field(default_factory=list)
    groups: list[list[str]] = Field(
        default_factory=list, description="Per product shown: its SKU, then the other variants its card stands for."
    )
    matched: bool = Field(description="False: nothing meets the request; `products` are labelled alternatives.")
    not_sold: bool = Field(False, description="The shop sells nothing like it (no alternatives either).")
    missing_brands: list[str] = Field(default_factory=list, description="Names asked for that the shop does not carry.")


async def find_products(
    catalog: CatalogLookups,
    constraints: Constraints,
    topic: str,
    language: Language,
    k: int | None,
    *,
    on_screen: Sequence[Product] | None = None,
) -> Found:
    """What to show for a search: the products that meet the hard constraints and answer the request; else, for
    a brand the shop does not carry, the nearest products of other brands; else the nearest products of the kind
    asked for outside the limits, as alternatives; and when the shop has nothing of that kind, nothing. A
    refinement of the products `on_screen` keeps to their kind ("cheaper" jackets are jackets; none cheaper is
    said so)."""
    if on_screen is None:
        # The words of the request itself: "CNY 6000以内" or "under 50 GBP" name a currency, not a brand.
        missing = await catalog.missing_brands(constraints.query or topic, language, topic)
        if missing:
            rest = constraints.model_copy(update={"query": _without(constraints.query, missing)})
            others = await catalog.alternatives(rest, _without(topic, missing))
            return Found(products=others, groups=[[p.sku] for p in others], matched=False, missing_brands=missing)
    hits = await catalog.matches(constraints, topic, k)
    if on_screen:
        hits = same_kind(hits, on_screen)
    if hits:
        # The kind of product named, when the best hit is of it: the rest of the list would be filler.
        hits = one_kind(hits, await catalog.named_kinds(search_query(constraints, topic)))
        products = await catalog.with_color(hits, constraints.color)
        group_of = {sku: [hit.product.sku, *hit.variants] for hit in hits for sku in (hit.product.sku, *hit.variants)}
        groups = [[p.sku, *(sku for sku in group_of[p.sku] if sku != p.sku)] for p in products]
        return Found(products=products, groups=groups, matched=True)
    alternatives = await catalog.alternatives(constraints, topic)
    groups = [[p.sku] for p in alternatives]
    return Found(products=alternatives, groups=groups, matched=False, not_sold=not alternatives and on_screen is None)


async def recommend(turn: TurnContext, asked: Understanding) -> AsyncIterator[TurnEvent]:
    """A new search, or a refinement of the one on screen ("cheaper" keeps the kind of product: its words stay
    in the query)."""
    started = time.perf_counter()
    refining = asked.intent == "refine"
    constraints = asked.constraints
    found = await find_products(
        turn.catalog, constraints, asked.topic, turn.language, None, on_screen=turn.shown if refining else None
    )
    turn.draft.time("retrieve", started)
    if found.not_sold:
        turn.draft.text = t("not_sold", turn.language)
        return
    if not found.matched:
        async for event in _alternatives(turn, constraints, found, refining):
            yield event
        return
    products = found.products
    # The advice quotes a buyer, of its pick where one wrote in the customer's language: the shown products'
    # reviews, fetched before the cards go out.
    reviews = {p.sku: await turn.catalog.shop.reviews(p.sku) for p in products}
    turn.draft.products = products
    turn.draft.cite_products(products)
    turn.draft.quick_replies = follow_ups(turn.language)
    turn.dialog.constraints = constraints
    turn.dialog.shown, turn.dialog.focus = [p.sku for p in products], []
    await turn.save_dialog()
    yield turn.show(products)
    wanted = constraints_text(constraints, turn.language, products[0].currency)
    generation = Generation(
        task="recommend",
        question=asked.topic,
        requirements=wanted,
        facts=turn.facts(products=products, notes=[wanted, asked.topic]),
        template=recommendation(products, constraints, turn.language, reviews),
    )
    async for event in turn.generate(generation):
        yield event


async def _alternatives(
    turn: TurnContext, constraints: Constraints, found: Found, refining: bool
) -> AsyncIterator[TurnEvent]:
    """Nothing fits: say so (or that the brand is not carried), and offer the nearest products, labelled."""
    alternatives = found.products
    label = t("nearest_alternative", turn.language)
    turn.draft.products, turn.draft.labels = alternatives, {p.sku: label for p in alternatives}
    turn.draft.cite_products(alternatives)
    if not refining:
        # A refinement that finds nothing leaves the search in force, so the next one builds on it.
        turn.dialog.constraints = constraints
        turn.dialog.shown, turn.dialog.focus = [p.sku for p in alternatives], []
    await turn.save_dialog()
    if alternatives:
        yield turn.show(alternatives, label)
    if found.missing_brands:
        brands = " / ".join(found.missing_brands)
        turn.draft.text = t("brand_not_carried", turn.language, brands=brands)
        if not alternatives:
            turn.draft.text = t("not_sold", turn.language)
        return
    turn.draft.text = no_match(constraints, alternatives, turn.language)


def _without(text: str, words: Sequence[str]) -> str:
    for word in words:
        text = text.replace(word, " ")
    return " ".join(text.split())
