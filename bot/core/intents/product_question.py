"""A question about one product ("is it waterproof?", "索尼WH-1000XM5续航多久？") or about which of the products
on screen ("which one has the longer battery life?", "哪个更轻？"): the catalog facts and the reviews that speak
to it, the fact asked for stated (or its absence said), explained by the model when it is in time."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from bot.core import held
from bot.core.compose import aspects
from bot.core.compose.comparison import comparison
from bot.core.compose.product_question import asked_fact, product_answer, products_answer
from bot.core.context import TurnContext
from bot.core.generate import Generation
from bot.core.reply import TurnEvent
from bot.core.understand import Understanding
from bot.i18n import t
from retrieval.models import Product

_WHICH = ("which", "哪个", "哪款", "哪一个", "哪一款", "哪件")


async def product_question(turn: TurnContext, asked: Understanding) -> AsyncIterator[TurnEvent]:
    several = _products_asked_about(turn, asked)
    if len(several) >= 2:
        async for event in _about_several(turn, asked, several):
            yield event
        return
    started = time.perf_counter()
    product = several[0] if several else await question_subject(turn, asked)
    if product is None:
        return
    hits = await turn.catalog.shop.search_reviews(product.sku, asked.topic, k=3)
    reviews = [hit.review for hit in hits if held.quotable(hit.review)]
    turn.draft.time("retrieve", started)
    turn.draft.products = [product]
    turn.draft.cite_products([product])
    turn.draft.cite_reviews(reviews)
    turn.dialog.focus = [product.sku]
    yield turn.show([product])
    fact = asked_fact([product], asked.topic, turn.language)
    generation = Generation(
        task="product_question",
        question=asked.topic,
        facts=turn.facts(products=[product], reviews=[r.text for r in reviews], asked=fact),
        template=product_answer(product, asked.topic, reviews, turn.language),
    )
    async for event in turn.generate(generation):
        yield event


async def _about_several(turn: TurnContext, asked: Understanding, products: list[Product]) -> AsyncIterator[TurnEvent]:
    """A question about the products on screen: the asked aspect of each and which one leads; an open
    "which one should I get?" gets the advice of a comparison."""
    language = turn.language
    turn.draft.products = products
    turn.draft.cite_products(products)
    turn.dialog.focus = [p.sku for p in products]
    yield turn.show(products)
    if aspects.asked_aspect(asked.topic) is None:
        template = comparison(products, turn.dialog.constraints, {}, language)
        fact = None
    else:
        template = products_answer(products, asked.topic, language)
        fact = asked_fact(products, asked.topic, language)
    generation = Generation(
        task="product_question",
        question=asked.topic,
        facts=turn.facts(products=products, asked=fact),
        template=template,
    )
    async for event in turn.generate(generation):
        yield event


def _products_asked_about(turn: TurnContext, asked: Understanding) -> list[Product]:
    """The shown products the question refers to; all of them for "which one ...?" with none named."""
    by_sku = {p.sku: p for p in turn.shown}
    referred = [by_sku[sku] for sku in asked.references if sku in by_sku]
    if referred:
        return referred
    text = asked.topic.casefold()
    return list(turn.shown) if turn.shown and any(word in text for word in _WHICH) else []


async def question_subject(turn: TurnContext, asked: Understanding) -> Product | None:
    """The one product a question is about: the shown product it refers to, else the one it names. When
    there is none, the draft says why (not sold, or nothing shown to refer to)."""
    product = next((p for p in turn.shown if p.sku in asked.references[:1]), None)
    if product is None:
        product = await turn.catalog.named_product(asked.constraints, asked.topic)
    if product is None:
        turn.draft.text = t("not_sold" if not asked.constraints.is_empty() else "need_products", turn.language)
    return product
