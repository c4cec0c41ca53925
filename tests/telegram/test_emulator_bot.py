"""A real python-telegram-bot Application, polling or on a webhook, talks to users through the emulator."""

from __future__ import annotations

import asyncio
import socket

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.emulator import MAX_DOWNLOAD_BYTES, BotApiEmulator, polling

CARD_MARKUP = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Why?", callback_data="why:A1"), InlineKeyboardButton("Buy", url="https://shop.example/A1")]]
)


def message_of(update: Update) -> Message:
    """The update's message (every handler here is registered for messages)."""
    assert update.effective_message is not None, update
    return update.effective_message


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("seen", []).append(update.update_id)
    message = message_of(update)
    await message.reply_text(message.text or "")


async def stream(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Draft, draft, final message; then an edit and a refused identical edit."""
    chat_id = message_of(update).chat_id
    await context.bot.send_message_draft(chat_id, draft_id=1, text="Trail")
    await context.bot.send_message_draft(chat_id, draft_id=1, text="Trail shoes")
    final = await context.bot.send_message(chat_id, "Trail shoes <b>A1</b>", parse_mode="HTML")
    await final.edit_text("Trail shoes A1 (in stock)")
    try:
        await final.edit_text("Trail shoes A1 (in stock)")
    except BadRequest as error:
        await context.bot.send_message(chat_id, f"refused: {error}")


async def card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await message_of(update).reply_photo(
        "https://img.example/A1.jpg", caption="Trail shoe · ¥399 · in stock", reply_markup=CARD_MARKUP
    )


async def why(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message), update
    await query.answer("Evidence follows")
    await query.edit_message_caption(f"{query.message.caption}\n✓ {query.data}", reply_markup=CARD_MARKUP)


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download the user's file and send it back reversed, or say why it cannot be read."""
    message = message_of(update)
    assert message.document is not None, update
    try:
        file = await message.document.get_file()
    except BadRequest as error:
        await message.reply_text(f"cannot read it: {error}")
        return
    data = bytes(await file.download_as_bytearray())
    await message.reply_document(data[::-1], filename=f"reversed-{message.document.file_name}")


def demo_application(emulator: BotApiEmulator) -> Application:
    application = (
        Application.builder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("stream", stream))
    application.add_handler(CommandHandler("card", card))
    application.add_handler(CallbackQueryHandler(why, pattern=r"^why:"))
    application.add_handler(MessageHandler(filters.Document.ALL, document))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return application


async def test_polling_delivers_each_update_once_even_across_restarts(emulator: BotApiEmulator) -> None:
    alice, bob = emulator.user(1001, "Alice"), emulator.user(1002, "Bob", "zh")
    first = demo_application(emulator)
    async with polling(first):
        for n in range(3):
            await alice.send_text(f"a{n}")
            await bob.send_text(f"b{n}")
        for n in range(3):
            assert (await alice.wait_for_reply()).text == f"a{n}"
            assert (await bob.wait_for_reply()).text == f"b{n}"
    second = demo_application(emulator)
    async with polling(second):
        await alice.send_text("after restart")
        assert (await alice.wait_for_reply()).text == "after restart"
    seen = first.bot_data["seen"] + second.bot_data["seen"]
    assert len(seen) == len(set(seen)) == 7
    assert [m["text"] for m in alice.chat.bot_messages()] == ["a0", "a1", "a2", "after restart"]


async def test_idle_long_polling_does_not_spin(emulator: BotApiEmulator) -> None:
    async with polling(demo_application(emulator), poll_timeout=10):
        await emulator.wait_for(lambda: emulator.long_polling, waiting_for="the first long poll")
        await asyncio.sleep(0.5)  # observation window: an idle bot must not call getUpdates again
        assert len(emulator.calls_of("getUpdates")) <= 1
        assert emulator.long_polling


async def test_drafts_then_final_message_and_edits(emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    async with polling(demo_application(emulator)):
        await alice.send_text("/stream")
        refused = await alice.wait_for_reply(lambda event: event.text.startswith("refused"))
    assert (
        refused.text.lower() == "refused: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message"
    )
    kinds_and_texts = [(event.kind, event.text) for event in alice.chat.history]
    assert kinds_and_texts == [
        ("draft", "Trail"),
        ("draft", "Trail shoes"),
        ("message", "Trail shoes A1"),
        ("edit", "Trail shoes A1 (in stock)"),
        ("message", refused.text),
    ]


async def test_photo_card_buttons_and_callback_answer(emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    async with polling(demo_application(emulator)):
        await alice.send_text("/card")
        photo = await alice.wait_for_reply()
        assert photo.photo_url == "https://img.example/A1.jpg" and photo.text == "Trail shoe · ¥399 · in stock"
        assert photo.button("Buy")["url"] == "https://shop.example/A1"
        press = await alice.press(photo, photo.button("Why?")["callback_data"])
        assert (await press.answer()).text == "Evidence follows"
        edit = await alice.chat.next(("edit",))
    assert edit.message_id == photo.message_id and edit.text.endswith("✓ why:A1")
    assert edit.buttons == photo.buttons


async def test_document_round_trip_and_the_20_mb_limit(emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    async with polling(demo_application(emulator)):
        await alice.send_document("products.csv", b"sku,price\nA1,399\n")
        returned = await alice.wait_for_reply()
        assert returned.document is not None and returned.document.file_name == "reversed-products.csv"
        assert returned.document.data == b"sku,price\nA1,399\n"[::-1]
        await alice.send_document("huge.csv", b"x" * (MAX_DOWNLOAD_BYTES + 1))
        refused = await alice.wait_for_reply()
    assert refused.text == "cannot read it: File is too big"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.timeout(60)
async def test_webhook_mode_with_a_secret_token(emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    application = demo_application(emulator)
    port = free_port()
    webhook_url = f"http://127.0.0.1:{port}/telegram"
    updater = application.updater
    assert updater is not None  # built with the default Updater
    async with application:
        await application.start()
        await updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="telegram", webhook_url=webhook_url, secret_token="s3cret"
        )
        try:
            assert emulator.webhook_info()["url"] == webhook_url
            await alice.send_text("over the webhook")
            assert (await alice.wait_for_reply()).text == "over the webhook"
            # A webhook that rejects the secret keeps the update queued and reports why.
            await application.bot.set_webhook(webhook_url, secret_token="wrong")
            await alice.send_text("kept")
            await emulator.wait_for(
                lambda: "last_error_message" in emulator.webhook_info(), waiting_for="a failed delivery"
            )
            assert "403" in emulator.webhook_info()["last_error_message"]
            assert emulator.webhook_info()["pending_update_count"] == 1
            await application.bot.set_webhook(webhook_url, secret_token="s3cret")
            assert (await alice.wait_for_reply()).text == "kept"
        finally:
            await updater.stop()
            await application.stop()
