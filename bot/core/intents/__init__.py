"""One handler per intent: what the assistant does for each kind of message (`answer`).

A handler gets the turn (`bot.core.context.TurnContext`) and the `Understanding` of the message; it yields
the turn's events as they are ready (`ProductsShown`, then the model's checked `TextDelta`s) and leaves the
reply in the turn's draft. The intents that need neither products nor the model (`conversation.REPLIES`)
only write the draft.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from bot.core.context import TurnContext
from bot.core.dialog import Intent
from bot.core.intents.compare import compare
from bot.core.intents.conversation import REPLIES
from bot.core.intents.policy import policy
from bot.core.intents.product_question import product_question
from bot.core.intents.recommend import recommend
from bot.core.intents.reference import reference
from bot.core.intents.reviews import reviews
from bot.core.reply import TurnEvent
from bot.core.understand import Understanding

Handler = Callable[[TurnContext, Understanding], AsyncIterator[TurnEvent]]

HANDLERS: dict[Intent, Handler] = {
    "search": recommend,
    "refine": recommend,
    "reference": reference,
    "product_question": product_question,
    "reviews": reviews,
    "compare": compare,
    "policy": policy,
}


async def answer(turn: TurnContext, asked: Understanding) -> AsyncIterator[TurnEvent]:
    """Answer the message as its intent says; the reply is left in `turn.draft`."""
    if asked.intent in REPLIES:
        await REPLIES[asked.intent](turn, asked)
        return
    async for event in HANDLERS[asked.intent](turn, asked):
        yield event
