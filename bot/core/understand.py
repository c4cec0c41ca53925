"""How one customer message changes the dialog: `understand(text, state, shown, vocabulary)`.

It reads the message deterministically, in either language, and says what the customer wants
(`Understanding`): a new search, a refinement of the current one ("cheaper", "便宜点的", "red instead",
"不要这个牌子"), a reference to shown products ("the second one", "第二个", "those two"), a comparison, a
question about a product, what buyers say, shop policy, a greeting, something out of scope, or a human.
The intent is the first rule of `_RULES` that applies. Constraint phrases (prices, brands, categories,
"in stock") are parsed by `retrieval.query.parse_query`; this module decides how they combine with the
constraints already in force.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from pydantic import BaseModel, Field

from bot.core.cues import (
    ALSO_SELLS,
    AVAILABILITY,
    CHEAPER,
    COMPARATIVE,
    COMPARE,
    COMPARE_VERB,
    CONTENT_WORD,
    EMOJI_GREETING,
    FILLER,
    GREETING,
    HANDOFF,
    INSTEAD,
    NAMED_QUESTION,
    NOT_REVIEWS,
    OTHER_BRAND,
    OUT_OF_SCOPE,
    POLICY,
    POLICY_IN_QUESTION,
    PRICIER,
    PRODUCT_NAME,
    QUESTION,
    QUESTION_WORDS,
    REFERENCE_SHAPE,
    REFINE_SHAPE,
    REVIEWS,
    SERVICE_INFO,
    VAGUE,
    WHICH_FACT,
    find_color,
    meaningful,
)
from bot.core.dialog import Constraints, DialogState, Intent
from bot.core.intent_model import load_intent_model
from bot.core.language import detect_language
from bot.core.references import REFERENCE_WORDS, references, strip_references
from bot.core.refinements import another_kind, brands_to_drop, cheaper, merge, other_brand, pricier, short
from bot.core.reply import Language
from retrieval.models import Product
from retrieval.query import ParsedQuery, SearchFilters, Vocabulary, parse_query


class Understanding(BaseModel):
    """What one message asks for, with the constraints and products it resolves to."""

    intent: Intent
    language: Language
    constraints: Constraints = Field(description="The constraints to search with after this message.")
    references: list[str] = Field(default_factory=list, description="SKUs the message refers to, in order.")
    topic: str = Field("", description="What to look up: the question for policies, reviews and product questions.")


@dataclass
class _Message:
    """One message as the rules read it, against the dialog so far."""

    text: str
    state: DialogState
    shown: list[Product]
    parsed: ParsedQuery
    color: str | None
    references: list[str]

    @cached_property
    def has_filters(self) -> bool:
        return _has_filters(self.parsed.filters) or self.parsed.sort != "relevance"

    @cached_property
    def names_catalog(self) -> bool:
        """It names one of the shop's categories or brands."""
        return bool(self.parsed.categories or self.parsed.filters.brands)

    @property
    def plain(self) -> bool:
        """It names no category, brand, price or other filter."""
        return not self.names_catalog and not self.has_filters

    @cached_property
    def refinement(self) -> Constraints | None:
        return _refinement(self) if self.shown else None

    def fresh(self, query: str) -> Constraints:
        """New constraints from this message alone, searching for `query`."""
        _, query = find_color(query) if self.color else (None, query)
        filters = self.parsed.filters
        return Constraints(
            query=re.sub(r"\s+", " ", query).strip(),
            price_min=filters.price_min,
            price_max=filters.price_max,
            currency=filters.currency,
            categories=list(filters.categories),
            brands=list(filters.brands),
            exclude_brands=list(filters.exclude_brands),
            in_stock_only=filters.in_stock_only,
            color=self.color,
            sort=self.parsed.sort,
        )

    def merged(self, *, extra_query: str = "") -> Constraints:
        return merge(self.state.constraints, self.parsed, self.color, extra_query=extra_query)


@dataclass(frozen=True)
class _Rule:
    """When `applies` (truthy), the message means `intent`. `constraints` and `references` give what the
    message resolves to; without them, the constraints in force and the products the message points at."""

    intent: Intent
    applies: Callable[[_Message], object]
    constraints: Callable[[_Message], Constraints | None] | None = None
    references: Callable[[_Message], list[str]] | None = None


def _asks_about_a_named_product(m: _Message) -> bool:
    """'Does the Salomon X Ultra 4 have GORE-TEX?', '索尼WH-1000XM5续航多久？': a question naming a model."""
    if AVAILABILITY.search(m.text) or not QUESTION.search(m.text):
        return False
    if NAMED_QUESTION.search(m.text):
        return True
    return bool(PRODUCT_NAME.search(m.text)) or (bool(m.parsed.filters.brands) and meaningful(m.parsed.text))


def _asks_policy(m: _Message) -> bool:
    """A policy question; a kind of product with a budget ("500元以内的跑步鞋，包邮吗？") is a search even so."""
    if m.parsed.categories and _has_price(m.parsed.filters):
        return False
    return bool(POLICY.search(m.text) or (POLICY_IN_QUESTION.search(m.text) and QUESTION.search(m.text)))


def _names_a_product(m: _Message) -> bool:
    return bool(PRODUCT_NAME.search(m.text) or m.parsed.filters.brands) and not AVAILABILITY.search(m.text)


def _asks_reviews(m: _Message) -> bool:
    return bool(REVIEWS.search(m.text)) and not NOT_REVIEWS.search(m.text)


def _nothing_to_act_on(m: _Message) -> bool:
    """'cheaper?', '第一个', 'compare them' with nothing on screen: there is nothing to refine, point at or compare."""
    if m.shown:
        return False
    relative = CHEAPER.sub(" ", PRICIER.sub(" ", OTHER_BRAND.sub(" ", m.text)))
    if relative != m.text and not meaningful(relative) and not m.has_filters:
        return True
    if (COMPARE.search(m.text) or COMPARE_VERB.search(m.text)) and _nothing_named(m):
        return True
    return bool(REFERENCE_WORDS.search(m.text)) and not meaningful(strip_references(m.text))


def _nothing_named(m: _Message) -> bool:
    """A comparison of "these" with nothing on screen or in the compare list, and no product named."""
    if m.shown or m.state.compare:
        return False
    rest = COMPARE_VERB.sub(" ", COMPARE.sub(" ", strip_references(m.text)))
    return not meaningful(rest)


def _all_shown(m: _Message) -> list[str]:
    return m.references or [p.sku for p in m.shown]


# In order: the first rule that applies decides.
_RULES: tuple[_Rule, ...] = (
    _Rule("handoff", lambda m: HANDOFF.search(m.text) and not SERVICE_INFO.search(m.text)),
    _Rule(
        "greeting",
        lambda m: (
            EMOJI_GREETING.match(m.text) or (GREETING.search(m.text) and not meaningful(GREETING.sub(" ", m.text)))
        ),
    ),
    _Rule("out_of_scope", lambda m: OUT_OF_SCOPE.search(m.text) and m.plain),
    # "Which one has the longer battery life?" asks a fact of every product on screen (unless some are named).
    _Rule("product_question", lambda m: m.shown and WHICH_FACT.search(m.text), references=_all_shown),
    _Rule("compare", lambda m: (COMPARE.search(m.text) or COMPARE_VERB.search(m.text)) and not _nothing_named(m)),
    _Rule(
        "search",
        lambda m: (AVAILABILITY.search(m.text) and not m.shown) or ALSO_SELLS.search(m.text),
        lambda m: m.fresh(m.parsed.text),
        references=lambda m: [],
    ),
    _Rule(
        "reviews",
        lambda m: m.shown and _asks_reviews(m),
        references=lambda m: m.references or m.state.focus[:1] or [p.sku for p in m.shown[:1]],
    ),
    # Words that name a policy on their own ("这几个都包邮吗") ask the shop's policy, whatever is on screen.
    _Rule("policy", lambda m: POLICY.search(m.text) and _asks_policy(m)),
    _Rule("product_question", lambda m: m.references and QUESTION.search(strip_references(m.text))),
    # "Is the black one true to size?": a question about a shown product picked by how it looks.
    _Rule("product_question", lambda m: m.shown and QUESTION.search(m.text) and REFERENCE_SHAPE.search(m.text)),
    _Rule("policy", _asks_policy),
    # "What do buyers say about the Sony WH-1000XM5?" names a product; "有没有买家说好用的腰靠" looks for products
    # whose reviews say so: a search.
    _Rule(
        "reviews",
        lambda m: _asks_reviews(m) and _names_a_product(m) and not _has_price(m.parsed.filters),
        lambda m: m.fresh(m.parsed.text),
    ),
    _Rule("clarify", _nothing_to_act_on, lambda m: m.state.constraints),
    _Rule("reference", lambda m: m.shown and REFERENCE_SHAPE.search(m.text)),
    _Rule("refine", lambda m: m.refinement is not None, lambda m: m.refinement),
    _Rule(
        "reference",
        lambda m: (
            m.shown and not meaningful(strip_references(m.text)) and (m.references or REFERENCE_WORDS.search(m.text))
        ),
    ),
    _Rule("product_question", lambda m: m.references and m.plain),
    _Rule(
        "product_question",
        _asks_about_a_named_product,
        lambda m: m.fresh(QUESTION_WORDS.sub(" ", m.parsed.text)),
    ),
    # The answer to a clarifying question adds to what was said before it.
    _Rule(
        "search",
        lambda m: m.state.last_intent == "clarify" and (m.has_filters or m.names_catalog or meaningful(m.text)),
        lambda m: m.merged(extra_query=m.parsed.text),
    ),
    _Rule("clarify", lambda m: _is_vague(m.parsed.text) and m.plain, lambda m: m.fresh(m.parsed.text)),
    _Rule("out_of_scope", lambda m: not meaningful(m.parsed.text) and m.plain and CONTENT_WORD.search(m.text)),
    _Rule("clarify", lambda m: not meaningful(m.parsed.text) and m.plain),
    _Rule("search", lambda m: True, lambda m: m.fresh(m.parsed.text)),
)


# What a message resolves to when the classifier gives it another intent than the rules did.
_RESOLVE: dict[Intent, _Rule] = {
    "search": _Rule("search", bool, lambda m: m.fresh(m.parsed.text), references=lambda m: []),
    "refine": _Rule("refine", bool, lambda m: m.refinement or m.merged(extra_query=m.parsed.text)),
    "reviews": _Rule("reviews", bool, references=lambda m: m.references or m.state.focus[:1] or _all_shown(m)[:1]),
    "product_question": _Rule(
        "product_question",
        bool,
        lambda m: None if m.shown else m.fresh(QUESTION_WORDS.sub(" ", m.parsed.text)),
        references=lambda m: m.references or m.state.focus[:1] or _all_shown(m)[:1],
    ),
    "compare": _Rule("compare", bool, references=_all_shown),
}


_NOT_WITH_A_NAME: frozenset[Intent] = frozenset({"clarify", "out_of_scope", "greeting"})


def understand(
    text: str,
    state: DialogState,
    shown: list[Product],
    vocabulary: Vocabulary,
    client: Language | None = None,
    *,
    vector: np.ndarray | None = None,
) -> Understanding:
    """Read one customer message against the dialog so far (see the module docstring): the rules' intent, or
    where the rules are not trusted, the packaged intent classifier's, which reads the message's `vector`
    (`intent_model.message_vector`; without one the rules decide alone). A message with no words to tell its
    language by ("？？？", "👍") keeps the conversation's language, or in a new conversation the `client`'s (what
    the channel knows of the user)."""
    read, rule = _read(text, state, shown, vocabulary)
    model = load_intent_model() if vector is not None else None
    if model is not None and vector is not None:
        intent = model.decide(vector, read.text, bool(shown), rule.intent)
        # The classifier has never seen this shop: a message that names one of its kinds or brands is not a vague
        # ask or small talk ("充电宝有什么推荐"), whatever the words around the name resemble.
        if intent in _NOT_WITH_A_NAME and read.names_catalog:
            intent = rule.intent
        if intent != rule.intent:
            rule = _RESOLVE.get(intent, _Rule(intent, bool))
    constraints = rule.constraints(read) if rule.constraints else None
    return Understanding(
        intent=rule.intent,
        language=detect_language(read.text) or (state.language if state.history or client is None else client),
        constraints=constraints if constraints is not None else state.constraints,
        references=rule.references(read) if rule.references else read.references,
        topic=read.text,
    )


def rule_intent(text: str, state: DialogState, shown: list[Product], vocabulary: Vocabulary) -> Intent:
    """The intent the rules alone give a message (what the classifier is trained to correct)."""
    return _read(text, state, shown, vocabulary)[1].intent


def _read(text: str, state: DialogState, shown: list[Product], vocabulary: Vocabulary) -> tuple[_Message, _Rule]:
    message = unicodedata.normalize("NFKC", text).strip()
    color, _ = find_color(message)
    read = _Message(
        text=message,
        state=state,
        shown=shown,
        parsed=parse_query(message, vocabulary),
        color=color,
        references=references(message, shown, state.focus),
    )
    return read, next(rule for rule in _RULES if rule.applies(read))


def review_aspect(text: str) -> str:
    """What a reviews question is about beyond "what do buyers say": 'what do buyers say about the zipper?'
    -> 'zipper', '买家怎么评价拉链？' -> '拉链'; empty when it asks about the product as a whole."""
    rest = strip_references(REVIEWS.sub(" ", unicodedata.normalize("NFKC", text)))
    rest = FILLER.sub(
        " ",
        re.sub(
            r"\b(?:what|do|does|did|say|says|about|think|of|people|buyers|customers|they|them)\b|怎么|说|觉得|如何|样",
            " ",
            rest,
            flags=re.I,
        ),
    )
    return re.sub(r"[\s,，。.!！?？的]+", " ", rest).strip()


def _has_price(filters: SearchFilters) -> bool:
    return filters.price_min is not None or filters.price_max is not None


def _has_filters(filters: SearchFilters) -> bool:
    return bool(
        filters.price_min is not None
        or filters.price_max is not None
        or filters.categories
        or filters.brands
        or filters.exclude_brands
        or filters.in_stock_only
    )


def _is_vague(text: str) -> bool:
    return bool(VAGUE.search(text)) and not meaningful(VAGUE.sub(" ", text))


def _refinement(m: _Message) -> Constraints | None:
    """The new constraints when the message narrows or shifts the current search; None when it does not.

    "Cheaper" and "not this brand" are relative to the products referred to (in this message, else
    the last one looked at), else to the whole list shown.
    """
    filters = m.parsed.filters
    if another_kind(m.parsed.categories, m.state.constraints):
        return None  # another kind of product: a new search
    pointed = m.references or m.state.focus
    anchor = [p for p in m.shown if p.sku in pointed] or m.shown
    if CHEAPER.search(m.text):
        return cheaper(m.merged(), anchor)
    if PRICIER.search(m.text):
        return pricier(m.merged(), anchor)
    if OTHER_BRAND.search(m.text):
        return other_brand(m.merged(), brands_to_drop(m.state.constraints, m.shown, pointed))
    constraint_only = not meaningful(INSTEAD.sub(" ", m.parsed.text if not m.color else find_color(m.parsed.text)[1]))
    changes = _has_filters(filters) or m.parsed.sort != "relevance" or m.color is not None
    if changes and constraint_only:
        return m.merged()
    if COMPARATIVE.search(m.text) and short(m.parsed.text):
        return m.merged()
    if REFINE_SHAPE.search(m.text) and short(m.parsed.text) and not m.references:
        return m.merged(extra_query=m.parsed.text)
    return None
