"""Admin handlers: prompt versions behind the regression gate (/prompt), sampling settings (/llm),
roles (/grant, /revoke) and usage figures (/stats).

The admin role is checked on every update and every command is audited, refusals included. A new
prompt text arrives as the message (or .j2/.txt file) after `/prompt set NAME` (awaited in the state
store, so a restart in between loses nothing); it is validated, the conversation suite runs on it
beside the active prompts, and it becomes active only when it does no worse (or with `force`). Every text is stored as a version with who and when, active or not.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes, MessageHandler, filters

from bot.channels.telegram.access import Access, user_key
from bot.channels.telegram.menus import set_staff_menu
from bot.channels.telegram.render import escape, split_message
from bot.channels.telegram.reports import gate_text, suite_text, usage_text
from bot.core.prompts import PromptError
from bot.evaluation.conversations import SuiteFileError, gate_prompt_draft, load_conversations, run_suite
from bot.services import LLM_OVERRIDABLE, Services, llm_setting_limits
from bot.settings import TelegramConfig
from bot.state.store import StateError

STATS_WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
PROMPT_FILE_LIMIT = 64 * 1024

USAGE = {
    "prompt": "/prompt list | show NAME | set NAME [force] | diff NAME [FROM] [TO] | history NAME | "
    "rollback NAME VERSION | test NAME",
    "llm": "/llm | /llm temperature 0.7 | /llm max_tokens 512 | /llm top_p 0.9 | /llm temperature default",
    "grant": "/grant merchant USER_ID MERCHANT_ID | /grant admin USER_ID",
    "revoke": "/revoke USER_ID",
    "stats": "/stats [24h|7d|30d]",
}


class PromptDraftRequest(BaseModel):
    """An admin's `/prompt set NAME`, waiting (in the state store) for the text in their next message."""

    name: str
    force: bool


class AdminHandlers:
    """Operator commands; every one re-checks the admin role."""

    def __init__(self, services: Services, access: Access, config: TelegramConfig, suite_path: Path) -> None:
        self._services = services
        self._access = access
        self._suite_path = suite_path
        self._waiting_ttl = timedelta(seconds=config.waiting_input_ttl_s)

    def register(self, application: Application) -> None:
        for name, callback in {
            "prompt": self.prompt,
            "llm": self.llm,
            "grant": self.grant,
            "revoke": self.revoke,
            "stats": self.stats,
        }.items():
            application.add_handler(CommandHandler(name, callback))
        # Group -1 sees messages before the customer and merchant handlers; it only claims the text or
        # file an admin sends after `/prompt set` and lets everything else through.
        application.add_handler(
            MessageHandler(
                filters.ChatType.PRIVATE & ((filters.TEXT & ~filters.COMMAND) | filters.Document.ALL), self.prompt_text
            ),
            group=-1,
        )

    async def _admin(self, update: Update, what: str) -> bool:
        user = update.effective_user
        if not await self._access.is_admin(user):
            await self._services.state.audit(user_key(user), "admin.denied", what)
            await update.effective_message.reply_text("This command is for admins.", do_quote=False)
            return False
        await self._services.state.audit(user_key(user), "admin.command", what)
        return True

    async def _reply(self, update: Update, html: str) -> None:
        for chunk in split_message(html, 3500):
            await update.effective_message.reply_text(chunk, parse_mode=ParseMode.HTML, do_quote=False)

    async def _reply_pre(self, update: Update, header: str, text: str) -> None:
        """`header` (HTML) then `text` verbatim, split before escaping so no <pre> block is cut in two."""
        for index, chunk in enumerate(split_message(text, 3000)):
            body = f"<pre>{escape(chunk)}</pre>"
            await update.effective_message.reply_text(
                f"{header}\n{body}" if index == 0 else body, parse_mode=ParseMode.HTML, do_quote=False
            )

    async def _usage(self, update: Update, command: str, problem: str = "") -> None:
        prefix = f"{problem}\n" if problem else ""
        await update.effective_message.reply_text(f"{prefix}Usage: {USAGE[command]}", do_quote=False)

    # --- /prompt -------------------------------------------------------------------------------

    async def prompt(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = context.args
        if not await self._admin(update, "/prompt " + " ".join(args)):
            return
        verb, rest = (args[0], args[1:]) if args else ("", [])
        prompts = self._services.prompts
        try:
            if verb == "list" and not rest:
                await self._prompt_list(update)
            elif verb in ("show", "history", "test") and len(rest) == 1:
                prompts.default_text(rest[0])  # unknown names fail here with the list of known ones
                await {"show": self._prompt_show, "history": self._prompt_history, "test": self._prompt_test}[verb](
                    update, rest[0]
                )
            elif verb == "set" and len(rest) in (1, 2) and rest[1:] in ([], ["force"]):
                prompts.default_text(rest[0])
                request = PromptDraftRequest(name=rest[0], force=rest[1:] == ["force"])
                await self._services.state.expect_input(
                    user_key(update.effective_user), "prompt", request.model_dump(), self._waiting_ttl
                )
                await update.effective_message.reply_text(
                    f"Send the new text of {rest[0]} as your next message (or as a .j2/.txt file). "
                    "/prompt show shows the current one.",
                    do_quote=False,
                )
            elif verb == "diff" and 1 <= len(rest) <= 3 and all(v.isdigit() for v in rest[1:]):
                await self._prompt_diff(update, rest[0], [int(v) for v in rest[1:]])
            elif verb == "rollback" and len(rest) == 2 and rest[1].isdigit():
                prompts.default_text(rest[0])
                await self._services.state.activate_prompt(rest[0], int(rest[1]), by=user_key(update.effective_user))
                await update.effective_message.reply_text(
                    f"✅ {rest[0]} is now at version {rest[1]} (from the next turn on).", do_quote=False
                )
            else:
                await self._usage(update, "prompt")
        except (PromptError, StateError, SuiteFileError) as exc:
            await update.effective_message.reply_text(f"⚠️ {exc}", do_quote=False)

    async def _prompt_list(self, update: Update) -> None:
        lines = ["<b>Prompts</b> (name: version in force)"]
        for name in self._services.prompts.names():
            active = await self._services.state.active_prompt(name)
            lines.append(f"• <code>{escape(name)}</code>: v{active.version if active else 0}")
        await self._reply(update, "\n".join(lines))

    async def _prompt_show(self, update: Update, name: str) -> None:
        active = await self._services.state.active_prompt(name)
        text = await self._services.prompts.text(name)
        await self._reply_pre(update, f"<b>{escape(name)}</b> v{active.version if active else 0}", text)

    async def _prompt_history(self, update: Update, name: str) -> None:
        active = await self._services.state.active_prompt(name)
        lines = [f"<b>{escape(name)}</b> versions", f"v0 template file{' (active)' if active is None else ''}"]
        for version in await self._services.state.prompt_history(name):
            flag = " (active)" if version.active else ""
            note = f" — {escape(version.note)}" if version.note else ""
            lines.append(f"v{version.version} by {escape(version.author)} at {escape(version.created_at)}{flag}{note}")
        await self._reply(update, "\n".join(lines))

    async def _version_text(self, name: str, version: int) -> str:
        if version == 0:
            return self._services.prompts.default_text(name)
        for stored in await self._services.state.prompt_history(name):
            if stored.version == version:
                return stored.text
        raise StateError(f"prompt {name} has no version {version}; see /prompt history {name}")

    async def _prompt_diff(self, update: Update, name: str, versions: list[int]) -> None:
        """Default: the version in force against the newest stored one (a pending draft shows here)."""
        self._services.prompts.default_text(name)
        history = await self._services.state.prompt_history(name)
        active = next((v.version for v in history if v.active), 0)
        if len(versions) == 2:
            old, new = versions
        else:
            old, new = active, versions[0] if versions else (history[-1].version if history else 0)
        diff = "\n".join(
            difflib.unified_diff(
                (await self._version_text(name, old)).splitlines(),
                (await self._version_text(name, new)).splitlines(),
                fromfile=f"{name} v{old}",
                tofile=f"{name} v{new}",
                lineterm="",
            )
        )
        if diff:
            await self._reply_pre(update, f"<b>{escape(name)}</b> v{old} → v{new}", diff)
        else:
            await self._reply(update, f"v{old} and v{new} are the same.")

    async def _prompt_test(self, update: Update, name: str) -> None:
        """The suite on the newest stored version of NAME beside the version in force."""
        history = await self._services.state.prompt_history(name)
        conversations = load_conversations(self._suite_path)
        await update.effective_message.reply_text(f"Running {len(conversations)} conversations…", do_quote=False)
        if not history or history[-1].active:
            result = await run_suite(
                self._services.assistant, conversations, index=self._services.index, state=self._services.state
            )
            await self._reply(update, suite_text(f"{name} (in force)", result))
            return
        gate = await gate_prompt_draft(self._services, {name: history[-1].text}, conversations)
        await self._reply(update, gate_text(f"{name} v{history[-1].version}", gate))

    async def prompt_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The text after `/prompt set NAME`: claimed here (nothing else sees it), then validated and stored."""
        awaited = await self._services.state.take_input(user_key(update.effective_user), "prompt")
        if awaited is None:
            return
        request = PromptDraftRequest.model_validate(awaited)
        if await self._admin(update, f"/prompt set {request.name} (text)"):
            try:
                await self._prompt_draft(update, request)
            except (PromptError, StateError, SuiteFileError, UnicodeDecodeError) as exc:
                await update.effective_message.reply_text(
                    f"⚠️ Not stored: {exc}\nSend /prompt set {request.name} to try again.", do_quote=False
                )
        raise ApplicationHandlerStop

    async def _prompt_draft(self, update: Update, request: PromptDraftRequest) -> None:
        """Validate; unless forced, gate on the suite; store as a version, active if it passed (or forced)."""
        message = update.effective_message
        text = message.text if message.document is None else await self._document_text(update)
        self._services.prompts.validate(text)
        author = user_key(update.effective_user)
        if request.force:
            version = await self._services.state.add_prompt_version(
                request.name, text, author, activate=True, note="forced without the gate"
            )
            await message.reply_text(f"✅ {request.name} v{version.version} is active (gate skipped).", do_quote=False)
            return
        conversations = load_conversations(self._suite_path)
        await message.reply_text(
            f"Template OK. Running {len(conversations)} conversations on the draft and on the active version…",
            do_quote=False,
        )
        gate = await gate_prompt_draft(self._services, {request.name: text}, conversations)
        note = f"gate: draft {gate.draft.pass_rate:.0%} vs active {gate.active.pass_rate:.0%}"
        version = await self._services.state.add_prompt_version(
            request.name, text, author, activate=gate.passed, note=note
        )
        verdict = (
            f"✅ v{version.version} is active from the next turn on."
            if gate.passed
            else f"❌ v{version.version} is stored but NOT active: it does worse than the version in force. "
            f"/prompt diff {request.name} shows the change; /prompt rollback {request.name} "
            f"{version.version} or /prompt set {request.name} force activates anyway."
        )
        await self._reply(update, f"{gate_text(request.name, gate)}\n\n{escape(verdict)}")

    async def _document_text(self, update: Update) -> str:
        document = update.effective_message.document
        if (document.file_size or 0) > PROMPT_FILE_LIMIT:
            raise PromptError(f"a prompt file may be at most {PROMPT_FILE_LIMIT // 1024} KB")
        data = await (await document.get_file()).download_as_bytearray()
        return bytes(data).decode("utf-8")

    # --- /llm ----------------------------------------------------------------------------------

    async def llm(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = context.args
        if not await self._admin(update, "/llm " + " ".join(args)):
            return
        if args and (len(args) != 2 or args[0] not in LLM_OVERRIDABLE):
            await self._usage(update, "llm")
            return
        if args:
            key, raw = args
            try:
                await self._services.set_llm_override(
                    key, None if raw == "default" else raw, by=user_key(update.effective_user)
                )
            except ValueError:
                limits = llm_setting_limits(key)
                kind = "a whole number" if limits.whole else "a number"
                await update.effective_message.reply_text(
                    f"⚠️ {key} must be {kind} in {limits}, got {raw}", do_quote=False
                )
                return
        sampling = await self._services.llm_sampling()
        if sampling is None:
            await update.effective_message.reply_text(
                "No LLM is connected (retrieval-only answers); settings are stored for when one is.",
                do_quote=False,
            )
            return
        lines = ["<b>LLM sampling</b> (changed: *)"]
        for key in LLM_OVERRIDABLE:
            mark = "*" if key in sampling.overridden else ""
            lines.append(f"{key} = {getattr(sampling, key)}{mark}   (allowed {llm_setting_limits(key)})")
        lines.append(
            f"Sent with each answer: max_tokens {sampling.answer_max_tokens} (text), "
            f"{sampling.structured_max_tokens} (comparisons and review summaries)"
        )
        await self._reply(update, "\n".join(lines))

    # --- roles ---------------------------------------------------------------------------------

    async def grant(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = context.args
        if not await self._admin(update, "/grant " + " ".join(args)):
            return
        shape_ok = (len(args) == 3 and args[0] == "merchant") or (len(args) == 2 and args[0] == "admin")
        target = _telegram_user(args[1]) if shape_ok else None
        if target is None:
            await self._usage(update, "grant")
            return
        try:
            grant = await self._services.state.grant(
                target, args[0], args[2] if len(args) == 3 else None, by=user_key(update.effective_user)
            )
        except StateError as exc:
            await update.effective_message.reply_text(f"⚠️ {exc}", do_quote=False)
            return
        await set_staff_menu(context.bot, int(target.removeprefix("tg:")), grant.role, bool(grant.merchant_id))
        scope = f" of shop {grant.merchant_id}" if grant.merchant_id else ""
        await update.effective_message.reply_text(f"✅ {target} is now {grant.role}{scope}.", do_quote=False)

    async def revoke(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = context.args
        if not await self._admin(update, "/revoke " + " ".join(args)):
            return
        target = _telegram_user(args[0]) if len(args) == 1 else None
        if target is None:
            await self._usage(update, "revoke")
            return
        if target == user_key(update.effective_user):
            await update.effective_message.reply_text("⚠️ You cannot revoke your own role.", do_quote=False)
            return
        try:
            removed = await self._services.state.revoke(target, by=user_key(update.effective_user))
        except StateError as exc:
            await update.effective_message.reply_text(f"⚠️ {exc}", do_quote=False)
            return
        await set_staff_menu(context.bot, int(target.removeprefix("tg:")), "customer", has_shop=False)
        await update.effective_message.reply_text(
            f"✅ {target} is no longer {removed.role}; now a customer.", do_quote=False
        )

    # --- /stats --------------------------------------------------------------------------------

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = context.args
        if not await self._admin(update, "/stats " + " ".join(args)):
            return
        window = args[0] if args else "24h"
        if len(args) > 1 or window not in STATS_WINDOWS:
            await self._usage(update, "stats")
            return
        usage = await self._services.state.stats(datetime.now(UTC) - STATS_WINDOWS[window])
        await self._reply(update, usage_text(window, usage))


def _telegram_user(raw: str) -> str | None:
    """'42' or 'tg:42' as ShopGuide's user id; None for anything else."""
    number = raw.removeprefix("tg:")
    return f"tg:{int(number)}" if number.isdigit() else None
