"""What buyers say: the extractive review summary (counts by sentiment, short quotes from real reviews) and
its wording, for the reviews answer and for the model's checked pros and cons."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from bot.core import held
from bot.core.compose.products import local_name
from bot.core.compose.text import SHORT_QUOTE, first_sentence, readable, sentences
from bot.core.reply import Language
from bot.i18n import t
from retrieval.models import Product, Review


class ReviewSummary(BaseModel):
    """An extractive summary: counts by sentiment and short quotes from real reviews."""

    sku: str
    count: int
    average: float | None = None
    positive: int = 0
    negative: int = 0
    pros: list[str] = Field(default_factory=list)
    cons: list[str] = Field(default_factory=list)
    quoted: list[Review] = Field(default_factory=list, description="The reviews the quotes come from.")
    aspect: str = Field("", description="What the customer asked about, e.g. 'zipper'.")
    on_aspect: list[Review] = Field(default_factory=list, description="Reviews that speak to the aspect.")


def summarise_reviews(sku: str, reviews: Sequence[Review], language: Language, quotes: int = 2) -> ReviewSummary:
    """Ratings 4-5 count as positive, 1-2 as negative; quotes are the first sentence of the longest ones,
    in the customer's language when there are such reviews."""
    if not reviews:
        return ReviewSummary(sku=sku, count=0)
    rated = [(r, r.rating) for r in reviews if r.rating is not None]
    good = [r for r, _ in sorted(((r, s) for r, s in rated if s >= 4), key=lambda item: (-item[1], -len(item[0].text)))]
    bad = [r for r, _ in sorted(((r, s) for r, s in rated if s <= 2), key=lambda item: (item[1], -len(item[0].text)))]

    def quotable(pool: list[Review]) -> list[Review]:
        # A held review (flagged, or addressing the assistant) still counts, but is never quoted; nor is one
        # with no sentence short enough to quote whole.
        safe = [r for r in pool if held.quotable(r) and first_sentence(r.text)]
        return ([r for r in safe if readable(r.text, language)] or safe)[:quotes]

    good_quotes, bad_quotes = quotable(good), quotable(bad)
    return ReviewSummary(
        sku=sku,
        count=len(reviews),
        average=round(sum(s for _, s in rated) / len(rated), 1) if rated else None,
        positive=len(good),
        negative=len(bad),
        pros=[first_sentence(r.text) for r in good_quotes],
        cons=[first_sentence(r.text) for r in bad_quotes],
        quoted=[*good_quotes, *bad_quotes],
    )


def review_counts(reviews: Sequence[Review], language: Language) -> str:
    if not reviews:
        return t("no_reviews", language)
    good = sum(r.rating is not None and r.rating >= 4 for r in reviews)
    bad = sum(r.rating is not None and r.rating <= 2 for r in reviews)
    return t("review_counts", language, count=len(reviews), good=good, bad=bad)


def summary_counts(summary: ReviewSummary, language: Language) -> str:
    """The figures of a summary in one line; also given to the model as a note it may quote."""
    if summary.count == 0:
        return t("no_reviews_yet", language)
    if summary.average is None:
        return t("summary_counts_unrated", language, count=summary.count)
    return t(
        "summary_counts",
        language,
        count=summary.count,
        average=summary.average,
        positive=summary.positive,
        negative=summary.negative,
    )


def reviews_heading(product: Product, summary: ReviewSummary, language: Language) -> str:
    """'What buyers say about X (3 reviews, average 4/5: ...):' — the line above pros and cons."""
    title = local_name(product.title, language)
    return t("reviews_heading", language, title=title, counts=summary_counts(summary, language))


def review_points(heading: str, pros: Sequence[str], cons: Sequence[str], language: Language) -> str:
    """The model's checked pros and cons under the computed heading."""
    lines = [heading]
    separator = t("points_separator", language)
    if pros:
        lines.append(t("pros", language) + separator.join(pros))
    if cons:
        lines.append(t("cons", language) + separator.join(cons))
    return "\n".join(lines)


def reviews_answer(product: Product, summary: ReviewSummary, language: Language) -> str:
    """The template answer: the counts, quoted pros and cons, and what reviews say about the aspect asked."""
    if summary.count == 0:
        return t("product_has_no_reviews", language, title=local_name(product.title, language))
    lines = [reviews_heading(product, summary, language)]
    if summary.pros:
        lines.append(t("pros", language) + " / ".join(f"“{q}”" for q in summary.pros))
    if summary.cons:
        lines.append(t("cons", language) + " / ".join(f"“{q}”" for q in summary.cons))
    elif summary.pros:
        lines.append(t("no_negative_reviews", language))
    if summary.aspect:
        lines.append(_on_aspect(summary, language))
    return "\n".join(lines)


def _on_aspect(summary: ReviewSummary, language: Language) -> str:
    """What reviews say about the aspect asked: the sentences that name it, else the reviews search found."""
    mentions = [r for r in summary.on_aspect if summary.aspect.casefold() in r.text.casefold()] or summary.on_aspect
    quotes = [f"“{quote}” ({r.rating}/5)" for r in mentions[:2] if (quote := _sentence_on(r.text, summary.aspect))]
    if not quotes:
        return t("aspect_unmentioned", language, aspect=summary.aspect)
    return t("on_aspect", language, aspect=summary.aspect, quotes=" / ".join(quotes))


def _sentence_on(text: str, aspect: str) -> str:
    """The review's first whole sentence naming the aspect, else its first quotable sentence."""
    named = next((s for s in sentences(text) if aspect.casefold() in s.casefold() and len(s) <= SHORT_QUOTE), "")
    return named or first_sentence(text)
