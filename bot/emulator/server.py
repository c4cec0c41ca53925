"""The emulator itself: one bot's Bot API over HTTP on 127.0.0.1, what the users do, and the faults a test
injects. What the bot's world holds is `state.py`, the methods `methods.py`, their checks `markup.py`."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from bot.emulator.chats import (
    CallbackPress,
    ChatState,
    EmulatedChat,
    EmulatedUser,
    Outgoing,
)
from bot.emulator.methods import BotMethods
from bot.emulator.params import RequestParams, Upload
from bot.emulator.protocol import (
    DEFAULT_TOKEN,
    MAX_UPLOAD_BYTES,
    BotApiError,
    bad_request,
    too_many_requests,
)
from bot.emulator.state import BotState
from bot.emulator.updates import UpdateQueue

if TYPE_CHECKING:
    from telegram.ext import Application

T = TypeVar("T")


@dataclass(frozen=True)
class BotCall:
    """One Bot API request, in arrival order; uploaded files appear as `<file NAME, N bytes>`."""

    method: str
    params: dict[str, Any]
    ok: bool
    error: str | None = None


class BotApiEmulator:
    """One bot's Bot API on 127.0.0.1 (random port); use as an async context manager."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "shopguide_test_bot",
        bot_name: str = "ShopGuide",
        privacy_mode: bool = False,
        chat_rate_limit: int | None = None,
        webhook_retry_s: float = 0.2,
    ) -> None:
        """`privacy_mode`: in groups deliver only commands, mentions and replies to the bot (Telegram's
        default for bots). `chat_rate_limit`: sends and edits allowed per chat per second before
        429 with `retry_after` (None: unlimited). `webhook_retry_s`: pause before redelivering an
        update the webhook did not accept."""
        self.token = token
        bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.privacy_mode = privacy_mode
        self.calls: list[BotCall] = []
        self._state = BotState(bot_user, chat_rate_limit=chat_rate_limit)
        self._users: dict[int, EmulatedUser] = {}
        self._injected: dict[str, deque[BotApiError | None]] = {}
        self._updates = UpdateQueue(webhook_retry_s=webhook_retry_s, on_change=self._notify)
        self._methods = BotMethods(self._state, self._updates, privacy_mode=privacy_mode).table()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def bot_user(self) -> dict[str, Any]:
        return self._state.bot_user

    @property
    def bot_id(self) -> int:
        return self._state.bot_id

    @property
    def commands(self) -> dict[tuple[str, str], list[dict[str, str]]]:
        """The command menus the bot set, by (scope as sorted JSON, language code)."""
        return self._state.commands

    @property
    def chat_rate_limit(self) -> int | None:
        return self._state.chat_rate_limit

    @chat_rate_limit.setter
    def chat_rate_limit(self, limit: int | None) -> None:
        self._state.chat_rate_limit = limit

    # -- lifecycle and addresses

    async def __aenter__(self) -> BotApiEmulator:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll whose client hung up ends with it, as on the real server.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        await self._updates.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._updates.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder.base_url` (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For `ApplicationBuilder.base_file_url`."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- the user side

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        language_code: str | None = "en",
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> EmulatedUser:
        """A user with a private chat with the bot (the same object for the same id)."""
        if user_id in self._users:
            return self._users[user_id]
        if user_id <= 0:
            raise ValueError(f"user ids are positive, got {user_id}")
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat = {"id": user_id, "type": "private", "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username)):
            if value:
                user[key] = chat[key] = value
        if language_code:
            user["language_code"] = language_code
        state = self._state.chats.setdefault(user_id, ChatState(chat))
        self._users[user_id] = EmulatedUser(self, user, EmulatedChat(self, state))
        return self._users[user_id]

    def group(
        self, title: str, *, chat_id: int | None = None, supergroup: bool = True, username: str | None = None
    ) -> EmulatedChat:
        """A group the bot is a member of; users post there with `send_text(..., chat=group)`."""
        chat_id = chat_id if chat_id is not None else -1_000_000_000_000 - len(self._state.chats) - 1
        if chat_id >= 0:
            raise ValueError(f"group chat ids are negative, got {chat_id}")
        if chat_id in self._state.chats:
            raise ValueError(f"chat {chat_id} already exists")
        chat: dict[str, Any] = {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}
        if username:
            chat["username"] = username
        self._state.chats[chat_id] = ChatState(chat)
        return EmulatedChat(self, self._state.chats[chat_id])

    def calls_of(self, method: str) -> list[BotCall]:
        return [call for call in self.calls if call.method == method]

    def flood(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 Too Many Requests."""
        self.fail_next(method, too_many_requests(retry_after), times=times)

    def fail_next(self, method: str, error: BotApiError, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `error` (e.g. `server_error(502)` from a proxy)."""
        self._injected.setdefault(method, deque()).extend([error] * times)

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """Close the connection of the next `times` calls of `method` without an answer (a network error for
        the client: it cannot know whether the call took effect; here it did not)."""
        self._injected.setdefault(method, deque()).extend([None] * times)

    def clear_faults(self, method: str | None = None) -> None:
        """Forget the faults still waiting for `method` (every method when None)."""
        if method is None:
            self._injected.clear()
        else:
            self._injected.pop(method, None)

    @property
    def long_polling(self) -> bool:
        """Whether a getUpdates call is waiting for updates right now."""
        return self._updates.long_polling

    def webhook_info(self) -> dict[str, Any]:
        """What getWebhookInfo would answer now."""
        return self._updates.webhook_info()

    async def wait_for(
        self, predicate: Callable[[], T | None], *, timeout: float = 5.0, waiting_for: str = "condition"
    ) -> T:
        """Wait until `predicate()` is truthy, re-checking whenever the bot calls the API; returns it."""
        result: T | None = None

        def check() -> bool:
            nonlocal result
            result = predicate()
            return bool(result)

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(check), timeout)
            except TimeoutError:
                recent = [f"{call.method}{'' if call.ok else ' !' + str(call.error)}" for call in self.calls[-15:]]
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {waiting_for}; last bot calls: {recent}"
                ) from None
        return result  # type: ignore[return-value]

    # -- HTTP

    async def _handle_method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(BotApiError(401, "Unauthorized").payload(), status=401)
        try:
            params = RequestParams(await self._read_params(request))
        except ValueError:  # a body that is not the JSON it claims to be
            return web.json_response(bad_request("can't parse request JSON object").payload(), status=400)
        # Method names are case-insensitive on the real server.
        method = next((name for name in self._methods if name.lower() == method.lower()), method)
        handler = self._methods.get(method)
        try:
            if handler is None:
                raise BotApiError(404, "Not Found")
            if injected := self._injected.get(method):
                fault = injected.popleft()
                if fault is None:
                    return await self._drop(request, method, params)
                raise fault
            result = await handler(params)
        except asyncio.CancelledError:
            # The client hung up (e.g. PTB stopping its poll loop): no answer went out.
            self.calls.append(BotCall(method, params.for_record(), False, "client disconnected"))
            raise
        except BotApiError as error:
            self.calls.append(BotCall(method, params.for_record(), False, error.description))
            await self._notify()
            return web.json_response(error.payload(), status=error.error_code)
        self.calls.append(BotCall(method, params.for_record(), True))
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _drop(self, request: web.Request, method: str, params: RequestParams) -> web.Response:
        self.calls.append(BotCall(method, params.for_record(), False, "connection dropped"))
        await self._notify()
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=500)  # never reaches the client: its connection is gone

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        values: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    values.update(body)
            else:
                for name, field in (await request.post()).items():
                    if isinstance(field, web.FileField):
                        values[name] = Upload(field.filename, field.content_type, field.file.read())
                    else:
                        values[name] = field
        return values

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(BotApiError(401, "Unauthorized").payload(), status=401)
        stored = self._state.files_by_path.get(request.match_info["path"])
        if stored is None or stored.data is None:
            return web.json_response(BotApiError(404, "Not Found").payload(), status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- users acting

    def _user_message(
        self,
        user: dict[str, Any],
        chat: ChatState,
        content: dict[str, Any],
        reply_to: Outgoing | dict[str, Any] | None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": chat.new_message_id(),
            "from": user,
            "chat": chat.chat,
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            target = self._state.current_message(chat, reply_to)
            message["reply_to_message"] = target
        chat.messages[message["message_id"]] = message
        if "document" in content:
            chat.files[message["message_id"]] = self._state.files[content["document"]["file_id"]]
        if self._delivers_to_bot(chat, message):
            self._updates.push("message", message)
        return message

    def _delivers_to_bot(self, chat: ChatState, message: dict[str, Any]) -> bool:
        if chat.chat["type"] == "private" or not self.privacy_mode:
            return True
        text = message.get("text", message.get("caption", ""))
        replied = message.get("reply_to_message", {}).get("from", {}).get("id") == self.bot_id
        return replied or text.startswith("/") or f"@{self.bot_user['username']}" in text

    def _press(self, user: dict[str, Any], message: Outgoing | dict[str, Any], data: str) -> CallbackPress:
        chat_id = message.chat_id if isinstance(message, Outgoing) else message["chat"]["id"]
        current = self._state.current_message(self._state.chats[chat_id], message)
        rows = (current.get("reply_markup") or {}).get("inline_keyboard", [])
        if not any(button.get("callback_data") == data for row in rows for button in row):
            offered = [button.get("callback_data") for row in rows for button in row]
            raise ValueError(f"message {current['message_id']} has no button with {data!r}; it has {offered}")
        query_id = str(4_000_000_000_000 + next(self._state.callback_counter))
        query = {
            "id": query_id,
            "from": user,
            "message": current,
            "chat_instance": str(-7_000_000_000 - abs(chat_id)),
            "data": data,
        }
        self._state.open_callbacks[query_id] = query
        self._updates.push("callback_query", query)
        return CallbackPress(self, query_id)


@contextlib.asynccontextmanager
async def polling(application: Application, *, poll_timeout: int = 10) -> AsyncIterator[Application]:
    """Run a python-telegram-bot Application with long polling for the duration of the block."""
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=poll_timeout)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
