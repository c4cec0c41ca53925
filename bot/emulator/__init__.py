"""A Telegram Bot API emulator (used by the tests and the web sandbox), served over real HTTP on 127.0.0.1.

It answers `/bot<TOKEN>/<method>` and `/file/bot<TOKEN>/<path>` like the real Bot API for the subset
ShopGuide uses, with the JSON shapes python-telegram-bot 22 parses (dates in seconds, `is_bot`,
`chat_instance`, `{"ok": false, "error_code", "description"}` errors), long polling that honours
`offset`, `limit`, `timeout` and `allowed_updates`, webhook delivery with the secret-token header,
file upload and download. The user side (`BotApiEmulator.user`, `BotApiEmulator.group`) sends
messages, documents and button presses and reads, in order, what the bot did in each chat.

    async with BotApiEmulator() as api:
        app = Application.builder().token(api.token).base_url(api.base_url) \
            .base_file_url(api.base_file_url).build()
        async with polling(app):
            alice = api.user(1001, "Alice", "en")
            await alice.send_text("/start")
            reply = await alice.wait_for_reply()

Not emulated: inline mode, payments, channels, MarkdownV2 entity parsing (such text is stored as
sent), and the server's own flood control unless `chat_rate_limit` or `flood()` asks for it. Faults are
injected per method: `flood()` (429), `fail_next()` (any error, e.g. `server_error(502)`), `drop_next()` (the
connection closed without an answer).
"""

from __future__ import annotations

from bot.emulator.chats import CallbackAnswer, CallbackPress, EmulatedChat, EmulatedUser, Outgoing
from bot.emulator.protocol import (
    DEFAULT_TOKEN,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_BYTES,
    MAX_TEXT_LENGTH,
    BotApiError,
    StoredFile,
    bad_request,
    parse_html,
    server_error,
    too_many_requests,
)
from bot.emulator.server import BotApiEmulator, BotCall, polling

__all__ = [
    "DEFAULT_TOKEN",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_CAPTION_LENGTH",
    "MAX_DOWNLOAD_BYTES",
    "MAX_TEXT_LENGTH",
    "BotApiEmulator",
    "BotApiError",
    "BotCall",
    "CallbackAnswer",
    "CallbackPress",
    "EmulatedChat",
    "EmulatedUser",
    "Outgoing",
    "StoredFile",
    "bad_request",
    "parse_html",
    "polling",
    "server_error",
    "too_many_requests",
]
