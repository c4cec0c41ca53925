"""A reference to products on screen ("the second one", "第二个", "those two"): their details, no model."""

from __future__ import annotations

from collections.abc import AsyncIterator

from bot.core.compose.products import details, product_lines
from bot.core.context import TurnContext
from bot.core.reply import TurnEvent
from bot.core.understand import Understanding
from bot.i18n import t


async def reference(turn: TurnContext, asked: Understanding) -> AsyncIterator[TurnEvent]:
    by_sku = {p.sku: p for p in turn.shown}
    products = [by_sku[sku] for sku in asked.references if sku in by_sku]
    turn.draft.products = products
    turn.draft.cite_products(products)
    turn.dialog.focus = [p.sku for p in products]
    if not products:
        turn.draft.text = t("need_products", turn.language)
        return
    yield turn.show(products)
    if len(products) == 1:
        turn.draft.text = details(products[0], turn.language)
    else:
        turn.draft.text = "\n".join(product_lines(products, turn.language))
