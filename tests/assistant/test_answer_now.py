"""Answer now, improve if the model can: the checked template is the answer at once when the model is unlikely
to beat it in time (the embedded engine switched off, its breaker open, its first tokens slow), the model's
text takes its place only when it comes within the wait and passes the check, and checked text is held back
until it answers. Also the language of replies to messages with no words and of button answers."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager

from bot.core.assistant import Assistant
from bot.core.prompts import PromptBook
from bot.core.reply import TextDelta, UserRef
from bot.settings import AssistantConfig
from serving.config import LLMConfig
from serving.llm import LLMClient
from tests.assistant.conftest import PROMPTS_DIR, press, say
from tests.support.llm_server import Reply, ScriptedLLMServer

GOOD = "The Northpeak Alpine Shell Waterproof Jacket costs ¥499 [1]. It keeps rain out."


@asynccontextmanager
async def assistant_with(shop_index, state, handler, *, embedded: bool = False, **config):
    async with (
        ScriptedLLMServer(handler) as server,
        LLMClient(LLMConfig(base_url=server.base_url, max_retries=0)) as llm,
    ):
        assistant = Assistant(
            shop_index, llm, state, PromptBook(PROMPTS_DIR, state), AssistantConfig(**config), embedded_llm=embedded
        )
        yield assistant, server


async def test_the_embedded_engine_is_not_waited_for_unless_switched_on(shop_index, state, user):
    async with assistant_with(shop_index, state, lambda r: GOOD, embedded=True) as (assistant, server):
        off = await say(assistant, user, "waterproof jacket under 600")
        assert not server.requests
    assert off.reply.fallback and off.reply.text.startswith("Here is what I found") and off.deltas == ""
    assert "embedded model is off" in (await state.events("fallback"))[-1].data["reason"]

    async with assistant_with(shop_index, state, lambda r: GOOD, embedded=True, embedded_model=True) as (
        assistant,
        server,
    ):
        on = await say(assistant, user, "waterproof jacket under 600")
        assert server.requests
    assert not on.reply.fallback and on.reply.text == GOOD


async def test_a_slow_first_token_gets_the_template_within_the_wait(shop_index, state, user):
    slow = Reply(GOOD, first_token_delay_s=3.0)
    async with assistant_with(shop_index, state, lambda r: slow, answer_wait_s=0.5) as (assistant, server):
        started = time.perf_counter()
        turn = await say(assistant, user, "waterproof jacket under 600")
        waited = time.perf_counter() - started
        assert turn.reply.fallback and turn.deltas == "" and waited < 2.5
        # Three turns in a row that missed the wait: the model is not asked again until its cool-down passed.
        await say(assistant, user, "noise cancelling headphones")
        await say(assistant, user, "running shoes")
        asked = len(server.requests)
        started = time.perf_counter()
        skipped = await say(assistant, user, "waterproof jacket under 600")
        assert len(server.requests) == asked == 3 and time.perf_counter() - started < 1.0
    assert skipped.reply.fallback
    assert "slow first token: 3 turns in a row" in (await state.events("fallback"))[-1].data["reason"]


async def test_an_open_breaker_means_the_template_at_once(shop_index, state, user):
    async with (
        ScriptedLLMServer(lambda r: GOOD) as server,
        LLMClient(LLMConfig(base_url=server.base_url, max_retries=0, breaker_failures=1)) as llm,
    ):
        llm._breaker.record_failure()  # one failure opens this breaker
        assistant = Assistant(shop_index, llm, state, PromptBook(PROMPTS_DIR, state), AssistantConfig())
        turn = await say(assistant, user, "waterproof jacket under 600")
        assert not server.requests
    assert turn.reply.fallback and "circuit breaker is open" in (await state.events("fallback"))[-1].data["reason"]


async def test_checked_text_is_held_until_it_draws_on_the_evidence(open_assistant, user):
    answer = "Here are a few options for you. The Northpeak Alpine Shell Waterproof Jacket costs ¥499 [1]."
    async with open_assistant(lambda r: answer) as assistant:
        turn = await say(assistant, user, "waterproof jacket under 600")
    deltas = [e.text for e in turn.events if isinstance(e, TextDelta)]
    assert deltas == [answer] and turn.reply.text == answer  # one release, once the second sentence cited [1]


async def test_an_answer_to_a_specific_question_must_state_the_fact(open_assistant, user):
    vague = "The Sony WH-1000XM5 Noise Cancelling Headphones are great headphones [1]."
    async with open_assistant(lambda r: vague) as assistant:
        turn = await say(assistant, user, "How long does the battery of the Sony WH-1000XM5 last?")
    assert turn.reply.intent == "product_question" and turn.reply.fallback and turn.deltas == ""
    assert "battery life: 30 hours" in turn.reply.text
    stated = "The Sony WH-1000XM5 lasts 30 hours on a charge [1]."
    async with open_assistant(lambda r: stated) as assistant:
        turn = await say(assistant, user, "How long does the battery of the Sony WH-1000XM5 last?")
    assert not turn.reply.fallback and turn.reply.text == stated


async def test_messages_with_no_words_follow_the_conversation_then_the_client(open_assistant, user):
    async with open_assistant(None) as assistant:
        await say(assistant, user, "降噪耳机")
        assert (await say(assistant, user, "？？？")).reply.language == "zh"
        assert (await say(assistant, user, "👍")).reply.language == "zh"
        newcomer = UserRef(user_id="test:new", merchant_id=user.merchant_id, language="zh")
        assert (await say(assistant, newcomer, "？？？")).reply.language == "zh"
        english = UserRef(user_id="test:new-en", merchant_id=user.merchant_id, language="en")
        assert (await say(assistant, english, "🙂")).reply.language == "en"


async def test_button_answers_follow_the_conversation_then_the_client(open_assistant, user):
    async with open_assistant(None) as assistant:
        shown = await say(assistant, user, "降噪耳机")
        details = await press(assistant, user, "details", shown.skus[0])
        assert details.reply.language == "zh" and "品牌" in details.reply.text
        await assistant.reset(user)
        fresh = user.model_copy(update={"language": "zh"})
        why = await press(assistant, fresh, "why", shown.skus[0], shown.reply.turn_id)
        assert why.reply.language == "zh" and why.reply.text.startswith("依据")
