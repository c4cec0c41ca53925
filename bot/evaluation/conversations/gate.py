"""The prompt gate: an admin's draft prompts must do no worse on the suite than the active ones
(`compare_suites`), and the conversations that exercise one prompt make a cheaper gate for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import BaseModel

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


def compare_suites(draft: SuiteResult, active: SuiteResult) -> bool:
    """True when the draft is not worse: overall pass rate at least the active one's, no check's rate drops,
    and the model's text is thrown away for the template no more often. (A template answer passes the
    checks, so without that last rule a prompt that makes the model useless would look as good.)"""
    if draft.pass_rate < active.pass_rate or draft.fallbacks > active.fallbacks:
        return False
    return all(
        draft.checks[name].rate >= rate.rate for name, rate in active.checks.items() if name in draft.checks
    ) and all(name in draft.checks for name in active.checks)


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
