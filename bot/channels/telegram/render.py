"""How ShopGuide's replies look in Telegram: cards, keyboards, HTML escaping, and the callback_data of
every inline button (the words on buttons and around replies are in `bot/i18n/channel.py`).

Callback data is at most 64 bytes and must still mean something after a restart, so it carries
everything a button needs and nothing that lives only in memory:

    a:<code>:<turn>:<sku>   a card button (details, compare, similar, why, like, dislike); <turn> is the
                            turn that showed the card, empty until that turn's reply is final
    u:<ok|no>:<upload>    apply / cancel a merchant's pending upload (kept on disk)
    u:vr:<upload>         apply only the valid rows of a pending upload that has rejected rows
    u:<rp|rv>:<upload>:<version>   the second confirmation of a replace that removes items (rv: valid rows
                          only), given against catalog <version>
    d:<ok|no>:<sku>       confirm / cancel deleting a product
"""

from __future__ import annotations

import html
from typing import Literal

from pydantic import BaseModel
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.constants import MessageLimit

from bot.core.reply import ButtonAction, Language, ProductCard, Reply
from bot.i18n import t
from retrieval.money import format_price

CALLBACK_DATA_LIMIT = 64
# Escaping can lengthen text ("<" -> "&lt;"): leave room below Telegram's 4096-character limit.
_TEXT_CHUNK = 3500

_ACTION_CODES: dict[ButtonAction, str] = {
    "details": "d",
    "compare": "c",
    "similar": "s",
    "why": "w",
    "like": "l",
    "dislike": "x",
}
_ACTIONS_BY_CODE: dict[str, ButtonAction] = {code: action for action, code in _ACTION_CODES.items()}

# Labels of the card buttons that are the same in every language; the others are `button_<action>` messages.
_EMOJI_LABELS: dict[ButtonAction, str] = {"like": "👍", "dislike": "👎"}
# Rows of the card keyboard, in the order a shopper reads them.
_BUTTON_ROWS: tuple[tuple[ButtonAction, ...], ...] = (
    ("details", "compare", "similar"),
    ("why", "buy"),
    ("like", "dislike"),
)


class CardPress(BaseModel):
    """A card button: what to do with which product, shown by which turn (None when not known)."""

    kind: Literal["card"] = "card"
    action: ButtonAction
    sku: str
    turn_id: str | None = None


class UploadDecision(BaseModel):
    kind: Literal["upload"] = "upload"
    confirmed: bool
    upload_id: str
    valid_rows: bool = False
    replace_version: int | None = None


class DeleteDecision(BaseModel):
    kind: Literal["delete"] = "delete"
    confirmed: bool
    sku: str


CallbackPayload = CardPress | UploadDecision | DeleteDecision


def _checked(data: str) -> str | None:
    return data if len(data.encode()) <= CALLBACK_DATA_LIMIT else None


def card_callback(action: ButtonAction, sku: str, turn_id: str | None = None) -> str | None:
    """The callback data of a card button; without the turn when both do not fit in 64 bytes, None when
    even the SKU alone does not."""
    code = _ACTION_CODES[action]
    return _checked(f"a:{code}:{turn_id or ''}:{sku}") or _checked(f"a:{code}::{sku}")


def upload_callback(
    confirmed: bool, upload_id: str, *, valid_rows: bool = False, replace_version: int | None = None
) -> str:
    if not confirmed:
        return f"u:no:{upload_id}"
    if replace_version is not None:
        return f"u:{'rv' if valid_rows else 'rp'}:{upload_id}:{replace_version}"
    return f"u:{'vr' if valid_rows else 'ok'}:{upload_id}"


def delete_callback(confirmed: bool, sku: str) -> str | None:
    return _checked(f"d:{'ok' if confirmed else 'no'}:{sku}")


def decode_callback(data: str | None) -> CallbackPayload | None:
    """Read back any button this bot ever sent; None for data it does not recognise (old or forged)."""
    if not data:
        return None
    prefix, _, rest = data.partition(":")
    code, _, value = rest.partition(":")
    if not value:
        return None
    if prefix == "a" and code in _ACTIONS_BY_CODE:
        turn_id, _, sku = value.partition(":")
        return CardPress(action=_ACTIONS_BY_CODE[code], sku=sku, turn_id=turn_id or None) if sku else None
    if prefix == "u":
        return _upload_decision(code, value)
    if prefix == "d" and code in ("ok", "no"):
        return DeleteDecision(confirmed=code == "ok", sku=value)
    return None


def _upload_decision(code: str, value: str) -> UploadDecision | None:
    if code in ("ok", "no", "vr"):
        return UploadDecision(confirmed=code != "no", upload_id=value, valid_rows=code == "vr")
    upload_id, _, version = value.partition(":")
    if code in ("rp", "rv") and version.isdigit():
        return UploadDecision(
            confirmed=True, upload_id=upload_id, valid_rows=code == "rv", replace_version=int(version)
        )
    return None


def escape(text: str) -> str:
    """Escape text for parse_mode=HTML; everything the bot sends goes through this or a renderer here."""
    return html.escape(text, quote=False)


def card_caption(card: ProductCard, language: Language) -> str:
    """Title, price, stock and rating as an HTML caption (fits the 1024-character caption limit)."""
    stock = t("in_stock" if card.in_stock else "out_of_stock", language)
    if card.in_stock and card.stock is not None:
        stock = f"{stock} ({card.stock})"
    price = t("price_unknown", language) if card.price is None else format_price(card.price, card.currency)
    details = [f"💰 {price}", f"📦 {stock}"]
    if card.rating is not None:
        details.append(f"⭐ {card.rating:.1f}")
    lines = []
    if card.label:
        lines.append(f"<i>{escape(card.label)}</i>")
    lines.append(f"<b>{escape(card.title[:300])}</b>")
    lines.append("  ".join(details))
    lines.append(f"<code>{escape(card.sku[:100])}</code>")
    return "\n".join(lines)


def card_keyboard(card: ProductCard, language: Language, turn_id: str | None = None) -> InlineKeyboardMarkup | None:
    """The card's inline buttons: only those the assistant asked for, Buy only with a product URL."""
    rows: list[list[InlineKeyboardButton]] = []
    for row_actions in _BUTTON_ROWS:
        row = []
        for action in row_actions:
            if action not in card.buttons:
                continue
            if action == "buy":
                if card.url and card.url.startswith(("http://", "https://")):
                    row.append(InlineKeyboardButton(button_label(action, language), url=card.url))
                continue
            data = card_callback(action, card.sku, turn_id)
            if data is not None:
                row.append(InlineKeyboardButton(button_label(action, language), callback_data=data))
        if row:
            rows.append(row)
    return InlineKeyboardMarkup(rows) if rows else None


def button_label(action: ButtonAction, language: Language) -> str:
    return _EMOJI_LABELS.get(action) or t(f"button_{action}", language)


def quick_replies_keyboard(reply: Reply) -> ReplyKeyboardMarkup | None:
    """Suggested next messages as a one-time reply keyboard: tapping one sends it as the customer's text."""
    if not reply.quick_replies:
        return None
    return ReplyKeyboardMarkup(
        [[text] for text in reply.quick_replies[:6]],
        resize_keyboard=True,
        one_time_keyboard=True,
        selective=True,
    )


def reply_chunks(reply: Reply) -> list[str]:
    """The final answer as HTML messages: the text (split at line breaks when long), then the comparison table.

    Text is split before escaping so no chunk ends inside an HTML entity or tag.
    """
    chunks = [escape(part) for part in split_message(reply.text, _TEXT_CHUNK)] if reply.text.strip() else []
    if reply.comparison:
        chunks.append(f"<pre>{escape(comparison_table(reply.comparison)[:_TEXT_CHUNK])}</pre>")
    return chunks or ["…"]


def comparison_table(rows: list[list[str]]) -> str:
    """A monospace table; columns padded to their widest cell (CJK counts double) and cut at 18 columns."""

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    cells = [[cell[:18] for cell in row] for row in rows]
    widths = [max(width(row[i]) for row in cells if i < len(row)) for i in range(max(len(r) for r in cells))]
    lines = []
    for row in cells:
        lines.append("  ".join(cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row)).rstrip())
    return "\n".join(lines)


def split_message(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split long text at line breaks into chunks Telegram accepts (a single huge line is cut hard)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks
