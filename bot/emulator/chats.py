"""The users' side: chats as users see them (what the bot did there, read in order), users who send
messages, documents and button presses, and the records tests read."""

from __future__ import annotations

import mimetypes
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bot.emulator.protocol import StoredFile, document_json, text_entities

if TYPE_CHECKING:
    from bot.emulator.server import BotApiEmulator

OutgoingKind = Literal["message", "edit", "draft", "delete", "chat_action"]


@dataclass(frozen=True)
class Outgoing:
    """One thing the bot did in a chat: a new message (text, photo, document), an edit, a draft,
    a deletion or a chat action. `message` is the Message as the API returned it to the bot."""

    seq: int
    kind: OutgoingKind
    chat_id: int
    message: dict[str, Any] | None = None
    file: StoredFile | None = None
    draft_id: int | None = None
    draft_text: str | None = None
    reply_keyboard: dict[str, Any] | None = None  # a reply keyboard / its removal sent with a new message
    action: str | None = None
    deleted_message_id: int | None = None

    @property
    def message_id(self) -> int | None:
        if self.message is not None:
            return self.message["message_id"]
        return self.deleted_message_id

    @property
    def text(self) -> str:
        """Message text, caption, or draft text, whichever this event carries ("" when it carries none)."""
        if self.kind == "draft":
            return self.draft_text or ""
        if self.message is None:
            return ""
        return str(self.message.get("text", self.message.get("caption")) or "")

    @property
    def photo_url(self) -> str | None:
        return self.file.url if self.file is not None and self.message and "photo" in self.message else None

    @property
    def document(self) -> StoredFile | None:
        return self.file if self.message is not None and "document" in self.message else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row by row, flattened."""
        markup = (self.message or {}).get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def quick_replies(self) -> list[str]:
        """The labels of the reply keyboard sent with this message."""
        rows = (self.reply_keyboard or {}).get("keyboard", [])
        return [button if isinstance(button, str) else button["text"] for row in rows for button in row]

    def button(self, label: str) -> dict[str, Any]:
        """The inline button whose text is `label` (exactly)."""
        for candidate in self.buttons:
            if candidate["text"] == label:
                return candidate
        raise KeyError(f"no button {label!r}; buttons: {[b['text'] for b in self.buttons]}")


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot passed to answerCallbackQuery."""

    text: str | None
    show_alert: bool
    url: str | None


@dataclass
class ChatState:
    """One chat on the server: its messages as they are now, their files, and what the bot did there."""

    chat: dict[str, Any]
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    files: dict[int, StoredFile] = field(default_factory=dict)  # by message id
    outgoing: list[Outgoing] = field(default_factory=list)
    next_message_id: int = 1
    recent_sends: deque[float] = field(default_factory=deque)

    @property
    def id(self) -> int:
        return self.chat["id"]

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


class EmulatedChat:
    """A chat seen from the users' side: what the bot sent there, read in order with a cursor."""

    def __init__(self, emulator: BotApiEmulator, state: ChatState) -> None:
        self._emulator = emulator
        self._state = state
        self._cursor = 0

    @property
    def id(self) -> int:
        return self._state.id

    @property
    def history(self) -> list[Outgoing]:
        """Everything the bot did in this chat, in order."""
        return list(self._state.outgoing)

    def message(self, message_id: int) -> dict[str, Any] | None:
        """The message as it is now (after edits), or None once deleted."""
        return self._state.messages.get(message_id)

    def bot_messages(self) -> list[dict[str, Any]]:
        """The bot's messages currently visible in the chat, oldest first."""
        bot_id = self._emulator.bot_id
        return [message for message in self._state.messages.values() if message["from"]["id"] == bot_id]

    async def next(
        self,
        kinds: Iterable[OutgoingKind] = ("message",),
        predicate: Callable[[Outgoing], bool] | None = None,
        *,
        timeout: float = 5.0,
    ) -> Outgoing:
        """The first bot event after the cursor of one of `kinds` matching `predicate`; moves the
        cursor past it. Waits (without polling) up to `timeout` seconds."""
        wanted = frozenset(kinds)

        def find() -> Outgoing | None:
            for index in range(self._cursor, len(self._state.outgoing)):
                event = self._state.outgoing[index]
                if event.kind in wanted and (predicate is None or predicate(event)):
                    self._cursor = index + 1
                    return event
            return None

        return await self._emulator.wait_for(find, timeout=timeout, waiting_for=f"{sorted(wanted)} in chat {self.id}")

    def skip_to_end(self) -> None:
        """Treat everything the bot did so far as read."""
        self._cursor = len(self._state.outgoing)


class EmulatedUser:
    """A Telegram user talking to the bot; by default in their private chat with it."""

    def __init__(self, emulator: BotApiEmulator, user: dict[str, Any], chat: EmulatedChat) -> None:
        self._emulator = emulator
        self.user = user
        self.chat = chat

    @property
    def id(self) -> int:
        return self.user["id"]

    async def send_text(
        self, text: str, *, chat: EmulatedChat | None = None, reply_to: Outgoing | dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Send a text message (commands and @mentions get their entities); returns the Message."""
        content: dict[str, Any] = {"text": text}
        if entities := text_entities(text):
            content["entities"] = entities
        return self._emulator._user_message(self.user, (chat or self.chat)._state, content, reply_to)

    async def send_document(
        self,
        filename: str,
        data: bytes,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
        chat: EmulatedChat | None = None,
    ) -> dict[str, Any]:
        """Send a file as a document; the bot can getFile and download it. Returns the Message."""
        stored = self._emulator._state.store_file(
            "documents", data, file_name=filename, mime_type=mime_type or mimetypes.guess_type(filename)[0]
        )
        content: dict[str, Any] = {"document": document_json(stored)}
        if caption:
            content["caption"] = caption
            if entities := text_entities(caption):
                content["caption_entities"] = entities
        return self._emulator._user_message(self.user, (chat or self.chat)._state, content, None)

    async def send_sticker(self, emoji: str = "👍", *, chat: EmulatedChat | None = None) -> dict[str, Any]:
        """Send a (static, regular) sticker: a message with no text, as real clients send them."""
        stored = self._emulator._state.store_file(
            "stickers", b"RIFF\x00\x00\x00\x00WEBP", file_name=None, mime_type="image/webp"
        )
        sticker = {
            **document_json(stored),
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": emoji,
        }
        return self._emulator._user_message(self.user, (chat or self.chat)._state, {"sticker": sticker}, None)

    async def press(self, message: Outgoing | dict[str, Any], callback_data: str) -> CallbackPress:
        """Press the inline button carrying `callback_data` on `message` as it is now."""
        return self._emulator._press(self.user, message, callback_data)

    async def wait_for_reply(
        self, predicate: Callable[[Outgoing], bool] | None = None, *, timeout: float = 5.0
    ) -> Outgoing:
        """The next new message the bot sent to this user's private chat (text, photo, document)."""
        return await self.chat.next(("message",), predicate, timeout=timeout)


class CallbackPress:
    """A pressed button: its callback query id, and the bot's answer once it comes."""

    def __init__(self, emulator: BotApiEmulator, query_id: str) -> None:
        self._emulator = emulator
        self.query_id = query_id

    async def answer(self, *, timeout: float = 5.0) -> CallbackAnswer:
        return await self._emulator.wait_for(
            lambda: self._emulator._state.callback_answers.get(self.query_id),
            timeout=timeout,
            waiting_for=f"answerCallbackQuery({self.query_id})",
        )
