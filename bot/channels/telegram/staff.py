"""What merchant and admin handlers share: the role gate, checked and audited on every update, and
replies in the staff member's language (their `/lang` choice, else their client's, else English)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Message, User
from telegram.constants import ParseMode

from bot.channels.telegram.access import Access, user_key
from bot.channels.telegram.render import split_message
from bot.core.reply import Language
from bot.i18n import t
from bot.state.store import StateStore

# Room below Telegram's 4096 characters for what HTML escaping adds.
HTML_CHUNK = 3500


@dataclass(frozen=True)
class StaffRequest:
    """A staff member's update that passed the role check: who, in which language, and where to answer."""

    message: Message
    user: User
    language: Language

    @property
    def user_id(self) -> str:
        return user_key(self.user)

    def t(self, key: str, /, **values: object) -> str:
        return t(key, self.language, **values)

    async def say(self, key: str, /, **values: object) -> Message:
        """The catalogue message `key` as plain text."""
        return await self.message.reply_text(self.t(key, **values), do_quote=False)

    async def reply(self, text: str, *, html: bool = False, markup: InlineKeyboardMarkup | None = None) -> Message:
        """`text` as one message (HTML when `html`; the caller escaped what it put in)."""
        return await self.message.reply_text(
            text, parse_mode=ParseMode.HTML if html else None, reply_markup=markup, do_quote=False
        )

    async def reply_long(self, html: str) -> None:
        """HTML that may be longer than one message, split at line breaks."""
        for chunk in split_message(html, HTML_CHUNK):
            await self.reply(chunk, html=True)

    async def usage(self, command: str) -> None:
        """How the command is used (after arguments it cannot take)."""
        await self.say("usage", syntax=self.t(f"usage_{command}"))


@dataclass(frozen=True)
class MerchantRequest(StaffRequest):
    """A merchant's request, bound to the one catalog they were granted."""

    merchant_id: str


class StaffGate:
    """The role checks of the staff commands; every request is audited, refusals included."""

    def __init__(self, state: StateStore, access: Access) -> None:
        self._state = state
        self._access = access

    async def language(self, user: User) -> Language:
        """The staff member's language, for answers given before (or without) a role check."""
        return await self._access.language(user, fallback="en")

    async def merchant(self, message: Message, user: User, what: str) -> MerchantRequest | None:
        """The caller's request for their shop, or None after telling them (and the audit log) they may not."""
        language = await self.language(user)
        merchant_id = await self._access.merchant_of(user)
        if merchant_id is None:
            await self._state.audit(user_key(user), "merchant.denied", what)
            await message.reply_text(t("staff_only", language), do_quote=False)
            return None
        await self._state.audit(user_key(user), "merchant.command", f"{merchant_id}: {what}")
        return MerchantRequest(message, user, language, merchant_id)

    async def admin(self, message: Message, user: User, what: str) -> StaffRequest | None:
        """The caller's admin request, or None after telling them (and the audit log) they may not."""
        language = await self.language(user)
        if not await self._access.is_admin(user):
            await self._state.audit(user_key(user), "admin.denied", what)
            await message.reply_text(t("admins_only", language), do_quote=False)
            return None
        await self._state.audit(user_key(user), "admin.command", what)
        return StaffRequest(message, user, language)
