"""Combining rankings and results: reciprocal-rank fusion, and one hit per variant group."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, Field

from retrieval.columns import ProductColumns
from retrieval.models import Product


class ProductHit(BaseModel):
    """A product found by a search; `variants` are the other SKUs of the same item that pass the filters."""

    product: Product
    score: float
    variants: list[str] = Field(default_factory=list)
    relevance: float | None = Field(
        None, description="The ranker's calibrated probability that this product answers the query (None: no ranker)."
    )


def fuse(
    rankings: Sequence[Sequence[tuple[int, float]]], rrf_k: int, groups: np.ndarray | None = None
) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion: each list adds 1 / (rrf_k + rank) to a document's score.

    With `groups`, ranks count variant groups, not rows: two colours of one jacket, each first in one list,
    are one item first in both, rather than two items splitting the vote. The group is represented by
    its best row.
    """
    scores: dict[int, float] = defaultdict(float)
    for ranking in rankings:
        for rank, (row, _) in enumerate(ranking, start=1):
            scores[row] += 1.0 / (rrf_k + rank)
    by_row = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if groups is None:
        return by_row
    group_scores: dict[int, float] = defaultdict(float)
    for ranking in rankings:
        seen: set[int] = set()
        for row, _ in ranking:
            group = int(groups[row])
            if group not in seen:
                seen.add(group)
                group_scores[group] += 1.0 / (rrf_k + len(seen))
    best_row: dict[int, int] = {}
    for row, _ in by_row:
        best_row.setdefault(int(groups[row]), row)
    return sorted(((best_row[g], score) for g, score in group_scores.items()), key=lambda item: item[1], reverse=True)


def collapse_variants(
    ranked: Sequence[tuple[int, float]],
    columns: ProductColumns,
    mask: np.ndarray | None,
    k: int,
    relevance: dict[int, float] | None = None,
) -> list[ProductHit]:
    """One hit per variant group (its best-ranked member), listing the group's other allowed SKUs."""
    products = columns.products
    seen: set[int] = set()
    hits: list[ProductHit] = []
    for row, score in ranked:
        group = int(columns.groups[row])
        if group in seen:
            continue
        seen.add(group)
        variants = [
            products[other].sku for other in columns.members[group] if other != row and (mask is None or mask[other])
        ]
        probability = None if relevance is None else relevance.get(row)
        hits.append(ProductHit(product=products[row], score=score, variants=variants, relevance=probability))
        if len(hits) == k:
            break
    return hits
