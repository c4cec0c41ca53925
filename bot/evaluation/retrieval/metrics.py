"""The measures of one ranking against the judgments: NDCG@10, MRR@10, Recall@50, gold-constraint violations in
the shown slots, and "not carried" answered as such; and their averages over a slice of the queries.

A result that stands for several variants (one card for an item in three colours) counts as its SKU followed by
its variants' SKUs, each with its own grade, exactly as the run file lists them, so the collapsed and the plain
rankings are measured on the same footing. Violations are judged against the constraints the query states (written with the judgments, not
parsed by the code under test) on the first `SHOWN` results presented as matches; nearest alternatives that the
assistant labels as such do not claim to meet them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, Field

from bot.evaluation.retrieval.dataset import GoldConstraints
from retrieval.models import Product
from retrieval.money import NoRate, convert

RANK_DEPTH = 10
RECALL_DEPTH = 50
SHOWN = 5
# Where a title stops naming its own brand and starts naming what it fits ("耳机 适用于苹果华为").
_COMPATIBLE = re.compile(r"适用于|适用|兼容|支持|\bfor\b|\bcompatible\b|\bfits\b", re.I)
_BRAND_PARTS = re.compile(r"[/|()（）]+")


class QueryResult(BaseModel):
    """One system's answer to one query: results in rank order (each with its variants), and whether it
    told the customer that nothing matches."""

    query_id: str
    results: list[list[str]] = Field(description="Per result: its SKU first, then its collapsed variants.")
    no_match: bool
    intent: str = ""


class Scored(BaseModel):
    """The measures of one query (None where a measure does not apply to it)."""

    query_id: str
    answerable: bool
    ndcg: float | None = None
    mrr: float | None = None
    recall: float | None = None
    shown_slots: int = Field(0, description="Top-5 slots presented as matches, for a query that states constraints.")
    violating_slots: int = 0
    no_match: bool


class SliceMetrics(BaseModel):
    """Averages over one slice of the queries (a split, a type, or both)."""

    system: str
    split: str
    type: str
    queries: int
    answerable: int
    ndcg_at_10: float | None
    mrr_at_10: float | None
    recall_at_50: float | None
    constrained_slots: int = Field(description="Shown slots of queries that state constraints.")
    violation_rate: float | None = Field(description="Share of those slots that break a stated constraint.")
    not_carried: int = Field(description="Unanswerable queries.")
    not_carried_recall: float | None = Field(description="Share of them answered 'nothing matches'.")
    false_not_carried_rate: float | None = Field(description="Share of answerable queries answered 'nothing matches'.")


def ndcg(grades: Sequence[int], ideal_grades: Sequence[int], depth: int) -> float:
    """Normalised discounted cumulative gain of `grades` (in rank order) against the best possible order."""
    ideal = _dcg(sorted(ideal_grades, reverse=True)[:depth])
    return _dcg(grades[:depth]) / ideal if ideal else 0.0


def _dcg(grades: Sequence[int]) -> float:
    return sum((2**grade - 1) / math.log2(rank + 1) for rank, grade in enumerate(grades, start=1))


def reciprocal_rank(grades: Sequence[int], depth: int) -> float:
    return next((1.0 / rank for rank, grade in enumerate(grades[:depth], start=1) if grade > 0), 0.0)


def score(
    result: QueryResult,
    grades: Mapping[str, int],
    answerable: bool,
    gold: GoldConstraints,
    checker: ConstraintChecker,
) -> Scored:
    """Measure one answer (see the module docstring)."""
    relevant = {sku: grade for sku, grade in grades.items() if grade > 0}
    skus = [sku for group in result.results for sku in group][:RECALL_DEPTH]
    ranked = [grades.get(sku, 0) for sku in skus]
    scored = Scored(query_id=result.query_id, answerable=answerable, no_match=result.no_match)
    if answerable and relevant:
        found = {sku for sku in skus if sku in relevant}
        scored.ndcg = ndcg(ranked, list(relevant.values()), RANK_DEPTH)
        scored.mrr = reciprocal_rank(ranked, RANK_DEPTH)
        scored.recall = len(found) / len(relevant)
    if gold.stated and not result.no_match:
        shown = [group[0] for group in result.results[:SHOWN]]
        scored.shown_slots = len(shown)
        scored.violating_slots = sum(not checker.meets(sku, gold) for sku in shown)
    return scored


def summarise(system: str, split: str, kind: str, scored: Sequence[Scored]) -> SliceMetrics:
    ranked = [s for s in scored if s.ndcg is not None]
    unanswerable = [s for s in scored if not s.answerable]
    answerable = [s for s in scored if s.answerable]
    slots = sum(s.shown_slots for s in scored)
    return SliceMetrics(
        system=system,
        split=split,
        type=kind,
        queries=len(scored),
        answerable=len(answerable),
        ndcg_at_10=_mean(s.ndcg for s in ranked),
        mrr_at_10=_mean(s.mrr for s in ranked),
        recall_at_50=_mean(s.recall for s in ranked),
        constrained_slots=slots,
        violation_rate=sum(s.violating_slots for s in scored) / slots if slots else None,
        not_carried=len(unanswerable),
        not_carried_recall=_mean(float(s.no_match) for s in unanswerable),
        false_not_carried_rate=_mean(float(s.no_match) for s in answerable),
    )


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


class ConstraintChecker:
    """Whether a product meets a query's gold constraints, by the evaluator's own rules (not the code's):

    - price: the product's price converted into the stated currency with the dataset's rates; no price never meets a limit;
    - stock: `in_stock` asked -> the product must be in stock;
    - brand: a gold brand 'A/B' is met when the product's brand field names A or B; a product without a
      brand field is of the brands its title names before any "适用于 / for" (what it fits is not its brand).
    """

    def __init__(self, products: Sequence[Product], base_currency: str, rates: Mapping[str, float]) -> None:
        self._products = {p.sku: p for p in products}
        self._base = base_currency
        self._rates = rates

    def meets(self, sku: str, gold: GoldConstraints) -> bool:
        product = self._products[sku]
        if (gold.price_min is not None or gold.price_max is not None) and not self._price_ok(product, gold):
            return False
        if gold.in_stock and not product.in_stock:
            return False
        if gold.brands and not any(_is_brand(product, brand) for brand in gold.brands):
            return False
        return not any(_is_brand(product, brand) for brand in gold.exclude_brands)

    def _price_ok(self, product: Product, gold: GoldConstraints) -> bool:
        if product.price is None:
            return False
        try:
            price = convert(product.price, product.currency, gold.currency or self._base, self._rates)
        except NoRate:
            return False
        low, high = gold.price_min, gold.price_max
        # A cent of slack: converted prices are not exact.
        return (low is None or price >= low - 0.01) and (high is None or price <= high + 0.01)


def _names(brand: str) -> list[str]:
    return [n.strip().casefold() for n in _BRAND_PARTS.split(unicodedata.normalize("NFKC", brand)) if n.strip()]


def _is_brand(product: Product, brand: str) -> bool:
    wanted = _names(brand)
    if product.brand:
        own = _names(product.brand)
        return any(name in own or name == product.brand.casefold() for name in wanted)
    title = unicodedata.normalize("NFKC", product.title).casefold()
    own_part = _COMPATIBLE.split(title, maxsplit=1)[0]
    return any(_mentions(own_part, name) for name in wanted)


def _mentions(text: str, name: str) -> bool:
    if re.fullmatch(r"[a-z0-9 .&'-]+", name):
        return re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", text) is not None
    return name in text
