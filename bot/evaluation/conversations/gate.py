"""The prompt gate: an admin's draft prompts must do no worse on the suite than the active ones, figure by
figure (`judge_suites`: pass rate, fallbacks, each check), and the conversations that exercise one prompt make
a cheaper gate for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from bot.evaluation.conversations.results import SuiteResult
from bot.evaluation.conversations.runner import run_suite
from bot.evaluation.conversations.suite import Conversation

if TYPE_CHECKING:  # the gate only calls it; importing it would load the whole stack
    from bot.services import Services

# Which expected intents exercise which prompt task (prompts are named `<task>.<lang>`).
_TASK_INTENTS: dict[str, set[str]] = {
    "recommend": {"search", "refine", "reference"},
    "compare": {"compare"},
    "reviews": {"reviews"},
    "policy": {"policy"},
    "product_question": {"product_question"},
}


class GateFinding(BaseModel):
    """One figure the gate decides on: the draft's value beside the active prompts' value, and whether the
    draft is worse on it. Rates are shares of 1, fallbacks a count; None = the run has no such check."""

    figure: Literal["pass_rate", "fallbacks", "check"]
    name: str | None = Field(None, description="The check's name, for figure 'check'.")
    draft: float | None
    active: float | None
    worse: bool


def judge_suites(draft: SuiteResult, active: SuiteResult) -> list[GateFinding]:
    """Every figure the gate compares, each marked worse or not: the overall pass rate (the draft's must be at
    least the active one's), how often the model's text was thrown away for the template (no more often: a
    template answer passes the checks, so without this rule a prompt that makes the model useless would look as
    good), and each check's pass rate (none may drop, none may be missing)."""
    findings = [
        GateFinding(
            figure="pass_rate",
            draft=draft.pass_rate,
            active=active.pass_rate,
            worse=draft.pass_rate < active.pass_rate,
        ),
        GateFinding(
            figure="fallbacks",
            draft=draft.fallbacks,
            active=active.fallbacks,
            worse=draft.fallbacks > active.fallbacks,
        ),
    ]
    for name in sorted(set(draft.checks) | set(active.checks)):
        mine, theirs = draft.checks.get(name), active.checks.get(name)
        rate = mine.rate if mine is not None else None
        worse = mine is None or (theirs is not None and mine.rate < theirs.rate)
        findings.append(
            GateFinding(figure="check", name=name, draft=rate, active=theirs.rate if theirs else None, worse=worse)
        )
    return findings


def compare_suites(draft: SuiteResult, active: SuiteResult) -> bool:
    """True when the draft is not worse on any figure `judge_suites` compares."""
    return not any(finding.worse for finding in judge_suites(draft, active))


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
    """The suite run on an admin's draft prompts next to the same run on the active ones, every figure compared,
    and the verdict: passed when no figure is worse."""

    draft: SuiteResult
    active: SuiteResult
    findings: list[GateFinding]
    passed: bool

    @property
    def worse(self) -> list[GateFinding]:
        """Why a draft fails: the figures it is worse on."""
        return [finding for finding in self.findings if finding.worse]


async def gate_prompt_draft(
    services: Services, overrides: Mapping[str, str], conversations: list[Conversation]
) -> PromptGate:
    """Run the suite with the draft texts (`{prompt name: text}`) and with the active prompts; the
    draft passes when it is not worse (`compare_suites`). Nothing is activated here."""
    draft = await run_suite(
        services.assistant_with_prompts(overrides), conversations, index=services.index, state=services.state
    )
    active = await run_suite(services.assistant, conversations, index=services.index, state=services.state)
    findings = judge_suites(draft, active)
    return PromptGate(draft=draft, active=active, findings=findings, passed=not any(f.worse for f in findings))
