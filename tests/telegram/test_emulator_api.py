"""The Bot API emulator answers python-telegram-bot's `Bot` like the real API: shapes, errors, polling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    MessageOriginUser,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter

from bot.emulator import MAX_DOWNLOAD_BYTES, BotApiEmulator, EmulatedChat, server_error


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(emulator.token, base_url=emulator.base_url, base_file_url=emulator.base_file_url) as bot:
        yield bot


def message_of(update: Update) -> Message:
    assert update.message is not None, update
    return update.message


def stored(chat: EmulatedChat, message_id: int) -> dict[str, Any]:
    """The message as the emulator holds it now."""
    message = chat.message(message_id)
    assert message is not None, f"message {message_id} is gone"
    return message


def texts(updates: Sequence[Update]) -> list[str | None]:
    return [message_of(update).text for update in updates]


async def raw(emulator: BotApiEmulator, method: str, **params: object) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emulator.base_url}{emulator.token}/{method}", json=params) as response,
    ):
        return response.status, await response.json()


async def test_get_me_is_a_bot_user(bot: Bot, emulator: BotApiEmulator) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.id == emulator.bot_id and me.username == emulator.bot_user["username"]


async def test_wrong_token_is_unauthorized(emulator: BotApiEmulator) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{emulator.base_url}1:wrong/getMe") as response:
        assert response.status == 401
        assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    with pytest.raises(InvalidToken):
        async with Bot("1:wrong", base_url=emulator.base_url):
            pass


async def test_unknown_method_is_not_found_and_names_are_case_insensitive(emulator: BotApiEmulator) -> None:
    assert (await raw(emulator, "sendTelepathy"))[0] == 404
    status, body = await raw(emulator, "GETME")
    assert status == 200 and body["result"]["is_bot"] is True


async def test_query_strings_and_broken_json_bodies(emulator: BotApiEmulator) -> None:
    emulator.user(1001)
    async with aiohttp.ClientSession() as session:
        url = f"{emulator.base_url}{emulator.token}/sendMessage"
        async with session.get(url, params={"chat_id": "1001", "text": "via GET"}) as response:
            assert (await response.json())["result"]["text"] == "via GET"
        async with session.post(url, data=b"{not json", headers={"Content-Type": "application/json"}) as response:
            assert response.status == 400
            assert (await response.json())["description"] == "Bad Request: can't parse request JSON object"


async def test_messages_have_dates_in_seconds_and_their_chat(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001, "Alice")
    sent = await bot.send_message(alice.id, "hi")
    assert sent.chat.type == "private" and sent.from_user is not None and sent.from_user.is_bot
    raw_date = stored(alice.chat, sent.message_id)["date"]
    assert isinstance(raw_date, int) and 1_600_000_000 < raw_date < 10_000_000_000


async def test_unknown_chat_is_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hello?")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("1 < 2", "Unexpected end of name token"),
    ],
)
async def test_bad_html_cannot_be_parsed(bot: Bot, emulator: BotApiEmulator, text: str, error: str) -> None:
    emulator.user(1001)
    with pytest.raises(BadRequest, match="Can't parse entities") as raised:
        await bot.send_message(1001, text, parse_mode="HTML")
    assert error.lower() in str(raised.value).lower()


async def test_html_becomes_text_with_utf16_entities(bot: Bot, emulator: BotApiEmulator) -> None:
    emulator.user(1001)
    sent = await bot.send_message(
        1001, '价格 <b>¥99</b> &amp; <a href="https://shop.example/x">链接</a> 👍<i>ok</i>', parse_mode="HTML"
    )
    assert sent.text == "价格 ¥99 & 链接 👍ok"
    assert [(e.type, sent.parse_entity(e)) for e in sent.entities] == [
        ("bold", "¥99"),
        ("text_link", "链接"),
        ("italic", "ok"),
    ]


async def test_inline_keyboards_are_validated(bot: Bot, emulator: BotApiEmulator) -> None:
    emulator.user(1001)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(1001, "card", reply_markup=too_long)
    bad_url = InlineKeyboardMarkup([[InlineKeyboardButton("Buy", url="not a url")]])
    with pytest.raises(BadRequest, match="is invalid"):
        await bot.send_message(1001, "card", reply_markup=bad_url)
    good = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Details", callback_data="d" * 64),
                InlineKeyboardButton("Buy", url="https://x.example/p"),
            ]
        ]
    )
    sent = await bot.send_message(1001, "card", reply_markup=good)
    assert sent.reply_markup == good


async def test_reply_keyboards_reach_the_user_but_not_the_message(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    sent = await bot.send_message(alice.id, "More?", reply_markup=ReplyKeyboardMarkup([["Cheaper", "便宜点"]]))
    assert sent.reply_markup is None
    assert (await alice.wait_for_reply()).quick_replies == ["Cheaper", "便宜点"]
    with pytest.raises(BadRequest, match="Inline keyboard expected"):
        await bot.edit_message_text(
            "x",
            chat_id=alice.id,
            message_id=sent.message_id,
            reply_markup=ReplyKeyboardMarkup([["a"]]),  # type: ignore[arg-type]  # the wrong kind on purpose
        )


async def test_edit_returns_the_message_and_refuses_identical_text(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    sent = await bot.send_message(alice.id, "one")
    edited = await bot.edit_message_text("two", chat_id=alice.id, message_id=sent.message_id)
    assert (
        isinstance(edited, Message)
        and edited.text == "two"
        and edited.message_id == sent.message_id
        and edited.edit_date is not None
    )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("two", chat_id=alice.id, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=alice.id, message_id=999)
    assert [event.kind for event in alice.chat.history] == ["message", "edit"]
    assert stored(alice.chat, sent.message_id)["text"] == "two"


async def test_reply_markup_edit_and_delete(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data="like")]])
    sent = await bot.send_message(alice.id, "card", reply_markup=markup)
    stripped = await bot.edit_message_reply_markup(chat_id=alice.id, message_id=sent.message_id)
    assert isinstance(stripped, Message) and stripped.reply_markup is None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(chat_id=alice.id, message_id=sent.message_id)
    assert await bot.delete_message(alice.id, sent.message_id) is True
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(alice.id, sent.message_id)
    assert alice.chat.message(sent.message_id) is None


async def test_drafts_go_to_private_chats_only(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    group = emulator.group("Shoppers")
    assert await bot.send_message_draft(alice.id, draft_id=7, text="Looking…") is True
    draft = await alice.chat.next(("draft",))
    assert (draft.draft_id, draft.text) == (7, "Looking…")
    with pytest.raises(BadRequest):
        await bot.send_message_draft(group.id, draft_id=7, text="x")
    with pytest.raises(BadRequest, match="Draft_id must be non-zero"):
        await bot.send_message_draft(alice.id, draft_id=0, text="x")


async def test_photo_by_url_with_caption_limit(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    sent = await bot.send_photo(alice.id, "https://img.example/p/1.jpg", caption="Trail shoe · ¥399")
    assert sent.caption == "Trail shoe · ¥399" and sent.photo[-1].width > sent.photo[0].width
    card = await alice.wait_for_reply()
    assert card.photo_url == "https://img.example/p/1.jpg"
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(alice.id, "https://img.example/p/1.jpg", caption="x" * 1025)
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(alice.id, "no-such-file-id")
    uploaded = await bot.send_photo(alice.id, b"\x89PNG-bytes", filename="chart.png")
    photo = (await alice.wait_for_reply()).file
    assert photo is not None and photo.data == b"\x89PNG-bytes"
    resent = await bot.send_photo(alice.id, uploaded.photo[-1].file_id)
    assert resent.photo[-1].file_unique_id == uploaded.photo[-1].file_unique_id


async def test_media_group_mixes_urls_and_uploads(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    sent = await bot.send_media_group(
        alice.id, [InputMediaPhoto("https://img.example/a.jpg", caption="A"), InputMediaPhoto(b"\xff\xd8jpeg")]
    )
    assert len(sent) == 2 and sent[0].media_group_id == sent[1].media_group_id and sent[0].caption == "A"
    uploaded = alice.chat.history[1].file
    assert uploaded is not None and uploaded.data == b"\xff\xd8jpeg"


async def test_document_upload_reaches_the_user_with_its_bytes(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    await bot.send_document(alice.id, b"sku,price\nA1,9\n", filename="rejected.csv", caption="2 rows rejected")
    reply = await alice.wait_for_reply()
    assert reply.document is not None
    assert (reply.document.file_name, reply.document.data, reply.text) == (
        "rejected.csv",
        b"sku,price\nA1,9\n",
        "2 rows rejected",
    )


async def test_user_documents_download_and_the_20_mb_limit(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    small = await alice.send_document("products.csv", b"sku,title\nA1,Shoe\n")
    file = await bot.get_file(small["document"]["file_id"])
    assert file.file_size == 18 and (file.file_path or "").endswith(".csv")
    assert bytes(await file.download_as_bytearray()) == b"sku,title\nA1,Shoe\n"
    big = await alice.send_document("huge.csv", b"x" * (MAX_DOWNLOAD_BYTES + 1))
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(big["document"]["file_id"])


async def test_callback_answers_are_recorded_once(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    sent = await bot.send_message(
        alice.id, "card", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Why?", callback_data="why:A1")]])
    )
    with pytest.raises(ValueError, match="no button"):
        await alice.press(sent.to_dict(), "buy:A1")
    press = await alice.press(sent.to_dict(), "why:A1")
    assert await bot.answer_callback_query(press.query_id, text="Because…") is True
    assert (await press.answer()).text == "Because…"
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(press.query_id)


async def test_flood_limits_answer_429_with_retry_after(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    emulator.flood("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await bot.send_message(alice.id, "hi")
    assert (await bot.send_message(alice.id, "hi")).text == "hi"


async def test_per_chat_rate_limit_covers_sends_and_edits() -> None:
    async with (
        BotApiEmulator(chat_rate_limit=2) as emulator,
        Bot(emulator.token, base_url=emulator.base_url) as bot,
    ):
        emulator.user(1001)
        sent = await bot.send_message(1001, "1")
        await bot.edit_message_text("2", chat_id=1001, message_id=sent.message_id)
        with pytest.raises(RetryAfter):
            await bot.edit_message_text("3", chat_id=1001, message_id=sent.message_id)


async def test_forward_and_copy_to_a_support_chat(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001, "Alice")
    support = emulator.group("Shop support")
    question = await alice.send_text("Can I talk to a person?")
    forwarded = await bot.forward_message(support.id, alice.id, question["message_id"])
    assert isinstance(forwarded.forward_origin, MessageOriginUser)
    assert forwarded.text == "Can I talk to a person?" and forwarded.forward_origin.sender_user.id == alice.id
    copied = await bot.copy_message(support.id, alice.id, question["message_id"])
    assert stored(support, copied.message_id)["text"] == "Can I talk to a person?"
    chat = await bot.get_chat(support.id)
    assert (chat.type, chat.title) == ("supergroup", "Shop support")


async def test_commands_and_chat_actions(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("start", "开始")], language_code="zh")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="zh")] == ["开始"]
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands([BotCommand("stats", "Stats")], scope=BotCommandScopeChat(555))
    await bot.set_my_commands([BotCommand("stats", "Stats")], scope=BotCommandScopeChat(alice.id))
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(alice.id))] == ["stats"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad Command", "x")])
    await bot.send_chat_action(alice.id, "typing")
    assert (await alice.chat.next(("chat_action",))).action == "typing"


async def test_get_updates_confirms_by_offset_and_long_polls(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    await alice.send_text("one")
    await alice.send_text("two")
    first = await bot.get_updates()
    assert texts(first) == ["one", "two"]
    assert texts(await bot.get_updates(limit=1)) == ["one"]
    assert await bot.get_updates(offset=first[-1].update_id + 1) == ()
    # A long poll with nothing pending waits for the next update instead of returning at once.
    waiting = asyncio.create_task(bot.get_updates(offset=first[-1].update_id + 1, timeout=30))
    await emulator.wait_for(lambda: emulator.long_polling, waiting_for="the long poll to start")
    assert not waiting.done()
    await alice.send_text("three")
    assert texts(await waiting) == ["three"]


async def test_allowed_updates_filter_what_is_queued_from_then_on(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    card = await bot.send_message(
        alice.id, "card", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data="like")]])
    )
    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()
    await alice.send_text("not for the bot any more")
    await alice.press(card.to_dict(), "like")
    assert [u.callback_query.data for u in await bot.get_updates() if u.callback_query] == ["like"]


async def test_commands_and_mentions_carry_entities(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    group = emulator.group("Shoppers")
    await alice.send_text("/start shop_42")
    await alice.send_text("你好 @shopguide_test_bot 有跑鞋吗", chat=group)
    command, mention = (message_of(update) for update in await bot.get_updates())
    assert (command.text or "").startswith("/start") and command.entities[0].type == "bot_command"
    assert command.parse_entity(command.entities[0]) == "/start"
    assert mention.parse_entity(mention.entities[0]) == "@shopguide_test_bot"


async def test_privacy_mode_delivers_only_what_concerns_the_bot() -> None:
    async with (
        BotApiEmulator(privacy_mode=True) as emulator,
        Bot(emulator.token, base_url=emulator.base_url) as bot,
    ):
        alice = emulator.user(1001)
        group = emulator.group("Shoppers")
        await alice.send_text("chatting among ourselves", chat=group)
        await alice.send_text("@shopguide_test_bot any boots?", chat=group)
        answer = await bot.send_message(group.id, "Yes")
        await alice.send_text("which ones?", chat=group, reply_to=answer.to_dict())
        delivered = texts(await bot.get_updates())
        assert delivered == ["@shopguide_test_bot any boots?", "which ones?"]


async def test_get_updates_conflicts_while_a_webhook_is_set(bot: Bot, emulator: BotApiEmulator) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cret")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert (await bot.get_webhook_info()).url == "http://127.0.0.1:9/hook"
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_every_call_is_recorded_in_order(bot: Bot, emulator: BotApiEmulator) -> None:
    emulator.user(1001)
    await bot.send_message(1001, "a")
    with pytest.raises(BadRequest):
        await bot.send_message(1, "b")
    assert [(c.method, c.ok) for c in emulator.calls] == [
        ("getMe", True),
        ("sendMessage", True),
        ("sendMessage", False),
    ]
    assert emulator.calls[1].params["text"] == "a" and emulator.calls[2].error == "Bad Request: chat not found"


async def test_injected_5xx_and_dropped_connections_are_network_errors(bot: Bot, emulator: BotApiEmulator) -> None:
    alice = emulator.user(1001)
    emulator.fail_next("sendMessage", server_error(502))
    emulator.drop_next("sendMessage")
    with pytest.raises(NetworkError, match="Bad Gateway") as gateway:
        await bot.send_message(1001, "a")
    assert not isinstance(gateway.value, BadRequest)
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "b")
    await bot.send_message(1001, "c")  # the faults were for the next two calls only
    assert [event.text for event in alice.chat.history] == ["c"]
    assert [(c.ok, c.error) for c in emulator.calls_of("sendMessage")] == [
        (False, "Bad Gateway"),
        (False, "connection dropped"),
        (True, None),
    ]
