"""The intents answered without a product list or the model: a greeting, a clarifying question for a vague
request, a message out of the shop's scope, and a request for a human."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.compose.replies import clarify as clarifying_question
from bot.core.context import TurnContext
from bot.core.dialog import Intent
from bot.core.understand import Understanding
from bot.i18n import t


async def greeting(turn: TurnContext, asked: Understanding) -> None:
    turn.draft.text = t("greeting_text", turn.language)
    _, turn.draft.quick_replies = clarifying_question(turn.language)


async def clarify(turn: TurnContext, asked: Understanding) -> None:
    """Ask what the customer is shopping for, offering the shop's main kinds of product; keep what they said."""
    kinds = await turn.catalog.main_kinds(turn.language)
    turn.draft.text, turn.draft.quick_replies = clarifying_question(turn.language, kinds)
    turn.dialog.constraints = asked.constraints


async def out_of_scope(turn: TurnContext, asked: Understanding) -> None:
    turn.draft.text = t("out_of_scope", turn.language)
    _, turn.draft.quick_replies = clarifying_question(turn.language)


async def handoff(turn: TurnContext, asked: Understanding) -> None:
    turn.draft.text = t("handoff_notice", turn.language)
    turn.draft.handoff = True


REPLIES: dict[Intent, Callable[[TurnContext, Understanding], Awaitable[None]]] = {
    "greeting": greeting,
    "clarify": clarify,
    "out_of_scope": out_of_scope,
    "handoff": handoff,
}
