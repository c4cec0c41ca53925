"""The Bot API methods the emulator answers, each checking its parameters as Telegram does and acting on the
bot's state (`state.py`): updates and the webhook, sending, editing and deleting messages, photos, documents
and media groups, files, callback answers, command menus, chat actions, forwards and copies."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.emulator.chats import CallbackAnswer, ChatState
from bot.emulator.markup import formatted, reply_markup
from bot.emulator.params import RequestParams, Upload
from bot.emulator.protocol import (
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_BYTES,
    MAX_TEXT_LENGTH,
    bad_request,
    document_json,
    photo_json,
)
from bot.emulator.state import BotState
from bot.emulator.updates import UpdateQueue

Method = Callable[[RequestParams], Awaitable[Any]]


class BotMethods:
    """The methods of one emulated bot; `table()` maps their names to them."""

    def __init__(self, state: BotState, updates: UpdateQueue, *, privacy_mode: bool) -> None:
        self._state = state
        self._updates = updates
        self._privacy_mode = privacy_mode

    def table(self) -> dict[str, Method]:
        """Every method by its name (the server matches names case-insensitively, as Telegram does)."""
        return {
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

    async def _get_me(self, params: RequestParams) -> dict[str, Any]:
        return {
            **self._state.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self._privacy_mode,
            "supports_inline_queries": False,
        }

    async def _get_chat(self, params: RequestParams) -> dict[str, Any]:
        chat = self._state.chat(params)
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
        chat = self._state.chat(params)
        content = formatted(params, "text", MAX_TEXT_LENGTH, entities_key="entities")
        if not content:
            raise bad_request("message text is empty")
        markup, reply_to = reply_markup(params), self._state.reply_to(params, chat)
        self._state.check_rate(chat)
        return self._state.bot_message(chat, content, markup=markup, reply_to=reply_to)

    async def _send_message_draft(self, params: RequestParams) -> bool:
        chat = self._state.chat(params)
        if chat.chat["type"] != "private":
            raise bad_request("TEXTDRAFT_PEER_INVALID")
        draft_id = params.required_int("draft_id")
        if draft_id == 0:
            raise bad_request("draft_id must be non-zero")
        content = formatted(params, "text", MAX_TEXT_LENGTH, entities_key="entities")
        self._state.record(chat, "draft", draft_id=draft_id, draft_text=content.get("text", ""))
        return True

    async def _edit_message_text(self, params: RequestParams) -> dict[str, Any]:
        chat, message = self._state.target_message(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        content = formatted(params, "text", MAX_TEXT_LENGTH, entities_key="entities")
        if not content:
            raise bad_request("message text is empty")
        edited = {key: value for key, value in message.items() if key not in ("text", "entities", "reply_markup")}
        edited.update(content)
        if (markup := reply_markup(params, inline_only=True)) is not None:
            edited["reply_markup"] = markup
        return self._state.apply_edit(chat, message, edited)

    async def _edit_message_caption(self, params: RequestParams) -> dict[str, Any]:
        chat, message = self._state.target_message(params)
        if "text" in message:
            raise bad_request("there is no caption in the message to edit")
        content = formatted(params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities")
        edited = {k: v for k, v in message.items() if k not in ("caption", "caption_entities", "reply_markup")}
        edited.update(content)
        if (markup := reply_markup(params, inline_only=True)) is not None:
            edited["reply_markup"] = markup
        return self._state.apply_edit(chat, message, edited)

    async def _edit_message_reply_markup(self, params: RequestParams) -> dict[str, Any]:
        chat, message = self._state.target_message(params)
        edited = {key: value for key, value in message.items() if key != "reply_markup"}
        if (markup := reply_markup(params, inline_only=True)) is not None and markup["inline_keyboard"]:
            edited["reply_markup"] = markup
        return self._state.apply_edit(chat, message, edited)

    async def _delete_message(self, params: RequestParams) -> bool:
        chat = self._state.chat(params)
        message_id = params.required_int("message_id")
        if chat.messages.pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        self._state.record(chat, "delete", deleted_message_id=message_id)
        return True

    async def _send_photo(self, params: RequestParams) -> dict[str, Any]:
        chat = self._state.chat(params)
        caption = formatted(params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities")
        markup, reply_to = reply_markup(params), self._state.reply_to(params, chat)
        stored = self._state.input_file(params, "photo", "photos", {})
        self._state.check_rate(chat)
        return self._state.bot_message(
            chat, {"photo": photo_json(stored), **caption}, markup=markup, reply_to=reply_to, file=stored
        )

    async def _send_document(self, params: RequestParams) -> dict[str, Any]:
        chat = self._state.chat(params)
        caption = formatted(params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities")
        markup, reply_to = reply_markup(params), self._state.reply_to(params, chat)
        stored = self._state.input_file(params, "document", "documents", {})
        self._state.check_rate(chat)
        return self._state.bot_message(
            chat, {"document": document_json(stored), **caption}, markup=markup, reply_to=reply_to, file=stored
        )

    async def _send_media_group(self, params: RequestParams) -> list[dict[str, Any]]:
        chat = self._state.chat(params)
        media = params.parsed("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media specified: must be between 2 and 10")
        uploads = {name: value for name, value in params.values.items() if isinstance(value, Upload)}
        reply_to = self._state.reply_to(params, chat)
        group_id = str(13_000_000_000_000_000 + next(self._state.seq))
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
            caption = formatted(item_params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities")
            stored = self._state.input_file(item_params, kind, f"{kind}s", uploads)
            body = photo_json(stored) if kind == "photo" else document_json(stored)
            prepared.append(({kind: body, "media_group_id": group_id, **caption}, stored))
        self._state.check_rate(chat)
        return [self._state.bot_message(chat, content, reply_to=reply_to, file=stored) for content, stored in prepared]

    async def _get_file(self, params: RequestParams) -> dict[str, Any]:
        file_id = params.required_str("file_id")
        stored = self._state.files.get(file_id) or self._state.files.get(file_id.removesuffix("-s"))
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
        if self._state.open_callbacks.pop(query_id, None) is None:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.string("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._state.callback_answers[query_id] = CallbackAnswer(text, params.flag("show_alert"), params.string("url"))
        return True

    def _commands_key(self, params: RequestParams) -> tuple[str, str]:
        scope = params.parsed("scope") or {"type": "default"}
        if not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            self._state.chat(RequestParams({"chat_id": scope["chat_id"]}))  # unknown chats are refused, as on Telegram
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
        self._state.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def _get_my_commands(self, params: RequestParams) -> list[dict[str, str]]:
        return self._state.commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, params: RequestParams) -> bool:
        self._state.commands.pop(self._commands_key(params), None)
        return True

    async def _send_chat_action(self, params: RequestParams) -> bool:
        chat = self._state.chat(params)
        action = params.required_str("action", "action is empty")
        self._state.record(chat, "chat_action", action=action)
        return True

    def _source_message(self, params: RequestParams) -> tuple[ChatState, dict[str, Any]]:
        source_chat = self._state.chat(params, "from_chat_id")
        message = source_chat.messages.get(params.required_int("message_id"))
        if message is None:
            raise bad_request("message to forward not found")
        return source_chat, message

    async def _forward_message(self, params: RequestParams) -> dict[str, Any]:
        chat = self._state.chat(params)
        source_chat, source = self._source_message(params)
        content = {
            k: v
            for k, v in source.items()
            if k not in ("message_id", "from", "chat", "date", "edit_date", "reply_to_message", "reply_markup")
        }
        content["forward_origin"] = {"type": "user", "sender_user": source["from"], "date": source["date"]}
        self._state.check_rate(chat)
        return self._state.bot_message(chat, content, file=source_chat.files.get(source["message_id"]))

    async def _copy_message(self, params: RequestParams) -> dict[str, int]:
        chat = self._state.chat(params)
        source_chat, source = self._source_message(params)
        content = {
            k: v
            for k, v in source.items()
            if k not in ("message_id", "from", "chat", "date", "edit_date", "reply_to_message", "reply_markup")
        }
        if "caption" in params:
            content.update(formatted(params, "caption", MAX_CAPTION_LENGTH, entities_key="caption_entities"))
        self._state.check_rate(chat)
        copied = self._state.bot_message(
            chat, content, markup=reply_markup(params), file=source_chat.files.get(source["message_id"])
        )
        return {"message_id": copied["message_id"]}
