"""Who is talking to the bot: Telegram users as ShopGuide user ids, their role, and their per-chat scope.

Every merchant and admin handler asks `Access` on every update; nothing about roles is cached in
memory, so a `/revoke` takes effect on the very next message.
"""

from __future__ import annotations

from pydantic import BaseModel
from telegram import User

from bot.state.store import StateStore


def user_key(user: User | int) -> str:
    """ShopGuide's id of a Telegram user ('tg:42')."""
    return f"tg:{user if isinstance(user, int) else user.id}"


class ChannelData(BaseModel):
    """What the Telegram channel remembers about a customer across restarts (beside the assistant's dialog)."""

    merchant_id: str | None = None


class Access:
    """Roles and scopes from the state store, with the configured bootstrap admins."""

    def __init__(self, state: StateStore, admin_ids: list[int]) -> None:
        self._state = state
        self._admin_ids = frozenset(admin_ids)

    async def bootstrap_admins(self) -> None:
        """Grant the configured admins their role at start-up (a config admin revoked in chat is back after a restart)."""
        for telegram_id in sorted(self._admin_ids):
            if await self._state.role_of(user_key(telegram_id)) != "admin":
                await self._state.grant(user_key(telegram_id), "admin", None, by="config:telegram.admin_ids")

    async def merchant_of(self, user: User) -> str | None:
        """The merchant whose catalog this user manages, or None when they are not a merchant."""
        key = user_key(user)
        if await self._state.role_of(key) not in ("merchant", "admin"):
            return None
        return await self._state.merchant_of(key)

    async def is_admin(self, user: User) -> bool:
        return await self._state.role_of(user_key(user)) == "admin"

    async def channel_data(self, user: User) -> ChannelData:
        # Kept beside, not inside, the assistant's dialog blob: /reset clears the dialog, not the shop scope.
        stored = await self._state.load_dialog(_channel_key(user))
        return ChannelData.model_validate(stored) if stored else ChannelData()

    async def save_channel_data(self, user: User, data: ChannelData) -> None:
        await self._state.save_dialog(_channel_key(user), data.model_dump())


def _channel_key(user: User) -> str:
    return f"{user_key(user)}#telegram"
