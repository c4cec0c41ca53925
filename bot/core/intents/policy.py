"""A shop-policy question (shipping, returns, warranty, service hours): the passages that answer it, explained
by the model; with none, the offer of a human colleague."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from bot.core.compose.policy import policy_answer
from bot.core.context import TurnContext
from bot.core.generate import Generation
from bot.core.reply import TurnEvent
from bot.core.understand import Understanding


async def policy(turn: TurnContext, asked: Understanding) -> AsyncIterator[TurnEvent]:
    started = time.perf_counter()
    policies = await turn.catalog.policies(asked.topic, turn.language)
    turn.draft.time("retrieve", started)
    for passage in policies:
        text = f"{passage.title}: {passage.text[:300]}"
        turn.draft.cite("policy", passage.merchant_id, passage.policy_id, text, field_name="text")
    if not policies:
        turn.draft.text = policy_answer([], turn.language)
        turn.draft.handoff = True
        return
    generation = Generation(
        task="policy",
        question=asked.topic,
        context={},
        facts=turn.facts(policies=[f"{p.title} {p.text}" for p in policies]),
        template=policy_answer(policies, turn.language),
    )
    async for event in turn.generate(generation):
        yield event
