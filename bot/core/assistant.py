"""The shopping assistant: one customer turn from a message to a checked, grounded reply.

`Assistant.turn(user, text)` understands the message against the customer's dialog (`bot.core.dialog`),
retrieves from the catalog (`retrieval.index.CatalogIndex`), emits the product cards at once
(`ProductsShown`), lets the model explain them (`TextDelta`s, sentence by sentence, each one checked by
`bot.core.grounding` before it is shown) and ends with one `FinalReply`. Which products are offered is
decided by retrieval and the customer's hard filters, never by the model; when the model is absent,
down, slow, or writes something the check rejects, the deterministic template of `bot.core.compose` in the
customer's language answers instead, within the same time budget. Comparisons and review summaries, which
reach the customer whole, are asked for as JSON with a schema (`bot.core.answers`) unless
`AssistantConfig.structured_output` is off, and every field is checked the same way.

Card buttons arrive as `Assistant.action(user, action, sku, turn_id)`. Every reply is saved (so "Why?"
works after a restart) and the turn's metrics are recorded in the `StateStore`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import unicodedata
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core import compose
from bot.core.answers import FieldCheck, StructuredTask, comparison_task, reviews_task
from bot.core.dialog import Constraints, DialogState, Understanding, color_aliases, review_aspect, understand
from bot.core.grounding import Checker, Facts, SentenceSplitter, content_terms, looks_like_instructions
from bot.core.language import detect_language
from bot.core.prompts import PromptBook, quote
from bot.core.reply import (
    ButtonAction,
    Evidence,
    FinalReply,
    Language,
    ProductCard,
    ProductsShown,
    Reply,
    TextDelta,
    TurnEvent,
    UserRef,
)
from bot.i18n import t
from bot.settings import AssistantConfig
from bot.state.store import StateStore
from retrieval.index import CatalogIndex, CurrencyNotConvertible
from retrieval.models import Policy, Product, Review
from serving.errors import LLMError
from serving.llm import LLMClient
from serving.protocol import ChatMessage

CARD_BUTTONS: tuple[ButtonAction, ...] = ("details", "compare", "similar", "why", "buy", "like", "dislike")
MAX_MESSAGE_CHARS = 2000
MAX_COMPARE = 4
POLICY_RRF_K = 60
CATEGORY_VOTERS = 8
LEXICAL_VOTERS = 3  # BM25 hits whose own words may show the shop sells what the encoder scored low
FOLLOW_UPS = {
    "en": ["Cheaper", "Compare the first two", "What do buyers say about the first one?"],
    "zh": ["便宜点的", "对比前两个", "第一个评价怎么样"],
}


@dataclass
class _Draft:
    """The reply of one turn as it is being put together."""

    turn_id: str
    language: Language
    intent: str
    text: str = ""
    products: list[Product] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    quick_replies: list[str] = field(default_factory=list)
    comparison: list[list[str]] | None = None
    fallback: bool = False
    handoff: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    def cite(
        self,
        kind: str,
        merchant_id: str,
        source_id: str,
        text: str,
        *,
        sku: str | None = None,
        field_name: str | None = None,
    ) -> Evidence:
        item = Evidence(
            ref=len(self.evidence) + 1,
            kind=kind,
            merchant_id=merchant_id,
            sku=sku,
            source_id=source_id,
            field=field_name,
            text=text,
        )
        self.evidence.append(item)
        return item

    def cite_products(self, products: Sequence[Product]) -> None:
        for product in products:
            self.cite("product", product.merchant_id, product.sku, compose.product_facts(product), sku=product.sku)

    def cite_reviews(self, reviews: Sequence[Review]) -> None:
        for review in reviews:
            quote = f"{review.rating}/5: {review.text[:200]}"
            self.cite("review", review.merchant_id, review.review_id, quote, sku=review.sku, field_name="text")

    def reply(self) -> Reply:
        return Reply(
            turn_id=self.turn_id,
            language=self.language,
            intent=self.intent,
            text=self.text,
            products=[_card(p, self.labels.get(p.sku)) for p in self.products],
            evidence=self.evidence,
            quick_replies=self.quick_replies,
            comparison=self.comparison,
            fallback=self.fallback,
            handoff=self.handoff,
        )


@dataclass
class _Generation:
    """What to ask the model and what it may say."""

    task: str
    question: str
    context: dict[str, object]
    facts: Facts
    template: str
    structured: StructuredTask[Any] | None = field(default=None, repr=False)


@dataclass
class _Prompt:
    """The messages sent, the instructions alone (never an answer) and the evidence shown, by ref."""

    messages: list[ChatMessage]
    instructions: str
    evidence: dict[int, Evidence]


@dataclass
class _CheckedAnswer:
    """How the model's answer fared: the text kept, how many pieces (sentences, or a structured answer's items)
    were kept and removed, why it was set aside, time spent checking."""

    text: str = ""
    kept: int = 0
    removed: int = 0
    reason: str | None = None
    seconds: float = 0.0
    checker: Checker | None = None


def _card(product: Product, label: str | None) -> ProductCard:
    buttons = [b for b in CARD_BUTTONS if b != "buy" or product.url]
    return ProductCard(
        merchant_id=product.merchant_id,
        sku=product.sku,
        title=product.title,
        price=product.price,
        currency=product.currency,
        in_stock=product.in_stock,
        stock=product.stock,
        rating=product.rating,
        image_url=product.image_urls[0] if product.image_urls else None,
        url=product.url,
        label=label,
        buttons=buttons,
    )


class Assistant:
    """One customer turn at a time per user; many users at once. See the module docstring."""

    def __init__(
        self,
        index: CatalogIndex,
        llm: LLMClient | None,
        state: StateStore,
        prompts: PromptBook,
        config: AssistantConfig,
    ) -> None:
        self._index = index
        self._llm = llm
        self._state = state
        self._prompts = prompts
        self._config = config

    def with_prompts(self, prompts: PromptBook) -> Assistant:
        """The same assistant answering with another prompt book (a draft under evaluation)."""
        return Assistant(self._index, self._llm, self._state, prompts, self._config)

    # --- the public verbs -------------------------------------------------------------------------

    async def turn(self, user: UserRef, text: str) -> AsyncIterator[TurnEvent]:
        """Answer one message: `ProductsShown` (when there are products), `TextDelta`s, one `FinalReply`."""
        started = time.perf_counter()
        message = text.strip()[:MAX_MESSAGE_CHARS]
        dialog = DialogState.load(await self._state.load_dialog(user.user_id))
        shown = await self._products(user.merchant_id, dialog.shown)
        vocabulary = await (await self._index.merchant(user.merchant_id)).vocabulary()
        understanding = understand(message, dialog, shown, vocabulary)
        draft = _Draft(turn_id=_turn_id(), language=understanding.language, intent=understanding.intent)
        draft.timings["understand"] = _ms(started)
        dialog.language = understanding.language

        try:
            async for event in self._answer(user, understanding, dialog, shown, vocabulary.brands, draft):
                yield event
        except CurrencyNotConvertible as exc:  # a budget in a currency the shop has no rate for
            draft.text = compose.currency_not_convertible(exc.currency, exc.base, draft.language)

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
        draft = _Draft(turn_id=_turn_id(), language=dialog.language, intent=action)
        product = await (await self._index.merchant(user.merchant_id)).product(sku)
        if product is None:
            draft.text = compose.unknown_product(draft.language)
        elif action in ("like", "dislike"):
            await self._state.record_event(
                "feedback",
                user.user_id,
                turn_id=turn_id,
                sku=sku,
                value=1 if action == "like" else -1,
                merchant_id=user.merchant_id,
            )
            draft.text = compose.feedback_ack(action == "like", draft.language)
        else:
            await self._state.record_event(
                "click", user.user_id, turn_id=turn_id, sku=sku, data={"action": action}, merchant_id=user.merchant_id
            )
            async for event in self._button(user, action, product, turn_id, dialog, draft):
                yield event
        reply = draft.reply()
        await self._finish(user, dialog, reply, draft, started)
        yield FinalReply(reply=reply)

    def welcome(self, user: UserRef, language: Language) -> Reply:
        _, options = compose.clarify(language)
        return Reply(
            turn_id=_turn_id(),
            language=language,
            intent="greeting",
            text=compose.greeting(language),
            quick_replies=options,
        )

    def help(self, language: Language) -> Reply:
        return Reply(turn_id=_turn_id(), language=language, intent="help", text=compose.help_text(language))

    async def reset(self, user: UserRef) -> None:
        await self._state.reset_dialog(user.user_id)

    # --- intents ----------------------------------------------------------------------------------

    async def _answer(
        self,
        user: UserRef,
        u: Understanding,
        dialog: DialogState,
        shown: list[Product],
        brands: list[str],
        draft: _Draft,
    ) -> AsyncIterator[TurnEvent]:
        language = u.language
        match u.intent:
            case "search" | "refine":
                refining = u.intent == "refine"
                async for event in self._recommend(
                    user, u.constraints, u.topic, dialog, brands, draft, refining=refining, shown=shown
                ):
                    yield event
            case "reference":
                by_sku = {p.sku: p for p in shown}
                products = [by_sku[sku] for sku in u.references if sku in by_sku]
                draft.products = products
                draft.cite_products(products)
                dialog.focus = [p.sku for p in products]
                if not products:
                    draft.text = compose.need_products(language)
                    return
                yield ProductsShown(turn_id=draft.turn_id, products=[_card(p, None) for p in products])
                if len(products) == 1:
                    draft.text = compose.details(products[0], language)
                else:
                    draft.text = "\n".join(compose.product_line(i, p, language) for i, p in enumerate(products, 1))
            case "product_question":
                async for event in self._product_question(user, u, shown, dialog, brands, draft):
                    yield event
            case "reviews":
                async for event in self._reviews(user, u, shown, dialog, brands, draft):
                    yield event
            case "compare":
                products = await self._comparison_products(user, u, shown, dialog)
                async for event in self._compare(user, products, u.topic, dialog, brands, draft):
                    yield event
            case "policy":
                async for event in self._policy(user, u.topic, brands, draft):
                    yield event
            case "greeting":
                draft.text = compose.greeting(language)
                _, draft.quick_replies = compose.clarify(language)
            case "clarify":
                draft.text, draft.quick_replies = compose.clarify(
                    language, await self._main_kinds(user.merchant_id, language)
                )
                dialog.constraints = u.constraints
            case "out_of_scope":
                draft.text = compose.out_of_scope(language)
                _, draft.quick_replies = compose.clarify(language)
            case "handoff":
                draft.text = compose.handoff(language)
                draft.handoff = True

    async def _recommend(
        self,
        user: UserRef,
        constraints: Constraints,
        topic: str,
        dialog: DialogState,
        brands: list[str],
        draft: _Draft,
        *,
        refining: bool = False,
        shown: Sequence[Product] = (),
    ) -> AsyncIterator[TurnEvent]:
        language = draft.language
        started = time.perf_counter()
        if refining:
            leaf = _leaf_category(shown)
            if leaf and not constraints.categories:  # "cheaper" stays within the kind of product on screen
                constraints = constraints.model_copy(update={"categories": [leaf]})
        else:
            sold, constraints = await self._intended(user.merchant_id, constraints, topic)
            if not sold:
                draft.timings["retrieve"] = _ms(started)
                draft.text = compose.not_sold(language)
                return
        products = await self._search(user.merchant_id, constraints, topic, None)
        if not products:
            alternatives = await self._alternatives(user.merchant_id, constraints, topic)
            draft.timings["retrieve"] = _ms(started)
            label = t("nearest_alternative", language)
            draft.products, draft.labels = alternatives, {p.sku: label for p in alternatives}
            draft.cite_products(alternatives)
            if not refining:
                # A refinement that finds nothing leaves the search in force, so the next one builds on it.
                dialog.constraints = constraints
                dialog.shown, dialog.focus = [p.sku for p in alternatives], []
            await self._save_dialog(user, dialog)
            if alternatives:
                yield ProductsShown(turn_id=draft.turn_id, products=[_card(p, label) for p in alternatives])
            draft.text = compose.no_match(constraints, alternatives, language)
            return
        draft.timings["retrieve"] = _ms(started)
        draft.products = products
        draft.cite_products(products)
        draft.quick_replies = FOLLOW_UPS[language]
        dialog.constraints = constraints
        dialog.shown, dialog.focus = [p.sku for p in products], []
        await self._save_dialog(user, dialog)
        yield ProductsShown(turn_id=draft.turn_id, products=[_card(p, None) for p in products])
        wanted = compose.constraints_text(constraints, language, products[0].currency)
        generation = _Generation(
            task="recommend",
            question=topic,
            context={"constraints": wanted},
            facts=Facts(
                language=language,
                products=products,
                notes=[wanted, topic],
                catalog_brands=brands,
                evidence_count=len(draft.evidence),
            ),
            template=compose.recommendation(products, constraints, language),
        )
        async for event in self._generate(user, generation, draft):
            yield event

    async def _product_question(
        self,
        user: UserRef,
        u: Understanding,
        shown: list[Product],
        dialog: DialogState,
        brands: list[str],
        draft: _Draft,
    ) -> AsyncIterator[TurnEvent]:
        started = time.perf_counter()
        product = await self._subject(user, u, shown, draft)
        if product is None:
            return
        hits = await (await self._index.merchant(user.merchant_id)).search_reviews(product.sku, u.topic, k=3)
        reviews = [hit.review for hit in hits if not looks_like_instructions(hit.review.text)]
        draft.timings["retrieve"] = _ms(started)
        draft.products = [product]
        draft.cite_products([product])
        draft.cite_reviews(reviews)
        dialog.focus = [product.sku]
        yield ProductsShown(turn_id=draft.turn_id, products=[_card(product, None)])
        template, answered = compose.product_answer(product, u.topic, reviews, draft.language)
        generation = _Generation(
            task="product_question",
            question=u.topic,
            context={},
            facts=Facts(
                language=draft.language,
                products=[product],
                reviews=[r.text for r in reviews],
                catalog_brands=brands,
                evidence_count=len(draft.evidence),
            ),
            template=template,
        )
        async for event in self._generate(user, generation, draft):
            yield event

    async def _reviews(
        self,
        user: UserRef,
        u: Understanding,
        shown: list[Product],
        dialog: DialogState,
        brands: list[str],
        draft: _Draft,
    ) -> AsyncIterator[TurnEvent]:
        started = time.perf_counter()
        product = await self._subject(user, u, shown, draft)
        if product is None:
            return
        reviews = await (await self._index.merchant(user.merchant_id)).reviews(product.sku)
        summary = compose.summarise_reviews(product.sku, reviews, draft.language)
        aspect = review_aspect(u.topic)
        if aspect:
            hits = await (await self._index.merchant(user.merchant_id)).search_reviews(product.sku, aspect, k=3)
            summary.on_aspect = [h.review for h in hits if not looks_like_instructions(h.review.text)]
            summary.aspect = aspect
        draft.timings["retrieve"] = _ms(started)
        draft.products = [product]
        draft.cite_products([product])
        draft.cite_reviews([*summary.quoted, *(r for r in summary.on_aspect if r not in summary.quoted)])
        dialog.focus = [product.sku]
        yield ProductsShown(turn_id=draft.turn_id, products=[_card(product, None)])
        template = compose.reviews_answer(product, summary, draft.language)
        if summary.count == 0:
            draft.text = template
            return
        counts = compose.summary_counts(summary, draft.language)
        generation = _Generation(
            task="reviews",
            question=u.topic,
            context={"summary": counts},
            facts=Facts(
                language=draft.language,
                products=[product],
                reviews=[r.text for r in [*summary.quoted, *summary.on_aspect]],
                notes=[counts],
                catalog_brands=brands,
                evidence_count=len(draft.evidence),
            ),
            template=template,
            structured=reviews_task(compose.reviews_heading(product, summary, draft.language), draft.language),
        )
        async for event in self._generate(user, generation, draft):
            yield event

    async def _comparison_products(
        self, user: UserRef, u: Understanding, shown: list[Product], dialog: DialogState
    ) -> list[Product]:
        """Referenced products, else the Compare-button list, else the top two shown, else products named."""
        if len(u.references) >= 2:
            by_sku = {p.sku: p for p in shown}
            return [by_sku[sku] for sku in u.references[:MAX_COMPARE] if sku in by_sku]
        if len(dialog.compare) >= 2:
            return await self._products(user.merchant_id, dialog.compare[:MAX_COMPARE])
        named = await self._products_named(user.merchant_id, u.topic)
        if len(named) >= 2:
            return named
        return shown[:2] if len(shown) >= 2 else []

    async def _products_named(self, merchant_id: str, text: str) -> list[Product]:
        """'compare the Sony WH-1000XM5 and the Bose QC45': the best match for each named part."""
        parts = [
            p.strip()
            for p in re.split(
                r"\bvs\.?\b|\bversus\b|\band\b|\bwith\b|,|，|、|和|与|跟|还是|对比|比较", text, flags=re.I
            )
        ]
        parts = [
            p
            for p in parts
            if len(p) >= 2 and not re.fullmatch(r"(?i)\W*(compare|the|these|those|which is better)?\W*", p)
        ]
        if len(parts) < 2:
            return []
        found: list[Product] = []
        for part in parts[:MAX_COMPARE]:
            hits = await (await self._index.merchant(merchant_id)).search(part, None, 1)
            if hits and hits[0].product.sku not in {p.sku for p in found}:
                found.append(hits[0].product)
        return found

    async def _compare(
        self,
        user: UserRef,
        products: list[Product],
        question: str,
        dialog: DialogState,
        brands: list[str],
        draft: _Draft,
    ) -> AsyncIterator[TurnEvent]:
        language = draft.language
        draft.intent = "compare"
        if len(products) < 2:
            draft.text = compose.need_products(language)
            return
        started = time.perf_counter()
        reviews = {p.sku: await (await self._index.merchant(p.merchant_id)).reviews(p.sku) for p in products}
        summaries = {sku: compose.summarise_reviews(sku, items, language, quotes=1) for sku, items in reviews.items()}
        draft.timings["retrieve"] = _ms(started)
        draft.products = products
        draft.cite_products(products)
        for summary in summaries.values():
            draft.cite_reviews(summary.quoted)
        draft.comparison = compose.comparison_table(products, reviews, language)
        dialog.focus = [p.sku for p in products]
        dialog.compare = []
        yield ProductsShown(turn_id=draft.turn_id, products=[_card(p, None) for p in products])
        quoted = [r.text for s in summaries.values() for r in s.quoted]
        generation = _Generation(
            task="compare",
            question=question,
            context={"summary": compose.table_text(draft.comparison)},
            facts=Facts(
                language=language,
                products=products,
                reviews=quoted,
                notes=[compose.table_text(draft.comparison)],
                catalog_brands=brands,
                evidence_count=len(draft.evidence),
            ),
            template=compose.comparison(products, summaries, language),
            structured=comparison_task(products, language),
        )
        async for event in self._generate(user, generation, draft):
            yield event

    async def _policy(self, user: UserRef, question: str, brands: list[str], draft: _Draft) -> AsyncIterator[TurnEvent]:
        started = time.perf_counter()
        policies = await self._policies(user.merchant_id, question, draft.language)
        draft.timings["retrieve"] = _ms(started)
        for policy in policies:
            draft.cite(
                "policy",
                policy.merchant_id,
                policy.policy_id,
                f"{policy.title}: {policy.text[:300]}",
                field_name="text",
            )
        if not policies:
            draft.text = compose.policy_answer([], draft.language)
            draft.handoff = True
            return
        generation = _Generation(
            task="policy",
            question=question,
            context={},
            facts=Facts(
                language=draft.language,
                policies=[f"{p.title} {p.text}" for p in policies],
                catalog_brands=brands,
                evidence_count=len(draft.evidence),
            ),
            template=compose.policy_answer(policies, draft.language),
        )
        async for event in self._generate(user, generation, draft):
            yield event

    async def _button(
        self,
        user: UserRef,
        action: ButtonAction,
        product: Product,
        turn_id: str | None,
        dialog: DialogState,
        draft: _Draft,
    ) -> AsyncIterator[TurnEvent]:
        language = draft.language
        brands = (await (await self._index.merchant(user.merchant_id)).vocabulary()).brands
        match action:
            case "details":
                draft.products = [product]
                draft.cite_products([product])
                dialog.focus = [product.sku]
                draft.text = compose.details(product, language)
            case "compare":
                dialog.compare = [*[s for s in dialog.compare if s != product.sku], product.sku][-MAX_COMPARE:]
                if len(dialog.compare) < 2:
                    draft.text = compose.compare_added(len(dialog.compare), language)
                    return
                products = await self._products(user.merchant_id, dialog.compare)
                question = compose.compare_request(language)
                async for event in self._compare(user, products, question, dialog, brands, draft):
                    yield event
            case "similar":
                hits = await (await self._index.merchant(user.merchant_id)).similar(product.sku, 3)
                similar = [hit.product for hit in hits]
                draft.products = similar
                draft.cite_products(similar)
                dialog.shown, dialog.focus = [p.sku for p in similar], []
                if similar:
                    yield ProductsShown(turn_id=draft.turn_id, products=[_card(p, None) for p in similar])
                lines = [compose.product_line(i, p, language) for i, p in enumerate(similar, 1)]
                draft.text = "\n".join([compose.similar_intro(product, language), *lines])
            case "why":
                earlier = await self._state.load_reply(turn_id) if turn_id else None
                if earlier is None:
                    draft.text = compose.expired(language)
                    return
                draft.evidence = [e for e in earlier.evidence if e.sku in (product.sku, None) or e.kind == "policy"]
                draft.text = compose.evidence_text(draft.evidence, language)
            case "buy":
                draft.products = [product]
                draft.text = compose.buy(product, language)

    # --- generation and the grounding check -------------------------------------------------------

    async def _generate(self, user: UserRef, generation: _Generation, draft: _Draft) -> AsyncIterator[TextDelta]:
        """The model's checked answer: streamed sentence by sentence, or one structured answer when the task has a
        schema and the backend takes one. On any failure the template answers (`draft.fallback`)."""
        started = time.perf_counter()
        check = _CheckedAnswer()
        structured = generation.structured if self._config.structured_output else None
        if self._llm is None:
            check.reason = "no LLM configured"
        else:
            try:
                if structured is not None:
                    async with asyncio.timeout(self._config.turn_budget_s):
                        await self._structured_answer(self._llm, user, generation, structured, draft, check)
                else:
                    async for sentence in self._checked_sentences(self._llm, user, generation, draft, check):
                        yield TextDelta(text=sentence)
            except TimeoutError:
                # Checked sentences already streamed stand on their own; with none yet, the template answers.
                check.reason = None if check.kept else "turn budget exhausted"
            except LLMError as exc:
                check.reason = f"{type(exc).__name__}: {exc}"
                await self._state.record_event(
                    "llm_error",
                    user.user_id,
                    turn_id=draft.turn_id,
                    data={"error": check.reason[:300]},
                    merchant_id=user.merchant_id,
                )
        text = check.text.strip()
        if check.reason is None and not check.kept and not check.removed:
            check.reason = "the model wrote no complete sentence"
        elif check.reason is None and (not check.kept or check.removed > check.kept):
            check.reason = f"grounding: {check.removed} of {check.removed + check.kept} pieces rejected"
        elif check.reason is None and check.checker is not None and not check.checker.on_evidence(text):
            check.reason = "off evidence: the answer uses none of the evidence"
        if check.reason is None:
            draft.text = text
        else:
            draft.text = generation.template
            draft.fallback = True
            await self._state.record_event(
                "fallback",
                user.user_id,
                turn_id=draft.turn_id,
                data={"reason": check.reason[:300], "task": generation.task},
                merchant_id=user.merchant_id,
            )
        draft.timings["generate"] = round(_ms(started) - check.seconds * 1000, 2)
        draft.timings["check"] = round(check.seconds * 1000, 2)

    async def _checked_sentences(
        self, llm: LLMClient, user: UserRef, generation: _Generation, draft: _Draft, check: _CheckedAnswer
    ) -> AsyncIterator[str]:
        """The model's sentences that pass the check, as they complete. Raises TimeoutError at the turn budget.

        A first sentence in the wrong language stops the answer at once; a last fragment cut off by
        max_tokens is dropped, since half a sentence is not an answer.
        """
        prompt = await self._prompt(user, generation, draft, structured=False)
        checker = check.checker = self._checker(generation, prompt)
        overrides = await self._state.get_overrides("llm")
        max_tokens = overrides.get("max_tokens", min(llm.config.max_tokens, self._config.answer_max_tokens))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._config.turn_budget_s
        splitter = SentenceSplitter()
        stream = llm.stream(prompt.messages, temperature=overrides.get("temperature"), max_tokens=max_tokens)
        async with contextlib.aclosing(stream):
            finish_reason: str | None = None
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError
                try:
                    chunk = await asyncio.wait_for(anext(stream), remaining)
                except StopAsyncIteration:
                    rest = splitter.flush()
                    sentences, done = ([rest] if rest and finish_reason != "length" else []), True
                else:
                    finish_reason = chunk.finish_reason or finish_reason
                    sentences, done = splitter.feed(chunk.text), False
                for sentence in sentences:
                    tick = time.perf_counter()
                    in_language = checker.language_ok(sentence)
                    problems = checker.sentence(sentence) if in_language else []
                    check.seconds += time.perf_counter() - tick
                    if not in_language and not check.kept and not check.removed:
                        check.reason = "wrong language"
                        return
                    if problems or not in_language:
                        check.removed += 1
                    else:
                        check.text += sentence
                        check.kept += 1
                        yield sentence
                if done:
                    return

    async def _structured_answer(
        self,
        llm: LLMClient,
        user: UserRef,
        generation: _Generation,
        task: StructuredTask[Any],
        draft: _Draft,
        check: _CheckedAnswer,
    ) -> None:
        """Ask for `task.schema`, check every field (`bot.core.answers.FieldCheck`) and lay out what passes.

        Raises `LLMError` (`LLMOutputError` for JSON that does not fit the schema) like any call to the model.
        """
        prompt = await self._prompt(user, generation, draft, structured=True)
        checker = check.checker = self._checker(generation, prompt)
        overrides = await self._state.get_overrides("llm")
        max_tokens = overrides.get("max_tokens", min(llm.config.max_tokens, self._config.structured_max_tokens))
        answer = await llm.structured(
            prompt.messages, task.schema, temperature=overrides.get("temperature"), max_tokens=max_tokens
        )
        tick = time.perf_counter()
        fields = FieldCheck(checker, prompt.evidence)
        if fields.language_ok(answer):
            check.text = task.layout(answer, fields)
            check.kept, check.removed = fields.kept, fields.removed
        else:
            check.reason = "wrong language"
        check.seconds += time.perf_counter() - tick

    def _checker(self, generation: _Generation, prompt: _Prompt) -> Checker:
        return Checker(
            generation.facts.model_copy(update={"instructions": prompt.instructions, "question": generation.question})
        )

    async def _prompt(self, user: UserRef, generation: _Generation, draft: _Draft, *, structured: bool) -> _Prompt:
        """The stable instructions and the evidence as the system message; the customer's words as the user's.

        The instructions alone (the system message without the evidence) are kept too: the model must not
        echo them back as its answer.
        """
        products = [e for e in draft.evidence if e.kind == "product"][: self._config.prompt_products]
        chosen = [e for e in draft.evidence if e.kind != "product" or e in products]
        evidence = [{"ref": e.ref, "kind": e.kind, "label": _evidence_label(e), "text": e.text} for e in chosen]
        system = await self._prompts.render(
            f"{generation.task}.{draft.language}",
            shop=user.merchant_id,
            language=draft.language,
            evidence=evidence,
            constraints=generation.context.get("constraints", ""),
            summary=generation.context.get("summary", ""),
            structured=structured,
        )
        instructions = system
        for item in evidence:
            instructions = instructions.replace(quote(item["text"]), " ")
        # No chat history is sent: references were resolved before retrieval, and a short prompt is a fast one.
        messages = [ChatMessage(role="system", content=system), ChatMessage(role="user", content=generation.question)]
        return _Prompt(messages=messages, instructions=instructions, evidence={e.ref: e for e in chosen})

    # --- helpers ----------------------------------------------------------------------------------

    async def _intended(self, merchant_id: str, constraints: Constraints, topic: str) -> tuple[bool, Constraints]:
        """Whether the shop sells anything like the request, and the constraints with the kind of product it
        means: without a category of its own, "waterproof jacket" keeps to the category of the closest product."""
        query = constraints.search_text() or topic
        if not query.strip():
            return True, constraints
        if not await self._sells(merchant_id, query, constraints):
            return False, constraints
        shop = await self._index.merchant(merchant_id)
        if constraints.categories or not _names_more_than_brands(query, constraints.brands):
            return True, constraints
        hits = await shop.search(query, None, CATEGORY_VOTERS)
        leaf = _implied_category(query, [hit.product for hit in hits])
        return True, constraints.model_copy(update={"categories": [leaf]}) if leaf else constraints

    async def _subject(self, user: UserRef, u: Understanding, shown: list[Product], draft: _Draft) -> Product | None:
        """The one product a question is about: the shown product it refers to, else the one it names. When
        there is none, the draft says why (not sold, or nothing shown to refer to)."""
        product = next((p for p in shown if p.sku in u.references[:1]), None) or await self._named_product(
            user.merchant_id, u
        )
        if product is None:
            draft.text = (
                compose.not_sold(draft.language)
                if not u.constraints.is_empty()
                else compose.need_products(draft.language)
            )
        return product

    async def _sells(self, merchant_id: str, query: str, constraints: Constraints) -> bool:
        """Whether the shop sells anything like `query`: it names one of the shop's own categories or brands,
        the closest product by meaning is close enough, or one product's name covers most of the query's words
        (an exact title such as "Atomic Habits" can score low with the encoder)."""
        if constraints.categories or constraints.brands:
            return True
        shop = await self._index.merchant(merchant_id)
        closest = await shop.search(query, None, 1, mode="dense")
        if closest and closest[0].score >= self._config.min_relevance:
            return True
        wanted = content_terms(query)
        for hit in await shop.search(query, None, LEXICAL_VOTERS, mode="lexical"):
            covered = {term for term in wanted if term in _name_text(hit.product)}
            # Two words at least: one shared word ("food" in "food-grade") is not the thing asked for.
            if len(covered) >= 2 and 2 * len(covered) >= len(wanted):
                return True
        return False

    async def _named_product(self, merchant_id: str, u: Understanding) -> Product | None:
        """The product a question names ('Does the Salomon X Ultra 4 have GORE-TEX?'), if the shop sells it."""
        if u.constraints.is_empty():
            return None
        # Asking "is it in stock?" must find the item even when it is not; the name, not a category, says which.
        wanted = u.constraints.model_copy(update={"in_stock_only": False})
        query = wanted.search_text() or u.topic
        closest = await (await self._index.merchant(merchant_id)).search(query, None, 1, mode="dense")
        if not closest or closest[0].score < self._config.min_relevance:
            return None
        found = await self._search(merchant_id, wanted, u.topic, 1)
        return found[0] if found else None

    async def _search(self, merchant_id: str, constraints: Constraints, topic: str, k: int | None) -> list[Product]:
        query = constraints.search_text() or " ".join(constraints.categories) or topic
        hits = await (await self._index.merchant(merchant_id)).search(
            query, constraints.filters(), k, sort=constraints.sort
        )
        if not constraints.color:
            return [hit.product for hit in hits]
        # A colour is a preference: the variant in that colour stands in for its item, coloured items first.
        aliases = color_aliases(constraints.color)
        products = []
        for hit in hits:
            product = hit.product
            if not _has_color(product, aliases):
                variants = await self._products(merchant_id, hit.variants)
                product = next((v for v in variants if _has_color(v, aliases)), product)
            products.append(product)
        coloured = [p for p in products if _has_color(p, aliases)]
        return coloured or products

    async def _alternatives(self, merchant_id: str, constraints: Constraints, topic: str) -> list[Product]:
        """The nearest products when nothing fits: the same kind of product with the other filters relaxed."""
        relaxed = Constraints(query=constraints.query, categories=constraints.categories, color=constraints.color)
        found = await self._search(merchant_id, relaxed, topic, None)
        if not found and constraints.categories:
            found = await self._search(merchant_id, Constraints(query=constraints.query), topic, None)

        def distance(product: Product) -> float:
            low, high = constraints.price_min, constraints.price_max
            return max(0.0, product.price - high if high is not None else 0.0) + max(
                0.0, low - product.price if low is not None else 0.0
            )

        return sorted(found, key=distance)[:3]

    async def _policies(self, merchant_id: str, question: str, language: Language, k: int = 2) -> list[Policy]:
        """The passages that answer `question`, in the customer's language when the shop writes both.

        The other language's passages are set aside first. The best passage of each ranking (dense, BM25)
        leads, then the rest by reciprocal-rank fusion: a shop has few passages, and a question worded
        unlike its answer ("service hours" / "live chat 9:00-22:00") is found by one ranking only.
        """
        rankings = []
        for mode in ("dense", "lexical"):
            hits = await (await self._index.merchant(merchant_id)).search_policies(question, k=8, mode=mode)
            own = [h.policy for h in hits if detect_language(f"{h.policy.title} {h.policy.text}") == language]
            rankings.append(own or [h.policy for h in hits])
        scores: dict[str, float] = {}
        by_id: dict[str, Policy] = {}
        for ranking in rankings:
            for rank, policy in enumerate(ranking, start=1):
                scores[policy.policy_id] = scores.get(policy.policy_id, 0.0) + 1.0 / (POLICY_RRF_K + rank)
                by_id[policy.policy_id] = policy
        leaders = [ranking[0].policy_id for ranking in rankings if ranking]
        fused = sorted(scores, key=lambda policy_id: scores[policy_id], reverse=True)
        return [by_id[policy_id] for policy_id in dict.fromkeys([*leaders, *fused])][:k]

    async def _main_kinds(self, merchant_id: str, language: Language, count: int = 3) -> list[str]:
        """The shop's most stocked kinds of product (second category level), named in the customer's script:
        a quick reply in the other language would switch the conversation's language."""
        kinds: dict[str, int] = {}
        for product in await (await self._index.merchant(merchant_id)).products():
            kind = product.category[1] if len(product.category) > 1 else next(iter(product.category), None)
            if kind and (detect_language(kind) or language) == language:
                kinds[kind] = kinds.get(kind, 0) + 1
        return sorted(kinds, key=lambda kind: kinds[kind], reverse=True)[:count]

    async def _products(self, merchant_id: str, skus: Sequence[str]) -> list[Product]:
        products = [await (await self._index.merchant(merchant_id)).product(sku) for sku in skus]
        return [p for p in products if p is not None]

    async def _save_dialog(self, user: UserRef, dialog: DialogState) -> None:
        await self._state.save_dialog(user.user_id, dialog.model_dump(mode="json"))

    async def _finish(self, user: UserRef, dialog: DialogState, reply: Reply, draft: _Draft, started: float) -> None:
        await self._save_dialog(user, dialog)
        await self._state.save_reply(reply)
        latency = _ms(started)
        await self._state.record_event(
            "turn",
            user.user_id,
            turn_id=reply.turn_id,
            value=latency,
            data={
                "intent": reply.intent,
                "language": reply.language,
                "fallback": reply.fallback,
                "timings": draft.timings,
            },
            merchant_id=user.merchant_id,
        )
        for card in reply.products:
            await self._state.record_event(
                "shown", user.user_id, turn_id=reply.turn_id, sku=card.sku, merchant_id=user.merchant_id
            )
        if reply.handoff:
            await self._state.record_event("handoff", user.user_id, turn_id=reply.turn_id, merchant_id=user.merchant_id)


def _names_more_than_brands(query: str, brands: Sequence[str]) -> bool:
    """False when the query is only a brand ("Nike"): then every kind of product of that brand is wanted."""
    rest = query.casefold()
    for brand in brands:
        for name in re.split(r"[/|()（）]+", brand.casefold()):
            if name.strip():
                rest = rest.replace(name.strip(), " ")
    return bool(re.search(r"[a-z]{3,}|[\u4e00-\u9fff]", rest))


def _implied_category(query: str, products: Sequence[Product]) -> str | None:
    """The leaf category the query means, voted by the best hits: rank-weighted, and a hit whose title
    has the query's head noun ("waterproof hiking *jacket*", "跑步*耳机*") counts much more, so hiking
    shoes do not win a search for a hiking jacket."""
    head = _head_noun(query)
    votes: dict[str, float] = {}
    for rank, product in enumerate(products):
        if not product.category:
            continue
        weight = 1.0 / (rank + 1) + (1.0 if head and head in product.title.casefold() else 0.0)
        votes[product.category[-1]] = votes.get(product.category[-1], 0.0) + weight
    return max(votes, key=lambda leaf: votes[leaf]) if votes else None


def _head_noun(query: str) -> str | None:
    """'headphones for running' -> 'headphone', '防水登山夹克' -> '夹克': the last word before any modifier."""
    core = re.split(r"\b(?:for|with|under|in|that|which|to|from|below|over)\b|[,，]", query.casefold())[0]
    han = re.findall(r"[\u4e00-\u9fff]+", core)
    words = re.findall(r"[a-z]{3,}", core)
    if words and (not han or core.rfind(words[-1]) > core.rfind(han[-1])):
        return words[-1].removesuffix("s")
    return han[-1][-2:] if han else None


def _leaf_category(products: Sequence[Product]) -> str | None:
    """The most common leaf category among `products`."""
    leaves = [p.category[-1] for p in products if p.category]
    return max(set(leaves), key=leaves.count) if leaves else None


def _has_color(product: Product, aliases: tuple[str, ...]) -> bool:
    text = " ".join([product.title, *product.attributes.values()]).casefold()
    return any(alias.casefold() in text for alias in aliases)


def _evidence_label(evidence: Evidence) -> str:
    return {"product": "product", "review": "buyer review", "policy": "shop policy"}[evidence.kind]


def _name_text(product: Product) -> str:
    """What a product is called (title, brand, category), folded like `content_terms` folds a query. Not the
    description: "for MagSafe iPhones" does not make a power bank an iPhone."""
    return unicodedata.normalize("NFKC", " ".join([product.title, product.brand or "", *product.category])).casefold()


def _turn_id() -> str:
    return uuid.uuid4().hex[:12]


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
