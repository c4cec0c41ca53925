"""The checks of one turn against the catalog: `completed`, `grounded` (no invented products or prices),
`language`, the rubric's `streamed` (what the customer watched arrive) and `plain_text`, then one check per key
of the turn's `Expect` (`EXPECTATIONS`, the rubric's `advice`, `states_fact` and `review_quote` among them).

Filter checks (price, brand, category, stock) apply to the cards offered as matches; cards labelled as
alternatives are exempt, as the no-match rule allows them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, Field

from bot.core.language import detect_language, is_written_in
from bot.core.reply import Language, ProductCard, Reply
from bot.evaluation.conversations import rubric
from bot.evaluation.conversations.suite import Conversation, ScriptedTurn
from retrieval.models import Product, Review


class CheckOutcome(BaseModel):
    check: str
    passed: bool
    detail: str = ""


class Played(BaseModel):
    """What the customer saw of one turn: the final reply (None when the turn failed), the error, and every
    streamed delta and replacement in order."""

    reply: Reply | None
    error: str | None = None
    stream: list[rubric.StreamEvent] = Field(default_factory=list)


class ShopLookup(Protocol):
    async def product(self, sku: str) -> Product | None: ...

    async def reviews(self, sku: str) -> list[Review]: ...


class ProductLookup(Protocol):
    """Where catalog truth comes from: `retrieval.index.CatalogIndex` has this method."""

    async def merchant(self, merchant_id: str) -> ShopLookup: ...


class CatalogView:
    """Catalog truth for one merchant's conversation, fetched once per sku."""

    def __init__(self, index: ProductLookup, merchant_id: str) -> None:
        self._index = index
        self._merchant_id = merchant_id
        self._cache: dict[tuple[str, str], Product | None] = {}
        self._reviews: dict[tuple[str, str], list[Review]] = {}

    async def product(self, sku: str, merchant_id: str | None = None) -> Product | None:
        key = (merchant_id or self._merchant_id, sku)
        if key not in self._cache:
            self._cache[key] = await (await self._index.merchant(key[0])).product(sku)
        return self._cache[key]

    async def reviews(self, sku: str, merchant_id: str | None = None) -> list[Review]:
        key = (merchant_id or self._merchant_id, sku)
        if key not in self._reviews:
            self._reviews[key] = await (await self._index.merchant(key[0])).reviews(sku)
        return self._reviews[key]


# A price as written in text: a currency sign or code before the number, or a currency word after it.
_AMOUNT = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?"
_PRICE_PATTERNS = (
    re.compile(r"(?:[¥￥$]|\b(?:CNY|RMB|USD)\s?)\s?" + _AMOUNT, re.IGNORECASE),
    re.compile(_AMOUNT + r"\s?(?:元|块|\b(?:yuan|CNY|RMB|USD|dollars?)\b)", re.IGNORECASE),
)
_NUMBER = re.compile(_AMOUNT)


def prices_in(text: str) -> set[float]:
    """Every money amount written in `text` (¥399, 399元, $49.99, 1,299 CNY ...)."""
    found: set[float] = set()
    for pattern in _PRICE_PATTERNS:
        for match in pattern.finditer(text):
            found.add(_amount(match.group(1), match.group(2)))
    return found


def _numbers_in(text: str) -> set[float]:
    return {_amount(m.group(1), m.group(2)) for m in _NUMBER.finditer(text)}


def _amount(whole: str, cents: str | None) -> float:
    return round(float(whole.replace(",", "") + (f".{cents}" if cents else "")), 2)


async def check_turn(
    played: Played,
    scripted: ScriptedTurn,
    conversation: Conversation,
    catalog: CatalogView,
    said: list[str],
    forbidden: Sequence[str] = (),
) -> list[CheckOutcome]:
    """All checks of one turn: `completed`, `grounded`, `language`, `streamed`, `plain_text`, then each key of
    `expect`. `forbidden`: phrases no text the customer saw may contain (a misbehaving model's payloads)."""
    reply = played.reply
    if reply is None:
        return [CheckOutcome(check="completed", passed=False, detail=played.error or "no reply")]
    expect = scripted.expect
    allowed, grounded = await _grounded(reply, catalog, said)
    outcomes = [CheckOutcome(check="completed", passed=True), grounded]
    # A message with no words ("？？？", a button) is answered in the conversation's language.
    language = expect.language or detect_language(scripted.user or "") or conversation.lang
    outcomes.append(_language(reply, language))
    never = [*forbidden, *(expect.text_not_contains or [])]
    stream_problems = rubric.streamed(played.stream, reply, lambda text: prices_in(text) - allowed, never)
    outcomes.append(_outcome("streamed", stream_problems))
    outcomes.append(_outcome("plain_text", rubric.plain_text(reply)))
    final_forbidden = [f"contains {phrase!r}" for phrase in forbidden if phrase.casefold() in reply.text.casefold()]
    if forbidden:
        outcomes.append(_outcome("forbidden", final_forbidden))
    offered = _Offered(
        reply=reply,
        matches=[card for card in reply.products if card.label is None],
        products={card.sku: await catalog.product(card.sku, card.merchant_id) for card in reply.products},
        reviews={card.sku: await catalog.reviews(card.sku, card.merchant_id) for card in reply.products}
        if expect.review_quote
        else {},
    )
    for check, wanted in expect.model_dump(exclude_none=True, exclude={"language"}).items():
        outcomes.append(_outcome(check, EXPECTATIONS[check](wanted, offered)))
    return outcomes


def _outcome(check: str, problems: list[str]) -> CheckOutcome:
    return CheckOutcome(check=check, passed=not problems, detail="; ".join(problems))


async def _grounded(reply: Reply, catalog: CatalogView, said: list[str]) -> tuple[set[float], CheckOutcome]:
    """The prices the reply may state (cards, cited products and policies, the customer's own figures) and
    whether its cards and text keep to them."""
    problems: list[str] = []
    allowed: set[float] = set()
    for card in reply.products:
        product = await catalog.product(card.sku, card.merchant_id)
        if product is None:
            problems.append(f"card {card.sku} is not in the catalog")
            continue
        if product.price is not None:
            allowed.add(round(product.price, 2))
        if _differ(card.price, product.price):
            problems.append(f"card {card.sku} says {_price_text(card.price)}, the catalog {_price_text(product.price)}")
    for evidence in reply.evidence:
        if evidence.kind == "product" and evidence.sku:
            product = await catalog.product(evidence.sku, evidence.merchant_id)
            if product is None:
                problems.append(f"evidence [{evidence.ref}] cites {evidence.sku}, which is not in the catalog")
            elif product.price is not None:
                allowed.add(round(product.price, 2))
        elif evidence.kind == "policy":
            allowed |= _numbers_in(evidence.text)  # e.g. a free-shipping threshold the policy states
    prices = set(allowed)
    for text in said:
        allowed |= _numbers_in(text)  # the customer's own budget figures are not invented prices
    # Advice says how prices differ ("¥200 cheaper", "¥50 over your budget"): computed, not invented.
    allowed |= {round(abs(a - b), 2) for a in prices for b in allowed}
    invented = sorted(prices_in(reply.text) - allowed)
    if invented:
        problems.append(f"prices in the text match no product shown or cited: {', '.join(f'{p:g}' for p in invented)}")
    return allowed, _outcome("grounded", problems)


def _language(reply: Reply, language: Language) -> CheckOutcome:
    if reply.language != language:
        return CheckOutcome(
            check="language", passed=False, detail=f"reply marked {reply.language}, expected {language}"
        )
    # Product names are the catalog's own words (a Chinese title in an English reply is right), so they
    # are taken out before judging the assistant's language.
    own_words = reply.text
    for title in sorted((card.title for card in reply.products), key=len, reverse=True):
        own_words = own_words.replace(title, " ")
    if not is_written_in(own_words, language):
        return CheckOutcome(
            check="language", passed=False, detail=f"reply text is not in {language}: {reply.text[:80]!r}"
        )
    return CheckOutcome(check="language", passed=True)


# --- one check per `Expect` key: (what the key asks for, the reply) -> the problems found ----------------


@dataclass(frozen=True)
class _Offered:
    """A reply with its cards: all of them, those offered as matches, and the catalog's product of each."""

    reply: Reply
    matches: list[ProductCard]
    products: Mapping[str, Product | None]
    reviews: Mapping[str, list[Review]]

    @property
    def shown(self) -> list[str]:
        return [card.sku for card in self.reply.products]

    def brand(self, card: ProductCard) -> str:
        product = self.products[card.sku]
        return (product.brand or "") if product else ""


def _intent(wanted: str, offered: _Offered) -> list[str]:
    intent = offered.reply.intent
    return [f"intent {intent!r}, expected {wanted!r}"] if intent != wanted else []


def _min_products(wanted: int, offered: _Offered) -> list[str]:
    count = len(offered.shown)
    return [f"{count} cards, expected at least {wanted}"] if count < wanted else []


def _max_products(wanted: int, offered: _Offered) -> list[str]:
    count = len(offered.shown)
    return [f"{count} cards, expected at most {wanted}"] if count > wanted else []


def _price_text(price: float | None) -> str:
    return "no price" if price is None else f"{price:g}"


def _differ(shown: float | None, catalog: float | None) -> bool:
    if shown is None or catalog is None:
        return shown is not catalog
    return abs(shown - catalog) > 0.005


def _max_price(wanted: float, offered: _Offered) -> list[str]:
    return [
        f"{card.sku} costs {_price_text(card.price)}"
        for card in offered.matches
        if card.price is None or card.price > wanted
    ]


def _min_price(wanted: float, offered: _Offered) -> list[str]:
    return [
        f"{card.sku} costs {_price_text(card.price)}"
        for card in offered.matches
        if card.price is None or card.price < wanted
    ]


def _brand(wanted: str, offered: _Offered) -> list[str]:
    return [
        f"{card.sku} is brand {offered.brand(card) or 'unknown'}"
        for card in offered.matches
        if offered.brand(card).casefold() != wanted.casefold()
    ]


def _brand_not(wanted: list[str], offered: _Offered) -> list[str]:
    excluded = {b.casefold() for b in wanted}
    return [
        f"{card.sku} is brand {offered.brand(card)}, which the customer ruled out"
        for card in offered.matches
        if offered.brand(card).casefold() in excluded
    ]


def _category(wanted: str, offered: _Offered) -> list[str]:
    problems = []
    for card in offered.matches:
        product = offered.products[card.sku]
        path = product.category if product else []
        if wanted.casefold() not in {element.casefold() for element in path}:
            problems.append(f"{card.sku} is in {'/'.join(path) or 'no category'}")
    return problems


def _in_stock(wanted: bool, offered: _Offered) -> list[str]:
    if not wanted:
        return []
    return [
        f"{card.sku} is out of stock"
        for card in offered.matches
        if not (card.in_stock and (product := offered.products[card.sku]) is not None and product.in_stock)
    ]


_SAYS_NO_MATCH = re.compile(
    r"\bnothing\b|\bno (?:product|match)|\bdoes(?: not|n't) (?:sell|carry)\b|没有|不卖|无货", re.I
)


def _no_match(wanted: bool, offered: _Offered) -> list[str]:
    """No card offered as a match, and the text says plainly that nothing fits."""
    if not wanted:
        return []
    problems = []
    if offered.matches:
        problems.append(f"offered as matches though nothing fits: {', '.join(c.sku for c in offered.matches)}")
    if not _SAYS_NO_MATCH.search(offered.reply.text):
        problems.append(f"does not say that nothing fits: {offered.reply.text[:80]!r}")
    return problems


def _skus_include(wanted: list[str], offered: _Offered) -> list[str]:
    shown = offered.shown
    if missing := [sku for sku in wanted if sku not in shown]:
        return [f"missing {', '.join(missing)} (shown: {', '.join(shown) or 'none'})"]
    return []


def _comparison(wanted: bool, offered: _Offered) -> list[str]:
    table = offered.reply.comparison
    if bool(table and len(table) >= 2) != wanted:
        return ["no comparison table" if wanted else "an unexpected comparison table"]
    return []


def _handoff(wanted: bool, offered: _Offered) -> list[str]:
    return [f"handoff is {offered.reply.handoff}"] if offered.reply.handoff != wanted else []


def _quick_replies(wanted: bool, offered: _Offered) -> list[str]:
    replies = offered.reply.quick_replies
    return [f"quick replies: {replies}"] if bool(replies) != wanted else []


def _text_contains_any(wanted: list[str], offered: _Offered) -> list[str]:
    text = offered.reply.text
    if not any(s.casefold() in text.casefold() for s in wanted):
        return [f"none of {wanted} in {text[:120]!r}"]
    return []


def _text_not_contains(wanted: list[str], offered: _Offered) -> list[str]:
    text = offered.reply.text.casefold()
    return [f"contains {s!r}" for s in wanted if s.casefold() in text]


def _advice(wanted: bool, offered: _Offered) -> list[str]:
    return rubric.advice(offered.reply, offered.products) if wanted else []


def _states_fact(wanted: list[str], offered: _Offered) -> list[str]:
    return rubric.states_fact(wanted, offered.reply)


def _review_quote(wanted: bool, offered: _Offered) -> list[str]:
    return rubric.review_quote(offered.reply, offered.reviews) if wanted else []


# Every key of `Expect` but `language` (checked on every turn): its check.
EXPECTATIONS: dict[str, Callable[[Any, _Offered], list[str]]] = {
    "intent": _intent,
    "min_products": _min_products,
    "max_products": _max_products,
    "max_price": _max_price,
    "min_price": _min_price,
    "brand": _brand,
    "brand_not": _brand_not,
    "category": _category,
    "in_stock": _in_stock,
    "no_match": _no_match,
    "skus_include": _skus_include,
    "comparison": _comparison,
    "handoff": _handoff,
    "quick_replies": _quick_replies,
    "text_contains_any": _text_contains_any,
    "text_not_contains": _text_not_contains,
    "advice": _advice,
    "states_fact": _states_fact,
    "review_quote": _review_quote,
}
