"""The sandbox's three users and their chats with the bot: who they are, and what the page makes them do
(send text, send a document, press a button) through the Bot API emulator's user side, with what the bot
did in each chat copied into that chat's feed as it happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from functools import partial
from typing import Literal

from pydantic import BaseModel

from bot.channels.web.feed import ChatFeed
from bot.emulator import BotApiEmulator, EmulatedChat

Role = Literal["customer", "merchant", "admin"]
CALLBACK_ANSWER_TIMEOUT_S = 10.0  # Telegram's clients stop waiting for a button's answer about then


class SandboxUser(BaseModel):
    """A user of the sandbox: a Telegram user of the emulator, with the role granted at start-up."""

    role: Role
    user_id: int
    first_name: str
    language_code: str
    about: str


SANDBOX_USERS: tuple[SandboxUser, ...] = (
    SandboxUser(
        role="customer",
        user_id=1001,
        first_name="Lin",
        language_code="zh",
        about="A shopper: asks in Chinese or English, taps the card buttons.",
    ),
    SandboxUser(
        role="merchant",
        user_id=2002,
        first_name="Mia",
        language_code="en",
        about="Runs the demo shop: sends catalog files, /catalog, /price, /stock, /export, /rollback.",
    ),
    SandboxUser(
        role="admin",
        user_id=3003,
        first_name="Ada",
        language_code="en",
        about="Operates the bot: /stats, /prompt, /llm, /grant.",
    ),
)


class SandboxChat:
    """One sandbox user's private chat with the bot, as the page sees and drives it."""

    def __init__(self, api: BotApiEmulator, profile: SandboxUser) -> None:
        self.profile = profile
        self._api = api
        self._user = api.user(profile.user_id, profile.first_name, profile.language_code)
        self.feed = ChatFeed(files_url=f"/api/chats/{profile.role}/files/")

    async def send_text(self, text: str) -> None:
        message = await self._user.send_text(text)
        await self.feed.add_user_message(message)

    async def send_document(self, filename: str, data: bytes) -> None:
        message = await self._user.send_document(filename, data)
        await self.feed.add_user_message(message)

    async def press(self, message_id: int, data: str) -> None:
        """Press the button carrying `data` on a bot message; the bot's answer (if it has text) becomes
        a toast. Raises ValueError when the message or the button is gone."""
        message = self._user.chat.message(message_id)
        if message is None:
            raise ValueError(f"message {message_id} is no longer in the chat")
        self.feed.start_turn()
        press = await self._user.press(message, data)
        with contextlib.suppress(TimeoutError):
            answer = await press.answer(timeout=CALLBACK_ANSWER_TIMEOUT_S)
            if answer.text:
                await self.feed.add_toast(answer.text, alert=answer.show_alert)

    def commands(self) -> list[dict[str, str]]:
        """The command menu the bot set for this chat (its staff menu), else the one for the user's language."""
        chat_scope = json.dumps({"chat_id": self.profile.user_id, "type": "chat"}, sort_keys=True)
        default_scope = json.dumps({"type": "default"}, sort_keys=True)
        for key in ((chat_scope, ""), (default_scope, self.profile.language_code), (default_scope, "")):
            if key in self._api.commands:
                return self._api.commands[key]
        return []

    async def copy_bot_events(self) -> None:
        """Copy what the bot does in this chat into the feed, in order, until cancelled."""
        chat = self._user.chat
        copied = 0
        while True:
            try:
                await self._api.wait_for(
                    partial(_grew, chat, copied), timeout=3600, waiting_for=f"the bot in chat {chat.id}"
                )
            except TimeoutError:
                continue
            for event in chat.history[copied:]:
                await self.feed.add_bot_event(event)
                copied += 1


def _grew(chat: EmulatedChat, length: int) -> bool:
    return len(chat.history) > length


class SandboxChats:
    """The three chats, by role, and the tasks that keep their feeds up to date."""

    def __init__(self, api: BotApiEmulator, users: tuple[SandboxUser, ...] = SANDBOX_USERS) -> None:
        self.by_role: dict[str, SandboxChat] = {user.role: SandboxChat(api, user) for user in users}
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(chat.copy_bot_events()) for chat in self.by_role.values()]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.close_feeds()

    async def close_feeds(self) -> None:
        """End the pages' event streams (before the web server waits for its requests to finish)."""
        for chat in self.by_role.values():
            await chat.feed.close()

    def profiles(self) -> list[SandboxUser]:
        return [chat.profile for chat in self.by_role.values()]
