"""Merchant handlers: catalog uploads (validate, report, confirm, apply) and the catalog commands
/catalog, /product, /price, /stock, /delete, /export, /rollback.

The role is checked on every update and a merchant only ever touches the catalog of the merchant id
they were granted (`StateStore.merchant_of`); nothing the merchant types selects another catalog.
Every command is written to the audit log, refusals included. Replies are in the merchant's language.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import PurePath
from typing import TypeVar

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import FileSizeLimit, ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.channels.telegram.access import Access
from bot.channels.telegram.incoming import Incoming, Press, on_message, on_press
from bot.channels.telegram.render import (
    DeleteDecision,
    UploadDecision,
    decode_callback,
    delete_callback,
    escape,
    upload_callback,
)
from bot.channels.telegram.reports import (
    catalog_stats_text,
    kind_name,
    product_text,
    rejected_rows_csv,
    upload_report_text,
    version_text,
)
from bot.channels.telegram.staff import MerchantRequest, StaffGate
from bot.channels.telegram.uploads import PendingUpload, PendingUploads
from bot.core.reply import Language
from bot.i18n import t
from bot.services import Services
from bot.settings import TelegramConfig
from retrieval.files import CATALOG_SUFFIXES, guess_kind, is_catalog_file
from retrieval.index import CatalogError, CatalogVersion, Shop
from retrieval.models import DocumentKind
from retrieval.money import format_price

logger = logging.getLogger(__name__)

DOCUMENT_KINDS: tuple[DocumentKind, ...] = ("products", "reviews", "policies")
# Progress edits on a long apply: often enough to show life, rarely enough for flood limits.
PROGRESS_EDIT_INTERVAL_S = 2.0

# A product's price (float) or stock (int), as `/price` and `/stock` take it.
Number = TypeVar("Number", int, float)


class MerchantHandlers:
    """Catalog management for users with the merchant role (admins granted a merchant id too)."""

    def __init__(self, services: Services, access: Access, config: TelegramConfig) -> None:
        self._services = services
        self._gate = StaffGate(services.state, access)
        self._pending = PendingUploads(services.settings.data_dir / "telegram" / "uploads")
        self._decisions = asyncio.Lock()
        self._waiting_ttl = timedelta(seconds=config.waiting_input_ttl_s)

    def register(self, application: Application) -> None:
        commands = {
            "upload": self.upload,
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
        application.add_handler(
            MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, on_message(self.document))
        )
        application.add_handler(CallbackQueryHandler(on_press(self.upload_decision), pattern=r"^u:"))
        application.add_handler(CallbackQueryHandler(on_press(self.delete_decision), pattern=r"^d:"))

    async def _merchant(self, incoming: Incoming, command: str) -> MerchantRequest | None:
        what = " ".join([f"/{command}", *incoming.args])
        return await self._gate.merchant(incoming.message, incoming.user, what)

    async def _shop(self, request: MerchantRequest) -> Shop:
        return await self._services.index.merchant(request.merchant_id)

    # --- uploads -------------------------------------------------------------------------------

    async def upload(self, incoming: Incoming) -> None:
        request = await self._merchant(incoming, "upload")
        if request is None:
            return
        kind = incoming.args[0] if len(incoming.args) == 1 else ""
        if kind not in DOCUMENT_KINDS:
            await request.usage("upload")
            return
        await self._services.state.expect_input(request.user_id, "upload", {"kind": kind}, self._waiting_ttl)
        await request.say("upload_send_now", kind=request.t(f"kind_{kind}"), suffixes=", ".join(CATALOG_SUFFIXES))

    async def document(self, incoming: Incoming) -> None:
        document = incoming.message.document
        if document is None:
            return
        filename = document.file_name or "upload"
        what = f"upload {filename} ({document.file_size or 0} bytes)"
        request = await self._gate.merchant(incoming.message, incoming.user, what)
        if request is None:
            return
        awaited = await self._services.state.take_input(request.user_id, "upload")
        kind: DocumentKind = awaited["kind"] if awaited else guess_kind(filename)
        problem = _document_problem(document, self._services.settings.retrieval.max_upload_bytes, request.language)
        if problem:
            await request.reply(problem)
            return
        status = await request.say("upload_checking", filename=filename, kind=kind_name(kind, request.language))
        data = bytes(await (await document.get_file()).download_as_bytearray())
        report = await (await self._shop(request)).validate(kind, filename, data)
        await status.edit_text(upload_report_text(report, filename, request.language), parse_mode=ParseMode.HTML)
        if report.rejected:
            await request.message.reply_document(
                rejected_rows_csv(report),
                filename=f"{PurePath(filename).stem}-rejected.csv",
                caption=request.t("rejected_rows_caption"),
                do_quote=False,
            )
        if not report.ok:
            await request.say("upload_nothing_changed")
            return
        pending = await self._pending.put(request.merchant_id, request.user_id, kind, filename, data)
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        request.t("button_apply"), callback_data=upload_callback(True, pending.upload_id)
                    ),
                    InlineKeyboardButton(
                        request.t("button_cancel"), callback_data=upload_callback(False, pending.upload_id)
                    ),
                ]
            ]
        )
        question = request.t(
            "upload_confirm",
            filename=escape(filename),
            kind=kind_name(kind, request.language),
            merchant=escape(request.merchant_id),
        )
        await request.reply(question, html=True, markup=buttons)

    async def upload_decision(self, press: Press) -> None:
        # One decision at a time: a double tap on Apply must not apply (or report) the same file twice.
        async with self._decisions:
            await self._decide_upload(press)

    async def _decide_upload(self, press: Press) -> None:
        decision = decode_callback(press.data)
        found = await self._pending.get(decision.upload_id) if isinstance(decision, UploadDecision) else None
        language = await self._gate.language(press.user)
        if found is None or press.message is None or not isinstance(decision, UploadDecision):
            await press.query.answer(t("upload_not_pending", language))
            return
        pending, data = found
        what = f"{'apply' if decision.confirmed else 'cancel'} {pending.filename}"
        request = await self._gate.merchant(press.message, press.user, what)
        if request is None or request.merchant_id != pending.merchant_id:
            await press.query.answer(t("upload_other_shop", language))
            return
        await press.query.answer()
        await press.query.edit_message_reply_markup(None)
        if not decision.confirmed:
            await self._pending.discard(pending.upload_id)
            await request.say("upload_cancelled", filename=pending.filename)
            return
        await self._apply(request, pending, data)

    async def _apply(self, request: MerchantRequest, pending: PendingUpload, data: bytes) -> None:
        # The catalog may have changed since the check: validate again against the current version.
        shop = await self._shop(request)
        report = await shop.validate(pending.kind, pending.filename, data)
        if not report.ok:
            await self._pending.discard(pending.upload_id)
            stale = upload_report_text(report, pending.filename, request.language)
            await request.reply(request.t("upload_stale", report=stale), html=True)
            return
        label = request.t("upload_applying", filename=pending.filename)
        status = await request.reply(f"{label}…")
        progress = ProgressMessage(status, label)
        try:
            version = await shop.apply(report, progress=progress.update)
        except CatalogError as exc:
            await progress.done()
            await status.edit_text(request.t("not_applied", error=exc))
            return
        finally:
            await self._pending.discard(pending.upload_id)
        await progress.done()
        await self._services.state.audit(
            request.user_id,
            "catalog.apply",
            f"{request.merchant_id} {pending.kind} {pending.filename} -> {version_text(version, 'en')}",
        )
        applied = request.t(
            "upload_applied", filename=escape(pending.filename), version=version_text(version, request.language)
        )
        await status.edit_text(applied, parse_mode=ParseMode.HTML)

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
        request = await self._merchant(incoming, "export")
        if request is None:
            return
        kind = incoming.args[0] if incoming.args else "products"
        if len(incoming.args) > 1 or kind not in DOCUMENT_KINDS:
            await request.usage("export")
            return
        data = await (await self._shop(request)).export(kind)
        await request.message.reply_document(
            data,
            filename=f"{request.merchant_id}-{kind}.csv",
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


class ProgressMessage:
    """Edits one status message with "done / total" while a long apply runs, throttled."""

    def __init__(self, message: Message, label: str) -> None:
        self._message = message
        self._label = label
        self._last = 0.0
        self._tasks: set[asyncio.Task[Message | bool]] = set()

    def update(self, done: int, total: int) -> None:
        now = asyncio.get_running_loop().time()
        if now - self._last < PROGRESS_EDIT_INTERVAL_S or done >= total:
            return
        self._last = now
        # The index reports progress synchronously; the edit runs beside the apply, not inside it.
        task = asyncio.ensure_future(self._message.edit_text(f"{self._label}… {done:,}/{total:,}"))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def done(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _document_problem(document: Document, max_upload_bytes: int, language: Language) -> str | None:
    """Why this document cannot be a catalog file (told before downloading it), or None."""
    limit = min(FileSizeLimit.FILESIZE_DOWNLOAD, max_upload_bytes)
    if document.file_size and document.file_size > limit:
        return t("file_too_big", language, size_mb=document.file_size / 1e6, limit_mb=limit / 1e6)
    filename = document.file_name or ""
    if is_catalog_file(filename):
        return None
    suffixes = ", ".join(CATALOG_SUFFIXES)
    suffix = PurePath(filename).suffix.lower()
    if suffix:
        return t("file_unreadable", language, suffixes=suffixes, suffix=suffix)
    return t("file_no_suffix", language, suffixes=suffixes)


def _number(args: list[str], kind: type[Number]) -> Number | None:
    """The second argument as a non-negative number, or None when the arguments are not `SKU NUMBER`."""
    if len(args) != 2:
        return None
    try:
        value = kind(args[1])
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None
