"""A merchant's catalog files: `/upload KIND [MODE]` (or a file with the mode as its caption), the report,
and the decisions on it, all in the merchant's language.

A file is checked first (`Shop.validate`) and nothing changes until the merchant decides on the report:
- a clean file that changes something: Apply / Cancel;
- a file with rejected rows but valid ones that change something: "Apply the N valid rows" / Cancel
  (all the valid rows land, or none; the rejected rows change nothing);
- a replace that removes items asks once more, naming how many products and reviews go, and that second
  button holds the catalog version it was given against: if the catalog changed meanwhile, the bot asks again
  with the new figures rather than remove what the merchant did not see.
Each decision checks the file again against the version in force before applying it. Pending files wait on
disk (`uploads.py`), so a restart between the report and the decision loses nothing.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import PurePath

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import FileSizeLimit, ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.channels.telegram.incoming import Incoming, Press, on_message, on_press
from bot.channels.telegram.render import UploadDecision, decode_callback, escape, upload_callback
from bot.channels.telegram.reports import kind_name, rejected_rows_csv, upload_report_text, version_text
from bot.channels.telegram.staff import MerchantRequest, StaffGate
from bot.channels.telegram.uploads import PendingUpload, PendingUploads
from bot.core.reply import Language
from bot.i18n import t
from bot.services import Services
from bot.settings import TelegramConfig
from retrieval.files import CATALOG_SUFFIXES, guess_kind, is_catalog_file
from retrieval.index import CatalogError, Shop, UploadReport
from retrieval.models import DOCUMENT_KINDS, DocumentKind
from retrieval.updates import UPDATE_MODES, UpdateMode

# Progress edits on a long apply: often enough to show life, rarely enough for flood limits.
PROGRESS_EDIT_INTERVAL_S = 2.0
# Words of a document's caption that choose its update mode.
CAPTION_MODES: dict[str, UpdateMode] = {
    "upsert": "upsert",
    "update": "upsert",
    "更新": "upsert",
    "replace": "replace",
    "替换": "replace",
    "delete": "delete",
    "删除": "delete",
}


class CatalogUploads:
    """The upload half of the merchant handlers (the catalog commands are `merchant.py`)."""

    def __init__(self, services: Services, gate: StaffGate, config: TelegramConfig) -> None:
        self._services = services
        self._gate = gate
        self._pending = PendingUploads(services.settings.data_dir / "telegram" / "uploads")
        self._decisions = asyncio.Lock()
        self._waiting_ttl = timedelta(seconds=config.waiting_input_ttl_s)

    def register(self, application: Application) -> None:
        application.add_handler(CommandHandler("upload", on_message(self.upload)))
        application.add_handler(
            MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, on_message(self.document))
        )
        application.add_handler(CallbackQueryHandler(on_press(self.decision), pattern=r"^u:"))

    async def _shop(self, request: MerchantRequest) -> Shop:
        return await self._services.index.merchant(request.merchant_id)

    async def upload(self, incoming: Incoming) -> None:
        """`/upload KIND [MODE]`: the next file this merchant sends is KIND, applied in MODE."""
        request = await self._gate.merchant(incoming.message, incoming.user, " ".join(["/upload", *incoming.args]))
        if request is None:
            return
        args = incoming.args
        kind = args[0] if args else ""
        mode = args[1] if len(args) > 1 else "upsert"
        if len(args) > 2 or kind not in DOCUMENT_KINDS or mode not in UPDATE_MODES:
            await request.usage("upload")
            return
        await self._services.state.expect_input(
            request.user_id, "upload", {"kind": kind, "mode": mode}, self._waiting_ttl
        )
        await request.say(
            "upload_send_now",
            kind=request.t(f"kind_{kind}"),
            suffixes=", ".join(CATALOG_SUFFIXES),
            mode=request.t(f"mode_{mode}"),
        )

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
        mode: UpdateMode = awaited.get("mode", "upsert") if awaited else caption_mode(incoming.message.caption)
        problem = _document_problem(document, self._services.settings.retrieval.max_upload_bytes, request.language)
        if problem:
            await request.reply(problem)
            return
        status = await request.say("upload_checking", filename=filename, kind=kind_name(kind, request.language))
        data = bytes(await (await document.get_file()).download_as_bytearray())
        report = await (await self._shop(request)).validate(kind, filename, data, mode)
        await status.edit_text(upload_report_text(report, request.language), parse_mode=ParseMode.HTML)
        if report.rejected:
            await request.message.reply_document(
                rejected_rows_csv(report),
                filename=f"{PurePath(filename).stem}-rejected.csv",
                caption=request.t("rejected_rows_caption"),
                do_quote=False,
            )
        await self._offer(request, report, data)

    async def _offer(self, request: MerchantRequest, report: UploadReport, data: bytes) -> None:
        """The decision the report allows: Apply, Apply the valid rows, or none (and why)."""
        if report.errors or (report.rejected and not report.changes):
            await request.say("upload_nothing_changed")
            return
        if not report.changes:
            await request.say("upload_no_changes", version=report.base_version)
            return
        pending = await self._pending.put(
            request.merchant_id, request.user_id, report.kind, report.filename, data, report.mode
        )
        valid_rows = bool(report.rejected)
        if valid_rows:
            question = request.t(
                "upload_valid_rows_question",
                rejected=report.rejected_rows,
                valid=report.valid_rows,
                filename=escape(report.filename),
            )
            apply_label = request.t("button_apply_valid", count=report.valid_rows)
        else:
            question = _confirm_question(request, report)
            apply_label = request.t("button_apply")
        await request.reply(
            question, html=True, markup=_buttons(request, apply_label, pending.upload_id, valid_rows=valid_rows)
        )

    async def decision(self, press: Press) -> None:
        # One decision at a time: a double tap on Apply must not apply (or report) the same file twice.
        async with self._decisions:
            await self._decide(press)

    async def _decide(self, press: Press) -> None:
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
        await self._apply(request, pending, data, decision)

    async def _apply(
        self, request: MerchantRequest, pending: PendingUpload, data: bytes, decision: UploadDecision
    ) -> None:
        # The catalog may have changed since the check: validate again against the current version.
        shop = await self._shop(request)
        report = await shop.validate(pending.kind, pending.filename, data, pending.mode)
        if report.refusal(valid_rows=decision.valid_rows):
            await self._pending.discard(pending.upload_id)
            await request.reply(
                request.t("upload_stale", report=upload_report_text(report, request.language)), html=True
            )
            return
        if removes(report) and decision.replace_version != report.base_version:
            await self._confirm_replace(request, report, pending, decision)
            return
        label = request.t("upload_applying", filename=pending.filename)
        status = await request.reply(f"{label}…")
        progress = ProgressMessage(status, label)
        try:
            version = await shop.apply(report, progress=progress.update, valid_rows=decision.valid_rows)
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
            f"{request.merchant_id} {pending.kind} {pending.filename} ({pending.mode}"
            f"{', valid rows' if decision.valid_rows else ''}) -> {version_text(version, 'en')}",
        )
        shown = version_text(version, request.language)
        if report.rejected:
            applied = request.t(
                "upload_applied_valid",
                valid=report.valid_rows,
                rejected=report.rejected_rows,
                filename=escape(pending.filename),
                version=shown,
            )
        else:
            applied = request.t("upload_applied", filename=escape(pending.filename), version=shown)
        await status.edit_text(applied, parse_mode=ParseMode.HTML)

    async def _confirm_replace(
        self, request: MerchantRequest, report: UploadReport, pending: PendingUpload, decision: UploadDecision
    ) -> None:
        """The second, explicit confirmation of a replace, naming what it removes in today's catalog."""
        reviews = request.t("upload_replace_reviews", count=report.reviews_removed) if report.reviews_removed else ""
        question = request.t(
            "upload_replace_confirm",
            kind=kind_name(report.kind, request.language),
            merchant=escape(request.merchant_id),
            filename=escape(report.filename),
            removed=report.removed,
            reviews=reviews,
        )
        if decision.replace_version is not None:  # confirmed once already, on another version
            question = f"{request.t('upload_replace_changed')}\n{question}"
        label = request.t("button_replace", count=report.removed + report.reviews_removed)
        buttons = _buttons(
            request, label, pending.upload_id, valid_rows=decision.valid_rows, replace_version=report.base_version
        )
        await request.reply(question, html=True, markup=buttons)


def removes(report: UploadReport) -> bool:
    """Whether applying `report` is a replace that removes anything (it needs the second confirmation)."""
    return report.mode == "replace" and bool(report.removed or report.reviews_removed)


def caption_mode(caption: str | None) -> UpdateMode:
    """The update mode a document's caption names ("replace", "删除" ...); upsert when it names none."""
    words = (caption or "").casefold().split()
    return next((CAPTION_MODES[word] for word in words if word in CAPTION_MODES), "upsert")


def _confirm_question(request: MerchantRequest, report: UploadReport) -> str:
    values = {
        "filename": escape(report.filename),
        "kind": kind_name(report.kind, request.language),
        "merchant": escape(request.merchant_id),
    }
    if report.mode == "delete":
        return request.t("upload_confirm_delete", count=report.deleted, **values)
    return request.t("upload_confirm", **values)


def _buttons(
    request: MerchantRequest, apply_label: str, upload_id: str, *, valid_rows: bool, replace_version: int | None = None
) -> InlineKeyboardMarkup:
    apply = upload_callback(True, upload_id, valid_rows=valid_rows, replace_version=replace_version)
    cancel = upload_callback(False, upload_id)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(apply_label, callback_data=apply),
                InlineKeyboardButton(request.t("button_cancel"), callback_data=cancel),
            ]
        ]
    )


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
