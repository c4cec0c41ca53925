"""What buyers say about one product: the extractive summary (counts and quotes), the reviews on the aspect
asked about ("the zipper"), and the model's pros and cons, each citing real reviews."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from bot.core import held
from bot.core.answers import reviews_task
from bot.core.compose.reviews import reviews_answer, reviews_heading, summarise_reviews, summary_counts
from bot.core.context import TurnContext
from bot.core.generate import Generation
from bot.core.intents.product_question import question_subject
from bot.core.reply import TurnEvent
from bot.core.understand import Understanding, review_aspect


async def reviews(turn: TurnContext, asked: Understanding) -> AsyncIterator[TurnEvent]:
    started = time.perf_counter()
    product = await question_subject(turn, asked)
    if product is None:
        return
    shop, language = turn.catalog.shop, turn.language
    summary = summarise_reviews(product.sku, await shop.reviews(product.sku), language)
    aspect = review_aspect(asked.topic)
    if aspect:
        hits = await shop.search_reviews(product.sku, aspect, k=3)
        summary.on_aspect = [h.review for h in hits if held.quotable(h.review)]
        summary.aspect = aspect
    turn.draft.time("retrieve", started)
    turn.draft.products = [product]
    turn.draft.cite_products([product])
    turn.draft.cite_reviews([*summary.quoted, *(r for r in summary.on_aspect if r not in summary.quoted)])
    turn.dialog.focus = [product.sku]
    yield turn.show([product])
    template = reviews_answer(product, summary, language)
    if summary.count == 0:
        turn.draft.text = template
        return
    counts = summary_counts(summary, language)
    generation = Generation(
        task="reviews",
        question=asked.topic,
        summary=counts,
        facts=turn.facts(
            products=[product], reviews=[r.text for r in [*summary.quoted, *summary.on_aspect]], notes=[counts]
        ),
        template=template,
        structured=reviews_task(reviews_heading(product, summary, language), language),
    )
    async for event in turn.generate(generation):
        yield event
