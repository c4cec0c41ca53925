"""Hybrid search over one merchant's documents: dense (embeddings) + BM25, fused by reciprocal rank.

Hard filters are evaluated in process on a columnar copy of the merchant's products (numpy arrays), never
with Chroma's `where` (slow at scale, STACK.md). The dense side then scores the allowed documents exactly
in memory when they are few (`exact_search_max`), or asks Chroma's ANN index for an over-fetched list and
keeps only allowed documents, falling back to the exact path when too few survive. Either way a result
never breaks a filter. Variants of one item (same brand, same title once colour/size words are removed)
collapse into one hit that lists the other SKUs.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field
from threadpoolctl import ThreadpoolController

from retrieval.config import RetrievalConfig
from retrieval.embed import Embedder
from retrieval.lexical import LexicalIndex, Tokenizer
from retrieval.models import DocumentKind, Policy, Product, Review
from retrieval.money import NoRate, base_currency, convert
from retrieval.query import SearchFilters, SortOrder
from retrieval.store import VectorStore
from retrieval.variants import variant_key

SearchMode = Literal["hybrid", "dense", "lexical"]
# Rows to score exactly, their vectors, and which of them are allowed (None = all).
_Block = tuple[np.ndarray, np.ndarray, np.ndarray | None]


class ProductHit(BaseModel):
    """A product found by a search; `variants` are the other SKUs of the same item that pass the filters."""

    product: Product
    score: float
    variants: list[str] = Field(default_factory=list)


class ReviewHit(BaseModel):
    review: Review
    score: float


class PolicyHit(BaseModel):
    policy: Policy
    score: float


@dataclass
class Documents:
    """One kind of one merchant's documents as searched: row i of every field is document i."""

    kind: DocumentKind
    merchant_id: str
    keys: list[str]
    hashes: list[str]
    vectors: np.ndarray
    lexical: LexicalIndex
    row_of: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.row_of = {key: row for row, key in enumerate(self.keys)}

    def __len__(self) -> int:
        return len(self.keys)


class ProductColumns:
    """A merchant's products with their filterable fields as arrays, plus variant groups.

    `currency` is the catalog's base currency (its products' most common one); `base_prices` are the
    prices in it, NaN where unknown (no price, or no rate for the product's currency), for ordering by price.
    """

    def __init__(self, products: Sequence[Product], rates: Mapping[str, float] | None = None) -> None:
        self.products = products
        self.rates: Mapping[str, float] = rates or {}
        self.currency = base_currency(p.currency for p in products)
        self.prices = np.array([np.nan if p.price is None else p.price for p in products], dtype=np.float64)
        currency_rows: dict[str, list[int]] = defaultdict(list)
        for row, product in enumerate(products):
            currency_rows[product.currency].append(row)
        self._currency_rows = {code: np.array(rows, dtype=np.int64) for code, rows in currency_rows.items()}
        self.base_prices = self.prices.copy()
        for code, rows in self._currency_rows.items():
            if self.currency is not None and code != self.currency:
                try:
                    self.base_prices[rows] *= convert(1.0, code, self.currency, self.rates)
                except NoRate:
                    self.base_prices[rows] = np.nan
        self.in_stock = np.array([p.in_stock for p in products], dtype=bool)
        # Brands as integer codes: comparing ints is ~50x faster than np.isin over Python strings.
        self._brand_codes: dict[str, int] = {}
        self.brands = np.array(
            [self._brand_codes.setdefault((p.brand or "").casefold(), len(self._brand_codes)) for p in products],
            dtype=np.int64,
        )
        category_rows: dict[str, list[int]] = defaultdict(list)
        for row, product in enumerate(products):
            for level in {c.casefold() for c in product.category}:
                category_rows[level].append(row)
        self._category_rows = {level: np.array(rows, dtype=np.int64) for level, rows in category_rows.items()}
        self._row_of_sku = {p.sku: row for row, p in enumerate(products)}
        group_of: dict[tuple[str, str], int] = {}
        self.groups = np.array(
            [group_of.setdefault((p.brand or "", variant_key(p)), len(group_of)) for p in products], dtype=np.int64
        )
        self.members: dict[int, list[int]] = defaultdict(list)
        for row, group in enumerate(self.groups):
            self.members[int(group)].append(row)

    def mask(self, filters: SearchFilters) -> np.ndarray | None:
        """Rows that satisfy every filter (the merchant is implied), or None when nothing is filtered."""
        allowed = np.ones(len(self.prices), dtype=bool)
        filtered = False
        if filters.has_price:
            allowed &= self._within_price(filters)
            filtered = True
        if filters.categories:
            in_category = np.zeros_like(allowed)
            for category in filters.categories:
                rows = self._category_rows.get(category.casefold())
                if rows is not None:
                    in_category[rows] = True
            allowed &= in_category
            filtered = True
        if filters.brands:
            allowed &= np.isin(self.brands, self._codes(filters.brands))
            filtered = True
        if filters.exclude_brands:
            allowed &= ~np.isin(self.brands, self._codes(b for b in filters.exclude_brands if b))
            filtered = True
        if filters.in_stock_only:
            allowed &= self.in_stock
            filtered = True
        if filters.exclude_skus:
            allowed[[self._row_of_sku[s] for s in filters.exclude_skus if s in self._row_of_sku]] = False
            filtered = True
        return allowed if filtered else None

    def base_price(self, sku: str) -> float:
        return float(self.base_prices[self._row_of_sku[sku]])

    def _within_price(self, filters: SearchFilters) -> np.ndarray:
        """Rows whose price is within the bounds: compared in each product's own currency, the bounds
        converted into it (exactly as `SearchFilters.price_matches` does); bounds with no currency are in
        the base currency; a product with no price or no rate is never within."""
        if filters.currency is None and self.currency is not None:
            filters = filters.model_copy(update={"currency": self.currency})
        within = np.zeros(len(self.prices), dtype=bool)
        for code, rows in self._currency_rows.items():
            try:
                low, high = filters.price_bounds(code, self.rates)
            except NoRate:
                continue
            prices = self.prices[rows]
            inside = np.ones(len(rows), dtype=bool)
            if low is not None:
                inside &= prices >= low
            if high is not None:
                inside &= prices <= high
            within[rows] = inside
        return within

    def _codes(self, brands: Iterable[str]) -> list[int]:
        return [self._brand_codes[b.casefold()] for b in brands if b.casefold() in self._brand_codes]


class HybridSearcher:
    """Ranks a merchant's documents for a query: dense, lexical, or both fused."""

    def __init__(self, store: VectorStore, embedder: Embedder, tokenizer: Tokenizer, config: RetrievalConfig) -> None:
        self._store = store
        self._embedder = embedder
        self._tokenizer = tokenizer
        self._config = config
        self._blas = ThreadpoolController()

    async def rank(
        self,
        docs: Documents,
        query: str,
        mask: np.ndarray | None,
        n: int,
        mode: SearchMode = "hybrid",
        groups: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        """Up to `n` (row, score) pairs, best first, only rows where `mask` is True (all rows when None).

        With `groups`, fusion counts each variant group once per ranking (see `fuse`).
        """
        if len(docs) == 0 or (mask is not None and not mask.any()):
            return []
        if not query.strip():
            return [(int(row), 0.0) for row in _allowed_rows(len(docs), mask)[:n]]
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if mode == "lexical":
            lexical = await asyncio.to_thread(self._lexical, docs, query, mask, n)
        else:
            # Neither BM25 nor gathering the allowed vectors needs the query vector: both run while the
            # query is embedded, which is most of a search's time.
            block = asyncio.ensure_future(asyncio.to_thread(self._exact_block, docs, mask))
            lexical_task = None
            if mode == "hybrid":
                lexical_task = asyncio.ensure_future(asyncio.to_thread(self._lexical, docs, query, mask, n))
            try:
                vector = (await self._embedder.embed([query]))[0]
                dense = await self._dense(docs, vector, mask, n, await block)
            finally:
                await asyncio.wait([task for task in (block, lexical_task) if task is not None])
            lexical = lexical_task.result() if lexical_task is not None else []
        if mode != "hybrid":
            return dense or lexical
        return fuse([dense, lexical], self._config.rrf_k, groups)[:n]

    async def dense(
        self, docs: Documents, vector: np.ndarray, mask: np.ndarray | None, n: int
    ) -> list[tuple[int, float]]:
        """The `n` allowed rows nearest to `vector`, best first."""
        return await self._dense(docs, vector, mask, n, await asyncio.to_thread(self._exact_block, docs, mask))

    async def _dense(
        self,
        docs: Documents,
        vector: np.ndarray,
        mask: np.ndarray | None,
        n: int,
        block: _Block | None,
    ) -> list[tuple[int, float]]:
        if block is not None:
            return await asyncio.to_thread(self._score, *block, vector, n)
        allowed = len(docs) if mask is None else int(mask.sum())
        # Enough documents pass that an over-fetch from the ANN index should hold about n of them.
        fetch = min(len(docs), math.ceil(n * 1.2 * len(docs) / allowed))
        hits = await self._store.query(docs.kind, docs.merchant_id, vector, fetch)
        ranked = [
            (row, score)
            for row, score in ((docs.row_of.get(key), score) for key, score in hits)
            if row is not None and (mask is None or mask[row])
        ]
        if len(ranked) >= min(n, allowed) // 2:
            return ranked[:n]
        # The filter and the query disagree (e.g. a category far from the query's meaning): score exactly.
        rows = _allowed_rows(len(docs), mask)
        return await asyncio.to_thread(self._score, rows, docs.vectors[rows], None, vector, n)

    def _exact_block(self, docs: Documents, mask: np.ndarray | None) -> _Block | None:
        """The allowed rows and their vectors, when few enough to score exactly; None = use the ANN index."""
        rows = _allowed_rows(len(docs), mask)
        if len(rows) > self._config.exact_search_max:
            return None
        if mask is None or not len(rows):
            return rows, docs.vectors[rows] if mask is not None else docs.vectors, None
        low, high = int(rows[0]), int(rows[-1]) + 1
        if high - low <= 2 * len(rows):
            # Bunched rows (products are kept grouped by category, so a category filter selects a run):
            # score the run in place instead of copying the rows out.
            return np.arange(low, high), docs.vectors[low:high], mask[low:high]
        return rows, docs.vectors[rows], None

    def _score(
        self, rows: np.ndarray, vectors: np.ndarray, keep: np.ndarray | None, query: np.ndarray, n: int
    ) -> list[tuple[int, float]]:
        # One BLAS thread: a matrix-vector product gains little from more, and on shared cores extra
        # threads were measured to make it several times slower.
        with self._blas.limit(limits=1, user_api="blas"):
            scores = vectors @ query
        if keep is not None:
            scores = np.where(keep, scores, -np.inf)
        return [(int(rows[i]), score) for i, score in _top(scores, n) if score > -np.inf]

    def _lexical(self, docs: Documents, query: str, mask: np.ndarray | None, n: int) -> list[tuple[int, float]]:
        scores = docs.lexical.scores(self._tokenizer.tokens(query))
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        return _top(scores, n, positive_only=True)

    async def products(
        self,
        docs: Documents,
        columns: ProductColumns,
        query: str,
        filters: SearchFilters,
        k: int,
        sort: SortOrder = "relevance",
        mode: SearchMode = "hybrid",
    ) -> list[ProductHit]:
        """The best `k` items (variants collapsed) that satisfy `filters`, by relevance or by price."""
        mask = columns.mask(filters)
        if sort != "relevance" and not query.strip():
            # Browsing by price: every allowed product is a candidate, cheapest (or dearest) first.
            rows = _allowed_rows(len(docs), mask)
            prices = columns.base_prices[rows] if sort == "price_asc" else -columns.base_prices[rows]
            ranked = [(int(row), 0.0) for row in rows[np.argsort(prices, kind="stable")]]  # unknown (NaN) last
        else:
            n = max(self._config.search_candidates, 4 * k)
            ranked = await self.rank(docs, query, mask, n, mode, columns.groups)
        # Sorting by price picks among the most relevant few, so "cheapest jacket" stays about jackets.
        hits = collapse_variants(ranked, columns, mask, k if sort == "relevance" else 3 * k)
        if sort != "relevance":
            sign = 1 if sort == "price_asc" else -1
            hits.sort(key=lambda hit: _price_order(columns.base_price(hit.product.sku), sign))
        return hits[:k]

    async def similar(
        self, docs: Documents, columns: ProductColumns, sku: str, filters: SearchFilters, k: int
    ) -> list[ProductHit]:
        """Items nearest to `sku` in meaning, excluding `sku` and its own variants."""
        row = docs.row_of[sku]
        mask = columns.mask(filters)
        mask = np.ones(len(docs), dtype=bool) if mask is None else mask.copy()
        mask[columns.members[int(columns.groups[row])]] = False
        ranked = await self.dense(docs, docs.vectors[row], mask, max(self._config.search_candidates, 4 * k))
        return collapse_variants(ranked, columns, mask, k)


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
    ranked: Sequence[tuple[int, float]], columns: ProductColumns, mask: np.ndarray | None, k: int
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
        hits.append(ProductHit(product=products[row], score=score, variants=variants))
        if len(hits) == k:
            break
    return hits


def _price_order(price: float, sign: int) -> tuple[bool, float]:
    """Sort key: by price in the direction of `sign`, unknown prices last."""
    return (math.isnan(price), sign * price)


def _allowed_rows(size: int, mask: np.ndarray | None) -> np.ndarray:
    return np.arange(size) if mask is None else np.flatnonzero(mask)


def _top(scores: np.ndarray, n: int, positive_only: bool = False) -> list[tuple[int, float]]:
    rows = np.flatnonzero(scores > 0) if positive_only else np.arange(len(scores))
    if len(rows) > n:
        rows = rows[np.argpartition(-scores[rows], n)[:n]]
    order = rows[np.argsort(-scores[rows], kind="stable")]
    return [(int(row), float(scores[row])) for row in order]
