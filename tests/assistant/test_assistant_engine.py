"""End to end against the real embedded engine (SmolLM2 on llama.cpp): whatever the small model writes,
the customer gets a grounded reply in their own language."""

from __future__ import annotations

import pytest

from bot.core.assistant import Assistant
from bot.core.grounding import Checker, Facts
from bot.core.language import is_written_in
from bot.core.prompts import PromptBook
from bot.settings import AssistantConfig
from serving.llm import LLMClient
from tests.assistant.conftest import PRODUCTS, PROMPTS_DIR, press, say

pytestmark = pytest.mark.slow

PRICES = {p["sku"]: p["price"] for p in PRODUCTS}


async def test_turns_on_the_embedded_engine_stay_grounded(local_llm_config, semantic_shop_index, state, user):
    async with LLMClient(local_llm_config) as llm:
        assistant = Assistant(
            semantic_shop_index, llm, state, PromptBook(PROMPTS_DIR, state), AssistantConfig(turn_budget_s=30)
        )
        english = await say(assistant, user, "waterproof jacket under 600")
        chinese = await say(assistant, user, "降噪耳机")

    for turn, language in ((english, "en"), (chinese, "zh")):
        reply = turn.reply
        assert reply.language == language and is_written_in(reply.text, language)
        assert reply.products and all(card.price == PRICES[card.sku] for card in reply.products)
    products = [await (await semantic_shop_index.merchant("shop")).product(sku) for sku in english.skus]
    if not english.reply.fallback:  # the model's words survived the check: they must pass it again
        facts = Facts(language="en", products=products, evidence_count=len(english.reply.evidence))
        assert Checker(facts).check(english.reply.text).removed == 0
    assert chinese.reply.fallback  # SmolLM2 writes English only: the Chinese template answers


async def test_llama_cpp_takes_the_comparison_schema_and_the_reply_stays_grounded(
    local_llm_config, semantic_shop_index, state, user
):
    async with LLMClient(local_llm_config) as llm:
        assistant = Assistant(
            semantic_shop_index, llm, state, PromptBook(PROMPTS_DIR, state), AssistantConfig(turn_budget_s=30)
        )
        await press(assistant, user, "compare", "JK-100")
        turn = await press(assistant, user, "compare", "JK-300")

    errors = [event.data["error"] for event in await state.events("llm_error")]
    assert not any(error.startswith("LLMRequestError") for error in errors), errors  # the schema itself is accepted
    reply = turn.reply
    assert reply.comparison and {card.sku for card in reply.products} == {"JK-100", "JK-300"}
    assert all(card.price == PRICES[card.sku] for card in reply.products)
    assert reply.fallback or "[" in reply.text  # kept model words cite their evidence
