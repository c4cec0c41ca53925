"""The answer to a policy question: the one or two sentences of the shop's policies that answer it, quoted
whole as plain text with the section they come from; with no passage, the offer of a human colleague.

`policy_fact` says what the model's answer must state too: the figures (days, fees, hours) of those sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.claims import stems
from bot.core.compose.text import plain, sentences
from bot.core.grounding import AskedFact
from bot.core.reply import Language
from bot.i18n import t
from retrieval.models import Policy

_MAX_SENTENCES = 2
_FIGURE_BONUS = 2
# What kind of figure a question asks for, and how a sentence states it.
_ASKS_FOR = (
    (
        re.compile(r"几点|什么时间|什么时候|\bwhat time\b|\bhours\b|\bwhen\b|\bopen\b", re.I),
        re.compile(r"\d{1,2}:\d{2}"),
    ),
    (
        re.compile(r"多久|多长时间|几天|\bhow long\b|\bhow many days\b", re.I),
        re.compile(r"\d+\s*(?:个工作日|business days?|days?|天|years?|年|months?|个月)", re.I),
    ),
    (re.compile(r"多少钱|运费|费用|\bhow much\b|\bfee\b|\bcost\b", re.I), re.compile(r"[¥￥$]\s*\d")),
)
# A figure a policy sentence turns on: a period, a fee, a threshold, an hour.
_FIGURE = re.compile(
    r"(?:¥|￥|\$)\s*\d+(?:\.\d+)?|\d+(?:[-–~]\d+)?\s*(?:个工作日|business days?|days?|天|years?|年|months?|个月|hours?|小时)"
    r"|\d{1,2}:\d{2}",
    re.I,
)


def relevant_sentences(policies: Sequence[Policy], question: str) -> list[tuple[Policy, str]]:
    """The one or two sentences that share most with the question (and state the kind of figure it asks
    for: "几点" an hour, "how long" a period, "how much" a fee), in the order the policies give them
    (passages come ranked by retrieval, so the first passage wins a tie)."""
    asked = stems(question)
    wanted = [figure for asks, figure in _ASKS_FOR if asks.search(question)]
    scored: list[tuple[float, int, Policy, str]] = []
    for rank, policy in enumerate(policies):
        title_bonus = 0.5 * len(asked & stems(policy.title))
        for position, sentence in enumerate(sentences(plain(policy.text))):
            figure_bonus = _FIGURE_BONUS * sum(bool(figure.search(sentence)) for figure in wanted)
            score = len(asked & stems(sentence)) + title_bonus + figure_bonus
            scored.append((score, -(rank * 1000 + position), policy, sentence))
    if not scored:
        return []
    scored.sort(key=lambda item: item[:2], reverse=True)
    top = scored[0][0]
    chosen = [item for item in scored[:_MAX_SENTENCES] if item[0] > 0 and item[0] >= top / 2] or scored[:1]
    chosen.sort(key=lambda item: item[1], reverse=True)
    return [(policy, sentence) for _, _, policy, sentence in chosen]


def policy_answer(policies: Sequence[Policy], question: str, language: Language) -> str:
    if not policies:
        return t("policy_not_found", language)
    chosen = relevant_sentences(policies, question)
    sections = list(dict.fromkeys(plain(policy.title) for policy, _ in chosen))
    source = t("policy_source", language, sections=t("list_separator", language).join(sections))
    return "\n".join([*(sentence for _, sentence in chosen), source])


def policy_fact(policies: Sequence[Policy], question: str) -> AskedFact | None:
    """The figures the answering sentences state (an answer must state one), or None when they state none."""
    chosen = relevant_sentences(policies, question)
    figures = [m.group(0) for _, sentence in chosen for m in _FIGURE.finditer(sentence)]
    if not figures:
        return None
    numbers = [n for figure in figures for n in re.findall(r"\d+(?::\d{2})?", figure)[:1]]
    return AskedFact(topic=chosen[0][0].title, statements=list(dict.fromkeys([*figures, *numbers])))
