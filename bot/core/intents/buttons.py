"""The buttons under a product card: details, compare (collects products until there are two), similar
products, why (the evidence the earlier reply rested on) and buy. Like and dislike are feedback the
assistant records (`Assistant.action`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from bot.core.compose.products import buy, details, product_lines, similar_intro
from bot.core.compose.replies import evidence_text
from bot.core.context import TurnContext
from bot.core.intents.compare import MAX_COMPARE, compare_products
from bot.core.reply import ButtonAction, TurnEvent
from bot.i18n import t
from retrieval.models import Product


async def press(
    turn: TurnContext, action: ButtonAction, product: Product, turn_id: str | None
) -> AsyncIterator[TurnEvent]:
    """`action` on the card of `product`, sent with the reply of `turn_id`."""
    language, draft, dialog = turn.language, turn.draft, turn.dialog
    match action:
        case "details":
            draft.products = [product]
            draft.cite_products([product])
            dialog.focus = [product.sku]
            draft.text = details(product, language)
        case "compare":
            dialog.compare = [*[s for s in dialog.compare if s != product.sku], product.sku][-MAX_COMPARE:]
            if len(dialog.compare) < 2:
                draft.text = t("compare_added", language, count=len(dialog.compare))
                return
            products = await turn.catalog.products(dialog.compare)
            async for event in compare_products(turn, products, t("compare_request", language)):
                yield event
        case "similar":
            similar = [hit.product for hit in await turn.catalog.shop.similar(product.sku, 3)]
            draft.products = similar
            draft.cite_products(similar)
            dialog.shown, dialog.focus = [p.sku for p in similar], []
            if similar:
                yield turn.show(similar)
            draft.text = "\n".join([similar_intro(product, language), *product_lines(similar, language)])
        case "why":
            earlier = await turn.state.load_reply(turn_id) if turn_id else None
            if earlier is None:
                draft.text = t("answer_expired", language)
                return
            draft.evidence = [e for e in earlier.evidence if e.sku in (product.sku, None) or e.kind == "policy"]
            draft.text = evidence_text(draft.evidence, language)
        case "buy":
            draft.products = [product]
            draft.text = buy(product, language)
