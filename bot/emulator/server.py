"""The emulator itself: one bot's Bot API over HTTP on 127.0.0.1, its chats, files and the methods."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from bot.emulator.chats import (
    CallbackAnswer,
    CallbackPress,
    ChatState,
    EmulatedChat,
    EmulatedUser,
    Outgoing,
    OutgoingKind,
)
from bot.emulator.params import RequestParams, Upload
from bot.emulator.protocol import (
    DEFAULT_TOKEN,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_BYTES,
    MAX_TEXT_LENGTH,
    MAX_UPLOAD_BYTES,
    BotApiError,
    StoredFile,
    bad_request,
    document_json,
    parse_html,
    photo_json,
    too_many_requests,
)
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
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.privacy_mode = privacy_mode
        self.chat_rate_limit = chat_rate_limit
        self.calls: list[BotCall] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}

        self._chats: dict[int, ChatState] = {}
        self._users: dict[int, EmulatedUser] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._seq = itertools.count(1)
        self._callback_counter = itertools.count(1)
        self._open_callbacks: dict[str, dict[str, Any]] = {}
        self._callback_answers: dict[str, CallbackAnswer] = {}
        self._injected: dict[str, deque[BotApiError]] = {}

        self._updates = UpdateQueue(webhook_retry_s=webhook_retry_s, on_change=self._notify)

        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._methods: dict[str, Callable[[RequestParams], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendMessageDraft": self._send_message_draft,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendMediaGroup": self._send_media_group,
            "getFile": self._get_file,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendChatAction": self._send_chat_action,
            "forwardMessage": self._forward_message,
            "copyMessage": self._copy_message,
            "getChat": self._get_chat,
        }

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
        state = self._chats.setdefault(user_id, ChatState(chat))
        self._users[user_id] = EmulatedUser(self, user, EmulatedChat(self, state))
        return self._users[user_id]

    def group(
        self, title: str, *, chat_id: int | None = None, supergroup: bool = True, username: str | None = None
    ) -> EmulatedChat:
        """A group the bot is a member of; users post there with `send_text(..., chat=group)`."""
        chat_id = chat_id if chat_id is not None else -1_000_000_000_000 - len(self._chats) - 1
        if chat_id >= 0:
            raise ValueError(f"group chat ids are negative, got {chat_id}")
        if chat_id in self._chats:
            raise ValueError(f"chat {chat_id} already exists")
        chat: dict[str, Any] = {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}
        if username:
            chat["username"] = username
        self._chats[chat_id] = ChatState(chat)
        return EmulatedChat(self, self._chats[chat_id])

    def calls_of(self, method: str) -> list[BotCall]:
        return [call for call in self.calls if call.method == method]

    def flood(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 Too Many Requests."""
        self.fail_next(method, too_many_requests(retry_after), times=times)

    def fail_next(self, method: str, error: BotApiError, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `error` (e.g. a 502 from a proxy)."""
        self._injected.setdefault(method, deque()).extend([error] * times)

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
                raise injected.popleft()
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
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None or stored.data is None:
            return web.json_response(BotApiError(404, "Not Found").payload(), status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- updates: long polling and the webhook

    async def _get_updates(self, params: RequestParams) -> list[dict[str, Any]]:
        self._updates.set_allowed(params.parsed("allowed_updates"))
        return await self._updates.get_updates(
            offset=params.integer("offset"),
            limit=min(max(params.integer("limit", 100) or 100, 1), 100),
            timeout=max(params.integer("timeout", 0) or 0, 0),
        )

    async def _set_webhook(self, params: RequestParams) -> bool:
        url = params.string("url", "") or ""
        if not url:
            return await self._delete_webhook(params)
        if not re.match(r"^https?://[^/\s]+", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.string("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        self._updates.set_allowed(params.parsed("allowed_updates"))
        await self._updates.set_webhook(
            url,
            secret=secret,
            max_connections=params.integer("max_connections", 40) or 40,
            drop_pending=params.flag("drop_pending_updates"),
        )
        return True

    async def _delete_webhook(self, params: RequestParams) -> bool:
        await self._updates.delete_webhook(drop_pending=params.flag("drop_pending_updates"))
        return True

    async def _get_webhook_info(self, params: RequestParams) -> dict[str, Any]:
        return self._updates.webhook_info()

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
            target = self._current_message(chat, reply_to)
            message["reply_to_message"] = target
        chat.messages[message["message_id"]] = message
        if "document" in content:
            chat.files[message["message_id"]] = self._files[content["document"]["file_id"]]
        if self._delivers_to_bot(chat, message):
            self._updates.push("message", message)
        return message

    def _delivers_to_bot(self, chat: ChatState, message: dict[str, Any]) -> bool:
        if chat.chat["type"] == "private" or not self.privacy_mode:
            return True
        text = message.get("text", message.get("caption", ""))
        replied = message.get("reply_to_message", {}).get("from", {}).get("id") == self.bot_id
        return replied or text.startswith("/") or f"@{self.bot_user['username']}" in text

    def _current_message(self, chat: ChatState, message: Outgoing | dict[str, Any]) -> dict[str, Any]:
        message_id = message.message_id if isinstance(message, Outgoing) else message["message_id"]
        current = chat.messages.get(message_id) if message_id is not None else None
        if current is None:
            raise ValueError(f"message {message_id} is not (or no longer) in chat {chat.id}")
        return current

    def _press(self, user: dict[str, Any], message: Outgoing | dict[str, Any], data: str) -> CallbackPress:
        chat_id = message.chat_id if isinstance(message, Outgoing) else message["chat"]["id"]
        current = self._current_message(self._chats[chat_id], message)
        rows = (current.get("reply_markup") or {}).get("inline_keyboard", [])
        if not any(button.get("callback_data") == data for row in rows for button in row):
            offered = [button.get("callback_data") for row in rows for button in row]
            raise ValueError(f"message {current['message_id']} has no button with {data!r}; it has {offered}")
        query_id = str(4_000_000_000_000 + next(self._callback_counter))
        query = {
            "id": query_id,
            "from": user,
            "message": current,
            "chat_instance": str(-7_000_000_000 - abs(chat_id)),
            "data": data,
        }
        self._open_callbacks[query_id] = query
        self._updates.push("callback_query", query)
        return CallbackPress(self, query_id)

    # -- chats, messages, files

    def _chat(self, params: RequestParams, name: str = "chat_id") -> ChatState:
        raw = params.string(name)
        if not raw:
            raise bad_request(f"{name} is empty")
        if raw.startswith("@"):
            chat = next((c for c in self._chats.values() if c.chat.get("username") == raw[1:]), None)
        else:
            try:
                chat = self._chats.get(int(raw))
            except ValueError:
                chat = None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _store_file(
        self,
        folder: str,
        data: bytes | None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
    ) -> StoredFile:
        number = next(self._file_counter)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        elif folder == "photos":
            suffix = ".jpg"
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAI{number:08d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            url=url,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _input_file(self, params: RequestParams, name: str, folder: str, files: dict[str, Upload]) -> StoredFile:
        """A file parameter: an upload, an attach:// reference, a known file_id, or an HTTP URL."""
        upload = params.upload(name)
        reference = params.string(name)
        if upload is None and reference and reference.startswith("attach://"):
            upload = files.get(reference.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"{reference} not found in the request")
        if upload is not None:
            return self._store_file(folder, upload.data, file_name=upload.filename, mime_type=upload.content_type)
        if not reference:
            raise bad_request(f"there is no {name} in the request")
        if reference in self._files:
            return self._files[reference]
        if re.match(r"^https?://[^/\s]+\.[^/\s]+", reference):
            return self._store_file(folder, None, url=reference, mime_type=mimetypes.guess_type(reference)[0])
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _check_rate(self, chat: ChatState) -> None:
        if self.chat_rate_limit is None:
            return
        now = time.monotonic()
        while chat.recent_sends and now - chat.recent_sends[0] >= 1.0:
            chat.recent_sends.popleft()
        if len(chat.recent_sends) >= self.chat_rate_limit:
            raise too_many_requests(max(1, round(1.0 - (now - chat.recent_sends[0]))))
        chat.recent_sends.append(now)

    def _formatted(self, params: RequestParams, name: str, limit: int, *, entities_key: str) -> dict[str, Any]:
        """Text or caption with its entities, after parse_mode, checked against `limit`."""
        raw = params.string(name) or ""
        parse_mode = (params.string("parse_mode") or "").lower()
        if parse_mode == "html":
            text, entities = parse_html(raw)
        else:
            text, entities = raw, params.parsed(entities_key) or []
        if len(text.strip()) == 0:
            return {}
        if len(text) > limit:
            raise bad_request("message is too long" if name == "text" else "message caption is too long")
        return {name: text, entities_key: entities} if entities else {name: text}

    def _reply_markup(self, params: RequestParams, *, inline_only: bool = False) -> dict[str, Any] | None:
        """The validated reply_markup: an inline keyboard, or (for new messages) a reply keyboard,
        its removal, or a force-reply request."""
        markup = params.parsed("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if inline_only:
                raise bad_request("inline keyboard expected")
            return self._reply_keyboard(markup)
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                "can't parse inline keyboard button: InlineKeyboardMarkup must be an Array of "
                "Arrays of InlineKeyboardButton"
            )
        for row in rows:
            for button in row:
                self._check_inline_button(button)
        return {"inline_keyboard": rows}

    @staticmethod
    def _check_inline_button(button: object) -> None:
        """Refuse a button Telegram refuses: no text, callback data over 64 bytes, a bad URL, no action."""
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        if "callback_data" in button:
            if not 1 <= len(str(button["callback_data"]).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        elif "url" in button:
            if not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
                raise bad_request(f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")
        elif not any(key in button for key in ("switch_inline_query", "copy_text", "web_app", "pay")):
            raise bad_request(
                "can't parse inline keyboard button: InlineKeyboardButton must have exactly one optional field"
            )

    @staticmethod
    def _reply_keyboard(markup: dict[str, Any]) -> dict[str, Any]:
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return markup
        rows = markup.get("keyboard")
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                if not (isinstance(button, str) and button) and not (isinstance(button, dict) and button.get("text")):
                    raise bad_request("can't parse keyboard button: KeyboardButton must have a text")
        return markup

    def _reply_to(self, params: RequestParams, chat: ChatState) -> dict[str, Any] | None:
        reply = params.parsed("reply_parameters") or {}
        message_id = reply.get("message_id") if isinstance(reply, dict) else None
        message_id = message_id or params.integer("reply_to_message_id")
        if not message_id:
            return None
        target = chat.messages.get(int(message_id))
        if target is None:
            if reply.get("allow_sending_without_reply") or params.flag("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return {key: value for key, value in target.items() if key != "reply_to_message"}

    def _bot_message(
        self,
        chat: ChatState,
        content: dict[str, Any],
        *,
        markup: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
        file: StoredFile | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": chat.new_message_id(),
            "from": self.bot_user,
            "chat": chat.chat,
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        # Only inline keyboards belong to the Message; a reply keyboard is shown below the input field.
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        chat.messages[message["message_id"]] = message
        if file is not None:
            chat.files[message["message_id"]] = file
        keyboard = markup if markup is not None and "inline_keyboard" not in markup else None
        self._record(chat, "message", message=message, file=file, reply_keyboard=keyboard)
        return message

    def _record(self, chat: ChatState, kind: OutgoingKind, **details: Any) -> None:
        chat.outgoing.append(Outgoing(seq=next(self._seq), kind=kind, chat_id=chat.id, **details))

    def _target_message(self, params: RequestParams) -> tuple[ChatState, dict[str, Any]]:
        if "inline_message_id" in params:
            raise bad_request("inline messages are not supported by this emulator")
        chat = self._chat(params)
        message_id = params.required_int("message_id")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        return chat, message

    def _apply_edit(self, chat: ChatState, message: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
        if edited == message:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self._check_rate(chat)
        edited["edit_date"] = int(time.time())
        chat.messages[message["message_id"]] = edited
        self._record(chat, "edit", message=edited, file=chat.files.get(message["message_id"]))
        return edited

    # -- Bot API methods

    async def _get_me(self, params: RequestParams) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
        }

    async def _get_chat(self, params: RequestParams) -> dict[str, Any]:
        chat = self._chat(params)
        return {
            **chat.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _send_message(self, params: RequestParams) -> dict[str, Any]:
        chat = self._chat(params)
        content = self._formatted(params, "text", MAX_TEXT_LENGTH, entities_key="entities")
        if not content:
            raise bad_request("message text is empty")
        markup, reply_to = self._reply_markup(params), self._reply_to(params, chat)
        self._check_rate(chat)
        return self._bot_message(chat, content, markup=markup, reply_to=reply_to)

    async def _send_message_draft(self, params: RequestParams) -> bool:
        chat = self._chat(params)
        if chat.chat["type"] != "private":
            raise bad_request("TEXTDRAFT_PEER_INVALID")
        draft_id = params.required_int("draft_id")
        if draft_id == 0:
            raise bad_request("draft_id must be non-zero")
        content = self._formatted(params, "text", MAX_TEXT_LENGTH, entities_key="entities")
        self._record(chat, "draft", draft_id=draft_id, draft_text=content.get("text", ""))
        return True

    async def _edit_message_text(self, params: RequestParams) -> dict[str, Any]:
        chat, message = self._target_message(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        content = self._formatted(params, "text", MAX_TEXT_LENGTH, entities_key="entities")
        if not content:
            raise bad_request("message text is empty")
        edited = {key: value for key, value in message.items() if key not in ("text", "entities", "reply_markup")}
        edited.update(content)
        if (markup := self._reply_markup(params, inline_only=True)) is not None:
            edited["reply_markup"] = markup
        return self._apply_edit(chat, message, edited)

    async def _edit_message_caption(self, params: RequestParams) -> dict[str, Any]:
        chat, message = self._target_message(params)
        if "text" in message:
            raise bad_request("there is no caption in the message to edit")
        content = self._formatted(params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities")
        edited = {k: v for k, v in message.items() if k not in ("caption", "caption_entities", "reply_markup")}
        edited.update(content)
        if (markup := self._reply_markup(params, inline_only=True)) is not None:
            edited["reply_markup"] = markup
        return self._apply_edit(chat, message, edited)

    async def _edit_message_reply_markup(self, params: RequestParams) -> dict[str, Any]:
        chat, message = self._target_message(params)
        edited = {key: value for key, value in message.items() if key != "reply_markup"}
        if (markup := self._reply_markup(params, inline_only=True)) is not None and markup["inline_keyboard"]:
            edited["reply_markup"] = markup
        return self._apply_edit(chat, message, edited)

    async def _delete_message(self, params: RequestParams) -> bool:
        chat = self._chat(params)
        message_id = params.required_int("message_id")
        if chat.messages.pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        self._record(chat, "delete", deleted_message_id=message_id)
        return True

    async def _send_photo(self, params: RequestParams) -> dict[str, Any]:
        chat = self._chat(params)
        caption = self._formatted(params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities")
        markup, reply_to = self._reply_markup(params), self._reply_to(params, chat)
        stored = self._input_file(params, "photo", "photos", {})
        self._check_rate(chat)
        return self._bot_message(
            chat, {"photo": photo_json(stored), **caption}, markup=markup, reply_to=reply_to, file=stored
        )

    async def _send_document(self, params: RequestParams) -> dict[str, Any]:
        chat = self._chat(params)
        caption = self._formatted(params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities")
        markup, reply_to = self._reply_markup(params), self._reply_to(params, chat)
        stored = self._input_file(params, "document", "documents", {})
        self._check_rate(chat)
        return self._bot_message(
            chat, {"document": document_json(stored), **caption}, markup=markup, reply_to=reply_to, file=stored
        )

    async def _send_media_group(self, params: RequestParams) -> list[dict[str, Any]]:
        chat = self._chat(params)
        media = params.parsed("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media specified: must be between 2 and 10")
        uploads = {name: value for name, value in params.values.items() if isinstance(value, Upload)}
        reply_to = self._reply_to(params, chat)
        group_id = str(13_000_000_000_000_000 + next(self._seq))
        prepared = []
        for item in media:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in ("photo", "document"):
                raise bad_request(f"unsupported media type {kind!r} in the media group")
            item_params = RequestParams(
                {
                    kind: item.get("media"),
                    "caption": item.get("caption"),
                    "parse_mode": item.get("parse_mode"),
                    "caption_entities": item.get("caption_entities"),
                }
            )
            caption = self._formatted(item_params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities")
            stored = self._input_file(item_params, kind, f"{kind}s", uploads)
            body = photo_json(stored) if kind == "photo" else document_json(stored)
            prepared.append(({kind: body, "media_group_id": group_id, **caption}, stored))
        self._check_rate(chat)
        return [self._bot_message(chat, content, reply_to=reply_to, file=stored) for content, stored in prepared]

    async def _get_file(self, params: RequestParams) -> dict[str, Any]:
        file_id = params.required_str("file_id")
        stored = self._files.get(file_id) or self._files.get(file_id.removesuffix("-s"))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.data is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    async def _answer_callback_query(self, params: RequestParams) -> bool:
        query_id = params.required_str("callback_query_id")
        if self._open_callbacks.pop(query_id, None) is None:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.string("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._callback_answers[query_id] = CallbackAnswer(text, params.flag("show_alert"), params.string("url"))
        return True

    def _commands_key(self, params: RequestParams) -> tuple[str, str]:
        scope = params.parsed("scope") or {"type": "default"}
        if not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            self._chat(RequestParams({"chat_id": scope["chat_id"]}))  # unknown chats are refused, as on Telegram
        return json.dumps(scope, sort_keys=True), params.string("language_code", "") or ""

    async def _set_my_commands(self, params: RequestParams) -> bool:
        commands = params.parsed("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON array")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("command description is empty or too long")
        self.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def _get_my_commands(self, params: RequestParams) -> list[dict[str, str]]:
        return self.commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, params: RequestParams) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _send_chat_action(self, params: RequestParams) -> bool:
        chat = self._chat(params)
        action = params.required_str("action", "action is empty")
        self._record(chat, "chat_action", action=action)
        return True

    def _source_message(self, params: RequestParams) -> tuple[ChatState, dict[str, Any]]:
        source_chat = self._chat(params, "from_chat_id")
        message = source_chat.messages.get(params.required_int("message_id"))
        if message is None:
            raise bad_request("message to forward not found")
        return source_chat, message

    async def _forward_message(self, params: RequestParams) -> dict[str, Any]:
        chat = self._chat(params)
        source_chat, source = self._source_message(params)
        content = {
            k: v
            for k, v in source.items()
            if k not in ("message_id", "from", "chat", "date", "edit_date", "reply_to_message", "reply_markup")
        }
        content["forward_origin"] = {"type": "user", "sender_user": source["from"], "date": source["date"]}
        self._check_rate(chat)
        return self._bot_message(chat, content, file=source_chat.files.get(source["message_id"]))

    async def _copy_message(self, params: RequestParams) -> dict[str, int]:
        chat = self._chat(params)
        source_chat, source = self._source_message(params)
        content = {
            k: v
            for k, v in source.items()
            if k not in ("message_id", "from", "chat", "date", "edit_date", "reply_to_message", "reply_markup")
        }
        if "caption" in params:
            content.update(self._formatted(params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities"))
        self._check_rate(chat)
        copied = self._bot_message(
            chat, content, markup=self._reply_markup(params), file=source_chat.files.get(source["message_id"])
        )
        return {"message_id": copied["message_id"]}


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
