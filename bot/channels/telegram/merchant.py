"""Merchant handlers: catalog uploads (validate, report, confirm, apply) and the catalog commands
/catalog, /product, /price, /stock, /delete, /export, /rollback.

The role is checked on every update and a merchant only ever touches the catalog of the merchant id
they were granted (`StateStore.merchant_of`); nothing the merchant types selects another catalog.
Every command is written to the audit log, refusals included.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import PurePath

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import FileSizeLimit, ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.channels.telegram.access import Access, user_key
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
    product_text,
    rejected_rows_csv,
    upload_report_text,
    version_text,
)
from bot.channels.telegram.uploads import PendingUploads
from bot.services import Services
from bot.settings import TelegramConfig
from retrieval.files import CATALOG_SUFFIXES, guess_kind, is_catalog_file
from retrieval.index import CatalogError, Shop
from retrieval.models import DocumentKind
from retrieval.money import format_price

logger = logging.getLogger(__name__)

DOCUMENT_KINDS: tuple[DocumentKind, ...] = ("products", "reviews", "policies")
# Progress edits on a long apply: often enough to show life, rarely enough for flood limits.
PROGRESS_EDIT_INTERVAL_S = 2.0

USAGE = {
    "upload": "/upload products|reviews|policies, then send the file",
    "product": "/product SKU",
    "price": "/price SKU PRICE (e.g. /price A-100 199.9)",
    "stock": "/stock SKU COUNT (e.g. /stock A-100 12)",
    "delete": "/delete SKU",
    "export": "/export [products|reviews|policies]",
}


class MerchantHandlers:
    """Catalog management for users with the merchant role (admins granted a merchant id too)."""

    def __init__(self, services: Services, access: Access, config: TelegramConfig) -> None:
        self._services = services
        self._access = access
        self._waiting_ttl = timedelta(seconds=config.waiting_input_ttl_s)
        self._pending = PendingUploads(services.settings.data_dir / "telegram" / "uploads")
        self._decisions = asyncio.Lock()

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
            application.add_handler(CommandHandler(name, callback))
        application.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, self.document))
        application.add_handler(CallbackQueryHandler(self.upload_decision, pattern=r"^u:"))
        application.add_handler(CallbackQueryHandler(self.delete_decision, pattern=r"^d:"))

    async def _merchant(self, update: Update, what: str) -> str | None:
        """The caller's merchant id, or None after telling them (and the audit log) they may not."""
        user = update.effective_user
        merchant_id = await self._access.merchant_of(user)
        if merchant_id is None:
            await self._services.state.audit(user_key(user), "merchant.denied", what)
            await update.effective_message.reply_text(
                "This is for shop staff. Ask an admin to /grant you the merchant role.", do_quote=False
            )
            return None
        await self._services.state.audit(user_key(user), "merchant.command", f"{merchant_id}: {what}")
        return merchant_id

    # --- uploads -------------------------------------------------------------------------------

    async def upload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (await self._merchant(update, "/upload " + " ".join(context.args))) is None:
            return
        if len(context.args) != 1 or context.args[0] not in DOCUMENT_KINDS:
            await update.effective_message.reply_text(f"Usage: {USAGE['upload']}", do_quote=False)
            return
        await self._services.state.expect_input(
            user_key(update.effective_user), "upload", {"kind": context.args[0]}, self._waiting_ttl
        )
        await update.effective_message.reply_text(
            f"Send the {context.args[0]} file now (CSV, TSV, JSON, JSONL or XLSX; Markdown for policies).",
            do_quote=False,
        )

    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, document = update.effective_message, update.effective_message.document
        filename = document.file_name or "upload"
        merchant_id = await self._merchant(update, f"upload {filename} ({document.file_size or 0} bytes)")
        if merchant_id is None:
            return
        awaited = await self._services.state.take_input(user_key(update.effective_user), "upload")
        kind: DocumentKind = awaited["kind"] if awaited else guess_kind(filename)
        problem = _document_problem(document, self._services.settings.retrieval.max_upload_bytes)
        if problem:
            await message.reply_text(problem, do_quote=False)
            return
        status = await message.reply_text(f"Checking {filename} as {kind}…", do_quote=False)
        data = bytes(await (await document.get_file()).download_as_bytearray())
        report = await (await self._services.index.merchant(merchant_id)).validate(kind, filename, data)
        await status.edit_text(upload_report_text(report, filename), parse_mode=ParseMode.HTML)
        if report.rejected:
            await message.reply_document(
                rejected_rows_csv(report),
                filename=f"{PurePath(filename).stem}-rejected.csv",
                caption="All rejected rows with the reason.",
                do_quote=False,
            )
        if not report.ok:
            await message.reply_text("Nothing was changed. Fix the file and send it again.", do_quote=False)
            return
        pending = await self._pending.put(merchant_id, user_key(update.effective_user), kind, filename, data)
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("✅ Apply", callback_data=upload_callback(True, pending.upload_id)),
                    InlineKeyboardButton("✖ Cancel", callback_data=upload_callback(False, pending.upload_id)),
                ]
            ]
        )
        await message.reply_text(
            f"Apply {escape(filename)} to the {kind} of <b>{escape(merchant_id)}</b>?",
            parse_mode=ParseMode.HTML,
            reply_markup=buttons,
            do_quote=False,
        )

    async def upload_decision(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # One decision at a time: a double tap on Apply must not apply (or report) the same file twice.
        async with self._decisions:
            await self._decide_upload(update)

    async def _decide_upload(self, update: Update) -> None:
        query = update.callback_query
        decision = decode_callback(query.data)
        found = await self._pending.get(decision.upload_id) if isinstance(decision, UploadDecision) else None
        if found is None:
            await query.answer("This upload is no longer pending (already applied or cancelled).")
            return
        pending, data = found
        merchant_id = await self._merchant(update, f"{'apply' if decision.confirmed else 'cancel'} {pending.filename}")
        if merchant_id is None or merchant_id != pending.merchant_id:
            await query.answer("This upload belongs to another shop.")
            return
        await query.answer()
        await query.edit_message_reply_markup(None)
        if not decision.confirmed:
            await self._pending.discard(pending.upload_id)
            await query.message.reply_text(f"Cancelled: {pending.filename} was not applied.", do_quote=False)
            return
        # The catalog may have changed since the check: validate again against the current version.
        report = await (await self._services.index.merchant(merchant_id)).validate(pending.kind, pending.filename, data)
        if not report.ok:
            await self._pending.discard(pending.upload_id)
            await query.message.reply_text(
                "The catalog changed since the check and the file no longer applies cleanly:\n"
                + upload_report_text(report, pending.filename),
                parse_mode=ParseMode.HTML,
                do_quote=False,
            )
            return
        status = await query.message.reply_text(f"Applying {pending.filename}…", do_quote=False)
        progress = ProgressMessage(status, f"Applying {pending.filename}")
        try:
            version = await (await self._services.index.merchant(merchant_id)).apply(report, progress=progress.update)
        except CatalogError as exc:
            await progress.done()
            await status.edit_text(f"Not applied: {exc}")
            return
        finally:
            await self._pending.discard(pending.upload_id)
        await progress.done()
        await self._services.state.audit(
            user_key(update.effective_user),
            "catalog.apply",
            f"{merchant_id} {pending.kind} {pending.filename} -> {version_text(version)}",
        )
        await status.edit_text(
            f"✅ Applied {escape(pending.filename)}: {version_text(version)}", parse_mode=ParseMode.HTML
        )

    # --- catalog commands ----------------------------------------------------------------------

    async def catalog(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        merchant_id = await self._merchant(update, "/catalog")
        if merchant_id is None:
            return
        stats = await (await self._services.index.merchant(merchant_id)).stats()
        await update.effective_message.reply_text(
            catalog_stats_text(merchant_id, stats), parse_mode=ParseMode.HTML, do_quote=False
        )

    async def product(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        merchant_id = await self._merchant(update, "/product " + " ".join(context.args))
        if merchant_id is None:
            return
        if len(context.args) != 1:
            await update.effective_message.reply_text(f"Usage: {USAGE['product']}", do_quote=False)
            return
        product = await (await self._services.index.merchant(merchant_id)).product(context.args[0])
        text = product_text(product) if product else f"No product {escape(context.args[0])} in your catalog."
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, do_quote=False)

    async def price(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._set_number(update, context, "price", float, Shop.set_price)

    async def stock(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._set_number(update, context, "stock", int, Shop.set_stock)

    async def _set_number(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        command: str,
        kind: type[int] | type[float],
        change: Callable[[Shop, str, float], Awaitable[object]],
    ) -> None:
        """`/price SKU N` and `/stock SKU N`: check the role and the arguments, then change one product."""
        merchant_id = await self._merchant(update, f"/{command} " + " ".join(context.args))
        if merchant_id is None:
            return
        value = _number(context.args, kind)
        if value is None:
            await update.effective_message.reply_text(f"Usage: {USAGE[command]}", do_quote=False)
            return
        await self._change(update, merchant_id, change, context.args[0], value)

    async def _change(
        self,
        update: Update,
        merchant_id: str,
        change: Callable[[Shop, str, float], Awaitable[object]],
        sku: str,
        value: float,
    ) -> None:
        shop = await self._services.index.merchant(merchant_id)
        try:
            version = await change(shop, sku, value)
        except CatalogError as exc:
            await update.effective_message.reply_text(f"Not changed: {exc}", do_quote=False)
            return
        product = await shop.product(sku)
        await update.effective_message.reply_text(
            f"✅ {product_text(product) if product else escape(sku)}\n\n{version_text(version)}",
            parse_mode=ParseMode.HTML,
            do_quote=False,
        )

    async def delete(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        merchant_id = await self._merchant(update, "/delete " + " ".join(context.args))
        if merchant_id is None:
            return
        sku = context.args[0] if len(context.args) == 1 else None
        confirm = delete_callback(True, sku) if sku else None
        if confirm is None:
            await update.effective_message.reply_text(f"Usage: {USAGE['delete']}", do_quote=False)
            return
        product = await (await self._services.index.merchant(merchant_id)).product(sku)
        if product is None:
            await update.effective_message.reply_text(f"No product {sku} in your catalog.", do_quote=False)
            return
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("🗑 Delete", callback_data=confirm),
                    InlineKeyboardButton("✖ Keep", callback_data=delete_callback(False, sku)),
                ]
            ]
        )
        await update.effective_message.reply_text(
            f"Delete <b>{escape(product.title)}</b> ({escape(sku)}, {format_price(product.price, product.currency)})?",
            parse_mode=ParseMode.HTML,
            reply_markup=buttons,
            do_quote=False,
        )

    async def delete_decision(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        decision = decode_callback(query.data)
        if not isinstance(decision, DeleteDecision):
            await query.answer("This button has expired.")
            return
        merchant_id = await self._merchant(update, f"{'delete' if decision.confirmed else 'keep'} {decision.sku}")
        if merchant_id is None:
            await query.answer()
            return
        await query.answer()
        await query.edit_message_reply_markup(None)
        if not decision.confirmed:
            await query.message.reply_text(f"Kept {decision.sku}.", do_quote=False)
            return
        try:
            version = await (await self._services.index.merchant(merchant_id)).delete_product(decision.sku)
        except CatalogError as exc:
            await query.message.reply_text(f"Not deleted: {exc}", do_quote=False)
            return
        await query.message.reply_text(
            f"🗑 Deleted {escape(decision.sku)}. {version_text(version)}", parse_mode=ParseMode.HTML, do_quote=False
        )

    async def export(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        merchant_id = await self._merchant(update, "/export " + " ".join(context.args))
        if merchant_id is None:
            return
        kind = context.args[0] if context.args else "products"
        if len(context.args) > 1 or kind not in DOCUMENT_KINDS:
            await update.effective_message.reply_text(f"Usage: {USAGE['export']}", do_quote=False)
            return
        data = await (await self._services.index.merchant(merchant_id)).export(kind)
        await update.effective_message.reply_document(
            data, filename=f"{merchant_id}-{kind}.csv", caption=f"The current {kind} of {merchant_id}.", do_quote=False
        )

    async def rollback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        merchant_id = await self._merchant(update, "/rollback")
        if merchant_id is None:
            return
        try:
            version = await (await self._services.index.merchant(merchant_id)).rollback()
        except CatalogError as exc:
            await update.effective_message.reply_text(f"Nothing rolled back: {exc}", do_quote=False)
            return
        await update.effective_message.reply_text(
            f"↩️ Rolled back. {version_text(version)}", parse_mode=ParseMode.HTML, do_quote=False
        )


class ProgressMessage:
    """Edits one status message with "done / total" while a long apply runs, throttled."""

    def __init__(self, message: Message, label: str) -> None:
        self._message = message
        self._label = label
        self._last = 0.0
        self._tasks: set[asyncio.Task[object]] = set()

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


def _document_problem(document: Document, max_upload_bytes: int) -> str | None:
    """Why this document cannot be a catalog file (told before downloading it), or None."""
    limit = min(FileSizeLimit.FILESIZE_DOWNLOAD, max_upload_bytes)
    if document.file_size and document.file_size > limit:
        return (
            f"The file is {document.file_size / 1e6:.1f} MB; bots can download at most {limit / 1e6:.0f} MB. "
            "Split it into smaller files (one per category works well) and send them one by one."
        )
    if not is_catalog_file(document.file_name or ""):
        suffix = PurePath(document.file_name or "").suffix.lower()
        return f"I can read {', '.join(CATALOG_SUFFIXES)} files; this one is {suffix or 'without an extension'}."
    return None


def _number(args: list[str], kind: type[int] | type[float]) -> int | float | None:
    """The second argument as a non-negative number, or None when the arguments are not `SKU NUMBER`."""
    if len(args) != 2:
        return None
    try:
        value = kind(args[1])
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None
