"""A question about one product ("is it waterproof?", "索尼WH-1000XM5续航多久？"): its catalog facts and the
reviews that speak to the question, explained by the model."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from bot.core.compose.product_question import product_answer
from bot.core.context import TurnContext
from bot.core.generate import Generation
from bot.core.grounding import looks_like_instructions
from bot.core.reply import TurnEvent
from bot.core.understand import Understanding
from bot.i18n import t
from retrieval.models import Product


async def product_question(turn: TurnContext, asked: Understanding) -> AsyncIterator[TurnEvent]:
    started = time.perf_counter()
    product = await question_subject(turn, asked)
    if product is None:
        return
    hits = await turn.catalog.shop.search_reviews(product.sku, asked.topic, k=3)
    reviews = [hit.review for hit in hits if not looks_like_instructions(hit.review.text)]
    turn.draft.time("retrieve", started)
    turn.draft.products = [product]
    turn.draft.cite_products([product])
    turn.draft.cite_reviews(reviews)
    turn.dialog.focus = [product.sku]
    yield turn.show([product])
    generation = Generation(
        task="product_question",
        question=asked.topic,
        context={},
        facts=turn.facts(products=[product], reviews=[r.text for r in reviews]),
        template=product_answer(product, asked.topic, reviews, turn.language),
    )
    async for event in turn.generate(generation):
        yield event


async def question_subject(turn: TurnContext, asked: Understanding) -> Product | None:
    """The one product a question is about: the shown product it refers to, else the one it names. When
    there is none, the draft says why (not sold, or nothing shown to refer to)."""
    product = next((p for p in turn.shown if p.sku in asked.references[:1]), None)
    if product is None:
        product = await turn.catalog.named_product(asked.constraints, asked.topic)
    if product is None:
        turn.draft.text = t("not_sold" if not asked.constraints.is_empty() else "need_products", turn.language)
    return product
