"""Errors raised by the serving layer; callers catch `LLMError` and decide how to degrade."""

from __future__ import annotations


class LLMError(Exception):
    """Base class of everything the LLM client or the embedded engine raises."""


class LLMUnavailable(LLMError):
    """The backend could not be reached or kept failing: connection refused, circuit open, 5xx or 429
    after the retries, or a stream cut before it finished."""


class LLMTimeout(LLMError):
    """The connect, first-token or total deadline passed."""


class LLMOutputError(LLMError):
    """The backend answered, but not in the shape asked for: a malformed body or stream event, or
    structured output that does not validate against the schema."""


class LLMRequestError(LLMError):
    """The backend refused the request itself (a 4xx other than 429); retrying would not help."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"LLM backend rejected the request (HTTP {status}): {message}")
        self.status = status
        self.message = message


class EngineStartError(LLMError):
    """An engine could not start: the embedded one (model file missing or unreadable, not healthy in time) or
    vLLM (not installed)."""
