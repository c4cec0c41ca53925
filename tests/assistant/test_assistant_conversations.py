"""Multi-turn conversations in retrieval-only mode (no LLM): refinements and references across turns,
comparisons, clarifying questions, no-match answers, card buttons, and a dialog that survives a restart."""

from __future__ import annotations

import json

from bot.core.assistant import Assistant
from bot.core.prompts import PromptBook
from bot.settings import AssistantConfig
from bot.state.store import StateStore
from retrieval.config import RetrievalConfig
from retrieval.index import CatalogIndex
from tests.assistant.conftest import PRODUCTS, PROMPTS_DIR, press, price_of, say


async def test_refinements_and_references_carry_across_turns(open_assistant, user):
    async with open_assistant(None) as assistant:
        first = await say(assistant, user, "waterproof jacket under 600")
        assert first.reply.intent == "search" and len(first.skus) >= 2
        assert all(price_of(card) <= 600 for card in first.reply.products)

        cheaper = await say(assistant, user, "cheaper")
        cheapest = min(price_of(card) for card in first.reply.products)
        assert cheaper.reply.intent == "refine"
        # Nothing is cheaper than the cheapest jacket shown: said plainly, alternatives labelled with how each
        # misses (they all cost more).
        assert all(card.label for card in cheaper.reply.products)
        assert cheaper.reply.text.startswith("Sorry, nothing cheaper than the Columbia Trail Lite Jacket")
        assert all(" more than the Columbia" in line for line in cheaper.reply.text.splitlines()[2:])

        second = await say(assistant, user, "the second one")
        assert second.reply.intent == "reference" and second.skus == [first.skus[1]]

        other_brand = await say(assistant, user, "not this brand")
        excluded = second.reply.products[0].title.split()[0]
        assert other_brand.reply.intent == "refine" and other_brand.skus
        assert all(excluded not in card.title for card in other_brand.reply.products)
        assert all(price_of(card) <= 600 for card in other_brand.reply.products)

        compared = await say(assistant, user, "compare the first two")
        assert compared.reply.intent == "compare" and compared.skus == other_brand.skus[:2]
        assert compared.reply.comparison is not None
        header, *rows = compared.reply.comparison
        assert len(header) == 3 and rows[0][0] == "Price"
    assert cheapest > 0


async def test_chinese_conversation_cheaper_then_second_then_reviews(open_semantic_assistant, user):
    async with open_semantic_assistant(None) as assistant:
        first = await say(assistant, user, "降噪耳机")
        assert first.reply.language == "zh" and "HP-100" in first.skus

        cheaper = await say(assistant, user, "便宜点的")
        top = min(first.reply.products, key=price_of)
        assert cheaper.reply.intent == "refine" and cheaper.reply.language == "zh"
        assert cheaper.skus and all(
            price_of(card) < price_of(top) for card in cheaper.reply.products if card.label is None
        )

        reviews = await say(assistant, user, "第一个评价怎么样")
        assert reviews.reply.intent == "reviews" and reviews.skus == cheaper.skus[:1]


async def test_vague_ask_gets_one_clarifying_question_then_searches(open_semantic_assistant, user):
    async with open_semantic_assistant(None) as assistant:
        vague = await say(assistant, user, "推荐一下")
        assert vague.reply.intent == "clarify" and vague.reply.quick_replies and not vague.reply.products

        answer = await say(assistant, user, "耳机，300元以内")
        assert answer.reply.intent == "search" and answer.skus == ["HP-300"]


async def test_nothing_fits_is_said_plainly_with_labelled_alternatives(open_assistant, user):
    async with open_assistant(None) as assistant:
        turn = await say(assistant, user, "headphones under 100")

    reply = turn.reply
    assert reply.text.startswith("Sorry, nothing in the shop matches")
    assert reply.products and all(card.label == "nearest alternative" for card in reply.products)
    assert reply.products[0].sku == "HP-300"  # the closest in price comes first


async def test_greeting_handoff_and_out_of_scope(open_assistant, user, state):
    async with open_assistant(None) as assistant:
        hello = await say(assistant, user, "你好")
        human = await say(assistant, user, "I want to talk to a human")
        weather = await say(assistant, user, "what's the weather tomorrow?")

    assert hello.reply.intent == "greeting" and hello.reply.language == "zh"
    assert human.reply.handoff and human.reply.intent == "handoff"
    assert len(await state.events("handoff")) == 1
    assert weather.reply.intent == "out_of_scope" and not weather.reply.products


async def test_card_buttons(open_assistant, user, state):
    async with open_assistant(None) as assistant:
        shown = await say(assistant, user, "noise cancelling headphones")
        first, second = shown.skus[:2]

        details = await press(assistant, user, "details", first)
        assert details.skus == [first] and details.reply.products[0].title in details.reply.text

        added = await press(assistant, user, "compare", first)
        assert added.reply.comparison is None and "(1)" in added.reply.text
        compared = await press(assistant, user, "compare", second)
        assert compared.reply.comparison and set(compared.skus) == {first, second}

        why = await press(assistant, user, "why", first, shown.reply.turn_id)
        assert why.reply.evidence and {e.sku for e in why.reply.evidence} == {first}

        similar = await press(assistant, user, "similar", first)
        assert similar.skus and first not in similar.skus

        bought = await press(assistant, user, "buy", first)
        assert f"https://shop.example.com/p/{first}" in bought.reply.text

        await press(assistant, user, "like", first, shown.reply.turn_id)

    clicks = [(e.sku, e.data["action"]) for e in await state.events("click")]
    assert (first, "buy") in clicks and (first, "why") in clicks
    assert [e.value for e in await state.events("feedback")] == [1]


async def test_dialog_survives_a_restart(shop_index, tmp_path, user):
    path = tmp_path / "state.sqlite3"
    state = await StateStore.open(path)
    assistant = Assistant(shop_index, None, state, PromptBook(PROMPTS_DIR, state), AssistantConfig())
    first = await say(assistant, user, "waterproof jacket under 600")
    await state.close()

    state = await StateStore.open(path)
    try:
        assistant = Assistant(shop_index, None, state, PromptBook(PROMPTS_DIR, state), AssistantConfig())
        second = await say(assistant, user, "the second one")
        assert second.skus == [first.skus[1]]
        assert (await state.load_reply(first.reply.turn_id)) == first.reply
        await assistant.reset(user)
        again = await say(assistant, user, "the second one")
        # Nothing is on screen any more: "the second one" has nothing to point at, so the assistant asks.
        assert again.skus == [] and again.reply.intent == "clarify"
    finally:
        await state.close()


async def test_what_the_shop_sells_is_never_called_not_sold(open_semantic_assistant, user):
    # The ranker's calibrated answer probability against its trained floor decides "not sold" (on the real encoder).
    async with open_semantic_assistant(None) as assistant:
        exact_title = await say(
            assistant, user.model_copy(update={"user_id": "t:title"}), "Sony WH-1000XM5 Noise Cancelling"
        )
        category = await say(assistant, user.model_copy(update={"user_id": "t:category"}), "headphones")
        not_sold = await say(assistant, user.model_copy(update={"user_id": "t:dog"}), "dog food")
    assert exact_title.skus[0] == "HP-100"
    assert set(category.skus) <= {"HP-100", "HP-200", "HP-300"} and category.skus
    assert not not_sold.skus and "not sell" in not_sold.reply.text


async def test_a_budget_in_another_currency_is_converted(open_assistant, user):
    async with open_assistant(None) as assistant:
        turn = await say(assistant, user, "jacket under $70")
    # The shop prices in yuan and $70 is ¥500 at the default rates: the ¥499 jacket is in, the ¥899 one out.
    assert "JK-100" in turn.skus and "JK-200" not in turn.skus
    assert all(price_of(card) <= 500 for card in turn.reply.products)


async def test_a_budget_in_a_currency_without_a_rate_is_answered_plainly(embedder, state, user, tmp_path):
    config = RetrievalConfig(currency_rates={"CNY": 1.0})
    index = await CatalogIndex.open(tmp_path, config, embedder=embedder)
    try:
        products = "\n".join(json.dumps(p, ensure_ascii=False) for p in PRODUCTS)
        assert (await (await index.merchant(user.merchant_id)).ingest("products", "p.jsonl", products.encode())).ok
        assistant = Assistant(index, None, state, PromptBook(PROMPTS_DIR, state), AssistantConfig())
        english = await say(assistant, user, "jacket under $70")
        chinese = await say(assistant, user, "Nike的外套，70美元以内")
    finally:
        await index.close()
    assert not english.skus and "CNY" in english.reply.text and "USD" in english.reply.text
    assert chinese.reply.language == "zh" and "USD" in chinese.reply.text


async def test_a_question_about_the_products_on_screen_is_answered_about_them(open_assistant, user):
    """ "which one has the longer battery life?" with products on screen is a product question about them: the
    answer compares them on the asked aspect and names the one that leads."""
    async with open_assistant(None) as assistant:
        shown = await say(assistant, user, "noise cancelling headphones")
        battery = await say(assistant, user, "which one has the longer battery life?")
        lighter = await say(assistant, user, "哪个续航最短？")
    assert battery.reply.intent == "product_question" and battery.skus == shown.skus
    assert (
        battery.reply.text.splitlines()[0]
        == "The Sony WH-1000XM5 Noise Cancelling Headphones has the highest battery life: 30 hours."
    )
    assert lighter.reply.language == "zh" and lighter.reply.text.startswith(
        "续航最低的是小米 蓝牙耳机 入门款：20 hours。"
    )
