"""What the Bot API checks in a request's text and keyboards: the text or caption after parse_mode (with its
entities, against its length limit) and the reply_markup (inline keyboards, reply keyboards, their removal),
refused with the errors Telegram gives."""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.params import RequestParams
from bot.emulator.protocol import MAX_CALLBACK_DATA_BYTES, bad_request, parse_html


def formatted(params: RequestParams, name: str, limit: int, *, entities_key: str) -> dict[str, Any]:
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


def reply_markup(params: RequestParams, *, inline_only: bool = False) -> dict[str, Any] | None:
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
        return reply_keyboard(markup)
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardMarkup must be an Array of "
            "Arrays of InlineKeyboardButton"
        )
    for row in rows:
        for button in row:
            check_inline_button(button)
    return {"inline_keyboard": rows}


def check_inline_button(button: object) -> None:
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


def reply_keyboard(markup: dict[str, Any]) -> dict[str, Any]:
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
