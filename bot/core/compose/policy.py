"""The template answer to a policy question: the shop's own passages, or an offer of a human colleague."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.compose.text import clip
from bot.core.reply import Language
from bot.i18n import t
from retrieval.models import Policy


def policy_answer(policies: Sequence[Policy], language: Language) -> str:
    if not policies:
        return t("policy_not_found", language)
    return "\n".join([t("from_policies", language), *(f"{p.title}: {clip(p.text, 300)}" for p in policies)])
