"""Admin handlers: prompt versions behind the regression gate (/prompt), sampling settings (/llm),
roles (/grant, /revoke) and usage figures (/stats).

The admin role is checked on every update and every command is audited, refusals included. A new
prompt text arrives as the message (or .j2/.txt file) after `/prompt set NAME` (awaited in the state
store, so a restart in between loses nothing); it is validated, the conversation suite runs on it
beside the active prompts, and it becomes active only when it does no worse (or with `force`). Every
text is stored as a version with who and when, active or not. Replies are in the admin's language.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, MessageHandler, filters

from bot.channels.telegram.access import Access, is_shop_id, shop_link, user_key
from bot.channels.telegram.incoming import Incoming, on_message
from bot.channels.telegram.menus import refresh_chat_menu
from bot.channels.telegram.render import escape, split_message
from bot.channels.telegram.reports import gate_text, suite_text, usage_text
from bot.channels.telegram.staff import StaffGate, StaffRequest
from bot.core.prompts import PromptError
from bot.evaluation.conversations import SuiteFileError, gate_prompt_draft, load_conversations, run_suite
from bot.services import LLM_OVERRIDABLE, Services, llm_setting_limits
from bot.settings import TelegramConfig
from bot.state.store import StateError

STATS_WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
PROMPT_FILE_LIMIT = 64 * 1024
# A diff or a prompt in <pre> blocks: split before escaping, so no block is cut in two.
PRE_CHUNK = 3000


class PromptDraftRequest(BaseModel):
    """An admin's `/prompt set NAME`, waiting (in the state store) for the text in their next message."""

    name: str
    force: bool


class AdminHandlers:
    """Operator commands; every one re-checks the admin role."""

    def __init__(self, services: Services, access: Access, config: TelegramConfig, suite_path: Path) -> None:
        self._services = services
        self._access = access
        self._gate = StaffGate(services.state, access)
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
            application.add_handler(CommandHandler(name, on_message(callback)))
        # Group -1 sees messages before the customer and merchant handlers; it only claims the text or
        # file an admin sends after `/prompt set` and lets everything else through.
        application.add_handler(
            MessageHandler(
                filters.ChatType.PRIVATE & ((filters.TEXT & ~filters.COMMAND) | filters.Document.ALL),
                on_message(self.prompt_text),
            ),
            group=-1,
        )

    async def _admin(self, incoming: Incoming, command: str) -> StaffRequest | None:
        return await self._gate.admin(incoming.message, incoming.user, " ".join([f"/{command}", *incoming.args]))

    async def _reply_pre(self, request: StaffRequest, header: str, text: str) -> None:
        """`header` (HTML) then `text` verbatim in <pre> blocks."""
        for index, chunk in enumerate(split_message(text, PRE_CHUNK)):
            body = f"<pre>{escape(chunk)}</pre>"
            await request.reply(f"{header}\n{body}" if index == 0 else body, html=True)

    # --- /prompt -------------------------------------------------------------------------------

    async def prompt(self, incoming: Incoming) -> None:
        request = await self._admin(incoming, "prompt")
        if request is None:
            return
        verb, rest = (incoming.args[0], incoming.args[1:]) if incoming.args else ("", [])
        try:
            await self._prompt_verb(request, verb, rest)
        except (PromptError, StateError, SuiteFileError) as exc:
            await request.reply(f"⚠️ {exc}")

    async def _prompt_verb(self, request: StaffRequest, verb: str, rest: list[str]) -> None:
        prompts = self._services.prompts
        if verb == "list" and not rest:
            await self._prompt_list(request)
        elif verb in ("show", "history", "test") and len(rest) == 1:
            prompts.default_text(rest[0])  # unknown names fail here with the list of known ones
            show = {"show": self._prompt_show, "history": self._prompt_history, "test": self._prompt_test}[verb]
            await show(request, rest[0])
        elif verb == "set" and len(rest) in (1, 2) and rest[1:] in ([], ["force"]):
            prompts.default_text(rest[0])
            draft = PromptDraftRequest(name=rest[0], force=rest[1:] == ["force"])
            await self._services.state.expect_input(request.user_id, "prompt", draft.model_dump(), self._waiting_ttl)
            await request.say("prompt_send_text", name=rest[0])
        elif verb == "diff" and 1 <= len(rest) <= 3 and all(v.isdigit() for v in rest[1:]):
            await self._prompt_diff(request, rest[0], [int(v) for v in rest[1:]])
        elif verb == "rollback" and len(rest) == 2 and rest[1].isdigit():
            prompts.default_text(rest[0])
            await self._services.state.activate_prompt(rest[0], int(rest[1]), by=request.user_id)
            await request.say("prompt_rolled_back", name=rest[0], version=rest[1])
        else:
            await request.usage("prompt")

    async def _prompt_list(self, request: StaffRequest) -> None:
        lines = [request.t("prompt_list")]
        for name in self._services.prompts.names():
            active = await self._services.state.active_prompt(name)
            lines.append(f"• <code>{escape(name)}</code>: v{active.version if active else 0}")
        await request.reply_long("\n".join(lines))

    async def _prompt_show(self, request: StaffRequest, name: str) -> None:
        active = await self._services.state.active_prompt(name)
        text = await self._services.prompts.text(name)
        await self._reply_pre(request, f"<b>{escape(name)}</b> v{active.version if active else 0}", text)

    async def _prompt_history(self, request: StaffRequest, name: str) -> None:
        active = await self._services.state.active_prompt(name)
        flag = request.t("prompt_active")
        lines = [
            request.t("prompt_versions", name=escape(name)),
            request.t("prompt_template_file", active=flag if active is None else ""),
        ]
        for version in await self._services.state.prompt_history(name):
            line = request.t(
                "prompt_version",
                version=version.version,
                author=escape(version.author),
                at=escape(version.created_at),
                active=flag if version.active else "",
                note=f" — {escape(version.note)}" if version.note else "",
            )
            lines.append(line)
        await request.reply_long("\n".join(lines))

    async def _version_text(self, request: StaffRequest, name: str, version: int) -> str:
        if version == 0:
            return self._services.prompts.default_text(name)
        for stored in await self._services.state.prompt_history(name):
            if stored.version == version:
                return stored.text
        raise StateError(request.t("prompt_no_version", name=name, version=version))

    async def _prompt_diff(self, request: StaffRequest, name: str, versions: list[int]) -> None:
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
                (await self._version_text(request, name, old)).splitlines(),
                (await self._version_text(request, name, new)).splitlines(),
                fromfile=f"{name} v{old}",
                tofile=f"{name} v{new}",
                lineterm="",
            )
        )
        if diff:
            await self._reply_pre(request, f"<b>{escape(name)}</b> v{old} → v{new}", diff)
        else:
            await request.say("prompt_same", old=old, new=new)

    async def _prompt_test(self, request: StaffRequest, name: str) -> None:
        """The suite on the newest stored version of NAME beside the version in force."""
        history = await self._services.state.prompt_history(name)
        conversations = load_conversations(self._suite_path)
        await request.say("suite_running", count=len(conversations))
        if not history or history[-1].active:
            result = await run_suite(
                self._services.assistant, conversations, index=self._services.index, state=self._services.state
            )
            title = request.t("suite_named_active", name=name)
            await request.reply_long(suite_text(title, result, request.language))
            return
        gate = await gate_prompt_draft(self._services, {name: history[-1].text}, conversations)
        await request.reply_long(gate_text(f"{name} v{history[-1].version}", gate, request.language))

    async def prompt_text(self, incoming: Incoming) -> None:
        """The text after `/prompt set NAME`: claimed here (nothing else sees it), then validated and stored."""
        awaited = await self._services.state.take_input(user_key(incoming.user), "prompt")
        if awaited is None:
            return
        draft = PromptDraftRequest.model_validate(awaited)
        what = f"/prompt set {draft.name} (text)"
        request = await self._gate.admin(incoming.message, incoming.user, what)
        if request is not None:
            try:
                await self._prompt_draft(request, draft)
            except (PromptError, StateError, SuiteFileError, UnicodeDecodeError) as exc:
                await request.say("prompt_not_stored", error=exc, name=draft.name)
        raise ApplicationHandlerStop

    async def _prompt_draft(self, request: StaffRequest, draft: PromptDraftRequest) -> None:
        """Validate; unless forced, gate on the suite; store as a version, active if it passed (or forced)."""
        text = await self._draft_text(request)
        self._services.prompts.validate(text)
        state = self._services.state
        if draft.force:
            version = await state.add_prompt_version(
                draft.name, text, request.user_id, activate=True, note="forced without the gate"
            )
            await request.say("prompt_forced", name=draft.name, version=version.version)
            return
        conversations = load_conversations(self._suite_path)
        await request.say("prompt_gate_running", count=len(conversations))
        gate = await gate_prompt_draft(self._services, {draft.name: text}, conversations)
        note = (
            f"gate: draft {gate.draft.pass_rate:.0%} vs active {gate.active.pass_rate:.0%}, "
            f"fallbacks {gate.draft.fallbacks} vs {gate.active.fallbacks}"
            + (f"; worse on {', '.join(f.name or f.figure for f in gate.worse)}" if gate.worse else "")
        )
        version = await state.add_prompt_version(draft.name, text, request.user_id, activate=gate.passed, note=note)
        verdict = request.t(
            "prompt_gate_active" if gate.passed else "prompt_gate_stored", version=version.version, name=draft.name
        )
        await request.reply_long(f"{gate_text(draft.name, gate, request.language)}\n\n{escape(verdict)}")

    async def _draft_text(self, request: StaffRequest) -> str:
        """The draft as sent: the message's text, or the content of the .j2/.txt file it carries."""
        document = request.message.document
        if document is None:
            return request.message.text or ""
        if (document.file_size or 0) > PROMPT_FILE_LIMIT:
            raise PromptError(request.t("prompt_file_too_big", kb=PROMPT_FILE_LIMIT // 1024))
        data = await (await document.get_file()).download_as_bytearray()
        return bytes(data).decode("utf-8")

    # --- /llm ----------------------------------------------------------------------------------

    async def llm(self, incoming: Incoming) -> None:
        request = await self._admin(incoming, "llm")
        if request is None:
            return
        args = incoming.args
        if args and (len(args) != 2 or args[0] not in LLM_OVERRIDABLE):
            await request.usage("llm")
            return
        if args:
            key, raw = args
            try:
                await self._services.set_llm_override(key, None if raw == "default" else raw, by=request.user_id)
            except ValueError:
                limits = llm_setting_limits(key)
                problem = "llm_invalid_whole" if limits.whole else "llm_invalid_number"
                await request.say(problem, key=key, allowed=limits, got=raw)
                return
        await self._show_llm(request)

    async def _show_llm(self, request: StaffRequest) -> None:
        """The values in force, with the limits `LLMConfig` allows and the token caps actually sent."""
        sampling = await self._services.llm_sampling()
        if sampling is None:
            await request.say("llm_not_connected")
            return
        lines = [request.t("llm_settings")]
        for key in LLM_OVERRIDABLE:
            mark = "*" if key in sampling.overridden else ""
            value = getattr(sampling, key)
            lines.append(request.t("llm_setting", key=key, value=value, mark=mark, allowed=llm_setting_limits(key)))
        lines.append(
            request.t("llm_sent", answer=sampling.answer_max_tokens, structured=sampling.structured_max_tokens)
        )
        await request.reply_long("\n".join(lines))

    # --- roles ---------------------------------------------------------------------------------

    async def grant(self, incoming: Incoming) -> None:
        request = await self._admin(incoming, "grant")
        if request is None:
            return
        args = incoming.args
        shape_ok = (len(args) == 3 and args[0] == "merchant") or (len(args) == 2 and args[0] == "admin")
        target = _telegram_id(args[1]) if shape_ok else None
        if target is None:
            await request.usage("grant")
            return
        merchant_id = args[2] if len(args) == 3 else None
        if merchant_id is not None and not is_shop_id(merchant_id):
            # The same rule as deep links: a shop no t.me/<bot>?start=shop_<id> link can reach is no use.
            await request.say("grant_bad_shop", shop=merchant_id[:60])
            return
        try:
            grant = await self._services.state.grant(f"tg:{target}", args[0], merchant_id, by=request.user_id)
        except StateError as exc:
            await request.reply(f"⚠️ {exc}")
            return
        await refresh_chat_menu(incoming.context.bot, self._access, target)
        scope = request.t("granted_shop", shop=grant.merchant_id) if grant.merchant_id else ""
        lines = [request.t("granted", user=grant.user_id, role=request.t(f"role_{grant.role}"), scope=scope)]
        if grant.merchant_id:
            link = shop_link(incoming.context.bot.username, grant.merchant_id)
            empty = not await self._services.index.has_catalog(grant.merchant_id)
            lines.append(request.t("granted_link_empty" if empty else "granted_link", link=link))
        await request.reply("\n".join(lines))

    async def revoke(self, incoming: Incoming) -> None:
        request = await self._admin(incoming, "revoke")
        if request is None:
            return
        target = _telegram_id(incoming.args[0]) if len(incoming.args) == 1 else None
        if target is None:
            await request.usage("revoke")
            return
        if target == incoming.user.id:
            await request.say("revoke_self")
            return
        try:
            removed = await self._services.state.revoke(f"tg:{target}", by=request.user_id)
        except StateError as exc:
            await request.reply(f"⚠️ {exc}")
            return
        await refresh_chat_menu(incoming.context.bot, self._access, target)
        await request.say("revoked", user=removed.user_id, role=request.t(f"role_{removed.role}"))

    # --- /stats --------------------------------------------------------------------------------

    async def stats(self, incoming: Incoming) -> None:
        request = await self._admin(incoming, "stats")
        if request is None:
            return
        window = incoming.args[0] if incoming.args else "24h"
        if len(incoming.args) > 1 or window not in STATS_WINDOWS:
            await request.usage("stats")
            return
        usage = await self._services.state.stats(datetime.now(UTC) - STATS_WINDOWS[window])
        await request.reply_long(usage_text(window, usage, request.language))


def _telegram_id(raw: str) -> int | None:
    """'42' or 'tg:42' as a Telegram user id; None for anything else."""
    number = raw.removeprefix("tg:")
    return int(number) if number.isdigit() else None
