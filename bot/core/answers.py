"""Structured answers: the JSON the model fills in for a comparison or a review summary, checked field by field.

Where the backend constrains output to a JSON schema (`LLMClient.structured`), the answers that reach the
customer whole rather than word by word ask for these shapes. The model's words sit in string fields and
point at the prompt's numbered evidence through `ref`s. `FieldCheck` passes every string through the
grounding `Checker` and every ref through the evidence the prompt showed; an item that fails either is
dropped, and its counts of kept and removed pieces let the assistant apply the same rule as for streamed
text (too little left: the deterministic template answers). What survives is laid out as the reply text,
with its citations, in the customer's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from bot.core.claims import join_sentences, split_sentences
from bot.core.compose.products import local_name
from bot.core.compose.reviews import review_points
from bot.core.grounding import Checker
from bot.core.reply import Evidence, EvidenceKind, Language
from bot.i18n import t
from retrieval.models import Product

MAX_ITEMS = 4  # the most products compared, and the most pros or cons worth reading in a chat
MAX_REFS = 3
_REVIEW_RATING = re.compile(r"(\d)/5:")  # how a review's evidence text begins (`Draft.cite_reviews`)


class ProductUse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: int = Field(description="The evidence number of one of the compared products.")
    use: str = Field(description="Who or what that product suits best, in a few words.")


class ComparisonAnswer(BaseModel):
    """A comparison: the main difference, then what each product is best for."""

    model_config = ConfigDict(extra="forbid")

    verdict: str = Field(description="The main difference between the products, one or two short sentences.")
    best_for: list[ProductUse] = Field(max_length=MAX_ITEMS, description="One item per product.")


class ReviewPoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    point: str = Field(description="What buyers say, in a few words.")
    refs: list[int] = Field(
        min_length=1, max_length=MAX_REFS, description="Evidence numbers of the reviews that say it."
    )


class ReviewsAnswer(BaseModel):
    """A review summary: what buyers like and what they dislike, each point backed by reviews."""

    model_config = ConfigDict(extra="forbid")

    pros: list[ReviewPoint] = Field(max_length=MAX_ITEMS)
    cons: list[ReviewPoint] = Field(max_length=MAX_ITEMS)


AnswerT = TypeVar("AnswerT", bound=BaseModel)


@dataclass(frozen=True)
class StructuredTask(Generic[AnswerT]):
    """What to ask the model for (`schema`) and how a checked answer becomes reply text (`layout`)."""

    schema: type[AnswerT]
    layout: Callable[[AnswerT, FieldCheck], str]


class FieldCheck:
    """Checks the fields of one structured answer against the evidence its prompt showed.

    `kept` and `removed` count pieces: a sentence of free text, or one list item with its refs.
    """

    def __init__(self, checker: Checker, evidence: Mapping[int, Evidence]) -> None:
        self._checker = checker
        self._evidence = evidence
        self.kept = 0
        self.removed = 0

    def language_ok(self, answer: BaseModel) -> bool:
        """Whether the answer's words as a whole are in the customer's language (a wrong one sets it all aside)."""
        return self._checker.language_ok(" ".join(_strings(answer.model_dump())))

    def text(self, value: str) -> str:
        """The sentences of `value` that pass the check; each failing one is removed."""
        kept = []
        for sentence in split_sentences(value):
            if self._passes(sentence):
                kept.append(sentence)
                self.kept += 1
            else:
                self.removed += 1
        return join_sentences(kept)

    def item(self, value: str, refs: Sequence[int], kind: EvidenceKind, *, ratings: range | None = None) -> str | None:
        """`value` with its citations when every sentence passes and every ref is evidence of `kind` that backs
        it (a review: says what `value` says, rated within `ratings`); else None."""
        sentences = split_sentences(value)
        cited = [e for ref in refs if (e := self._evidence.get(ref)) is not None and e.kind == kind]
        if (
            not sentences
            or not refs
            or len(cited) != len(refs)
            or not all(map(self._passes, sentences))
            or not all(self._backs(evidence, value, ratings) for evidence in cited)
        ):
            self.removed += 1
            return None
        self.kept += 1
        return f"{join_sentences(sentences).rstrip('.。')} {_citations(refs)}"

    def _backs(self, evidence: Evidence, value: str, ratings: range | None) -> bool:
        if evidence.kind != "review":
            return True
        rating = _REVIEW_RATING.match(evidence.text)
        in_range = ratings is None or (rating is not None and int(rating.group(1)) in ratings)
        return in_range and self._checker.supports(value, evidence)

    def evidence(self, ref: int) -> Evidence | None:
        return self._evidence.get(ref)

    def _passes(self, sentence: str) -> bool:
        return self._checker.language_ok(sentence) and not self._checker.sentence(sentence)


def comparison_task(products: Sequence[Product], language: Language) -> StructuredTask[ComparisonAnswer]:
    """A comparison of `products`: the verdict's sentences, then one line per product the model placed."""
    titles = {p.sku: local_name(p.title, language) for p in products}

    def layout(answer: ComparisonAnswer, check: FieldCheck) -> str:
        lines = [check.text(answer.verdict)]
        placed: set[str] = set()
        for item in answer.best_for:
            evidence = check.evidence(item.ref)
            sku = evidence.sku if evidence is not None and evidence.kind == "product" else None
            if sku not in titles or sku in placed:  # not a compared product, or the same one again (a loop)
                check.removed += 1
                continue
            use = check.item(item.use, [item.ref], "product")
            if use is not None:
                placed.add(sku)
                lines.append(t("best_for", language, title=titles[sku], use=use))
        return "\n".join(line for line in lines if line)

    return StructuredTask(ComparisonAnswer, layout)


def reviews_task(heading: str, language: Language) -> StructuredTask[ReviewsAnswer]:
    """A review summary under `heading` (the computed counts): the pros and cons that cite real reviews."""

    def layout(answer: ReviewsAnswer, check: FieldCheck) -> str:
        # A pro must cite reviews rated 3 or more, a con reviews rated 3 or less: "Cons: ... [2]" under a heading
        # that counts no negative review would contradict it.
        pros = [text for p in answer.pros if (text := check.item(p.point, p.refs, "review", ratings=range(3, 6)))]
        cons = [text for p in answer.cons if (text := check.item(p.point, p.refs, "review", ratings=range(1, 4)))]
        return review_points(heading, pros, cons, language) if pros or cons else ""

    return StructuredTask(ReviewsAnswer, layout)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [text for part in value for text in _strings(part)] if isinstance(value, list) else []


def _citations(refs: Sequence[int]) -> str:
    return "".join(f"[{ref}]" for ref in dict.fromkeys(refs))
