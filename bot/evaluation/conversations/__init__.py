"""The conversation regression suite: load scripted conversations, play them against an assistant, and check
every reply and everything streamed before it (format: docs/CONVERSATIONS.md).

Each conversation runs as a fresh user against a fresh dialog. Every turn gets the checks its `expect`
names plus the ones that always apply (`completed`, `grounded`, `language`); the result holds a pass
rate per check, the overall pass rate (share of conversations whose every check passed), the failures,
and the turn latency split read from the assistant's "turn" events. `compare_suites` is the gate an
admin's prompt draft must pass: not worse than the active prompts.

`suite` is the suite as data and its loader, `checks` the checks of one turn, `rubric` what makes a reply
worth reading and safe to watch arrive, `runner` plays a suite, `results` what a run found, `gate` the prompt
gate, `misbehaving` a model that misbehaves on purpose (`shopguide eval misbehaving`); their public names are
gathered here.
"""

from __future__ import annotations

from bot.evaluation.conversations.checks import CatalogView, CheckOutcome, Played, ProductLookup, check_turn, prices_in
from bot.evaluation.conversations.gate import PromptGate, compare_suites, conversations_for_prompt, gate_prompt_draft
from bot.evaluation.conversations.results import CheckRate, Failure, LatencySummary, SuiteResult
from bot.evaluation.conversations.runner import run_suite
from bot.evaluation.conversations.suite import (
    Conversation,
    Expect,
    ScriptedTurn,
    SuiteFileError,
    default_suite_path,
    load_conversations,
)

__all__ = [
    "CatalogView",
    "CheckOutcome",
    "CheckRate",
    "Conversation",
    "Expect",
    "Failure",
    "LatencySummary",
    "Played",
    "ProductLookup",
    "PromptGate",
    "ScriptedTurn",
    "SuiteFileError",
    "SuiteResult",
    "check_turn",
    "compare_suites",
    "conversations_for_prompt",
    "default_suite_path",
    "gate_prompt_draft",
    "load_conversations",
    "prices_in",
    "run_suite",
]
