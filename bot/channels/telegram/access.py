"""Who is talking to the bot: Telegram users as ShopGuide user ids, their role, their per-chat scope and
their language.

Every handler asks `Access` on every update; nothing about roles or languages is cached in memory, so a
`/revoke` or a `/lang` takes effect on the very next message.
"""

from __future__ import annotations

import re

from pydantic import BaseModel
from telegram import User

from bot.core.language import detect_language
from bot.core.reply import Language
from bot.state.store import Role, StateStore

# What a shop id may be: what a t.me/<bot>?start=shop_<id> link can carry (start payloads are at most 64 of
# A-Z a-z 0-9 _ -). Deep links and `/grant merchant` check the same rule.
SHOP_ID = re.compile(r"[A-Za-z0-9_-]{1,48}")
SHOP_LINK_PREFIX = "shop_"


def is_shop_id(text: str) -> bool:
    return SHOP_ID.fullmatch(text) is not None


def shop_link(bot_username: str, shop_id: str) -> str:
    """The link that opens a chat with the bot scoped to `shop_id`."""
    return f"https://t.me/{bot_username}?start={SHOP_LINK_PREFIX}{shop_id}"


def user_key(user: User | int) -> str:
    """ShopGuide's id of a Telegram user ('tg:42')."""
    return f"tg:{user if isinstance(user, int) else user.id}"


def language_for(client: str | None, choice: Language | None, text: str = "", *, fallback: Language) -> Language:
    """The language to answer one message in: the one `text` is written in, else the user's `/lang`
    choice, else their client's language code (Chinese for zh*, English for any other), else `fallback`."""
    detected = detect_language(text) if text else None
    if detected is not None:
        return detected
    if choice is not None:
        return choice
    if client:
        return "zh" if client.lower().startswith("zh") else "en"
    return fallback


class ChannelData(BaseModel):
    """What the Telegram channel remembers about a customer across restarts (beside the assistant's dialog)."""

    merchant_id: str | None = None


class Access:
    """Roles, scopes and language choices from the state store, with the configured bootstrap admins."""

    def __init__(self, state: StateStore, admin_ids: list[int]) -> None:
        self._state = state
        self._admin_ids = frozenset(admin_ids)

    async def bootstrap_admins(self) -> None:
        """Grant the configured admins their role at start-up (a config admin revoked in chat is back after a restart)."""
        for telegram_id in sorted(self._admin_ids):
            if await self._state.role_of(user_key(telegram_id)) != "admin":
                await self._state.grant(user_key(telegram_id), "admin", None, by="config:telegram.admin_ids")

    async def role_of(self, user: User | int) -> Role:
        return await self._state.role_of(user_key(user))

    async def merchant_of(self, user: User | int) -> str | None:
        """The merchant whose catalog this user manages, or None when they are not a merchant."""
        key = user_key(user)
        if await self._state.role_of(key) not in ("merchant", "admin"):
            return None
        return await self._state.merchant_of(key)

    async def is_admin(self, user: User) -> bool:
        return await self._state.role_of(user_key(user)) == "admin"

    async def language(self, user: User, text: str = "", *, fallback: Language = "zh") -> Language:
        """The language to answer `user` in (see `language_for`); staff pass fallback="en"."""
        choice = await self._state.language_choice(user_key(user))
        return language_for(user.language_code, choice, text, fallback=fallback)

    async def language_choice(self, user: User | int) -> Language | None:
        return await self._state.language_choice(user_key(user))

    async def choose_language(self, user: User, language: Language | None) -> None:
        """Remember the user's `/lang` choice (None: follow their client again)."""
        await self._state.choose_language(user_key(user), language)

    async def channel_data(self, user: User) -> ChannelData:
        # Kept beside, not inside, the assistant's dialog blob: /reset clears the dialog, not the shop scope.
        stored = await self._state.load_dialog(_channel_key(user))
        return ChannelData.model_validate(stored) if stored else ChannelData()

    async def save_channel_data(self, user: User, data: ChannelData) -> None:
        await self._state.save_dialog(_channel_key(user), data.model_dump())


def _channel_key(user: User) -> str:
    return f"{user_key(user)}#telegram"
