"""Writing an answer while the model produces it, within Telegram's flood limits.

In private chats the text streams as a message draft (`sendMessageDraft`, Bot API 9+); where drafts
are not available (groups, older servers) one message is sent and then edited, never more often than
`TelegramConfig.stream_edit_interval_s`. What streams is already checked; when the answer as a whole is set
aside after some of it streamed, `StreamWriter.replace` puts the replacement in its place at once (a new draft,
or an edit of the streamed message). The final text always ends up as a normal message.
`TypingIndicator` shows "typing…" whenever the customer has waited half a second with nothing new on screen.
`ActiveTurns` makes a new message from a customer cancel the answer still being written for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, Message, ReplyKeyboardMarkup
from telegram.constants import ChatAction, MessageLimit, ParseMode
from telegram.error import TelegramError

logger = logging.getLogger(__name__)

TYPING_AFTER_S = 0.5  # a wait longer than this with nothing new on screen gets "typing…"
TYPING_LASTS_S = 4.5  # Telegram shows "typing…" for about 5 s (or until the next message): renew it before then


class ActiveTurns:
    """At most one answer per customer: a newer message supersedes the answer still being written.

    The superseded answer stops at its next event and closes the assistant's stream (which closes the
    LLM stream); it is not cancelled mid-await, so no store write is ever cut in half. The newer answer
    starts once the older one has stopped, so each turn sees the dialog the previous one saved.
    """

    def __init__(self) -> None:
        self._latest: dict[str, _Answer] = {}

    async def run(self, user_id: str, answer: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        """Run `answer(superseded)` for `user_id` after the previous answer stopped; `superseded` is set
        when a newer one arrives, and `answer` should then stop at its next step."""
        previous = self._latest.get(user_id)
        mine = self._latest[user_id] = _Answer()
        try:
            if previous is not None:
                previous.superseded.set()
                await previous.done.wait()
            if not mine.superseded.is_set():
                await answer(mine.superseded)
        finally:
            mine.done.set()
            if self._latest.get(user_id) is mine:
                del self._latest[user_id]


class _Answer:
    def __init__(self) -> None:
        self.superseded = asyncio.Event()
        self.done = asyncio.Event()


class TypingIndicator:
    """Sends the "typing…" chat action while an answer is in progress and the customer has seen nothing new for
    `TYPING_AFTER_S`; renewed while the wait lasts. Call `shown()` whenever something reaches the chat."""

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._loop = asyncio.get_running_loop()
        self._quiet_since = self._loop.time()
        self._task: asyncio.Task[None] | None = None

    def shown(self) -> None:
        self._quiet_since = self._loop.time()

    async def __aenter__(self) -> TypingIndicator:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            due = self._quiet_since + TYPING_AFTER_S
            if self._loop.time() < due:
                await asyncio.sleep(due - self._loop.time())
                continue
            try:
                await self._bot.send_chat_action(self._chat_id, ChatAction.TYPING)
            except TelegramError as exc:  # a lost "typing…" costs the customer nothing
                logger.debug("typing action in chat %s failed: %s", self._chat_id, exc)
            # The next one when this one fades, unless something is shown first.
            self._quiet_since = self._loop.time() + TYPING_LASTS_S - TYPING_AFTER_S


class StreamWriter:
    """Shows a growing answer in one chat and turns it into the final message."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        *,
        draft_id: int,
        use_draft: bool,
        interval_s: float,
        reply_to_message_id: int | None = None,
    ) -> None:
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

    async def replace(self, text: str) -> bool:
        """Withdraw the streamed text: show `text` in its place now (a new draft, or an edit of the streamed
        message). Returns whether anything had been shown to replace."""
        if not self._shown:
            self._text = text
            return False
        self._text = text
        await self._flush(ellipsis=False)
        return True

    async def _flush(self, *, ellipsis: bool = True) -> None:
        preview = ((self._text + " …") if ellipsis else self._text)[-MessageLimit.MAX_TEXT_LENGTH :]
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
                self._message = await self._bot.send_message(self._chat_id, preview, reply_to_message_id=self._reply_to)
            else:
                await self._message.edit_text(preview)
            self._shown = preview
        except TelegramError as exc:
            # "message is not modified", or a preview still failing after its retries (delivery.py): a preview
            # is not the answer; the next flush or the final text replaces it.
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
                self._chat_id,
                first,
                parse_mode=ParseMode.HTML,
                reply_markup=None if rest else keyboard,
                reply_to_message_id=self._reply_to,
            )
        for index, chunk in enumerate(rest):
            last = index == len(rest) - 1
            await self._bot.send_message(
                self._chat_id, chunk, parse_mode=ParseMode.HTML, reply_markup=keyboard if last else None
            )
