"""Playing a suite: each conversation as a fresh user against a fresh dialog, every reply checked
(`checks.check_turn`), with the turn latency measured here and the assistant's own per-stage timings read
back from its "turn" events."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel

from bot.core.reply import FinalReply, ProductsShown, Reply, TextDelta, UserRef
from bot.evaluation.conversations.checks import CatalogView, CheckOutcome, ProductLookup, check_turn
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
            self._count(played, outcomes)
            failures += [_failure(conversation, number, scripted, o) for o in outcomes if not o.passed]
            if played.error is not None:
                break  # the dialog state after a crashed turn is undefined; later turns would mislead
        await assistant.reset(user)
        self.conversations += 1
        self.conversations_passed += not failures
        self.failures.extend(failures)
        return failures

    def _count(self, played: _PlayedTurn, outcomes: list[CheckOutcome]) -> None:
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


def _failure(conversation: Conversation, number: int, scripted: ScriptedTurn, outcome: CheckOutcome) -> Failure:
    return Failure(
        conversation=conversation.id, turn=number, user=scripted.user, check=outcome.check, detail=outcome.detail
    )


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
