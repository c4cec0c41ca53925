"""Talking to the Bot API when it hiccups: transient failures are retried, within a budget, and whatever still
fails is logged with the turn and the merchant it belonged to.

Transient means a 5xx from Telegram or a proxy in front of it, a dropped connection or a timeout (PTB's
`NetworkError`, but not `BadRequest`, which is the request's own fault). `RetryingLimiter` sits where PTB puts
its rate limiter, around every Bot API request but getUpdates (the updater retries its own polls), so sends,
edits, photos and documents of every handler are covered without the handlers knowing. It keeps what
`AIORateLimiter` does (Telegram's flood limits, 429 with `retry_after`) and adds the retries, with a pause
of `retry_backoff_s` doubled after each failure (with jitter) while the budget lasts. (A timeout can hide a
request that did arrive, so a retried message may rarely show twice; that is preferred to losing it.)

The budget belongs to the update being handled: a customer turn opens a `TurnDelivery` (`delivering(...)`),
so every call of that turn (cards, streamed text, the final answer) draws on the same `retry_budget_s`; a call
outside a turn has the whole budget to itself. Drafts and chat actions are not retried: a lost frame of a
streamed draft is replaced by the next one.

Log lines are structured (`event key=value ...`) and name the turn, the merchant, the method and the reason,
never message text or user names.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)

# Calls whose loss costs nothing the next call does not fix.
NOT_RETRIED = frozenset({"sendMessageDraft", "sendChatAction"})


@dataclass
class TurnDelivery:
    """The Bot API calls of one customer turn: when their retries must stop, and what to log them under."""

    deadline: float
    merchant_id: str
    turn_id: str | None = None  # known once the assistant names the turn (its first event)


_TURN: ContextVar[TurnDelivery | None] = ContextVar("shopguide_turn_delivery", default=None)


@contextmanager
def delivering(budget_s: float, merchant_id: str) -> Iterator[TurnDelivery]:
    """The scope of one turn's Bot API calls (a context variable: the calls PTB makes inside see it)."""
    turn = TurnDelivery(deadline=asyncio.get_running_loop().time() + budget_s, merchant_id=merchant_id)
    token = _TURN.set(turn)
    try:
        yield turn
    finally:
        _TURN.reset(token)


def current_turn() -> TurnDelivery | None:
    return _TURN.get()


def transient(error: Exception) -> bool:
    """Whether a Bot API failure may pass if tried again."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


class RetryingLimiter(AIORateLimiter):
    """`AIORateLimiter` plus retries of transient failures within the turn's budget (see the module docstring)."""

    def __init__(self, *, budget_s: float, backoff_s: float, max_retries: int = 3) -> None:
        super().__init__(max_retries=max_retries)
        self._budget_s = budget_s
        self._backoff_s = backoff_s

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        turn = current_turn()
        deadline = turn.deadline if turn else loop.time() + self._budget_s
        attempt = 0
        while True:
            attempt += 1
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except NetworkError as error:
                if not transient(error):
                    raise  # the request's own fault (BadRequest): its caller decides
                pause = self._backoff_s * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
                if endpoint in NOT_RETRIED or loop.time() + pause > deadline:
                    log_failure("bot_api_failure", endpoint, error, attempts=attempt)
                    raise
                logger.info(
                    "bot_api_retry method=%s turn=%s merchant=%s attempt=%d pause_s=%.2f reason=%s",
                    endpoint,
                    turn.turn_id if turn else None,
                    turn.merchant_id if turn else None,
                    attempt,
                    pause,
                    _reason(error),
                )
                await asyncio.sleep(pause)


def log_failure(event: str, method: str, error: Exception, *, attempts: int = 1, **fields: object) -> None:
    """One structured warning for a Bot API call that failed for good (`bot_api_failure`), or for what was
    skipped because of it (`card_skipped` ...), under the current turn."""
    turn = current_turn()
    extra = "".join(f" {key}={value}" for key, value in fields.items())
    logger.warning(
        "%s method=%s turn=%s merchant=%s attempts=%d%s reason=%s",
        event,
        method,
        turn.turn_id if turn else None,
        turn.merchant_id if turn else None,
        attempts,
        extra,
        _reason(error),
    )


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {str(error)[:200]}"
