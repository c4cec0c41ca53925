"""Replies around the conversation rather than the catalog: the clarifying question with its quick replies,
and the evidence a reply rested on, as the "Why?" button shows it. (Fixed phrases, such as the greeting or
the handoff notice, are said with `bot.i18n.t` directly.)"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.reply import Evidence, Language
from bot.i18n import t


def clarify(language: Language, kinds: Sequence[str] = ()) -> tuple[str, list[str]]:
    """One clarifying question; quick replies for the shop's main kinds of product, budget and use."""
    return t("clarify_question", language), [*kinds, *t("clarify_options", language).split("|")]


def evidence_text(evidence: Sequence[Evidence], language: Language) -> str:
    """What the "Why?" button shows: each catalog field and quote a card rests on."""
    if not evidence:
        return t("no_evidence", language)
    lines = [f"[{e.ref}] {t(f'evidence_{e.kind}', language)}: {e.text}" for e in evidence]
    return "\n".join([t("why_this_answer", language), *lines])
