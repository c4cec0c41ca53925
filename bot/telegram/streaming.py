"""Writing an answer while the model produces it, within Telegram's flood limits.

In private chats the text streams as a message draft (`sendMessageDraft`, Bot API 9+); where drafts
are not available (groups, older servers) one message is sent and then edited, never more often than
`TelegramConfig.stream_edit_interval_s`. The final text always ends up as a normal message.
`ActiveTurns` makes a new message from a customer cancel the answer still being written for them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from telegram import Bot, Message, ReplyKeyboardMarkup
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, TelegramError

logger = logging.getLogger(__name__)


class ActiveTurns:
    """At most one answer per customer: starting a new one cancels the one still running."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}

    async def run(self, user_id: str, answer: Awaitable[None]) -> None:
        """Run `answer` for `user_id` after cancelling (and waiting out) the previous one.

        Returns quietly when a newer message cancels this answer; re-raises the answer's own errors.
        """
        previous = self._tasks.get(user_id)
        task = asyncio.ensure_future(self._after(previous, answer))
        self._tasks[user_id] = task
        if previous is not None:
            previous.cancel()
        try:
            await asyncio.wait([task])
        finally:
            if self._tasks.get(user_id) is task:
                del self._tasks[user_id]
        if not task.cancelled():
            task.result()

    @staticmethod
    async def _after(previous: asyncio.Task[None] | None, answer: Awaitable[None]) -> None:
        if previous is not None:
            # The cancelled turn closes its LLM stream and saves nothing half-done before we start.
            await asyncio.wait([previous])
        await answer


class StreamWriter:
    """Shows a growing answer in one chat and turns it into the final message."""

    def __init__(self, bot: Bot, chat_id: int, *, draft_id: int, use_draft: bool, interval_s: float,
                 reply_to_message_id: int | None = None) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._draft_id = draft_id
        self._use_draft = use_draft
        self._interval_s = interval_s
        self._reply_to = reply_to_message_id
        self._text = ""
        self._shown = ""
        self._last_flush = float("-inf")
        self._message: Message | None = None

    async def add(self, delta: str) -> None:
        """Append model text; flushes to Telegram at most once per interval."""
        self._text += delta
        now = asyncio.get_running_loop().time()
        if now - self._last_flush >= self._interval_s and self._text.strip():
            self._last_flush = now
            await self._flush()

    async def _flush(self) -> None:
        preview = (self._text + " …")[-MessageLimit.MAX_TEXT_LENGTH:]
        if preview == self._shown:
            return
        if self._use_draft:
            try:
                await self._bot.send_message_draft(self._chat_id, self._draft_id, preview)
                self._shown = preview
                return
            except TelegramError as exc:
                logger.info("drafts unavailable in chat %s (%s); streaming by edits", self._chat_id, exc)
                self._use_draft = False
        try:
            if self._message is None:
                self._message = await self._bot.send_message(
                    self._chat_id, preview, reply_to_message_id=self._reply_to
                )
            else:
                await self._message.edit_text(preview)
            self._shown = preview
        except BadRequest as exc:
            # "message is not modified" and friends: the next flush or the final text fixes it.
            logger.debug("stream edit skipped: %s", exc)

    async def finish(self, chunks: list[str], keyboard: ReplyKeyboardMarkup | None) -> None:
        """Put the final HTML text in place: the streamed message becomes its first chunk, else it is sent anew.

        An edit cannot attach a reply keyboard, so quick replies only come with a newly sent final message.
        """
        first, rest = chunks[0], chunks[1:]
        if self._message is not None:
            await self._message.edit_text(first, parse_mode=ParseMode.HTML)
        else:
            await self._bot.send_message(
                self._chat_id, first, parse_mode=ParseMode.HTML,
                reply_markup=None if rest else keyboard, reply_to_message_id=self._reply_to,
            )
        for index, chunk in enumerate(rest):
            last = index == len(rest) - 1
            await self._bot.send_message(
                self._chat_id, chunk, parse_mode=ParseMode.HTML, reply_markup=keyboard if last else None
            )
