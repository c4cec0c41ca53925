"""The shopping assistant: one customer turn from a message to a checked, grounded reply.

`Assistant.turn(user, text)` understands the message against the customer's dialog (`bot.core.understand`),
hands it to the handler of its intent (`bot.core.intents`), which retrieves from the catalog
(`bot.core.lookups`), emits the product cards at once (`ProductsShown`) and lets the model explain them
(`bot.core.generate`: `TextDelta`s, sentence by sentence, each one checked by `bot.core.grounding` before it is
shown; a `Replacement` if what was streamed is set aside at the end), and ends with one `FinalReply`. Which
products are offered is decided by retrieval and the customer's hard filters, never by the model. The
deterministic template of `bot.core.compose` in the customer's language is ready first; the model's text
takes its place only when it is likely to come in time and does, and passes the check.

The reply's language is the message's; a message with no words ("？？？", an emoji) and a card button are
answered in the conversation's language so far, else in the language the channel knows the user by
(`UserRef.language`). Comparisons and review summaries, which reach the customer whole, are asked for as JSON
with a schema (`bot.core.answers`) unless `AssistantConfig.structured_output` is off, and every field is
checked the same way.

Card buttons arrive as `Assistant.action(user, action, sku, turn_id)`. Every reply is saved (so "Why?"
works after a restart) and the turn's metrics are recorded in the `StateStore`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from bot.core.compose.replies import clarify
from bot.core.context import TurnContext
from bot.core.dialog import DialogState
from bot.core.draft import Draft, elapsed_ms, new_turn_id
from bot.core.generate import Generator
from bot.core.intent_model import message_vector
from bot.core.intents import answer
from bot.core.intents.buttons import press
from bot.core.lookups import CatalogLookups
from bot.core.prompts import PromptBook
from bot.core.reply import ButtonAction, FinalReply, Language, Reply, TurnEvent, UserRef
from bot.core.understand import understand
from bot.i18n import t
from bot.settings import AssistantConfig
from bot.state.store import StateStore
from retrieval.index import CatalogIndex, CurrencyNotConvertible
from retrieval.models import Product
from serving.llm import LLMClient

MAX_MESSAGE_CHARS = 2000


class Assistant:
    """One customer turn at a time per user; many users at once. See the module docstring."""

    def __init__(
        self,
        index: CatalogIndex,
        llm: LLMClient | None,
        state: StateStore,
        prompts: PromptBook,
        config: AssistantConfig,
        *,
        embedded_llm: bool = False,
    ) -> None:
        self._index = index
        self._llm = llm
        self._state = state
        self._prompts = prompts
        self._config = config
        self._embedded_llm = embedded_llm  # `llm` is the embedded CPU engine (see `AssistantConfig.embedded_model`)
        self._generator = Generator(llm, state, prompts, config, embedded=embedded_llm)

    def with_prompts(self, prompts: PromptBook) -> Assistant:
        """The same assistant answering with another prompt book (a draft under evaluation)."""
        return Assistant(self._index, self._llm, self._state, prompts, self._config, embedded_llm=self._embedded_llm)

    async def turn(self, user: UserRef, text: str) -> AsyncIterator[TurnEvent]:
        """Answer one message: `ProductsShown` (when there are products), `TextDelta`s, one `FinalReply`."""
        started = time.perf_counter()
        message = text.strip()[:MAX_MESSAGE_CHARS]
        dialog = DialogState.load(await self._state.load_dialog(user.user_id))
        dialog.language = _prior_language(dialog, user)  # what a message with no words is answered in
        catalog = await self._catalog(user)
        shown = await catalog.products(dialog.shown)
        vocabulary = await catalog.shop.vocabulary()
        vector = await message_vector(message, self._index.embedder)
        understanding = understand(message, dialog, shown, vocabulary, user.language, vector=vector)
        draft = Draft(turn_id=new_turn_id(), language=understanding.language, intent=understanding.intent)
        draft.time("understand", started)
        dialog.language = understanding.language

        try:
            async for event in answer(
                self._context(user, catalog, dialog, shown, vocabulary.brands, draft), understanding
            ):
                yield event
        except CurrencyNotConvertible as exc:  # a budget in a currency the shop has no rate for
            draft.text = t("currency_not_convertible", draft.language, currency=exc.currency, base=exc.base)

        dialog.last_intent = understanding.intent
        dialog.remember(message, draft.text[:300], self._config.max_history_turns)
        reply = draft.reply()
        await self._finish(user, dialog, reply, draft, started)
        yield FinalReply(reply=reply)

    async def action(
        self, user: UserRef, action: ButtonAction, sku: str, turn_id: str | None = None
    ) -> AsyncIterator[TurnEvent]:
        """A card button: details, compare, similar, why, buy, like, dislike."""
        started = time.perf_counter()
        dialog = DialogState.load(await self._state.load_dialog(user.user_id))
        draft = Draft(turn_id=new_turn_id(), language=_prior_language(dialog, user), intent=action)
        catalog = await self._catalog(user)
        product = await catalog.shop.product(sku)
        if product is None:
            draft.text = t("unknown_product", draft.language)
        elif action in ("like", "dislike"):
            liked = action == "like"
            await self._state.record_event(
                "feedback",
                user.user_id,
                turn_id=turn_id,
                sku=sku,
                value=1 if liked else -1,
                merchant_id=user.merchant_id,
            )
            draft.text = t("feedback_thanks" if liked else "feedback_noted", draft.language)
        else:
            await self._state.record_event(
                "click", user.user_id, turn_id=turn_id, sku=sku, data={"action": action}, merchant_id=user.merchant_id
            )
            brands = (await catalog.shop.vocabulary()).brands
            async for event in press(self._context(user, catalog, dialog, [], brands, draft), action, product, turn_id):
                yield event
        reply = draft.reply()
        await self._finish(user, dialog, reply, draft, started)
        yield FinalReply(reply=reply)

    def welcome(self, user: UserRef, language: Language) -> Reply:
        _, options = clarify(language)
        text = t("greeting_text", language)
        return Reply(turn_id=new_turn_id(), language=language, intent="greeting", text=text, quick_replies=options)

    def help(self, language: Language) -> Reply:
        return Reply(turn_id=new_turn_id(), language=language, intent="help", text=t("help_text", language))

    async def reset(self, user: UserRef) -> None:
        await self._state.reset_dialog(user.user_id)

    async def _catalog(self, user: UserRef) -> CatalogLookups:
        return CatalogLookups(await self._index.merchant(user.merchant_id), self._config.min_relevance)

    def _context(
        self,
        user: UserRef,
        catalog: CatalogLookups,
        dialog: DialogState,
        shown: list[Product],
        brands: list[str],
        draft: Draft,
    ) -> TurnContext:
        return TurnContext(
            user=user,
            catalog=catalog,
            dialog=dialog,
            shown=shown,
            brands=brands,
            draft=draft,
            generator=self._generator,
            state=self._state,
        )

    async def _finish(self, user: UserRef, dialog: DialogState, reply: Reply, draft: Draft, started: float) -> None:
        """Save the dialog and the reply; record the turn, the cards shown and a handoff."""
        await self._state.save_dialog(user.user_id, dialog.model_dump(mode="json"))
        await self._state.save_reply(reply)
        data = {
            "intent": reply.intent,
            "language": reply.language,
            "fallback": reply.fallback,
            "timings": draft.timings,
        }
        merchant_id = user.merchant_id
        await self._state.record_event(
            "turn", user.user_id, turn_id=reply.turn_id, value=elapsed_ms(started), data=data, merchant_id=merchant_id
        )
        for card in reply.products:
            await self._state.record_event(
                "shown", user.user_id, turn_id=reply.turn_id, sku=card.sku, merchant_id=merchant_id
            )
        if reply.handoff:
            await self._state.record_event("handoff", user.user_id, turn_id=reply.turn_id, merchant_id=merchant_id)


def _prior_language(dialog: DialogState, user: UserRef) -> Language:
    """The language before this message: the conversation's so far, else the one the channel knows the user by."""
    return dialog.language if dialog.history else (user.language or dialog.language)
