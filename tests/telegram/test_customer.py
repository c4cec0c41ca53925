"""A customer's conversation end to end: the real python-telegram-bot stack and real Services (catalog
index, state store, assistant with a scripted LLM) behind the Bot API emulator.

The tests of this module share one running bot and run in order (the restart test relies on the
cards of the conversation test).
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import aiohttp
import pytest

from bot.emulator import Outgoing
from tests.support.llm_server import free_port
from tests.telegram.world import ANSWER, SHOP_B, SLOW_WORD, TURN, converse, is_card

pytestmark = pytest.mark.asyncio(loop_scope="session")


def card_for(cards: list[Outgoing], sku: str) -> Outgoing:
    return next(card for card in cards if sku in card.text)


def data_of(message: dict, label: str) -> str:
    """The callback data of the button labelled `label` on the message as it is now."""
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button["text"] == label:
                return button["callback_data"]
    raise KeyError(label)


async def test_start_greets_in_the_users_language(telegram_world):
    alice = telegram_world.api.user(5001, "Alice", "en")
    await alice.send_text("/start")
    greeting = await alice.wait_for_reply(timeout=TURN)
    assert "ShopGuide" in greeting.text and greeting.reply_keyboard  # quick replies to start from
    lin = telegram_world.api.user(5002, "Lin", "zh-hans")
    await lin.send_text("/start")
    chinese = await lin.wait_for_reply(timeout=TURN)
    assert "导购" in chinese.text


async def test_a_sticker_gets_told_what_the_bot_reads(telegram_world):
    lin = telegram_world.api.user(5003, "Lin", "zh-hans")
    await lin.send_sticker()
    answer = await lin.wait_for_reply(timeout=TURN)
    assert "文字" in answer.text


async def test_a_conversation_streams_cards_then_text(telegram_world):
    alice = telegram_world.api.user(5001, "Alice", "en")
    cards, final = await converse(alice, "running shoes please")

    assert {"RUN-1", "RUN-2"} <= {sku for card in cards for sku in ("RUN-1", "RUN-2") if sku in card.text}
    photo_card = card_for(cards, "RUN-1")
    assert photo_card.photo_url == "https://img.example.com/run1.jpg"
    assert "Trail Runner Shoe" in photo_card.text and "¥499" in photo_card.text and "4.6" in photo_card.text
    assert photo_card.button("Buy")["url"] == "https://shop.example.com/RUN-1"
    assert final.text == ANSWER
    drafts = [event for event in alice.chat.history if event.kind == "draft"]
    assert drafts and ANSWER.startswith(drafts[0].text.removesuffix(" …"))
    # Once the turn is final, every card's buttons carry its id (so "Why?" can explain that turn).
    current = alice.chat.message(photo_card.message_id)
    assert data_of(current, "Why?").startswith("a:w:") and data_of(current, "Why?") != "a:w::RUN-1"


async def test_every_card_button(telegram_world):
    alice = telegram_world.api.user(5001, "Alice", "en")
    cards, _ = await converse(alice, "running shoes")
    run1 = alice.chat.message(card_for(cards, "RUN-1").message_id)
    run2 = alice.chat.message(card_for(cards, "RUN-2").message_id)

    alice.chat.skip_to_end()
    await alice.press(run1, data_of(run1, "Details"))
    details = await alice.wait_for_reply(timeout=TURN)
    assert "Trail Runner Shoe" in details.text and "Swift" in details.text

    await alice.press(run1, data_of(run1, "Compare"))
    added = await alice.wait_for_reply(timeout=TURN)
    assert "comparison" in added.text.lower()
    await alice.press(run2, data_of(run2, "Compare"))
    comparison = await alice.wait_for_reply(lambda e: "pre" in str(e.message.get("entities")), timeout=TURN)
    assert "Road Runner Shoe"[:10] in comparison.text or "¥399" in comparison.text

    alice.chat.skip_to_end()
    await alice.press(run1, data_of(run1, "Similar"))
    similar_card = await alice.wait_for_reply(timeout=TURN)
    assert is_card(similar_card)
    await alice.wait_for_reply(lambda e: not is_card(e), timeout=TURN)

    alice.chat.skip_to_end()
    await alice.press(run1, data_of(run1, "Why?"))
    why = await alice.wait_for_reply(timeout=TURN)
    assert "Why this answer" in why.text and "Trail Runner Shoe" in why.text

    like = await (await alice.press(run1, data_of(run1, "👍"))).answer(timeout=TURN)
    assert "Thanks" in like.text
    dislike = await (await alice.press(run2, data_of(run2, "👎"))).answer(timeout=TURN)
    assert "Thanks" in dislike.text
    stats = await telegram_world.services.state.stats(since=datetime(2000, 1, 1))
    assert stats.likes >= 1 and stats.dislikes >= 1 and stats.clicks >= 4


async def test_buttons_keep_working_after_a_restart(telegram_world):
    alice = telegram_world.api.user(5001, "Alice", "en")
    cards, _ = await converse(alice, "trail running shoes")
    card = alice.chat.message(card_for(cards, "RUN-1").message_id)

    await telegram_world.restart()

    alice.chat.skip_to_end()
    await alice.press(card, data_of(card, "Why?"))
    why = await alice.wait_for_reply(timeout=TURN)
    assert "Why this answer" in why.text
    await alice.press(card, data_of(card, "Details"))
    details = await alice.wait_for_reply(timeout=TURN)
    assert "Trail Runner Shoe" in details.text


async def test_buttons_that_no_longer_apply_get_a_polite_answer(telegram_world):
    api = telegram_world.api
    alice = api.user(5001, "Alice", "en")
    # A card of a product the merchant deleted since.
    cards, _ = await converse(alice, "backpack")
    bag = alice.chat.message(card_for(cards, "BAG-1").message_id)
    await (await telegram_world.services.index.merchant("shopa")).delete_product("BAG-1")
    alice.chat.skip_to_end()
    await alice.press(bag, data_of(bag, "Details"))
    gone = await alice.wait_for_reply(timeout=TURN)
    assert "no longer in the catalog" in gone.text
    # A button of a layout this version does not know (sent "by an older version" through the API).
    async with aiohttp.ClientSession() as session:
        markup = {"inline_keyboard": [[{"text": "Old", "callback_data": "v0:legacy:42"}]]}
        async with session.post(
            f"{api.base_url}{api.token}/sendMessage", json={"chat_id": alice.id, "text": "old", "reply_markup": markup}
        ) as response:
            old = (await response.json())["result"]
    answer = await (await alice.press(old, "v0:legacy:42")).answer(timeout=TURN)
    assert "expired" in answer.text


async def test_deep_link_scopes_the_chat_to_one_shop(telegram_world):
    bob = telegram_world.api.user(5003, "Bob", "en")
    await bob.send_text(f"/start shop_{SHOP_B}")
    await bob.wait_for_reply(timeout=TURN)
    cards, _ = await converse(bob, "a tea cup")
    assert [card for card in cards if "B-1" in card.text]
    assert not [card for card in cards if "RUN-" in card.text]
    await telegram_world.restart()
    cards, _ = await converse(bob, "tea cup")
    assert cards and all("B-1" in card.text for card in cards)


async def test_a_new_message_cancels_the_answer_being_written(telegram_world):
    carol = telegram_world.api.user(5004, "Carol", "en")
    disconnects = telegram_world.llm.disconnects
    await carol.send_text(f"running shoes, take it {SLOW_WORD}")
    await carol.chat.next(("draft",), timeout=TURN)  # the slow answer is being written
    await carol.send_text("show me a rain jacket")
    await carol.wait_for_reply(lambda e: is_card(e) and "JKT-1" in e.text, timeout=TURN)
    final = await carol.wait_for_reply(lambda e: not is_card(e), timeout=TURN)
    # Only the second question got a final answer; the first stopped while being written.
    assert [event for event in carol.chat.history if event.kind == "message" and not is_card(event)] == [final]
    # ...and its LLM stream was closed (the scripted server sees the hang-up at its next token).
    for _ in range(100):
        if telegram_world.llm.disconnects > disconnects:
            break
        await asyncio.sleep(0.05)
    assert telegram_world.llm.disconnects > disconnects


async def test_groups_answer_only_mentions_and_replies(telegram_world):
    api = telegram_world.api
    group = api.group("Friends")
    dave = api.user(5005, "Dave", "en")
    await dave.send_text("running shoes anyone?", chat=group)
    await dave.send_text(f"@{api.bot_user['username']} running shoes", chat=group)
    first = await group.next(timeout=TURN)
    # The first bot message in the group answers the mention; the unaddressed message got nothing.
    assert is_card(first)
    streamed = await group.next(predicate=lambda e: not is_card(e), timeout=TURN)
    # In groups the answer streams by editing one message (no drafts there), which ends as the final text.
    assert streamed.text.endswith("…") and streamed.message["reply_to_message"]["text"].startswith("@")
    await group.next(("edit",), lambda e: e.message_id == streamed.message_id and e.text == ANSWER, timeout=TURN)
    assert not [event for event in group.history if event.kind == "draft"]
    await dave.send_text("and cheaper?", chat=group, reply_to=streamed)
    again = await group.next(predicate=lambda e: not is_card(e), timeout=TURN)
    assert again.message["reply_to_message"]["text"] == "and cheaper?"
    # Two answers (the mention and the reply); "running shoes anyone?" was not for the bot.
    assert len([event for event in group.history if event.kind == "message" and not is_card(event)]) == 2


async def test_handoff_forwards_to_support_or_says_there_is_none(telegram_world):
    erin = telegram_world.api.user(5006, "Erin", "en", username="erin_shops")
    support = telegram_world.support_chat
    support.skip_to_end()
    await erin.send_text("/handoff")
    forwarded = await support.next(timeout=TURN)
    assert "Erin" in forwarded.text and "@erin_shops" in forwarded.text and "tg:5006" in forwarded.text
    confirmation = await erin.wait_for_reply(timeout=TURN)
    assert "person" in confirmation.text

    _, answer = await converse(erin, "I want to talk to a human")
    assert await support.next(timeout=TURN)
    assert answer.text

    await telegram_world.restart(support_chat_id=None)
    erin.chat.skip_to_end()
    await erin.send_text("/handoff")
    none = await erin.wait_for_reply(timeout=TURN)
    assert "no human support" in none.text


async def test_lang_overrides_the_clients_language_for_the_channels_words(telegram_world):
    api = telegram_world.api
    lin = api.user(5008, "Lin", "zh-hans")
    await lin.send_text("/frobnicate")
    assert "不认识这个命令" in (await lin.wait_for_reply(timeout=TURN)).text
    await lin.send_text("/lang en")
    assert "English" in (await lin.wait_for_reply(timeout=TURN)).text
    await lin.send_text("/frobnicate")
    assert "Unknown command" in (await lin.wait_for_reply(timeout=TURN)).text
    chat_menu = (json.dumps({"chat_id": 5008, "type": "chat"}, sort_keys=True), "")
    assert [c["description"] for c in api.commands[chat_menu]][0] == "Start / choose a shop"
    await lin.send_text("/lang")
    assert "your choice" in (await lin.wait_for_reply(timeout=TURN)).text
    await lin.send_text("/lang auto")
    assert "跟随" in (await lin.wait_for_reply(timeout=TURN)).text
    assert chat_menu not in api.commands  # the bot-wide menus again


async def test_errors_are_reported_without_internals(telegram_world):
    from bot.emulator import bad_request

    frank = telegram_world.api.user(5007, "Frank", "zh")
    telegram_world.api.fail_next("sendMessage", bad_request("internal detail that must not leak"))
    await frank.send_text("/help")
    sorry = await frank.wait_for_reply(timeout=TURN)
    assert sorry.text == "抱歉，出了点问题，请稍后再试。"


async def test_webhook_mode_serves_the_same_bot_and_checks_the_secret(telegram_world):
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    await telegram_world.restart(mode="webhook", webhook_url=url, webhook_secret="s3cret-token", webhook_port=port)
    assert telegram_world.api.webhook_info()["url"] == url
    alice = telegram_world.api.user(5001, "Alice", "en")
    cards, final = await converse(alice, "running shoes")
    assert cards and final.text == ANSWER
    async with aiohttp.ClientSession() as session:
        forged = {
            "update_id": 1,
            "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "/start"},
        }
        async with session.post(url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as response:
            assert response.status == 403
