"""Rendering and callback data: what survives the 64-byte limit and a restart, and what HTML Telegram gets."""

from __future__ import annotations

import html

import pytest

from bot.channels.telegram.render import (
    CALLBACK_DATA_LIMIT,
    CardPress,
    DeleteDecision,
    UploadDecision,
    card_callback,
    card_caption,
    card_keyboard,
    decode_callback,
    delete_callback,
    reply_chunks,
    split_message,
    upload_callback,
)
from bot.core.reply import ProductCard, Reply

CARD = ProductCard(
    merchant_id="m",
    sku="A-1",
    title="Shell <Pro> & co",
    price=1299.5,
    currency="CNY",
    in_stock=True,
    stock=4,
    rating=4.25,
    url="https://shop.example.com/A-1",
    buttons=["details", "compare", "similar", "why", "buy", "like", "dislike"],
)


@pytest.mark.parametrize("action", ["details", "compare", "similar", "why", "like", "dislike"])
def test_card_callbacks_round_trip_with_and_without_the_turn(action):
    assert decode_callback(card_callback(action, "A-1")) == CardPress(action=action, sku="A-1")
    assert decode_callback(card_callback(action, "A:1", "0123456789ab")) == CardPress(
        action=action, sku="A:1", turn_id="0123456789ab"
    )


def test_long_skus_drop_the_turn_before_they_break_the_limit():
    sku = "S" * 50
    data = card_callback("why", sku, "0123456789ab")
    assert (
        data is not None
        and len(data.encode()) <= CALLBACK_DATA_LIMIT
        and decode_callback(data) == CardPress(action="why", sku=sku)
    )
    assert card_callback("why", "S" * 70) is None
    assert "Details" not in str(card_keyboard(CARD.model_copy(update={"sku": "S" * 70}), "en"))


def test_staff_callbacks_and_unknown_data():
    assert decode_callback(upload_callback(True, "00ff")) == UploadDecision(confirmed=True, upload_id="00ff")
    assert decode_callback(delete_callback(False, "A-1")) == DeleteDecision(confirmed=False, sku="A-1")
    for unknown in (None, "", "a:q::A-1", "a:d::", "zz:ok:1", "u:maybe:1", "legacy"):
        assert decode_callback(unknown) is None


def test_caption_escapes_html_and_shows_the_catalog_values():
    caption = card_caption(CARD, "zh")
    assert "<b>Shell &lt;Pro&gt; &amp; co</b>" in caption
    assert "¥1,299.50" in caption and "有货 (4)" in caption and "4.2" in caption
    assert "Out of stock" in card_caption(CARD.model_copy(update={"in_stock": False}), "en")
    assert "💰 价格未知" in card_caption(CARD.model_copy(update={"price": None}), "zh")
    assert "💰 price unknown" in card_caption(CARD.model_copy(update={"price": None}), "en")


def test_keyboard_has_only_the_requested_buttons_and_buy_only_with_a_web_url():
    keyboard = card_keyboard(CARD, "en")
    assert keyboard is not None
    labels = [b.text for row in keyboard.inline_keyboard for b in row]
    assert labels == ["Details", "Compare", "Similar", "Why?", "Buy", "👍", "👎"]
    no_url = card_keyboard(CARD.model_copy(update={"url": "javascript:alert(1)", "buttons": ["buy", "why"]}), "zh")
    assert no_url is not None and [b.text for row in no_url.inline_keyboard for b in row] == ["为什么?"]
    assert card_keyboard(CARD.model_copy(update={"buttons": []}), "en") is None


def test_long_replies_split_into_messages_telegram_accepts():
    text = "\n".join(f"line {i} <tag>" for i in range(2000))
    chunks = reply_chunks(
        Reply(turn_id="t", language="en", intent="search", text=text, comparison=[["", "A", "B"], ["价格", "¥1", "¥2"]])
    )
    # Telegram's 4096-character limit counts the text after HTML parsing.
    assert all(len(html.unescape(chunk)) <= 4096 for chunk in chunks) and len(chunks) > 2
    assert chunks[-1].startswith("<pre>") and "价格" in chunks[-1]
    assert all("<tag>" not in chunk for chunk in chunks[:-1])
    assert split_message("x" * 9000, 4096) == ["x" * 4096, "x" * 4096, "x" * 808]
