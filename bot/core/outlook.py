"""Whether the model is worth waiting for in this turn (`ModelOutlook`): answer now, improve if the model can.

The checked deterministic answer is ready within milliseconds of retrieval. The model is asked only when it
is likely to improve on it in time: not when there is none, when the configured one is the embedded CPU
engine and `AssistantConfig.embedded_model` is off, when its circuit breaker is open, or when its first
token has recently come later than the customer is willing to wait (`AssistantConfig.answer_wait_s`)
several turns in a row. A slow model is tried again once the breaker's cool-down has passed, so a model
that got faster is noticed.
"""

from __future__ import annotations

import time

from bot.settings import AssistantConfig
from serving.llm import LLMClient

SLOW_STREAK = 3  # turns in a row whose first token missed the wait: the model is not asked for a while


class ModelOutlook:
    """What recent turns say about the model's speed, for one assistant (one LLM client)."""

    def __init__(self, llm: LLMClient | None, config: AssistantConfig, *, embedded: bool) -> None:
        self._llm = llm
        self._config = config
        self._embedded = embedded
        self._slow_streak = 0
        self._last_try = float("-inf")

    def skip_reason(self) -> str | None:
        """Why the model is not asked this turn (the template answers at once); None to ask it."""
        if self._llm is None:
            return "no LLM configured"
        if self._embedded and not self._config.embedded_model:
            return "the embedded model is off (SHOPGUIDE_ASSISTANT__EMBEDDED_MODEL)"
        if self._llm.circuit_open:
            return "the LLM's circuit breaker is open"
        cooling = time.monotonic() - self._last_try < self._llm.config.breaker_cooldown_s
        if self._slow_streak >= SLOW_STREAK and cooling:
            return f"slow first token: {self._slow_streak} turns in a row over {self._config.answer_wait_s:g} s"
        return None

    def tried(self, first_token_s: float | None) -> None:
        """Record one try: the seconds to the model's first token, or None when none came within the wait."""
        self._last_try = time.monotonic()
        if first_token_s is None or first_token_s > self._config.answer_wait_s:
            self._slow_streak += 1
        else:
            self._slow_streak = 0
