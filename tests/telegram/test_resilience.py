"""A bot that survives a bad second: 5xx answers and dropped connections from the Bot API are retried within
the turn's budget, a card that still fails is skipped while the answer arrives, and every failure, LLM error
and fallback leaves one structured log line with the turn and the merchant (never the customer's words).

Also who a message is for: a deep link to a shop that does not exist says so and offers the default shop, and
a merchant's own questions go to their own shop."""

from __future__ import annotations

import logging
import re

import pytest

from bot.emulator import server_error
from tests.telegram.world import ANSWER, FAILING_WORD, SHOP_A, SHOP_B, TURN, converse

pytestmark = pytest.mark.asyncio(loop_scope="session")


def log_lines(caplog: pytest.LogCaptureFixture, event: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"{event} ")]


def field(line: str, name: str) -> str:
    match = re.search(rf"\b{name}=(\S+)", line)
    assert match, (name, line)
    return match.group(1)


async def test_a_5xx_on_a_card_photo_is_retried_and_nothing_is_lost(telegram_world, caplog):
    api = telegram_world.api
    alice = api.user(8001, "Alice", "en")
    api.fail_next("sendPhoto", server_error(502))
    with caplog.at_level(logging.INFO):
        cards, final = await converse(alice, "running shoes please")
    assert any(card.photo_url == "https://img.example.com/run1.jpg" for card in cards)
    assert final.text == ANSWER
    assert [c.ok for c in api.calls_of("sendPhoto")][-2:] == [False, True]
    [retry] = log_lines(caplog, "bot_api_retry")
    assert (field(retry, "method"), field(retry, "merchant"), field(retry, "attempt")) == ("sendPhoto", SHOP_A, "1")
    assert field(retry, "turn") != "None" and "Bad Gateway" in retry


async def test_a_5xx_or_a_dropped_connection_on_the_answer_is_retried(telegram_world):
    api = telegram_world.api
    bea = api.user(8002, "Bea", "en")
    for inject in (
        lambda: api.fail_next("sendMessage", server_error(500, "Internal Server Error")),
        lambda: api.drop_next("sendMessage"),
    ):
        inject()
        _, final = await converse(bea, "hello")
        assert "Sorry, something went wrong" not in final.text and final.text
    failed = [c for c in api.calls_of("sendMessage") if not c.ok]
    assert [c.error for c in failed[-2:]] == ["Internal Server Error", "connection dropped"]


async def test_a_card_that_keeps_failing_is_skipped_and_the_answer_still_arrives(telegram_world, caplog):
    api = telegram_world.api
    cal = api.user(8003, "Cal", "en")
    api.fail_next("sendPhoto", server_error(502), times=100)  # every retry of this turn fails too
    try:
        with caplog.at_level(logging.INFO):
            cards, final = await converse(cal, "running shoes")
    finally:
        api.clear_faults("sendPhoto")  # the rest of this test module sends photos
    assert final.text == ANSWER
    assert cards and not any("RUN-1" in card.text for card in cards)  # the photo card is the one skipped
    [skipped] = log_lines(caplog, "card_skipped")
    assert (field(skipped, "sku"), field(skipped, "merchant"), field(skipped, "method")) == (
        "RUN-1",
        SHOP_A,
        "sendPhoto",
    )
    [failure] = log_lines(caplog, "bot_api_failure")
    assert field(failure, "turn") == field(skipped, "turn") != "None" and int(field(failure, "attempts")) > 1


async def test_llm_errors_and_fallbacks_are_logged_without_the_customers_words(telegram_world, caplog):
    dan = telegram_world.api.user(8004, "Dan Secretname", "en")
    question = f"running shoes {FAILING_WORD}"
    with caplog.at_level(logging.INFO):
        _, final = await converse(dan, question)
    assert final.text and final.text != ANSWER  # the template answered
    [error] = log_lines(caplog, "llm_error")
    [fallback] = log_lines(caplog, "fallback")
    assert field(error, "merchant") == field(fallback, "merchant") == SHOP_A
    assert field(error, "turn") == field(fallback, "turn") != "None"
    assert field(error, "reason").startswith("LLM")
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert not [line for line in info if FAILING_WORD in line or "Secretname" in line]


async def test_a_link_to_an_unknown_shop_says_so_and_offers_the_default(telegram_world):
    for user, payload, expect in (
        (telegram_world.api.user(8005, "Eve", "en"), "shop_nosuchshop", "I can't find the shop “nosuchshop”"),
        (telegram_world.api.user(8006, "Lin", "zh-hans"), "shop_bad.id!", "找不到链接里的店铺“bad.id!”"),
    ):
        await user.send_text(f"/start {payload}")
        notice = await user.wait_for_reply(timeout=TURN)
        assert expect in notice.text and SHOP_A in notice.text
        assert notice.buttons[0]["url"] == f"https://t.me/{telegram_world.api.bot_user['username']}?start=shop_{SHOP_A}"
        await user.wait_for_reply(timeout=TURN)  # then the usual greeting
        cards, _ = await converse(user, "running shoes")
        assert any("RUN-1" in card.text or "RUN-2" in card.text for card in cards)  # the default shop answers
    # A shop that exists scopes the chat, as before; the notice is only for unknown ones.
    fay = telegram_world.api.user(8007, "Fay", "en")
    await fay.send_text(f"/start shop_{SHOP_B}")
    assert "can't find" not in (await fay.wait_for_reply(timeout=TURN)).text


async def test_a_merchants_own_questions_go_to_their_own_shop(telegram_world):
    bo = telegram_world.merchant_b  # shop B's merchant, who never opened a shop link
    cards, _ = await converse(bo, "tea cup")
    assert cards and all("B-1" in card.text for card in cards)
    await bo.send_text(f"/start shop_{SHOP_A}")  # unless they open another shop's link
    await bo.wait_for_reply(timeout=TURN)
    cards, _ = await converse(bo, "running shoes")
    assert any("RUN-" in card.text for card in cards)
