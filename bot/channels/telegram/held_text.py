"""Held catalog text, for merchants: `/held` lists the descriptions and reviews that ingest keeps out of
answers, prompts and buttons (`retrieval/holds.py`); `/confirm SKU …` and `/confirm review REVIEW_ID …`
release them once the merchant has checked them.

A confirmation is a new catalog version (`/rollback` undoes it) written to the audit log, and holds for that
exact text: uploading it again keeps it released, changing it screens it afresh. Text that gives the assistant
orders cannot be confirmed, only rewritten. Replies are in the merchant's language.
"""

from __future__ import annotations

from telegram.ext import Application, CommandHandler

from bot.channels.telegram.incoming import Incoming, on_message
from bot.channels.telegram.render import escape
from bot.channels.telegram.reports import held_list_text, version_text
from bot.channels.telegram.staff import MerchantRequest, StaffGate
from bot.services import Services
from retrieval.index import CatalogError

# The first word of `/confirm review ID …` (a product is named by its SKU alone).
REVIEW_WORDS = frozenset({"review", "reviews", "评价", "评论"})


class HeldText:
    """`/held` and `/confirm`, for users with the merchant role, on their own catalog only."""

    def __init__(self, services: Services, gate: StaffGate) -> None:
        self._services = services
        self._gate = gate

    def register(self, application: Application) -> None:
        application.add_handler(CommandHandler("held", on_message(self.held)))
        application.add_handler(CommandHandler("confirm", on_message(self.confirm)))

    async def _merchant(self, incoming: Incoming, command: str) -> MerchantRequest | None:
        return await self._gate.merchant(incoming.message, incoming.user, " ".join([f"/{command}", *incoming.args]))

    async def held(self, incoming: Incoming) -> None:
        request = await self._merchant(incoming, "held")
        if request is None:
            return
        records = await (await self._services.index.merchant(request.merchant_id)).held()
        await request.reply_long(held_list_text(records, request.language))

    async def confirm(self, incoming: Incoming) -> None:
        """`/confirm SKU …` (products' descriptions) or `/confirm review REVIEW_ID …` (reviews' texts)."""
        request = await self._merchant(incoming, "confirm")
        if request is None:
            return
        reviews = bool(incoming.args) and incoming.args[0].casefold() in REVIEW_WORDS
        names = incoming.args[1:] if reviews else incoming.args
        if not names:
            await request.usage("confirm")
            return
        shop = await self._services.index.merchant(request.merchant_id)
        try:
            if reviews:
                version = await shop.confirm(review_ids=names, by=request.user_id)
            else:
                version = await shop.confirm(skus=names, by=request.user_id)
        except CatalogError as exc:
            await request.say("not_confirmed", error=exc)
            return
        await self._services.state.audit(
            request.user_id, "catalog.confirm", f"{request.merchant_id}: {version.note} -> version {version.version}"
        )
        confirmed = request.t(
            "confirmed",
            names=", ".join(f"<code>{escape(name)}</code>" for name in dict.fromkeys(names)),
            version=version_text(version, request.language),
        )
        await request.reply(confirmed, html=True)
