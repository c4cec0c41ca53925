"""What a suite run found: pass rates per check, the failures, latency and how often the template answered."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


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
    model_turns: int = Field(0, description="Turns whose answer the model could have written (the assistant's events).")
    model_kept: int = Field(0, description="Of those, the turns whose final text is the model's checked answer.")
    replacements: int = Field(0, description="Turns whose streamed text was withdrawn and replaced in place.")

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
