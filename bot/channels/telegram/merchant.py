"""Merchant handlers: the catalog commands /catalog, /product, /price, /stock, /delete, /export, /rollback,
catalog uploads (`catalog_uploads.py`) and held text, /held and /confirm (`held_text.py`).

The role is checked on every update and a merchant only ever touches the catalog of the merchant id
they were granted (`StateStore.merchant_of`); nothing the merchant types selects another catalog.
Every command is written to the audit log, refusals included. Replies are in the merchant's language.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.channels.telegram.access import Access
from bot.channels.telegram.catalog_uploads import CatalogUploads
from bot.channels.telegram.held_text import HeldText
from bot.channels.telegram.incoming import Incoming, Press, on_message, on_press
from bot.channels.telegram.render import DeleteDecision, decode_callback, delete_callback, escape
from bot.channels.telegram.reports import catalog_stats_text, product_text, version_text
from bot.channels.telegram.staff import MerchantRequest, StaffGate
from bot.i18n import t
from bot.services import Services
from bot.settings import TelegramConfig
from retrieval.export import EXPORT_FORMATS, ExportFormat
from retrieval.index import CatalogError, CatalogVersion, Shop
from retrieval.models import DOCUMENT_KINDS, DocumentKind
from retrieval.money import format_price

# A product's price (float) or stock (int), as `/price` and `/stock` take it.
Number = TypeVar("Number", int, float)


class MerchantHandlers:
    """Catalog management for users with the merchant role (admins granted a merchant id too)."""

    def __init__(self, services: Services, access: Access, config: TelegramConfig) -> None:
        self._services = services
        self._gate = StaffGate(services.state, access)
        self._uploads = CatalogUploads(services, self._gate, config)
        self._held = HeldText(services, self._gate)

    def register(self, application: Application) -> None:
        commands = {
            "catalog": self.catalog,
            "product": self.product,
            "price": self.price,
            "stock": self.stock,
            "delete": self.delete,
            "export": self.export,
            "rollback": self.rollback,
        }
        for name, callback in commands.items():
            application.add_handler(CommandHandler(name, on_message(callback)))
        self._uploads.register(application)
        self._held.register(application)
        application.add_handler(CallbackQueryHandler(on_press(self.delete_decision), pattern=r"^d:"))

    async def _merchant(self, incoming: Incoming, command: str) -> MerchantRequest | None:
        what = " ".join([f"/{command}", *incoming.args])
        return await self._gate.merchant(incoming.message, incoming.user, what)

    async def _shop(self, request: MerchantRequest) -> Shop:
        return await self._services.index.merchant(request.merchant_id)

    # --- catalog commands ----------------------------------------------------------------------

    async def catalog(self, incoming: Incoming) -> None:
        request = await self._merchant(incoming, "catalog")
        if request is None:
            return
        stats = await (await self._shop(request)).stats()
        await request.reply(catalog_stats_text(request.merchant_id, stats, request.language), html=True)

    async def product(self, incoming: Incoming) -> None:
        request = await self._merchant(incoming, "product")
        if request is None:
            return
        if len(incoming.args) != 1:
            await request.usage("product")
            return
        sku = incoming.args[0]
        product = await (await self._shop(request)).product(sku)
        text = product_text(product, request.language) if product else request.t("no_product", sku=escape(sku))
        await request.reply(text, html=True)

    async def price(self, incoming: Incoming) -> None:
        await self._set_number(incoming, "price", float, Shop.set_price)

    async def stock(self, incoming: Incoming) -> None:
        await self._set_number(incoming, "stock", int, Shop.set_stock)

    async def _set_number(
        self,
        incoming: Incoming,
        command: str,
        kind: type[Number],
        change: Callable[[Shop, str, Number], Awaitable[CatalogVersion]],
    ) -> None:
        """`/price SKU N` and `/stock SKU N`: check the role and the arguments, then change one product."""
        request = await self._merchant(incoming, command)
        if request is None:
            return
        value = _number(incoming.args, kind)
        if value is None:
            await request.usage(command)
            return
        sku = incoming.args[0]
        shop = await self._shop(request)
        try:
            version = await change(shop, sku, value)
        except CatalogError as exc:
            await request.say("not_changed", error=exc)
            return
        product = await shop.product(sku)
        shown = product_text(product, request.language) if product else escape(sku)
        await request.reply(f"✅ {shown}\n\n{version_text(version, request.language)}", html=True)

    async def delete(self, incoming: Incoming) -> None:
        request = await self._merchant(incoming, "delete")
        if request is None:
            return
        sku = incoming.args[0] if len(incoming.args) == 1 else None
        confirm = delete_callback(True, sku) if sku else None
        keep = delete_callback(False, sku) if sku else None
        if sku is None or confirm is None or keep is None:
            await request.usage("delete")
            return
        product = await (await self._shop(request)).product(sku)
        if product is None:
            await request.say("no_product", sku=sku)
            return
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(request.t("button_delete"), callback_data=confirm),
                    InlineKeyboardButton(request.t("button_keep"), callback_data=keep),
                ]
            ]
        )
        question = request.t(
            "delete_question",
            title=escape(product.title),
            sku=escape(sku),
            price=request.t("price_unknown")
            if product.price is None
            else format_price(product.price, product.currency),
        )
        await request.reply(question, html=True, markup=buttons)

    async def delete_decision(self, press: Press) -> None:
        decision = decode_callback(press.data)
        if not isinstance(decision, DeleteDecision) or press.message is None:
            await press.query.answer(t("expired_button", await self._gate.language(press.user)))
            return
        what = f"{'delete' if decision.confirmed else 'keep'} {decision.sku}"
        request = await self._gate.merchant(press.message, press.user, what)
        await press.query.answer()
        if request is None:
            return
        await press.query.edit_message_reply_markup(None)
        if not decision.confirmed:
            await request.say("kept", sku=decision.sku)
            return
        try:
            version = await (await self._shop(request)).delete_product(decision.sku)
        except CatalogError as exc:
            await request.say("not_deleted", error=exc)
            return
        deleted = request.t("deleted", sku=escape(decision.sku), version=version_text(version, request.language))
        await request.reply(deleted, html=True)

    async def export(self, incoming: Incoming) -> None:
        """`/export [KIND] [FORMAT]`: the current documents as a file that, sent straight back, changes nothing."""
        request = await self._merchant(incoming, "export")
        if request is None:
            return
        kind, fmt = _export_args(incoming.args)
        if kind is None or fmt is None:
            await request.usage("export")
            return
        data = await (await self._shop(request)).export(kind, fmt)
        await request.message.reply_document(
            data,
            filename=f"{request.merchant_id}-{kind}.{fmt}",
            caption=request.t("export_caption", kind=request.t(f"kind_{kind}"), merchant=request.merchant_id),
            do_quote=False,
        )

    async def rollback(self, incoming: Incoming) -> None:
        request = await self._merchant(incoming, "rollback")
        if request is None:
            return
        try:
            version = await (await self._shop(request)).rollback()
        except CatalogError as exc:
            await request.say("not_rolled_back", error=exc)
            return
        await request.reply(request.t("rolled_back", version=version_text(version, request.language)), html=True)


def _export_args(args: list[str]) -> tuple[DocumentKind | None, ExportFormat | None]:
    """`[KIND] [FORMAT]` in either order, products and CSV by default; None for what is not one."""
    kinds = [a for a in args if a in DOCUMENT_KINDS]
    formats = [a for a in args if a in EXPORT_FORMATS]
    if len(args) > 2 or len(kinds) > 1 or len(formats) > 1 or len(kinds) + len(formats) != len(args):
        return None, None
    kind: DocumentKind = next((k for k in DOCUMENT_KINDS if k in kinds), "products")
    fmt: ExportFormat = next((f for f in EXPORT_FORMATS if f in formats), "csv")
    return kind, fmt


def _number(args: list[str], kind: type[Number]) -> Number | None:
    """The second argument as a non-negative number, or None when the arguments are not `SKU NUMBER`."""
    if len(args) != 2:
        return None
    try:
        value = kind(args[1])
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None
