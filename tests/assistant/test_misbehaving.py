"""A customer message in, everything the customer saw out: the assistant against the misbehaving endpoint of
the conversation suite (`bot.evaluation.conversations.misbehaving`), every delta and replacement checked, not
just the final reply."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest

from bot.core.assistant import Assistant
from bot.core.prompts import PromptBook
from bot.core.reply import Replacement, TextDelta, TurnEvent
from bot.evaluation.conversations.misbehaving import PAYLOADS, MisbehavingLLM, Mode
from bot.settings import AssistantConfig
from serving.config import LLMConfig
from serving.llm import LLMClient
from tests.assistant.conftest import PROMPTS_DIR, Turn, press, say

MESSAGES = ["waterproof jacket under 600", "500元以内的防水冲锋衣", "What is your return policy?", "退货政策是怎样的？"]


@asynccontextmanager
async def misbehaving(shop_index, state, mode: Mode):
    async with (
        MisbehavingLLM(mode) as server,
        LLMClient(LLMConfig(base_url=server.base_url, max_retries=0, breaker_failures=1000)) as llm,
    ):
        yield Assistant(shop_index, llm, state, PromptBook(PROMPTS_DIR, state), AssistantConfig(answer_wait_s=5))


def seen(events: list[TurnEvent]) -> list[str]:
    """Every state of the streamed text the customer watched, in order (a replacement starts it anew)."""
    states, shown = [], ""
    for event in events:
        if isinstance(event, Replacement):
            shown = event.text
        elif isinstance(event, TextDelta):
            shown += event.text
        else:
            continue
        states.append(shown)
    return states


def assert_nothing_unchecked_was_seen(turn: Turn) -> None:
    """No payload in any state of the stream or the final reply; what streamed after the last replacement (or
    all of it, with none) is a prefix of the final reply; a replacement carries the final reply."""
    for text in [*seen(turn.events), turn.reply.text]:
        assert not any(payload.casefold() in text.casefold() for payload in PAYLOADS), text
    replaced = [i for i, event in enumerate(turn.events) if isinstance(event, Replacement)]
    assert all(e.text == turn.reply.text for e in turn.events if isinstance(e, Replacement))
    shown = ""
    for event in turn.events[(replaced[-1] + 1 if replaced else 0) :]:
        if isinstance(event, TextDelta):
            shown += event.text
            assert turn.reply.text.startswith(shown.strip()), (shown, turn.reply.text)


@pytest.mark.parametrize("mode", ["wrong_price", "invented_product", "obeyed_injection", "garbage", "cut"])
async def test_no_misbehaviour_reaches_the_customer_streamed_or_final(shop_index, state, user, mode):
    async with misbehaving(shop_index, state, mode) as assistant:
        for message in MESSAGES:
            assert_nothing_unchecked_was_seen(await say(assistant, user, message))
        await press(assistant, user, "compare", "JK-100")
        assert_nothing_unchecked_was_seen(await press(assistant, user, "compare", "JK-300"))


async def test_a_lie_after_a_streamed_sentence_replaces_the_stream_in_place(shop_index, state, user):
    async with misbehaving(shop_index, state, "wrong_price") as assistant:
        turn = await say(assistant, user, "waterproof jacket under 600")

    deltas = [e.text for e in turn.events if isinstance(e, TextDelta)]
    replacements = [e for e in turn.events if isinstance(e, Replacement)]
    # The checked first sentence streamed; the ¥1 that followed never did; the template took its place.
    assert len(deltas) == 1 and deltas[0].startswith("The ") and "[1]" in deltas[0]
    assert len(replacements) == 1 and replacements[0].text == turn.reply.text and turn.reply.fallback
    assert turn.reply.text.startswith("Here is what I found for you")
    kinds = [type(e).__name__ for e in turn.events]
    assert kinds.index("TextDelta") < kinds.index("Replacement") == len(kinds) - 2
    fallback = (await state.events("fallback"))[-1].data
    assert fallback["replaced_streamed_chars"] == len(deltas[0]) and "grounding: 1 of 2" in fallback["reason"]


async def test_an_obeyed_injection_is_stopped_before_a_word_of_it_streams(shop_index, state, user):
    async with misbehaving(shop_index, state, "obeyed_injection") as assistant:
        english = await say(assistant, user, "waterproof jacket under 600")
        chinese = await say(assistant, user, "500元以内的跑步鞋")
    for turn in (english, chinese):
        assert not [e for e in turn.events if isinstance(e, TextDelta | Replacement)]
        assert turn.reply.fallback and "free" not in turn.reply.text.casefold() and "免费" not in turn.reply.text


async def test_a_stream_cut_after_a_checked_sentence_is_replaced_by_the_whole_template(shop_index, state, user):
    async with misbehaving(shop_index, state, "cut") as assistant:
        turn = await say(assistant, user, "waterproof jacket under 600")
    deltas = [e for e in turn.events if isinstance(e, TextDelta)]
    assert len(deltas) == 1 and deltas[0].text.startswith("The ") and deltas[0].text.endswith("[1].")
    assert isinstance(turn.events[-2], Replacement) and turn.reply.fallback
    assert turn.reply.text.startswith("Here is what I found for you")
    assert len(await state.events("llm_error")) == 1
