"""What a handler needs from an update, with its types narrowed once.

python-telegram-bot types every part of an `Update` Optional, because an update can be of any kind;
the filter a handler is registered with decides which parts its updates have. `on_message` and
`on_press` adapt a handler of `Incoming` / `Press` to PTB's `(update, context)` callback and ignore an
update without the parts (there is nobody to answer), so handlers never re-check them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Message, Update, User
from telegram.ext import ContextTypes

Context = ContextTypes.DEFAULT_TYPE
UpdateCallback = Callable[[Update, Context], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Incoming:
    """A message from a user: a command, text, a document."""

    message: Message
    user: User
    context: Context

    @property
    def args(self) -> list[str]:
        """A command's arguments (empty for anything else)."""
        return list(self.context.args or [])


@dataclass(frozen=True)
class Press:
    """A user pressing an inline button."""

    query: CallbackQuery
    user: User
    # The bot's message that carries the button; None when Telegram no longer gives it to the bot.
    message: Message | None
    context: Context

    @property
    def data(self) -> str:
        return self.query.data or ""


def on_message(handler: Callable[[Incoming], Awaitable[None]]) -> UpdateCallback:
    async def callback(update: Update, context: Context) -> None:
        message, user = update.effective_message, update.effective_user
        if message is not None and user is not None:
            await handler(Incoming(message, user, context))

    return callback


def on_press(handler: Callable[[Press], Awaitable[None]]) -> UpdateCallback:
    async def callback(update: Update, context: Context) -> None:
        query, user = update.callback_query, update.effective_user
        if query is not None and user is not None:
            message = query.message if isinstance(query.message, Message) else None
            await handler(Press(query, user, message, context))

    return callback
