"""Playing a suite: each conversation as a fresh user against a fresh dialog, every reply and everything
streamed before it checked (`checks.check_turn`), with the turn latency measured here and the assistant's own
per-stage timings (and whether the model's text was kept) read back from its "turn" events."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel

from bot.core.reply import FinalReply, ProductsShown, Replacement, TextDelta, TurnEvent, UserRef
from bot.evaluation.conversations.checks import CatalogView, CheckOutcome, Played, ProductLookup, check_turn
from bot.evaluation.conversations.results import CheckRate, Failure, LatencySummary, SuiteResult
from bot.evaluation.conversations.suite import Conversation, ScriptedTurn
from bot.state.store import EVAL_USER_PREFIX, StateStore, percentile

if TYPE_CHECKING:  # the runner only calls it; importing it would load the whole stack
    from bot.core.assistant import Assistant


async def run_suite(
    assistant: Assistant,
    conversations: Iterable[Conversation],
    *,
    index: ProductLookup,
    state: StateStore | None = None,
    on_conversation: Callable[[Conversation, list[Failure]], None] | None = None,
    forbidden: Sequence[str] = (),
) -> SuiteResult:
    """Play every conversation and check every reply against the catalog in `index`.

    With `state`, the assistant's per-stage timings and how often the model's text was kept are read back from
    its "turn" events. `on_conversation` is called after each conversation (progress output). `forbidden`:
    phrases no text a customer saw may contain (`misbehaving.PAYLOADS` when the model misbehaves on purpose).
    """
    run = _SuiteRun(run_id=uuid.uuid4().hex[:8], forbidden=tuple(forbidden))
    started = datetime.now(UTC)
    for conversation in conversations:
        failures = await run.play(assistant, conversation, CatalogView(index, conversation.merchant))
        if on_conversation is not None:
            on_conversation(conversation, failures)
    latency = {name: _summarise(values) for name, values in run.latency.items() if values}
    model_turns = model_kept = 0
    if state is not None:
        stages, model_turns, model_kept = await _assistant_figures(state, started, run.users)
        latency |= stages
    return SuiteResult(
        conversations=run.conversations,
        conversations_passed=run.conversations_passed,
        turns=run.turns,
        turns_passed=run.turns_passed,
        checks=dict(sorted(run.checks.items())),
        failures=run.failures,
        latency=latency,
        fallbacks=run.fallbacks,
        model_turns=model_turns,
        model_kept=model_kept,
        replacements=run.replacements,
    )


@dataclass
class _SuiteRun:
    """What a suite run has seen so far."""

    run_id: str
    forbidden: tuple[str, ...] = ()
    conversations: int = 0
    conversations_passed: int = 0
    turns: int = 0
    turns_passed: int = 0
    fallbacks: int = 0
    replacements: int = 0
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
        cards: ProductsShown | None = None  # the cards last sent: what a press acts on
        for number, scripted in enumerate(conversation.turns, start=1):
            said += [scripted.user] if scripted.user else []
            played = await _play_turn(_events(assistant, user, scripted, cards))
            cards = played.cards or cards
            outcomes = await check_turn(played.seen, scripted, conversation, catalog, said, self.forbidden)
            self._count(played, outcomes)
            failures += [_failure(conversation, number, scripted, o) for o in outcomes if not o.passed]
            if played.seen.error is not None:
                break  # the dialog state after a crashed turn is undefined; later turns would mislead
        await assistant.reset(user)
        self.conversations += 1
        self.conversations_passed += not failures
        self.failures.extend(failures)
        return failures

    def _count(self, played: _PlayedTurn, outcomes: list[CheckOutcome]) -> None:
        reply = played.seen.reply
        self.turns += 1
        self.turns_passed += all(o.passed for o in outcomes)
        self.fallbacks += bool(reply and reply.fallback)
        self.replacements += any(isinstance(event, Replacement) for event in played.seen.stream)
        self.latency["total"].append(played.total_ms)
        if played.first_products_ms is not None:
            self.latency["first_products"].append(played.first_products_ms)
        for outcome in outcomes:
            rate = self.checks.setdefault(outcome.check, CheckRate())
            rate.total += 1
            rate.passed += outcome.passed


def _events(
    assistant: Assistant, user: UserRef, scripted: ScriptedTurn, cards: ProductsShown | None
) -> AsyncIterator[TurnEvent] | str:
    """The assistant's events for a message or a button press on the cards last sent, or why the press cannot
    be made."""
    if scripted.user is not None:
        return assistant.turn(user, scripted.user)
    assert scripted.press is not None
    if cards is None or not 1 <= scripted.card <= len(cards.products):
        return f"no card {scripted.card} on screen to press {scripted.press} on"
    return assistant.action(user, scripted.press, cards.products[scripted.card - 1].sku, cards.turn_id)


def _failure(conversation: Conversation, number: int, scripted: ScriptedTurn, outcome: CheckOutcome) -> Failure:
    return Failure(
        conversation=conversation.id, turn=number, user=scripted.said, check=outcome.check, detail=outcome.detail
    )


class _PlayedTurn(BaseModel):
    seen: Played
    total_ms: float
    first_products_ms: float | None
    cards: ProductsShown | None = None


async def _play_turn(events: AsyncIterator[TurnEvent] | str) -> _PlayedTurn:
    start = time.perf_counter()
    if isinstance(events, str):
        return _PlayedTurn(seen=Played(reply=None, error=events), total_ms=0.0, first_products_ms=None)
    first_products: float | None = None
    cards: ProductsShown | None = None
    seen = Played(reply=None)
    try:
        async for event in events:
            if isinstance(event, ProductsShown):
                cards = event
                first_products = first_products or (time.perf_counter() - start) * 1000
            elif isinstance(event, FinalReply):
                seen.reply = event.reply
            elif isinstance(event, TextDelta | Replacement):
                seen.stream.append(event)
        if seen.reply is None:
            seen.error = "the turn ended without a final reply"
    except Exception as exc:
        seen.error = f"{type(exc).__name__}: {exc}"
    total_ms = (time.perf_counter() - start) * 1000
    return _PlayedTurn(seen=seen, total_ms=total_ms, first_products_ms=first_products, cards=cards)


async def _assistant_figures(
    state: StateStore, since: datetime, users: set[str]
) -> tuple[dict[str, LatencySummary], int, int]:
    """From the assistant's "turn" events of the run's users: the per-stage timings, how many turns asked for
    an answer that the model could write (they have a "generate" stage) and in how many its text was kept."""
    stages: dict[str, list[float]] = {}
    model_turns = kept = 0
    for event in await state.events("turn", since=since, limit=1_000_000):
        data = (event.data or {}) if event.user_id in users else {}
        timings = data.get("timings") or {}
        for stage, value in timings.items():
            if isinstance(value, int | float):
                stages.setdefault(stage, []).append(float(value))
        if "generate" in timings:
            model_turns += 1
            kept += not data.get("fallback")
    return {stage: _summarise(values) for stage, values in stages.items()}, model_turns, kept


def _summarise(values: list[float]) -> LatencySummary:
    return LatencySummary(
        count=len(values),
        p50_ms=round(percentile(values, 50) or 0.0, 1),
        p95_ms=round(percentile(values, 95) or 0.0, 1),
        mean_ms=round(sum(values) / len(values), 1),
    )
