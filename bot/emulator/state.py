"""What the emulated Bot API holds for one bot: the bot itself, its chats and their messages, files, open
callback queries and command menus, with the bookkeeping both sides share (finding a chat, storing a file,
recording what the bot did in a chat, the per-chat rate limit)."""

from __future__ import annotations

import itertools
import mimetypes
import re
import time
from typing import Any

from bot.emulator.chats import CallbackAnswer, ChatState, Outgoing, OutgoingKind
from bot.emulator.params import RequestParams, Upload
from bot.emulator.protocol import StoredFile, bad_request, too_many_requests


class BotState:
    """The bot's world on the server side (the methods in `methods.py` and the users in `chats.py` act on it)."""

    def __init__(self, bot_user: dict[str, Any], *, chat_rate_limit: int | None) -> None:
        self.bot_user = bot_user
        self.bot_id: int = bot_user["id"]
        self.chat_rate_limit = chat_rate_limit
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.open_callbacks: dict[str, dict[str, Any]] = {}
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._file_counter = itertools.count(1)
        self.seq = itertools.count(1)
        self.callback_counter = itertools.count(1)

    def current_message(self, chat: ChatState, message: Outgoing | dict[str, Any]) -> dict[str, Any]:
        message_id = message.message_id if isinstance(message, Outgoing) else message["message_id"]
        current = chat.messages.get(message_id) if message_id is not None else None
        if current is None:
            raise ValueError(f"message {message_id} is not (or no longer) in chat {chat.id}")
        return current

    def chat(self, params: RequestParams, name: str = "chat_id") -> ChatState:
        raw = params.string(name)
        if not raw:
            raise bad_request(f"{name} is empty")
        if raw.startswith("@"):
            chat = next((c for c in self.chats.values() if c.chat.get("username") == raw[1:]), None)
        else:
            try:
                chat = self.chats.get(int(raw))
            except ValueError:
                chat = None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def store_file(
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
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def input_file(self, params: RequestParams, name: str, folder: str, files: dict[str, Upload]) -> StoredFile:
        """A file parameter: an upload, an attach:// reference, a known file_id, or an HTTP URL."""
        upload = params.upload(name)
        reference = params.string(name)
        if upload is None and reference and reference.startswith("attach://"):
            upload = files.get(reference.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"{reference} not found in the request")
        if upload is not None:
            return self.store_file(folder, upload.data, file_name=upload.filename, mime_type=upload.content_type)
        if not reference:
            raise bad_request(f"there is no {name} in the request")
        if reference in self.files:
            return self.files[reference]
        if re.match(r"^https?://[^/\s]+\.[^/\s]+", reference):
            return self.store_file(folder, None, url=reference, mime_type=mimetypes.guess_type(reference)[0])
        raise bad_request("wrong file identifier/HTTP URL specified")

    def check_rate(self, chat: ChatState) -> None:
        if self.chat_rate_limit is None:
            return
        now = time.monotonic()
        while chat.recent_sends and now - chat.recent_sends[0] >= 1.0:
            chat.recent_sends.popleft()
        if len(chat.recent_sends) >= self.chat_rate_limit:
            raise too_many_requests(max(1, round(1.0 - (now - chat.recent_sends[0]))))
        chat.recent_sends.append(now)

    def reply_to(self, params: RequestParams, chat: ChatState) -> dict[str, Any] | None:
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

    def bot_message(
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
        self.record(chat, "message", message=message, file=file, reply_keyboard=keyboard)
        return message

    def record(self, chat: ChatState, kind: OutgoingKind, **details: Any) -> None:
        chat.outgoing.append(Outgoing(seq=next(self.seq), kind=kind, chat_id=chat.id, **details))

    def target_message(self, params: RequestParams) -> tuple[ChatState, dict[str, Any]]:
        if "inline_message_id" in params:
            raise bad_request("inline messages are not supported by this emulator")
        chat = self.chat(params)
        message_id = params.required_int("message_id")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        return chat, message

    def apply_edit(self, chat: ChatState, message: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
        if edited == message:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self.check_rate(chat)
        edited["edit_date"] = int(time.time())
        chat.messages[message["message_id"]] = edited
        self.record(chat, "edit", message=edited, file=chat.files.get(message["message_id"]))
        return edited
