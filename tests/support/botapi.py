"""A Telegram Bot API emulator for tests, served over real HTTP on 127.0.0.1.

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
sent), and the server's own flood control unless `chat_rate_limit` or `flood()` asks for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from telegram.ext import Application

DEFAULT_TOKEN = "123456789:EMULATOR-token_for-tests"
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile limit for bots on the public Bot API
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # multipart upload limit for bots
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
UPDATE_TYPES = ("message", "edited_message", "callback_query")

T = TypeVar("T")
OutgoingKind = Literal["message", "edit", "draft", "delete", "chat_action"]


class BotApiError(Exception):
    """An error answer of the Bot API: HTTP status = `error_code`, `description` as Telegram words it."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {detail}")


def too_many_requests(retry_after: int) -> BotApiError:
    return BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


# --- what the test reads ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    """A file known to the emulator: uploaded by a user or the bot, or referenced by URL."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes | None  # None when the bot sent it by URL (the emulator never fetches URLs)
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0


@dataclass(frozen=True)
class BotCall:
    """One Bot API request, in arrival order; uploaded files appear as `<file NAME, N bytes>`."""

    method: str
    params: dict[str, Any]
    ok: bool
    error: str | None = None


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
    def text(self) -> str | None:
        """Message text, caption, or draft text, whichever this event carries."""
        if self.kind == "draft":
            return self.draft_text
        if self.message is None:
            return None
        return self.message.get("text", self.message.get("caption"))

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


# --- HTML parse mode ----------------------------------------------------------------------------

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*>")
_CHAR_REF = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}  # fmt: skip


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: plain text plus entities (UTF-16 offsets), or the API's 400."""
    text: list[str] = []
    entities: list[dict[str, Any]] = []
    open_tags: list[tuple[str, int, dict[str, Any]]] = []
    position = 0
    utf16_offset = 0

    def error(detail: str) -> BotApiError:
        return bad_request(f"can't parse entities: {detail} at byte offset {len(source[:position].encode())}")

    while position < len(source):
        char = source[position]
        if char == "<":
            tag = _TAG.match(source, position)
            if tag is None:
                raise error("Unexpected end of name token")
            closing, name, attributes = tag.group(1) == "/", tag.group(2).lower(), tag.group(3)
            if closing:
                if not open_tags:
                    raise error(f'Unexpected end tag "{name}"')
                if open_tags[-1][0] != name:
                    raise error(f'Unmatched end tag, expected "</{open_tags[-1][0]}>", found "</{name}>"')
                _, start, entity = open_tags.pop()
                if utf16_offset > start:
                    entities.append({**entity, "offset": start, "length": utf16_offset - start})
            else:
                if name not in _HTML_ENTITY_TYPES:
                    raise error(f'Unsupported start tag "{name}"')
                entity: dict[str, Any] = {"type": _HTML_ENTITY_TYPES[name]}
                if name == "a":
                    href = re.search(r"""href\s*=\s*["']([^"']*)["']""", attributes)
                    if href is None:
                        raise error('Tag "a" must have attribute "href"')
                    entity["url"] = href.group(1)
                if name == "span" and "tg-spoiler" not in attributes:
                    raise error('Tag "span" must have class "tg-spoiler"')
                open_tags.append((name, utf16_offset, entity))
            position = tag.end()
            continue
        if char == "&" and (ref := _CHAR_REF.match(source, position)) is not None:
            name = ref.group(1)
            if name.startswith("#x"):
                decoded = chr(int(name[2:], 16))
            elif name.startswith("#"):
                decoded = chr(int(name[1:]))
            else:
                decoded = _NAMED_REFS[name]
            position = ref.end()
        else:
            decoded = char
            position += 1
        text.append(decoded)
        utf16_offset += _utf16_len(decoded)
    if open_tags:
        raise error(f'Can\'t find end tag corresponding to start tag "{open_tags[-1][0]}"')
    return "".join(text), sorted(entities, key=lambda entity: entity["offset"])


# --- request parameters -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


class _Params:
    """A Bot API request's parameters, typed on access: form and query values are strings and
    JSON-serialised objects, JSON bodies are already typed, multipart fields may be files."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def string(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, _Upload):
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def required_str(self, name: str, empty_error: str | None = None) -> str:
        value = self.string(name)
        if not value:
            raise bad_request(empty_error or f"{name} is empty")
        return value

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def required_int(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))

    def parsed(self, name: str) -> Any:
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def upload(self, name: str) -> _Upload | None:
        value = self.values.get(name)
        return value if isinstance(value, _Upload) else None

    def for_record(self) -> dict[str, Any]:
        return {
            name: f"<file {value.filename}, {len(value.data)} bytes>"
            if isinstance(value, _Upload)
            else self.parsed(name) if name in _JSON_PARAMS else value
            for name, value in self.values.items()
        }


_JSON_PARAMS = frozenset(
    {"reply_markup", "reply_parameters", "entities", "caption_entities", "media", "allowed_updates",
     "commands", "scope", "link_preview_options"}
)  # fmt: skip


# --- chats ---------------------------------------------------------------------------------------


@dataclass
class _ChatState:
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

    def __init__(self, emulator: BotApiEmulator, state: _ChatState) -> None:
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
        if entities := _text_entities(text):
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
        stored = self._emulator._store_file(
            "documents", data, file_name=filename, mime_type=mime_type or mimetypes.guess_type(filename)[0]
        )
        content: dict[str, Any] = {"document": _document_json(stored)}
        if caption:
            content["caption"] = caption
            if entities := _text_entities(caption):
                content["caption_entities"] = entities
        return self._emulator._user_message(self.user, (chat or self.chat)._state, content, None)

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
            lambda: self._emulator._callback_answers.get(self.query_id),
            timeout=timeout,
            waiting_for=f"answerCallbackQuery({self.query_id})",
        )


_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{5,32})?")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}")


def _text_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram's clients attach to typed text: a leading /command and @mentions."""
    entities = []
    if command := _COMMAND.match(text):
        entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command.group())})
    for mention in _MENTION.finditer(text):
        entities.append(
            {"type": "mention", "offset": _utf16_len(text[: mention.start()]), "length": _utf16_len(mention.group())}
        )
    return entities


def _document_json(stored: StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document


def _photo_json(stored: StoredFile) -> list[dict[str, Any]]:
    # Telegram returns several sizes of one photo; two are enough for `message.photo[-1]`.
    return [
        {"file_id": f"{stored.file_id}-s", "file_unique_id": f"{stored.file_unique_id}-s", "width": 90,
         "height": 90, "file_size": stored.size // 4},
        {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": 800, "height": 800,
         "file_size": stored.size},
    ]  # fmt: skip


# --- the emulator ---------------------------------------------------------------------------------


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
        self.bot_user: dict[str, Any] = {"id": self.bot_id, "is_bot": True, "first_name": bot_name,
                                         "username": bot_username}  # fmt: skip
        self.privacy_mode = privacy_mode
        self.chat_rate_limit = chat_rate_limit
        self.webhook_retry_s = webhook_retry_s
        self.calls: list[BotCall] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}

        self._chats: dict[int, _ChatState] = {}
        self._users: dict[int, EmulatedUser] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._seq = itertools.count(1)
        self._callback_counter = itertools.count(1)
        self._open_callbacks: dict[str, dict[str, Any]] = {}
        self._callback_answers: dict[str, CallbackAnswer] = {}
        self._injected: dict[str, deque[BotApiError]] = {}

        self._pending: list[dict[str, Any]] = []
        self._next_update_id = 100_000_001
        self._allowed_updates: frozenset[str] = frozenset(UPDATE_TYPES)
        self._poll: asyncio.Future[None] | None = None
        self._webhook: dict[str, Any] | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_wakeup = asyncio.Event()

        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0
        self._methods: dict[str, Callable[[_Params], Any]] = {
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
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._poll is not None and not self._poll.done():
            self._poll.set_result(None)
        await self._stop_webhook_worker()
        if self._session is not None:
            await self._session.close()
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
        state = self._chats.setdefault(user_id, _ChatState(chat))
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
        self._chats[chat_id] = _ChatState(chat)
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
        return self._poll is not None and not self._poll.done()

    def webhook_info(self) -> dict[str, Any]:
        return self._webhook_info_json()

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
        params = _Params(await self._read_params(request))
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
                for name, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        value = _Upload(value.filename, value.content_type, value.file.read())
                    values[name] = value
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

    # -- updates: queue, long polling, webhook

    def _enqueue(self, kind: str, payload: dict[str, Any]) -> None:
        if kind not in self._allowed_updates:
            return
        self._pending.append({"update_id": self._next_update_id, kind: payload})
        self._next_update_id += 1
        if self._poll is not None and not self._poll.done():
            self._poll.set_result(None)
        self._webhook_wakeup.set()

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [update for update in self._pending if update["update_id"] >= offset]

    def _set_allowed_updates(self, allowed: Any) -> None:
        if allowed is None:
            return  # keeps the previous setting, as documented
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON array")
        self._allowed_updates = frozenset(allowed) if allowed else frozenset(UPDATE_TYPES)

    async def _get_updates(self, params: _Params) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise BotApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                   "use deleteWebhook to delete the webhook first")  # fmt: skip
        limit = min(max(params.integer("limit", 100) or 100, 1), 100)
        timeout = max(params.integer("timeout", 0) or 0, 0)
        self._set_allowed_updates(params.parsed("allowed_updates"))
        self._confirm(params.integer("offset"))
        if self._poll is not None and not self._poll.done():
            self._poll.set_exception(BotApiError(409, "Conflict: terminated by other getUpdates request; "
                                                      "make sure that only one bot instance is running"))  # fmt: skip
        if not self._pending and timeout > 0:
            poll = self._poll = asyncio.get_running_loop().create_future()
            await self._notify()
            try:
                await asyncio.wait_for(asyncio.shield(poll), timeout)
            except TimeoutError:
                pass
            finally:
                if self._poll is poll:
                    self._poll = None
            if self._webhook is not None:
                raise BotApiError(409, "Conflict: terminated by setWebhook request")
        return self._pending[:limit]

    async def _set_webhook(self, params: _Params) -> bool:
        url = params.string("url", "") or ""
        if not url:
            return await self._delete_webhook(params)
        if not re.match(r"^https?://[^/\s]+", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.string("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        if params.flag("drop_pending_updates"):
            self._pending.clear()
        self._set_allowed_updates(params.parsed("allowed_updates"))
        await self._stop_webhook_worker()
        self._webhook = {"url": url, "secret_token": secret, "max_connections": params.integer("max_connections", 40)}
        self._webhook_error = None
        if self._poll is not None and not self._poll.done():
            self._poll.set_result(None)
        self._webhook_task = asyncio.create_task(self._deliver_webhook(url, secret))
        return True

    async def _delete_webhook(self, params: _Params) -> bool:
        if params.flag("drop_pending_updates"):
            self._pending.clear()
        await self._stop_webhook_worker()
        self._webhook = None
        self._webhook_error = None
        return True

    async def _stop_webhook_worker(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None

    async def _deliver_webhook(self, url: str, secret: str | None) -> None:
        """POST pending updates one at a time, in order; an update leaves the queue once accepted."""
        assert self._session is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        while True:
            if not self._pending:
                self._webhook_wakeup.clear()
                await self._webhook_wakeup.wait()
                continue
            update = self._pending[0]
            try:
                async with self._session.post(url, json=update, headers=headers) as response:
                    accepted = 200 <= response.status < 300
                    if not accepted:
                        self._webhook_error = (int(time.time()), f"Wrong response from the webhook: "
                                                                 f"{response.status} {response.reason}")  # fmt: skip
            except aiohttp.ClientError as error:
                accepted = False
                self._webhook_error = (int(time.time()), f"Connection failed: {error}")
            if accepted:
                if self._pending and self._pending[0] is update:
                    self._pending.pop(0)
            else:
                await self._notify()
                await asyncio.sleep(self.webhook_retry_s)

    def _webhook_info_json(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook["url"] if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook:
            info["max_connections"] = self._webhook["max_connections"]
            info["allowed_updates"] = sorted(self._allowed_updates)
        if self._webhook_error:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    async def _get_webhook_info(self, params: _Params) -> dict[str, Any]:
        return self._webhook_info_json()

    # -- users acting

    def _user_message(
        self,
        user: dict[str, Any],
        chat: _ChatState,
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
            self._enqueue("message", message)
        return message

    def _delivers_to_bot(self, chat: _ChatState, message: dict[str, Any]) -> bool:
        if chat.chat["type"] == "private" or not self.privacy_mode:
            return True
        text = message.get("text", message.get("caption", ""))
        replied = message.get("reply_to_message", {}).get("from", {}).get("id") == self.bot_id
        return replied or text.startswith("/") or f"@{self.bot_user['username']}" in text

    def _current_message(self, chat: _ChatState, message: Outgoing | dict[str, Any]) -> dict[str, Any]:
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
        self._enqueue("callback_query", query)
        return CallbackPress(self, query_id)

    # -- chats, messages, files

    def _chat(self, params: _Params, name: str = "chat_id") -> _ChatState:
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

    def _input_file(self, params: _Params, name: str, folder: str, files: dict[str, _Upload]) -> StoredFile:
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

    def _check_rate(self, chat: _ChatState) -> None:
        if self.chat_rate_limit is None:
            return
        now = time.monotonic()
        while chat.recent_sends and now - chat.recent_sends[0] >= 1.0:
            chat.recent_sends.popleft()
        if len(chat.recent_sends) >= self.chat_rate_limit:
            raise too_many_requests(max(1, round(1.0 - (now - chat.recent_sends[0]))))
        chat.recent_sends.append(now)

    def _formatted(self, params: _Params, name: str, limit: int, *, entities_key: str) -> dict[str, Any]:
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

    def _reply_markup(self, params: _Params, *, inline_only: bool = False) -> dict[str, Any] | None:
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
            raise bad_request("can't parse inline keyboard button: InlineKeyboardMarkup must be an Array of "
                              "Arrays of InlineKeyboardButton")  # fmt: skip
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the "
                                      "inline keyboard")  # fmt: skip
                if "callback_data" in button:
                    if not 1 <= len(str(button["callback_data"]).encode()) <= MAX_CALLBACK_DATA_BYTES:
                        raise bad_request("BUTTON_DATA_INVALID")
                elif "url" in button:
                    if not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
                        raise bad_request(f"inline keyboard button URL '{button['url']}' is invalid: "
                                          "Wrong HTTP URL")  # fmt: skip
                elif not any(key in button for key in ("switch_inline_query", "copy_text", "web_app", "pay")):
                    raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must have "
                                      "exactly one optional field")  # fmt: skip
        return {"inline_keyboard": rows}

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

    def _reply_to(self, params: _Params, chat: _ChatState) -> dict[str, Any] | None:
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
        chat: _ChatState,
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

    def _record(self, chat: _ChatState, kind: OutgoingKind, **details: Any) -> None:
        chat.outgoing.append(Outgoing(seq=next(self._seq), kind=kind, chat_id=chat.id, **details))

    def _target_message(self, params: _Params) -> tuple[_ChatState, dict[str, Any]]:
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

    def _apply_edit(self, chat: _ChatState, message: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
        if edited == message:
            raise bad_request("message is not modified: specified new message content and reply markup are "
                              "exactly the same as a current content and reply markup of the message")  # fmt: skip
        self._check_rate(chat)
        edited["edit_date"] = int(time.time())
        chat.messages[message["message_id"]] = edited
        self._record(chat, "edit", message=edited, file=chat.files.get(message["message_id"]))
        return edited

    # -- Bot API methods

    async def _get_me(self, params: _Params) -> dict[str, Any]:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": not self.privacy_mode,
                "supports_inline_queries": False}  # fmt: skip

    async def _get_chat(self, params: _Params) -> dict[str, Any]:
        chat = self._chat(params)
        return {
            **chat.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                    "premium_subscription": False, "gifts_from_channels": False},
        }  # fmt: skip

    async def _send_message(self, params: _Params) -> dict[str, Any]:
        chat = self._chat(params)
        content = self._formatted(params, "text", MAX_TEXT_LENGTH, entities_key="entities")
        if not content:
            raise bad_request("message text is empty")
        markup, reply_to = self._reply_markup(params), self._reply_to(params, chat)
        self._check_rate(chat)
        return self._bot_message(chat, content, markup=markup, reply_to=reply_to)

    async def _send_message_draft(self, params: _Params) -> bool:
        chat = self._chat(params)
        if chat.chat["type"] != "private":
            raise bad_request("TEXTDRAFT_PEER_INVALID")
        draft_id = params.required_int("draft_id")
        if draft_id == 0:
            raise bad_request("draft_id must be non-zero")
        content = self._formatted(params, "text", MAX_TEXT_LENGTH, entities_key="entities")
        self._record(chat, "draft", draft_id=draft_id, draft_text=content.get("text", ""))
        return True

    async def _edit_message_text(self, params: _Params) -> dict[str, Any]:
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

    async def _edit_message_caption(self, params: _Params) -> dict[str, Any]:
        chat, message = self._target_message(params)
        if "text" in message:
            raise bad_request("there is no caption in the message to edit")
        content = self._formatted(params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities")
        edited = {k: v for k, v in message.items() if k not in ("caption", "caption_entities", "reply_markup")}
        edited.update(content)
        if (markup := self._reply_markup(params, inline_only=True)) is not None:
            edited["reply_markup"] = markup
        return self._apply_edit(chat, message, edited)

    async def _edit_message_reply_markup(self, params: _Params) -> dict[str, Any]:
        chat, message = self._target_message(params)
        edited = {key: value for key, value in message.items() if key != "reply_markup"}
        if (markup := self._reply_markup(params, inline_only=True)) is not None and markup["inline_keyboard"]:
            edited["reply_markup"] = markup
        return self._apply_edit(chat, message, edited)

    async def _delete_message(self, params: _Params) -> bool:
        chat = self._chat(params)
        message_id = params.required_int("message_id")
        if chat.messages.pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        self._record(chat, "delete", deleted_message_id=message_id)
        return True

    async def _send_photo(self, params: _Params) -> dict[str, Any]:
        chat = self._chat(params)
        caption = self._formatted(params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities")
        markup, reply_to = self._reply_markup(params), self._reply_to(params, chat)
        stored = self._input_file(params, "photo", "photos", {})
        self._check_rate(chat)
        return self._bot_message(chat, {"photo": _photo_json(stored), **caption}, markup=markup,
                                 reply_to=reply_to, file=stored)  # fmt: skip

    async def _send_document(self, params: _Params) -> dict[str, Any]:
        chat = self._chat(params)
        caption = self._formatted(params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities")
        markup, reply_to = self._reply_markup(params), self._reply_to(params, chat)
        stored = self._input_file(params, "document", "documents", {})
        self._check_rate(chat)
        return self._bot_message(chat, {"document": _document_json(stored), **caption}, markup=markup,
                                 reply_to=reply_to, file=stored)  # fmt: skip

    async def _send_media_group(self, params: _Params) -> list[dict[str, Any]]:
        chat = self._chat(params)
        media = params.parsed("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media specified: must be between 2 and 10")
        uploads = {name: value for name, value in params.values.items() if isinstance(value, _Upload)}
        reply_to = self._reply_to(params, chat)
        group_id = str(13_000_000_000_000_000 + next(self._seq))
        prepared = []
        for item in media:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in ("photo", "document"):
                raise bad_request(f"unsupported media type {kind!r} in the media group")
            item_params = _Params({kind: item.get("media"), "caption": item.get("caption"),
                                   "parse_mode": item.get("parse_mode"),
                                   "caption_entities": item.get("caption_entities")})  # fmt: skip
            caption = self._formatted(item_params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities")
            stored = self._input_file(item_params, kind, f"{kind}s", uploads)
            body = _photo_json(stored) if kind == "photo" else _document_json(stored)
            prepared.append(({kind: body, "media_group_id": group_id, **caption}, stored))
        self._check_rate(chat)
        return [self._bot_message(chat, content, reply_to=reply_to, file=stored) for content, stored in prepared]

    async def _get_file(self, params: _Params) -> dict[str, Any]:
        file_id = params.required_str("file_id")
        stored = self._files.get(file_id) or self._files.get(file_id.removesuffix("-s"))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.data is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {"file_id": file_id, "file_unique_id": stored.file_unique_id, "file_size": stored.size,
                "file_path": stored.file_path}  # fmt: skip

    async def _answer_callback_query(self, params: _Params) -> bool:
        query_id = params.required_str("callback_query_id")
        if self._open_callbacks.pop(query_id, None) is None:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.string("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._callback_answers[query_id] = CallbackAnswer(text, params.flag("show_alert"), params.string("url"))
        return True

    def _commands_key(self, params: _Params) -> tuple[str, str]:
        scope = params.parsed("scope") or {"type": "default"}
        if not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            self._chat(_Params({"chat_id": scope["chat_id"]}))  # unknown chats are refused, as on Telegram
        return json.dumps(scope, sort_keys=True), params.string("language_code", "") or ""

    async def _set_my_commands(self, params: _Params) -> bool:
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

    async def _get_my_commands(self, params: _Params) -> list[dict[str, str]]:
        return self.commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, params: _Params) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _send_chat_action(self, params: _Params) -> bool:
        chat = self._chat(params)
        action = params.required_str("action", "action is empty")
        self._record(chat, "chat_action", action=action)
        return True

    def _source_message(self, params: _Params) -> tuple[_ChatState, dict[str, Any]]:
        source_chat = self._chat(params, "from_chat_id")
        message = source_chat.messages.get(params.required_int("message_id"))
        if message is None:
            raise bad_request("message to forward not found")
        return source_chat, message

    async def _forward_message(self, params: _Params) -> dict[str, Any]:
        chat = self._chat(params)
        source_chat, source = self._source_message(params)
        content = {k: v for k, v in source.items() if k not in ("message_id", "from", "chat", "date", "edit_date",
                                                                "reply_to_message", "reply_markup")}  # fmt: skip
        content["forward_origin"] = {"type": "user", "sender_user": source["from"], "date": source["date"]}
        self._check_rate(chat)
        return self._bot_message(chat, content, file=source_chat.files.get(source["message_id"]))

    async def _copy_message(self, params: _Params) -> dict[str, int]:
        chat = self._chat(params)
        source_chat, source = self._source_message(params)
        content = {k: v for k, v in source.items() if k not in ("message_id", "from", "chat", "date", "edit_date",
                                                                "reply_to_message", "reply_markup")}  # fmt: skip
        if "caption" in params:
            content.update(self._formatted(params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities"))
        self._check_rate(chat)
        copied = self._bot_message(chat, content, markup=self._reply_markup(params),
                                   file=source_chat.files.get(source["message_id"]))  # fmt: skip
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
