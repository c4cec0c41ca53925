"""What the chat page shows of one chat, as an ordered log of page events: the user's own messages, and
everything the bot did there (new messages, edits, drafts, deletions, typing, callback answers), each
stamped with the time since the user's last action so the page can show every turn's latency.

The page replays the log from the start when it connects (or from the last event it saw when it
reconnects), so a reload shows the whole conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel

from bot.channels.web.markup import message_html
from bot.emulator import Outgoing, StoredFile

PageEventKind = Literal["message", "edit", "draft", "delete", "typing", "toast"]


class Button(BaseModel):
    """An inline button: presses send `data` to the bot; `url` buttons open a link."""

    text: str
    data: str | None = None
    url: str | None = None


class Attachment(BaseModel):
    """A photo or a document in a message; `url` is where the browser fetches it."""

    kind: Literal["photo", "document"]
    url: str | None
    name: str | None = None
    size: int = 0


class Bubble(BaseModel):
    """One message as it looks now."""

    message_id: int
    sender: Literal["bot", "user"]
    html: str
    attachment: Attachment | None = None
    buttons: list[list[Button]] = []
    edited: bool = False


class PageEvent(BaseModel):
    """One step of the chat. `quick_replies` is set when the step changes the reply keyboard (empty:
    removed); `after_ms` is the time since the user's last message or button press."""

    id: int
    kind: PageEventKind
    bubble: Bubble | None = None
    draft_id: int | None = None
    html: str | None = None
    message_id: int | None = None
    quick_replies: list[str] | None = None
    alert: bool = False
    after_ms: int | None = None


class ChatFeed:
    """The page events of one chat, appended in order and read by any number of pages."""

    def __init__(self, files_url: str) -> None:
        self._files_url = files_url
        self._events: list[PageEvent] = []
        self._changed = asyncio.Condition()
        self._turn_started: float | None = None
        self._closed = False
        self.files: dict[str, StoredFile] = {}  # by file_unique_id: the files of this chat the page may fetch

    def start_turn(self) -> None:
        """The user acted (a message, a button press): the bot's next events are timed from now."""
        self._turn_started = time.monotonic()

    async def _add(self, kind: PageEventKind, *, timed: bool = True, **fields: Any) -> PageEvent:
        after_ms = None
        if timed and self._turn_started is not None:
            after_ms = round((time.monotonic() - self._turn_started) * 1000)
        async with self._changed:
            event = PageEvent(id=len(self._events), kind=kind, after_ms=after_ms, **fields)
            self._events.append(event)
            self._changed.notify_all()
        return event

    async def add_user_message(self, message: dict[str, Any]) -> PageEvent:
        """Show a message the user sent (text or a document) and start timing the turn it begins."""
        self.start_turn()
        bubble = Bubble(
            message_id=message["message_id"],
            sender="user",
            html=message_html(message.get("text", message.get("caption", ""))),
            attachment=_document(message, None),
        )
        return await self._add("message", bubble=bubble, timed=False)

    async def add_bot_event(self, event: Outgoing) -> PageEvent | None:
        """Show one thing the bot did; None for what a chat does not show."""
        if event.file is not None:
            self.files[event.file.file_unique_id] = event.file
        if event.kind in ("message", "edit") and event.message is not None:
            quick_replies = _quick_replies(event) if event.kind == "message" else None
            return await self._add(event.kind, bubble=bot_bubble(event, self._files_url), quick_replies=quick_replies)
        if event.kind == "draft":
            return await self._add("draft", draft_id=event.draft_id, html=message_html(event.draft_text or ""))
        if event.kind == "delete":
            return await self._add("delete", message_id=event.message_id)
        if event.kind == "chat_action" and event.action == "typing":
            return await self._add("typing")
        return None

    async def add_toast(self, text: str, *, alert: bool) -> PageEvent:
        return await self._add("toast", html=message_html(text), alert=alert)

    async def close(self) -> None:
        """End every reader's stream (the server is stopping)."""
        async with self._changed:
            self._closed = True
            self._changed.notify_all()

    async def follow(self, after: int = -1, *, keepalive_s: float = 15.0) -> AsyncIterator[PageEvent | None]:
        """The events after id `after`, then each new one as it comes; None after `keepalive_s` of quiet
        (so a stream can prove it is alive). Ends when the feed is closed."""
        position = after + 1
        while not self._closed:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait_for(partial(self._has_news, position)), keepalive_s)
            if position >= len(self._events) and not self._closed:
                yield None
            while position < len(self._events):
                yield self._events[position]
                position += 1

    def _has_news(self, position: int) -> bool:
        return self._closed or len(self._events) > position


def bot_bubble(event: Outgoing, files_url: str) -> Bubble:
    """A bot message (new or edited) as the page shows it; its file is served under `files_url`."""
    message = event.message or {}
    url = _file_url(event.file, files_url)
    if "photo" in message:
        attachment: Attachment | None = Attachment(kind="photo", url=url)
    else:
        attachment = _document(message, url)
    text_key, entities_key = ("text", "entities") if "text" in message else ("caption", "caption_entities")
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return Bubble(
        message_id=message["message_id"],
        sender="bot",
        html=message_html(message.get(text_key, ""), message.get(entities_key, [])),
        attachment=attachment,
        buttons=[[Button(text=b["text"], data=b.get("callback_data"), url=b.get("url")) for b in row] for row in rows],
        edited="edit_date" in message,
    )


def _document(message: dict[str, Any], url: str | None) -> Attachment | None:
    document = message.get("document")
    if document is None:
        return None
    return Attachment(kind="document", url=url, name=document.get("file_name"), size=document.get("file_size", 0))


def _file_url(file: StoredFile | None, files_url: str) -> str | None:
    """Bytes the bot uploaded are served by the sandbox; a photo sent by URL is fetched from that URL."""
    if file is None:
        return None
    if file.data is not None:
        return files_url + file.file_unique_id
    return file.url if file.url and file.url.startswith(("http://", "https://")) else None


def _quick_replies(event: Outgoing) -> list[str] | None:
    keyboard = event.reply_keyboard
    if keyboard is None:
        return None
    return [] if keyboard.get("remove_keyboard") else event.quick_replies
