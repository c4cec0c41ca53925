"""The suite's rubric on hand-made turns: what the customer watched arrive agrees with the final reply, replies
are plain text, advice has a pick with a reason, a line per product and a question, a fact asked for is stated
(and not denied in the same breath), a quote is a real review's; and the suite's card-button turns."""

from __future__ import annotations

import pytest

from bot.core.reply import ProductCard, Replacement, Reply, TextDelta
from bot.evaluation.conversations import ScriptedTurn, SuiteFileError, load_conversations
from bot.evaluation.conversations.rubric import StreamEvent, advice, plain_text, review_quote, states_fact, streamed
from retrieval.models import Product, Review

SHELL = Product(
    merchant_id="m", sku="J1", title="Alpine Shell", price=499, rating=4.5, attributes={"waterproof": "10000mm"}
)
LITE = Product(merchant_id="m", sku="J2", title="Trail Lite", price=299, rating=4.0)
PRODUCTS = {"J1": SHELL, "J2": LITE}


def reply(text: str, *skus: str, language: str = "en") -> Reply:
    cards = [
        ProductCard(
            merchant_id="m", sku=s, title=PRODUCTS[s].title, price=PRODUCTS[s].price, currency="CNY", in_stock=True
        )
        for s in skus
    ]
    return Reply(turn_id="t", language=language, intent="search", text=text, products=cards)


FINAL = reply("The Alpine Shell costs ¥499 [1]. It is waterproof.", "J1")


def no_invented(text: str) -> set[float]:
    return {p for p in (1.0, 888.0) if f"¥{p:g}" in text}


def test_streamed_text_must_be_a_prefix_or_be_replaced():
    good: list[StreamEvent] = [TextDelta(text="The Alpine Shell costs ¥499 [1].")]
    assert streamed(good, FINAL, no_invented, []) == []
    lie: list[StreamEvent] = [TextDelta(text="The Alpine Shell costs ¥1 today.")]
    assert any("not a prefix" in p for p in streamed(lie, FINAL, no_invented, []))
    assert any("invented price 1" in p for p in streamed(lie, FINAL, no_invented, []))
    replaced: list[StreamEvent] = [TextDelta(text="It is free [1]."), Replacement(text=FINAL.text, reason="grounding")]
    assert streamed(replaced, FINAL, no_invented, []) == []
    assert any("'free'" in p for p in streamed(replaced, FINAL, no_invented, ["free"]))  # it was seen
    wrong: list[StreamEvent] = [TextDelta(text="The Alpine"), Replacement(text="Something else.", reason="x")]
    assert any("not the final text" in p for p in streamed(wrong, FINAL, no_invented, []))


@pytest.mark.parametrize(
    "text",
    [
        "**7天内** 可退",
        "Returns\n|---|---|\n| books | no |",
        "# Shipping\nFree over ¥99.",
        "Unworn items can be returned within 7 days of deliv…",
    ],
)
def test_raw_markdown_and_cut_sentences_are_not_plain_text(text: str):
    assert plain_text(reply(text))


def test_advice_needs_a_pick_with_a_reason_a_line_per_product_and_a_question():
    good = "My pick for you: Trail Lite (¥299), rated 4/5.\n• Alpine Shell (¥499): ¥200 more.\nWhat is your budget?"
    assert advice(reply(good, "J1", "J2"), PRODUCTS) == []
    listing = "Here is what I found for you:\n1. Alpine Shell — ¥499\n2. Trail Lite — ¥299\nTap a card for details."
    problems = advice(reply(listing, "J1", "J2"), PRODUCTS)
    assert "names no best pick" in problems and "does not end with a question for what to ask next" in problems
    no_reason = "My pick for you: Trail Lite, a great jacket.\n• Alpine Shell.\nAnything else?"
    assert any("no catalog fact" in p for p in advice(reply(no_reason, "J1", "J2"), PRODUCTS))
    chinese = "最推荐：Alpine Shell（¥499），防水：10000mm。\n• Trail Lite（¥299）：便宜¥200。\n您的预算大概多少？"
    assert advice(reply(chinese, "J1", "J2", language="zh"), PRODUCTS) == []


def test_a_fact_must_be_stated_and_not_denied_in_the_same_reply():
    assert states_fact(["30"], reply("Sony WH-1000XM5: battery life: 30 h")) == []
    contradiction = reply("The catalog does not say that exactly. What it does say:\nbattery: 30 h")
    assert any("lacks what it also states" in p for p in states_fact(["30"], contradiction))
    assert states_fact(["30"], reply("它很好用。"))


def test_a_quote_must_be_a_real_reviews():
    reviews = {
        "J1": [Review(merchant_id="m", sku="J1", review_id="r", rating=5, text="Stayed dry all day. Great hood.")]
    }
    assert review_quote(reply("A buyer says: “Stayed dry all day.” (5/5)", "J1"), reviews) == []
    assert review_quote(reply("A buyer says: “Best jacket ever made.”", "J1"), reviews)


def test_a_turn_is_a_message_or_a_button_press(tmp_path):
    assert ScriptedTurn(press="why", card=2).said == "[why on card 2]"
    path = tmp_path / "suite.jsonl"
    path.write_text('{"id": "x", "lang": "en", "turns": [{"user": "hi", "press": "why"}]}\n', encoding="utf-8")
    with pytest.raises(SuiteFileError, match="either 'user'"):
        load_conversations(path)
