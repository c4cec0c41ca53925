"""Search and refine: the products that meet the customer's constraints, or the nearest alternatives when
none do, and the model's explanation of the list."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from bot.core.compose.advice import best_pick
from bot.core.compose.recommendation import constraints_text, follow_ups, no_match, recommendation
from bot.core.context import TurnContext
from bot.core.dialog import Constraints
from bot.core.generate import Generation
from bot.core.lookups import leaf_category
from bot.core.reply import TurnEvent
from bot.core.understand import Understanding
from bot.i18n import t


async def recommend(turn: TurnContext, asked: Understanding) -> AsyncIterator[TurnEvent]:
    """A new search, or a refinement of the one on screen ("cheaper" stays within the kind of product shown)."""
    started = time.perf_counter()
    refining = asked.intent == "refine"
    constraints = asked.constraints
    if refining:
        leaf = leaf_category(turn.shown)
        if leaf and not constraints.categories:
            constraints = constraints.model_copy(update={"categories": [leaf]})
    else:
        sold, constraints = await turn.catalog.intended(constraints, asked.topic)
        if not sold:
            turn.draft.time("retrieve", started)
            turn.draft.text = t("not_sold", turn.language)
            return
    products = await turn.catalog.search(constraints, asked.topic, None)
    if not products:
        async for event in _alternatives(turn, constraints, asked.topic, refining, started):
            yield event
        return
    # The advice quotes a buyer of its pick: that product's reviews, fetched before the cards go out.
    best = best_pick(products, constraints)
    reviews = {best.sku: await turn.catalog.shop.reviews(best.sku)}
    turn.draft.time("retrieve", started)
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
    turn: TurnContext, constraints: Constraints, topic: str, refining: bool, started: float
) -> AsyncIterator[TurnEvent]:
    """Nothing fits: say so, and offer the nearest products, labelled as alternatives."""
    alternatives = await turn.catalog.alternatives(constraints, topic)
    turn.draft.time("retrieve", started)
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
    turn.draft.text = no_match(constraints, alternatives, turn.language)
