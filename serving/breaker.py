"""A circuit breaker: after N consecutive failed calls stop calling the backend for a cool-down, then let
one probe through; its outcome closes the circuit again or restarts the cool-down."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum


class BreakerState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Counts outcomes of whole calls (after the client's retries). Single event loop, so no locking."""

    def __init__(self, failure_threshold: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._threshold = failure_threshold
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> BreakerState:
        return self._state

    @property
    def is_open(self) -> bool:
        """True while calls are being refused."""
        if self._state is BreakerState.OPEN:
            return self.retry_in_s > 0
        return self._state is BreakerState.HALF_OPEN and self._probe_in_flight

    @property
    def retry_in_s(self) -> float:
        """Seconds until the next probe may go (0 when it may go now)."""
        if self._state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self._cooldown_s - self._clock())

    def allow(self) -> bool:
        """Whether a call may go to the backend now; the first call after the cool-down becomes the probe."""
        if self._state is BreakerState.CLOSED:
            return True
        if self._state is BreakerState.OPEN and self.retry_in_s > 0:
            return False
        if self._state is BreakerState.HALF_OPEN and self._probe_in_flight:
            return False
        self._state = BreakerState.HALF_OPEN
        self._probe_in_flight = True
        return True

    def record_success(self) -> None:
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._probe_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN or self._failures >= self._threshold:
            self._state = BreakerState.OPEN
            self._opened_at = self._clock()
        self._probe_in_flight = False

    def record_abandoned(self) -> None:
        """The call was cancelled before it said anything about the backend: let the next call probe."""
        self._probe_in_flight = False
