"""`StateStore`: the bot's durable state on SQLite as one object (dialogs and replies, roles, language
choices, prompt versions and settings overrides, metric events and stats, the audit log, and the inputs
the bot waits for).

Each concern lives in its own module as a subclass of `bot.state.database.Database`; this class only
combines them, so channels and the core hold one store over one connection. Every change an operator
makes (`grant`, `revoke`, `activate_prompt`, `set_override` ...) writes its audit entry in the same
transaction, so the log never misses a change and a failed change leaves nothing behind. Timestamps
are UTC ISO-8601 strings.
"""

from __future__ import annotations

from bot.state.audit import AuditEntry, AuditLog
from bot.state.database import StateError, to_utc_iso, utc_now
from bot.state.dialogs import Dialogs
from bot.state.events import EVAL_USER_PREFIX, EVENT_KINDS, Event, EventKind, Events, Stats, percentile
from bot.state.languages import LanguageChoices
from bot.state.migrations import MIGRATIONS
from bot.state.roles import ROLES, Role, RoleGrant, Roles
from bot.state.tuning import PromptVersion, Tuning
from bot.state.waiting import WaitingInputs

__all__ = [
    "EVAL_USER_PREFIX",
    "EVENT_KINDS",
    "MIGRATIONS",
    "ROLES",
    "AuditEntry",
    "Event",
    "EventKind",
    "PromptVersion",
    "Role",
    "RoleGrant",
    "StateError",
    "StateStore",
    "Stats",
    "percentile",
    "to_utc_iso",
    "utc_now",
]


class StateStore(Dialogs, Roles, LanguageChoices, Tuning, Events, AuditLog, WaitingInputs):
    """Async access to the state database. Create with `await StateStore.open(path)`."""
