"""Hybrid search over one merchant's documents: dense (embeddings) + BM25 candidates, ranked by the learned
ranker or by reciprocal-rank fusion.

Hard filters are evaluated in process on a columnar copy of the merchant's products (`columns.py`), never
with Chroma's `where` (slow at scale, STACK.md). The dense side then scores the allowed documents exactly
in memory when they are few (`exact_search_max`), or asks Chroma's ANN index for an over-fetched list and
keeps only allowed documents, falling back to the exact path when too few survive. Either way a result
never breaks a filter. The union of the dense and BM25 candidates is described by catalog-independent
features (`features.py`); the ranker (`ranker.py`) gives each a calibrated probability of answering the
query, which orders them in `learned` mode, and in `hybrid` mode (the default) when `RetrievalConfig.ranker` is
"learned" (`fusion` mode always orders by reciprocal rank) and is reported on every hit for the "not carried" decision. Variants of one item
collapse into one hit; an optional cross-encoder (`rerank.py`) reorders the first few.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel
from threadpoolctl import ThreadpoolController

from retrieval.columns import ProductColumns
from retrieval.config import RetrievalConfig
from retrieval.embed import Embedder
from retrieval.features import FEATURES, Candidates, CatalogSignals, QueryView, Reviews, candidate_features
from retrieval.fusion import ProductHit, collapse_variants, fuse
from retrieval.lexical import LexicalIndex, Tokenizer
from retrieval.models import DocumentKind, Policy, Review
from retrieval.query import SearchFilters, SortOrder
from retrieval.ranker import LinearRanker, load_ranker
from retrieval.rerank import CrossEncoderReranker
from retrieval.store import VectorStore
from retrieval.terms import normal, query_terms

__all__ = ["Corpus", "Documents", "HybridSearcher", "PolicyHit", "ProductColumns", "ProductHit", "ReviewHit"]

SearchMode = Literal["hybrid", "learned", "fusion", "dense", "lexical"]
# Rows to score exactly, their vectors, and which of them are allowed (None = all).
_Block = tuple[np.ndarray, np.ndarray, np.ndarray | None]
_Ranked = list[tuple[int, float]]


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


@dataclass
class Described:
    """A query's candidates: their reciprocal-rank fusion, and their rows with one feature row each."""

    fused: list[tuple[int, float]]
    rows: np.ndarray
    features: np.ndarray


_NO_ROWS = np.zeros(0, dtype=np.int64)
_NO_FEATURES = np.zeros((0, len(FEATURES)))


@dataclass
class Corpus:
    """What a product search reads of one catalog version: the products, their columns, and the reviews."""

    products: Documents
    columns: ProductColumns
    reviews: Documents | None = None
    review_rows: Mapping[str, list[int]] = field(default_factory=dict)


class HybridSearcher:
    """Ranks a merchant's documents for a query: dense, lexical, or both (fused, or by the learned ranker)."""

    def __init__(self, store: VectorStore, embedder: Embedder, tokenizer: Tokenizer, config: RetrievalConfig) -> None:
        self._store = store
        self._embedder = embedder
        self._tokenizer = tokenizer
        self._config = config
        self._blas = ThreadpoolController()
        self.ranker: LinearRanker | None = load_ranker(config.ranker_path)
        self._reranker = (
            CrossEncoderReranker(config.rerank_model, config.rerank_device) if config.rerank_model else None
        )
        # Catalog statistics per catalog version, built on its first search and dropped with the version.
        self._signals: weakref.WeakKeyDictionary[ProductColumns, CatalogSignals] = weakref.WeakKeyDictionary()
        self._signals_lock = asyncio.Lock()
        # The last built version's word vectors per merchant, reused by the next version's statistics.
        self._words: dict[str, dict[str, np.ndarray]] = {}

    async def rank(
        self,
        docs: Documents,
        query: str,
        mask: np.ndarray | None,
        n: int,
        mode: SearchMode = "hybrid",
        groups: np.ndarray | None = None,
    ) -> _Ranked:
        """Up to `n` (row, score) pairs, best first, only rows where `mask` is True (all rows when None); the
        `hybrid` and `fusion` modes fuse dense and BM25 by reciprocal rank (with `groups`, per variant group)."""
        if len(docs) == 0 or (mask is not None and not mask.any()):
            return []
        if not query.strip():
            return [(int(row), 0.0) for row in _allowed_rows(len(docs), mask)[:n]]
        dense, lexical, _ = await self._candidates(docs, query, mask, n, mode)
        if mode in ("dense", "lexical"):
            return dense or lexical
        return fuse([dense, lexical], self._config.rrf_k, groups)[:n]

    async def _candidates(
        self, docs: Documents, query: str, mask: np.ndarray | None, n: int, mode: SearchMode, also: Sequence[str] = ()
    ) -> tuple[_Ranked, _Ranked, np.ndarray | None]:
        """The dense and BM25 top `n` (each empty when the mode leaves it out) and the vectors of the query and of
        the texts `also` (embedded with it, in one call), one row each."""
        if mode == "lexical":
            return [], await asyncio.to_thread(self._lexical, docs, query, mask, n), None
        # Neither BM25 nor gathering the allowed vectors needs the query vector: both run while the query is
        # embedded, which is most of a search's time.
        block = asyncio.ensure_future(asyncio.to_thread(self._exact_block, docs, mask))
        lexical_task = None
        if mode != "dense":
            lexical_task = asyncio.ensure_future(asyncio.to_thread(self._lexical, docs, query, mask, n))
        try:
            vectors = await self._embedder.embed([query, *also])
            dense = await self._dense(docs, vectors[0], mask, n, await block)
        finally:
            await asyncio.wait([task for task in (block, lexical_task) if task is not None])
        return dense, lexical_task.result() if lexical_task is not None else [], vectors

    async def dense(self, docs: Documents, vector: np.ndarray, mask: np.ndarray | None, n: int) -> _Ranked:
        """The `n` allowed rows nearest to `vector`, best first."""
        return await self._dense(docs, vector, mask, n, await asyncio.to_thread(self._exact_block, docs, mask))

    async def _dense(
        self, docs: Documents, vector: np.ndarray, mask: np.ndarray | None, n: int, block: _Block | None
    ) -> _Ranked:
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
    ) -> _Ranked:
        # One BLAS thread: a matrix-vector product gains little from more, and on shared cores extra
        # threads were measured to make it several times slower.
        with self._blas.limit(limits=1, user_api="blas"):
            scores = vectors @ query
        if keep is not None:
            scores = np.where(keep, scores, -np.inf)
        return [(int(rows[i]), score) for i, score in _top(scores, n) if score > -np.inf]

    def _lexical(self, docs: Documents, query: str, mask: np.ndarray | None, n: int) -> _Ranked:
        scores = docs.lexical.scores(self._tokenizer.tokens(query))
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        return _top(scores, n, positive_only=True)

    async def products(
        self,
        corpus: Corpus,
        query: str,
        filters: SearchFilters,
        k: int,
        sort: SortOrder = "relevance",
        mode: SearchMode = "hybrid",
    ) -> list[ProductHit]:
        """The best `k` items (variants collapsed) that satisfy `filters`, by relevance or by price."""
        docs, columns = corpus.products, corpus.columns
        mask = columns.mask(filters)
        relevance: dict[int, float] | None = None
        if sort != "relevance" and not query.strip():
            # Browsing by price: every allowed product is a candidate, cheapest (or dearest) first.
            rows = _allowed_rows(len(docs), mask)
            prices = columns.base_prices[rows] if sort == "price_asc" else -columns.base_prices[rows]
            ranked = [(int(row), 0.0) for row in rows[np.argsort(prices, kind="stable")]]  # unknown (NaN) last
        elif mode in ("dense", "lexical") or not len(docs) or (mask is not None and not mask.any()):
            ranked = await self.rank(docs, query, mask, max(self._config.search_candidates, k), mode, columns.groups)
        else:
            ranked, relevance = await self._ranked(corpus, query, mask, max(self._config.search_candidates, k), mode)
        # Sorting by price picks among the most relevant few, so "cheapest jacket" stays about jackets.
        hits = collapse_variants(ranked, columns, mask, k if sort == "relevance" else 3 * k, relevance)
        if self._reranker is not None and sort == "relevance" and query.strip():
            hits = await self._reranker.rerank(query, hits, self._config.rerank_candidates)
        if sort != "relevance":
            sign = 1 if sort == "price_asc" else -1
            hits.sort(key=lambda hit: _price_order(columns.base_price(hit.product.sku), sign))
        return hits[:k]

    async def _ranked(
        self, corpus: Corpus, query: str, mask: np.ndarray | None, n: int, mode: SearchMode
    ) -> tuple[_Ranked, dict[int, float] | None]:
        """Dense + BM25 candidates ordered by the ranker (or fused), with each one's calibrated relevance."""
        described = await self.describe(corpus, query, mask, n, mode)
        if self.ranker is None or not len(described.rows):
            return described.fused[:n], None
        probability = self.ranker.probability(described.features)
        relevance = {int(row): float(p) for row, p in zip(described.rows, probability, strict=True)}
        if mode == "fusion" or (mode == "hybrid" and self._config.ranker != "learned"):
            return described.fused[:n], relevance
        scores = self.ranker.logits(described.features)
        order = np.argsort(-scores, kind="stable")
        return [(int(described.rows[i]), float(scores[i])) for i in order], relevance

    async def describe(
        self, corpus: Corpus, query: str, mask: np.ndarray | None, n: int, mode: SearchMode = "hybrid"
    ) -> Described:
        """The dense and BM25 candidates of `query` among the allowed rows, fused, and their features."""
        docs, columns = corpus.products, corpus.columns
        if not query.strip() or not len(docs) or (mask is not None and not mask.any()):
            return Described([(int(row), 0.0) for row in _allowed_rows(len(docs), mask)[:n]], _NO_ROWS, _NO_FEATURES)
        signals_task = asyncio.ensure_future(self.signals(corpus))
        terms = query_terms(query, self._tokenizer)
        try:
            dense, lexical, vectors = await self._candidates(docs, query, mask, n, mode, terms.words)
        except BaseException:
            signals_task.cancel()
            raise
        fused = fuse([dense, lexical], self._config.rrf_k, columns.groups)
        rows = np.array(sorted({row for row, _ in dense} | {row for row, _ in lexical}), dtype=np.int64)
        if vectors is None or not len(rows):
            signals_task.cancel()
            return Described(fused, _NO_ROWS, _NO_FEATURES)
        tokens = self._tokenizer.tokens(query)
        candidates = Candidates(
            rows,
            {row: rank for rank, (row, _) in enumerate(dense)},
            {row: rank for rank, (row, _) in enumerate(lexical)},
        )
        signals = await signals_task
        # A brand the query names is the search's business (a filter, or the brand features), not a word the
        # product's name must cover: "Li-Ning running shoes" asks for running shoes.
        brand_words = {
            normal(token)
            for start, end, _ in signals.brands.find(query)
            for token in self._tokenizer.tokens(query[start:end])
        }
        terms, kept = terms.without(brand_words)
        features = candidate_features(
            QueryView(
                query, tokens, vectors[0], terms, vectors[1:][kept], {t: self._tokenizer.rarity(t) for t in tokens}
            ),
            candidates,
            docs.vectors,
            docs.lexical,
            columns,
            signals,
            _reviews(corpus),
        )
        return Described(fused, rows, features)

    async def signals(self, corpus: Corpus) -> CatalogSignals:
        """The catalog statistics of one catalog version (built on first use; the words of the merchant's
        previous version keep their vectors, so a price edit embeds nothing)."""
        columns = corpus.columns
        if (signals := self._signals.get(columns)) is not None:
            return signals
        async with self._signals_lock:
            if (signals := self._signals.get(columns)) is None:
                merchant = corpus.products.merchant_id
                known = self._words.get(merchant)
                signals = await CatalogSignals.build(columns, self._embedder, self._tokenizer, known)
                self._signals[columns] = signals
                self._words[merchant] = signals.words.vector_of()
        return signals

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


def _reviews(corpus: Corpus) -> Reviews | None:
    if corpus.reviews is None or not len(corpus.reviews):
        return None
    return Reviews(corpus.reviews.lexical, corpus.reviews.vectors, corpus.review_rows)


def _price_order(price: float, sign: int) -> tuple[bool, float]:
    """Sort key: by price in the direction of `sign`, unknown prices last."""
    return (math.isnan(price), sign * price)


def _allowed_rows(size: int, mask: np.ndarray | None) -> np.ndarray:
    return np.arange(size) if mask is None else np.flatnonzero(mask)


def _top(scores: np.ndarray, n: int, positive_only: bool = False) -> _Ranked:
    rows = np.flatnonzero(scores > 0) if positive_only else np.arange(len(scores))
    if len(rows) > n:
        rows = rows[np.argpartition(-scores[rows], n)[:n]]
    order = rows[np.argsort(-scores[rows], kind="stable")]
    return [(int(row), float(scores[row])) for row in order]
