"""A shop-policy question (shipping, returns, warranty, service hours): the sentences that answer it, quoted
whole with their section, explained by the model when it is in time; with no passage, the offer of a human
colleague."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from bot.core.compose.policy import policy_answer, policy_fact, relevant_sentences
from bot.core.compose.text import plain, whole_sentences
from bot.core.context import TurnContext
from bot.core.generate import Generation
from bot.core.reply import TurnEvent
from bot.core.understand import Understanding

_PASSAGE_CHARS = 300  # of whole sentences, when none of a passage's sentences answers the question


async def policy(turn: TurnContext, asked: Understanding) -> AsyncIterator[TurnEvent]:
    started = time.perf_counter()
    policies = await turn.catalog.policies(asked.topic, turn.language)
    turn.draft.time("retrieve", started)
    answering = relevant_sentences(policies, asked.topic)
    for passage in policies:
        # The evidence (prompt and "Why?") is the passage's answering sentences, whole, as plain text.
        chosen = " ".join(sentence for owner, sentence in answering if owner is passage)
        text = chosen or whole_sentences(plain(passage.text), _PASSAGE_CHARS)
        turn.draft.cite(
            "policy", passage.merchant_id, passage.policy_id, f"{plain(passage.title)}: {text}", field_name="text"
        )
    if not policies:
        turn.draft.text = policy_answer([], asked.topic, turn.language)
        turn.draft.handoff = True
        return
    generation = Generation(
        task="policy",
        question=asked.topic,
        facts=turn.facts(policies=[f"{p.title} {p.text}" for p in policies], asked=policy_fact(policies, asked.topic)),
        template=policy_answer(policies, asked.topic, turn.language),
    )
    async for event in turn.generate(generation):
        yield event
