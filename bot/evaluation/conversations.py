"""The conversation regression suite: load scripted conversations, play them against an assistant,
and check every reply (format: docs/CONVERSATIONS.md).

Each conversation runs as a fresh user against a fresh dialog. Every turn gets the checks its `expect`
names plus the ones that always apply (`completed`, `grounded`, `language`); the result holds a pass
rate per check, the overall pass rate (share of conversations whose every check passed), the failures,
and the turn latency split read from the assistant's "turn" events. `compare_suites` is the gate an
admin's prompt draft must pass: not worse than the active prompts.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import demo
from bot.core.language import detect_language, is_written_in
from bot.core.reply import FinalReply, Language, ProductCard, ProductsShown, Reply, TextDelta, UserRef
from bot.state.store import EVAL_USER_PREFIX, StateStore, percentile
from retrieval.models import Product

if TYPE_CHECKING:  # the runner only calls these; importing them would load the whole stack
    from bot.core.assistant import Assistant
    from bot.services import Services

Intent = Literal[
    "search",
    "refine",
    "reference",
    "compare",
    "product_question",
    "reviews",
    "policy",
    "greeting",
    "clarify",
    "out_of_scope",
    "handoff",
]


def default_suite_path() -> Path:
    """The suite shipped with ShopGuide (demo/shop/conversations.jsonl)."""
    return demo.conversations_path()


class Expect(BaseModel):
    """What one turn's reply must satisfy; each set key is one named check."""

    model_config = ConfigDict(extra="forbid")

    language: Language | None = None
    intent: Intent | None = None
    min_products: int | None = Field(None, ge=0)
    max_products: int | None = Field(None, ge=0)
    max_price: float | None = Field(None, ge=0)
    min_price: float | None = Field(None, ge=0)
    brand: str | None = None
    brand_not: list[str] | None = None
    category: str | None = None
    in_stock: bool | None = None
    no_match: bool | None = None
    skus_include: list[str] | None = None
    comparison: bool | None = None
    handoff: bool | None = None
    quick_replies: bool | None = None
    text_contains_any: list[str] | None = None
    text_not_contains: list[str] | None = None


class ScriptedTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=1)
    expect: Expect = Field(default_factory=Expect)


class Conversation(BaseModel):
    id: str = Field(min_length=1)
    lang: Language
    merchant: str = "demo"
    turns: list[ScriptedTurn] = Field(min_length=1)


class SuiteFileError(ValueError):
    """The suite file cannot be used; the message names the line and the problem."""


def load_conversations(path: Path) -> list[Conversation]:
    """Parse a suite file (JSON lines; blank lines and lines starting with '#' are skipped)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SuiteFileError(f"cannot read the conversation suite {path}: {exc.strerror or exc}") from exc
    conversations: list[Conversation] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            conversation = Conversation.model_validate_json(line)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in exc.errors())
            raise SuiteFileError(f"{path}:{number}: {problems}") from exc
        if conversation.id in seen:
            raise SuiteFileError(
                f"{path}:{number}: conversation id {conversation.id!r} already used on line {seen[conversation.id]}"
            )
        seen[conversation.id] = number
        conversations.append(conversation)
    if not conversations:
        raise SuiteFileError(f"{path} holds no conversations")
    return conversations


# --- results ---------------------------------------------------------------------------------------


class CheckOutcome(BaseModel):
    check: str
    passed: bool
    detail: str = ""


class Failure(BaseModel):
    conversation: str
    turn: int = Field(description="1-based")
    user: str
    check: str
    detail: str


class CheckRate(BaseModel):
    passed: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 1.0


class LatencySummary(BaseModel):
    count: int
    p50_ms: float
    p95_ms: float
    mean_ms: float


class SuiteResult(BaseModel):
    conversations: int
    conversations_passed: int
    turns: int
    turns_passed: int
    checks: dict[str, CheckRate]
    failures: list[Failure]
    latency: dict[str, LatencySummary] = Field(
        default_factory=dict,
        description="'total' and 'first_products' measured by the runner; other keys are the assistant's own "
        "per-stage timings (understand, retrieve, generate, check ...) from its 'turn' events.",
    )
    fallbacks: int = Field(0, description="Turns whose reply is the deterministic template.")

    @property
    def pass_rate(self) -> float:
        return self.conversations_passed / self.conversations if self.conversations else 1.0

    @property
    def turn_pass_rate(self) -> float:
        return self.turns_passed / self.turns if self.turns else 1.0

    def summary(self) -> dict[str, Any]:
        """A JSON-friendly view with the rates spelled out."""
        return {
            "pass_rate": round(self.pass_rate, 4),
            "turn_pass_rate": round(self.turn_pass_rate, 4),
            "checks": {
                name: {"passed": c.passed, "total": c.total, "rate": round(c.rate, 4)}
                for name, c in self.checks.items()
            },
            **self.model_dump(mode="json", exclude={"checks"}),
        }


def compare_suites(draft: SuiteResult, active: SuiteResult) -> bool:
    """True when the draft is not worse: overall pass rate at least the active one's, no check's rate drops,
    and the model's text is thrown away for the template no more often. (A template answer passes the
    checks, so without that last rule a prompt that makes the model useless would look as good.)"""
    if draft.pass_rate < active.pass_rate or draft.fallbacks > active.fallbacks:
        return False
    return all(
        draft.checks[name].rate >= rate.rate for name, rate in active.checks.items() if name in draft.checks
    ) and all(name in draft.checks for name in active.checks)


# --- checks ----------------------------------------------------------------------------------------


class ShopLookup(Protocol):
    async def product(self, sku: str) -> Product | None: ...


class ProductLookup(Protocol):
    """Where catalog truth comes from: `retrieval.index.CatalogIndex` has this method."""

    async def merchant(self, merchant_id: str) -> ShopLookup: ...


class CatalogView:
    """Catalog truth for one merchant's conversation, fetched once per sku."""

    def __init__(self, index: ProductLookup, merchant_id: str) -> None:
        self._index = index
        self._merchant_id = merchant_id
        self._cache: dict[tuple[str, str], Product | None] = {}

    async def product(self, sku: str, merchant_id: str | None = None) -> Product | None:
        key = (merchant_id or self._merchant_id, sku)
        if key not in self._cache:
            self._cache[key] = await (await self._index.merchant(key[0])).product(sku)
        return self._cache[key]


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
    reply: Reply | None,
    error: str | None,
    scripted: ScriptedTurn,
    conversation: Conversation,
    catalog: CatalogView,
    said: list[str],
) -> list[CheckOutcome]:
    """All checks of one turn: `completed`, `grounded`, `language`, then each key of `expect`."""
    if reply is None:
        return [CheckOutcome(check="completed", passed=False, detail=error or "no reply")]
    expect = scripted.expect
    outcomes = [CheckOutcome(check="completed", passed=True), await _grounded(reply, catalog, said)]
    language = expect.language or detect_language(scripted.user) or conversation.lang
    outcomes.append(_language(reply, language))
    products = {card.sku: await catalog.product(card.sku, card.merchant_id) for card in reply.products}
    matches = [card for card in reply.products if card.label is None]
    for check, wanted in expect.model_dump(exclude_none=True, exclude={"language"}).items():
        outcomes.append(_expectation(check, wanted, reply, matches, products))
    return outcomes


async def _grounded(reply: Reply, catalog: CatalogView, said: list[str]) -> CheckOutcome:
    problems: list[str] = []
    allowed: set[float] = set()
    for card in reply.products:
        product = await catalog.product(card.sku, card.merchant_id)
        if product is None:
            problems.append(f"card {card.sku} is not in the catalog")
            continue
        allowed.add(round(product.price, 2))
        if abs(card.price - product.price) > 0.005:
            problems.append(f"card {card.sku} says {card.price:g}, the catalog {product.price:g}")
    for evidence in reply.evidence:
        if evidence.kind == "product" and evidence.sku:
            product = await catalog.product(evidence.sku, evidence.merchant_id)
            if product is None:
                problems.append(f"evidence [{evidence.ref}] cites {evidence.sku}, which is not in the catalog")
            else:
                allowed.add(round(product.price, 2))
        elif evidence.kind == "policy":
            allowed |= _numbers_in(evidence.text)  # e.g. a free-shipping threshold the policy states
    for text in said:
        allowed |= _numbers_in(text)  # the customer's own budget figures are not invented prices
    invented = sorted(prices_in(reply.text) - allowed)
    if invented:
        problems.append(f"prices in the text match no product shown or cited: {', '.join(f'{p:g}' for p in invented)}")
    return CheckOutcome(check="grounded", passed=not problems, detail="; ".join(problems))


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


def _expectation(
    check: str, wanted: Any, reply: Reply, matches: list[ProductCard], products: Mapping[str, Product | None]
) -> CheckOutcome:
    """One `expect` key. Filter checks (price, brand, category, stock) apply to the cards offered as
    matches; cards labelled as alternatives are exempt, as the no-match rule allows them."""
    shown = [card.sku for card in reply.products]
    problems: list[str] = []
    match check:
        case "intent":
            if reply.intent != wanted:
                problems.append(f"intent {reply.intent!r}, expected {wanted!r}")
        case "min_products" | "max_products":
            too_few = check == "min_products" and len(shown) < wanted
            if too_few or (check == "max_products" and len(shown) > wanted):
                problems.append(f"{len(shown)} cards, expected {'at least' if too_few else 'at most'} {wanted}")
        case "max_price" | "min_price":
            for card in matches:
                if (card.price > wanted) if check == "max_price" else (card.price < wanted):
                    problems.append(f"{card.sku} costs {card.price:g}")
        case "brand":
            for card in matches:
                brand = _brand(products[card.sku])
                if brand.casefold() != wanted.casefold():
                    problems.append(f"{card.sku} is brand {brand or 'unknown'}")
        case "brand_not":
            excluded = {b.casefold() for b in wanted}
            for card in matches:
                if (brand := _brand(products[card.sku])).casefold() in excluded:
                    problems.append(f"{card.sku} is brand {brand}, which the customer ruled out")
        case "category":
            for card in matches:
                path = products[card.sku].category if products[card.sku] else []
                if wanted.casefold() not in {element.casefold() for element in path}:
                    problems.append(f"{card.sku} is in {'/'.join(path) or 'no category'}")
        case "in_stock":
            for card in matches:
                product = products[card.sku]
                if wanted and not (card.in_stock and product is not None and product.in_stock):
                    problems.append(f"{card.sku} is out of stock")
        case "no_match":
            if wanted and matches:
                problems.append(f"offered as matches though nothing fits: {', '.join(c.sku for c in matches)}")
        case "skus_include":
            if missing := [sku for sku in wanted if sku not in shown]:
                problems.append(f"missing {', '.join(missing)} (shown: {', '.join(shown) or 'none'})")
        case "comparison":
            if bool(reply.comparison and len(reply.comparison) >= 2) != wanted:
                problems.append("no comparison table" if wanted else "an unexpected comparison table")
        case "handoff":
            if reply.handoff != wanted:
                problems.append(f"handoff is {reply.handoff}")
        case "quick_replies":
            if bool(reply.quick_replies) != wanted:
                problems.append(f"quick replies: {reply.quick_replies}")
        case "text_contains_any":
            if not any(s.casefold() in reply.text.casefold() for s in wanted):
                problems.append(f"none of {wanted} in {reply.text[:120]!r}")
        case "text_not_contains":
            problems.extend(f"contains {s!r}" for s in wanted if s.casefold() in reply.text.casefold())
    return CheckOutcome(check=check, passed=not problems, detail="; ".join(problems))


def _brand(product: Product | None) -> str:
    return (product.brand or "") if product else ""


# --- running ---------------------------------------------------------------------------------------


async def run_suite(
    assistant: Assistant,
    conversations: Iterable[Conversation],
    *,
    index: ProductLookup,
    state: StateStore | None = None,
    on_conversation: Callable[[Conversation, list[Failure]], None] | None = None,
) -> SuiteResult:
    """Play every conversation and check every reply against the catalog in `index`.

    With `state`, the assistant's per-stage timings are read back from its "turn" events.
    `on_conversation` is called after each conversation (progress output).
    """
    run = _SuiteRun(run_id=uuid.uuid4().hex[:8])
    started = datetime.now(UTC)
    for conversation in conversations:
        failures = await run.play(assistant, conversation, CatalogView(index, conversation.merchant))
        if on_conversation is not None:
            on_conversation(conversation, failures)
    latency = {name: _summarise(values) for name, values in run.latency.items() if values}
    if state is not None:
        latency |= await _stage_timings(state, started, run.users)
    return SuiteResult(
        conversations=run.conversations,
        conversations_passed=run.conversations_passed,
        turns=run.turns,
        turns_passed=run.turns_passed,
        checks=dict(sorted(run.checks.items())),
        failures=run.failures,
        latency=latency,
        fallbacks=run.fallbacks,
    )


@dataclass
class _SuiteRun:
    """What a suite run has seen so far."""

    run_id: str
    conversations: int = 0
    conversations_passed: int = 0
    turns: int = 0
    turns_passed: int = 0
    fallbacks: int = 0
    checks: dict[str, CheckRate] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    latency: dict[str, list[float]] = field(default_factory=lambda: {"total": [], "first_products": []})
    users: set[str] = field(default_factory=set)

    async def play(self, assistant: Assistant, conversation: Conversation, catalog: CatalogView) -> list[Failure]:
        """One conversation as a fresh user; returns its failures."""
        user = UserRef(user_id=f"{EVAL_USER_PREFIX}{self.run_id}:{conversation.id}", merchant_id=conversation.merchant)
        self.users.add(user.user_id)
        await assistant.reset(user)
        failures: list[Failure] = []
        said: list[str] = []
        for number, scripted in enumerate(conversation.turns, start=1):
            said.append(scripted.user)
            played = await _play_turn(assistant, user, scripted.user)
            outcomes = await check_turn(played.reply, played.error, scripted, conversation, catalog, said)
            self.turns += 1
            self.turns_passed += all(o.passed for o in outcomes)
            self.fallbacks += bool(played.reply and played.reply.fallback)
            self.latency["total"].append(played.total_ms)
            if played.first_products_ms is not None:
                self.latency["first_products"].append(played.first_products_ms)
            for outcome in outcomes:
                rate = self.checks.setdefault(outcome.check, CheckRate())
                rate.total += 1
                rate.passed += outcome.passed
                if not outcome.passed:
                    failures.append(
                        Failure(
                            conversation=conversation.id,
                            turn=number,
                            user=scripted.user,
                            check=outcome.check,
                            detail=outcome.detail,
                        )
                    )
            if played.error is not None:
                break  # the dialog state after a crashed turn is undefined; later turns would mislead
        await assistant.reset(user)
        self.conversations += 1
        self.conversations_passed += not failures
        self.failures.extend(failures)
        return failures


class _PlayedTurn(BaseModel):
    reply: Reply | None
    error: str | None
    total_ms: float
    first_products_ms: float | None


async def _play_turn(assistant: Assistant, user: UserRef, text: str) -> _PlayedTurn:
    start = time.perf_counter()
    first_products: float | None = None
    reply: Reply | None = None
    error: str | None = None
    try:
        async for event in assistant.turn(user, text):
            if isinstance(event, ProductsShown) and first_products is None:
                first_products = (time.perf_counter() - start) * 1000
            elif isinstance(event, FinalReply):
                reply = event.reply
            elif not isinstance(event, TextDelta):
                error = f"unexpected event {type(event).__name__}"
        if reply is None and error is None:
            error = "the turn ended without a final reply"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    return _PlayedTurn(
        reply=reply, error=error, total_ms=(time.perf_counter() - start) * 1000, first_products_ms=first_products
    )


async def _stage_timings(state: StateStore, since: datetime, users: set[str]) -> dict[str, LatencySummary]:
    stages: dict[str, list[float]] = {}
    for event in await state.events("turn", since=since, limit=1_000_000):
        timings = (event.data or {}).get("timings") if event.user_id in users else None
        for stage, value in (timings or {}).items():
            if isinstance(value, int | float):
                stages.setdefault(stage, []).append(float(value))
    return {stage: _summarise(values) for stage, values in stages.items()}


def _summarise(values: list[float]) -> LatencySummary:
    return LatencySummary(
        count=len(values),
        p50_ms=round(percentile(values, 50) or 0.0, 1),
        p95_ms=round(percentile(values, 95) or 0.0, 1),
        mean_ms=round(sum(values) / len(values), 1),
    )


# --- the prompt gate ------------------------------------------------------------------------------


# Which expected intents exercise which prompt task (prompts are named `<task>.<lang>`).
_TASK_INTENTS: dict[str, set[str]] = {
    "recommend": {"search", "refine", "reference"},
    "compare": {"compare"},
    "reviews": {"reviews"},
    "policy": {"policy"},
    "product_question": {"product_question"},
}


def conversations_for_prompt(conversations: list[Conversation], prompt_name: str) -> list[Conversation]:
    """The conversations that exercise one prompt (`recommend.zh`: Chinese ones expecting search, refine
    or reference): a cheaper gate for one edited prompt. All of that language when the task is unknown."""
    task, _, language = prompt_name.partition(".")
    intents = _TASK_INTENTS.get(task)
    return [
        c
        for c in conversations
        if c.lang == language and (intents is None or any(t.expect.intent in intents for t in c.turns))
    ]


class PromptGate(BaseModel):
    """The suite run on an admin's draft prompts next to the same run on the active ones."""

    draft: SuiteResult
    active: SuiteResult
    passed: bool


async def gate_prompt_draft(
    services: Services, overrides: Mapping[str, str], conversations: list[Conversation]
) -> PromptGate:
    """Run the suite with the draft texts (`{prompt name: text}`) and with the active prompts; the
    draft passes when it is not worse (`compare_suites`). Nothing is activated here."""
    draft = await run_suite(
        services.assistant_with_prompts(overrides), conversations, index=services.index, state=services.state
    )
    active = await run_suite(services.assistant, conversations, index=services.index, state=services.state)
    return PromptGate(draft=draft, active=active, passed=compare_suites(draft, active))
