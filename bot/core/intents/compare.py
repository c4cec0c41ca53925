"""A comparison: which products ("compare the first two", the Compare-button list, products named in the
message), the comparison table from catalog facts, and the model's verdict."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence

from bot.core.answers import comparison_task
from bot.core.compose.comparison import comparison, comparison_table, table_text
from bot.core.compose.reviews import summarise_reviews
from bot.core.context import TurnContext
from bot.core.generate import Generation
from bot.core.reply import TurnEvent
from bot.core.understand import Understanding
from bot.i18n import t
from retrieval.models import Product

MAX_COMPARE = 4


async def compare(turn: TurnContext, asked: Understanding) -> AsyncIterator[TurnEvent]:
    async for event in compare_products(turn, await _products_to_compare(turn, asked), asked.topic):
        yield event


async def _products_to_compare(turn: TurnContext, asked: Understanding) -> list[Product]:
    """Referenced products, else the Compare-button list, else products named, else the top two shown."""
    if len(asked.references) >= 2:
        by_sku = {p.sku: p for p in turn.shown}
        return [by_sku[sku] for sku in asked.references[:MAX_COMPARE] if sku in by_sku]
    if len(turn.dialog.compare) >= 2:
        return await turn.catalog.products(turn.dialog.compare[:MAX_COMPARE])
    named = await turn.catalog.products_named(asked.topic, MAX_COMPARE)
    if len(named) >= 2:
        return named
    return turn.shown[:2] if len(turn.shown) >= 2 else []


async def compare_products(turn: TurnContext, products: Sequence[Product], question: str) -> AsyncIterator[TurnEvent]:
    """Compare `products` (at least two, else the customer is asked which) as `question` asks."""
    language, draft = turn.language, turn.draft
    draft.intent = "compare"
    if len(products) < 2:
        draft.text = t("need_products", language)
        return
    started = time.perf_counter()
    reviews = {p.sku: await turn.catalog.shop.reviews(p.sku) for p in products}
    summaries = {sku: summarise_reviews(sku, items, language, quotes=1) for sku, items in reviews.items()}
    draft.time("retrieve", started)
    draft.products = list(products)
    draft.cite_products(products)
    for summary in summaries.values():
        draft.cite_reviews(summary.quoted)
    table = draft.comparison = comparison_table(products, reviews, language)
    turn.dialog.focus = [p.sku for p in products]
    turn.dialog.compare = []
    yield turn.show(products)
    generation = Generation(
        task="compare",
        question=question,
        summary=table_text(table),
        facts=turn.facts(
            products=products, reviews=[r.text for s in summaries.values() for r in s.quoted], notes=[table_text(table)]
        ),
        template=comparison(products, turn.dialog.constraints, reviews, language),
        structured=comparison_task(products, language),
    )
    async for event in turn.generate(generation):
        yield event
