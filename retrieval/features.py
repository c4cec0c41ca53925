"""What the ranker knows about one candidate product for one query: features that mean the same in every
catalog (no product ids, no catalog words), so a model trained on some shops ranks another.

`CatalogSignals` holds what the features need beyond the searched documents, built once per catalog version
(BM25 over titles and over brand + category path, the encoder's vectors of the category paths, price
percentiles). `candidate_features` turns one query and its candidate rows into a float matrix, one column per
name in `FEATURES`, vectorised over the candidates (a search scores about a hundred of them).
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from retrieval.columns import ProductColumns
from retrieval.embed import Embedder
from retrieval.lexical import LexicalIndex, Tokenizer
from retrieval.names import NameMatcher
from retrieval.terms import SPECIFIC, QueryTerms
from retrieval.wording import CatalogWords

FEATURES: tuple[str, ...] = (
    "dense",  # cosine of query and product vectors
    "dense_gap",  # dense minus the best candidate's dense
    "dense_rank",  # 1 / (1 + rank) in the dense list, 0 when not in it
    "fusion",  # the reciprocal-rank fusion score, scaled to [0, 1]
    "bm25_log",  # log(1 + BM25) over the whole product text
    "bm25_rel",  # BM25 / the best candidate's BM25
    "bm25_rank",  # 1 / (1 + rank) in the BM25 list
    "title_bm25_log",
    "title_bm25_rel",
    "name_bm25_log",  # BM25 over brand + category path
    "title_coverage",  # share of the query's known words (weighted by IDF) in the title
    "text_coverage",  # the same over the whole product text
    "category_sim",  # cosine of the query and the product's category path
    "category_gap",
    "category_named",  # the query names one of the product's category levels
    "brand_named",  # the query names the product's brand
    "price_pct",  # the product's price percentile in the catalog (0.5 when unknown)
    "price_unknown",
    "rating",  # rating / 5 (0 when unknown)
    "rated",
    "reviews_log",  # log(1 + number of reviews)
    "review_bm25_log",  # the best BM25 of the query over the product's reviews
    "review_dense",  # the best cosine of the query and one of the product's reviews
    "in_stock",
    "query_known",  # share of the query's words that occur anywhere in the catalog
    "query_unknown_own_script",  # share of the query's words in the catalog's script that occur nowhere in it
    "query_unknown_rarity",  # the most specific such word, by its rarity in general language (0 = none)
    "dense_unknown_rarity",  # dense * query_unknown_rarity: only meaning can vouch for a word the shop never uses
    "query_words_log",
    "bm25_rel_known",  # bm25_rel * query_known: BM25 says little when the query's words are not the catalog's
    "dense_unknown",  # dense * (1 - query_known)
    "soft_coverage",  # share of the query's descriptive words (by specificity) the product's naming words cover
    "soft_head",  # how well the product's naming words cover the query's head word
    "soft_min",  # the least covered specific word of the query (1 when it has none)
    "level_sim",  # the best cosine of the query and one level of the product's category path
    "own_script",  # share of the query's descriptive words the catalog uses or written in its main script
    "novelty",  # the most novel word of the query (`CatalogWords.novelty`)
    # Word evidence counts only where the query is written in the catalog's script (else it is the encoder's):
    "coverage_own",  # soft_coverage * own_script
    "head_own",  # soft_head * own_script
    "min_own",  # soft_min * own_script
    "head_level",  # the best cosine of the query's head word and one level of the product's category path
    "novel_head",  # how novel the query's head word is (`CatalogWords.novelty`)
)


_HAN = re.compile(r"[\u4e00-\u9fff]")
RRF_K = 60  # the fusion feature's constant, as `RetrievalConfig.rrf_k` defaults


@dataclass
class Reviews:
    """A catalog version's reviews as the features read them: their BM25, vectors, and rows per SKU."""

    lexical: LexicalIndex
    vectors: np.ndarray
    rows_of: Mapping[str, list[int]]


@dataclass
class CatalogSignals:
    """Per-version catalog statistics the features use; `build` it once per catalog version."""

    title_index: LexicalIndex
    name_index: LexicalIndex  # brand + category path
    path_of_row: np.ndarray  # each product's category path (-1: none)
    path_vectors: np.ndarray
    price_pct: np.ndarray
    categories: NameMatcher
    brands: NameMatcher
    chinese: bool  # most titles are written in Chinese
    words: CatalogWords
    level_vectors: np.ndarray  # one per category level name
    level_ids: list[list[int]]  # each product's category levels

    @classmethod
    async def build(
        cls,
        columns: ProductColumns,
        embedder: Embedder,
        tokenizer: Tokenizer,
        known_words: Mapping[str, np.ndarray] | None = None,
    ) -> CatalogSignals:
        """The statistics of `columns`' products; `known_words` (an earlier version's word vectors) spares
        embedding the words again."""
        products = columns.products
        title_index, name_index = await asyncio.to_thread(
            lambda: (
                LexicalIndex.build(tokenizer, [p.title for p in products]),
                LexicalIndex.build(tokenizer, [" ".join([p.brand or "", *p.category]) for p in products]),
            )
        )
        paths: dict[str, int] = {}
        path_of_row = np.array(
            [paths.setdefault(" > ".join(p.category), len(paths)) if p.category else -1 for p in products],
            dtype=np.int64,
        )
        path_vectors = await embedder.embed(list(paths)) if paths else np.zeros((0, embedder.dim), dtype=np.float32)
        levels: dict[str, int] = {}
        level_ids = [[levels.setdefault(level, len(levels)) for level in p.category] for p in products]
        level_vectors = await embedder.embed(list(levels)) if levels else np.zeros((0, embedder.dim), dtype=np.float32)
        prices = columns.base_prices
        known = ~np.isnan(prices)
        price_pct = np.full(len(products), 0.5)
        if known.any():
            order = np.argsort(np.argsort(prices[known], kind="stable"), kind="stable")
            price_pct[known] = (order + 0.5) / known.sum()
        return cls(
            title_index,
            name_index,
            path_of_row,
            path_vectors,
            price_pct,
            NameMatcher(sorted({level for p in products for level in p.category})),
            NameMatcher(sorted({p.brand for p in products if p.brand} | set(columns.title_brands))),
            2 * sum(bool(_HAN.search(p.title)) for p in products) > len(products),
            await CatalogWords.build(products, embedder, tokenizer, known_words),
            level_vectors,
            level_ids,
        )


@dataclass
class Candidates:
    """The rows to describe, with their places in the dense and BM25 lists (row -> rank from 0)."""

    rows: np.ndarray
    dense_rank: Mapping[int, int]
    lexical_rank: Mapping[int, int]


@dataclass
class QueryView:
    """One query as the features read it."""

    text: str
    tokens: list[str]
    vector: np.ndarray
    terms: QueryTerms
    term_vectors: np.ndarray  # one per descriptive word
    rarity: Mapping[str, float] = field(default_factory=dict)  # token -> `Tokenizer.rarity`


def candidate_features(
    query: QueryView,
    candidates: Candidates,
    product_vectors: np.ndarray,
    lexical: LexicalIndex,
    columns: ProductColumns,
    signals: CatalogSignals,
    reviews: Reviews | None = None,
) -> np.ndarray:
    """The (len(rows), len(FEATURES)) feature matrix of the candidates for `query`."""
    rows = candidates.rows
    n = len(rows)
    out = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if n == 0:
        return out
    column = {name: i for i, name in enumerate(FEATURES)}

    def put(name: str, values: np.ndarray | float) -> None:
        out[:, column[name]] = values

    tokens = list(dict.fromkeys(query.tokens))
    weights = lexical.idf(tokens)
    known = float((weights > 0).mean()) if tokens else 0.0
    own = [t for t in tokens if bool(_HAN.match(t)) == signals.chinese]
    unknown = [t for t in own if not lexical.knows(t)]
    unknown_own = len(unknown) / len(own) if own else 0.0
    rarity = max((query.rarity.get(t, 0.0) for t in unknown), default=0.0)
    dense = product_vectors[rows] @ query.vector
    put("dense", dense)
    put("dense_gap", dense - dense.max())
    put("dense_rank", _reciprocal_ranks(candidates.dense_rank, rows))
    put("bm25_rank", _reciprocal_ranks(candidates.lexical_rank, rows))
    put(
        "fusion",
        (
            _reciprocal_ranks(candidates.dense_rank, rows, RRF_K)
            + _reciprocal_ranks(candidates.lexical_rank, rows, RRF_K)
        )
        * RRF_K
        / 2,
    )
    text_scores = lexical.token_scores(tokens, rows)
    bm25 = text_scores.sum(axis=0)
    put("bm25_log", np.log1p(bm25))
    put("bm25_rel", bm25 / bm25.max() if bm25.max() > 0 else 0.0)
    title_scores = signals.title_index.token_scores(tokens, rows)
    title = title_scores.sum(axis=0)
    put("title_bm25_log", np.log1p(title))
    put("title_bm25_rel", title / title.max() if title.max() > 0 else 0.0)
    put("name_bm25_log", np.log1p(signals.name_index.token_scores(tokens, rows).sum(axis=0)))
    if weights.sum() > 0:
        put("title_coverage", (weights @ (title_scores > 0)) / weights.sum())
        put("text_coverage", (weights @ (text_scores > 0)) / weights.sum())
    paths = signals.path_of_row[rows]
    if len(signals.path_vectors):
        similarity = np.where(paths >= 0, signals.path_vectors[np.maximum(paths, 0)] @ query.vector, 0.0)
        put("category_sim", similarity)
        put("category_gap", similarity - similarity.max())
    put("category_named", _named_rows(columns.category_rows(_names(signals.categories, query.text)), rows))
    put("brand_named", _named_rows(columns.brand_rows(_names(signals.brands, query.text)), rows))
    put("price_pct", signals.price_pct[rows])
    put("price_unknown", np.isnan(columns.prices[rows]))
    products = [columns.products[int(r)] for r in rows]
    put("rating", np.array([(p.rating or 0.0) / 5 for p in products]))
    put("rated", np.array([p.rating is not None for p in products]))
    put("in_stock", columns.in_stock[rows])
    if reviews is not None:
        _review_features(put, query, tokens, [p.sku for p in products], reviews)
    put("query_known", known)
    put("query_unknown_own_script", unknown_own)
    put("query_unknown_rarity", rarity)
    put("dense_unknown_rarity", dense * rarity)
    put("query_words_log", math.log1p(len(tokens)))
    out[:, column["bm25_rel_known"]] = out[:, column["bm25_rel"]] * known
    out[:, column["dense_unknown"]] = dense * (1 - known)
    _wording_features(put, query, rows, signals)
    return out


def _wording_features(
    put: Callable[[str, np.ndarray | float], None], query: QueryView, rows: np.ndarray, signals: CatalogSignals
) -> None:
    """How the candidates' naming words and category levels meet the query's descriptive words."""
    terms = query.terms
    levels = [signals.level_ids[int(r)] for r in rows]
    if len(signals.level_vectors):
        similarity = signals.level_vectors @ query.vector
        put("level_sim", np.array([float(similarity[ids].max()) if ids else 0.0 for ids in levels]))
    if terms.words and len(signals.level_vectors):
        head = signals.level_vectors @ query.term_vectors[terms.head]
        put("head_level", np.array([float(head[ids].max()) if ids else 0.0 for ids in levels]))
    if not terms.words:
        put("soft_coverage", 1.0)
        put("soft_head", 1.0)
        put("soft_min", 1.0)
        put("own_script", 1.0)
        put("coverage_own", 1.0)
        put("head_own", 1.0)
        put("min_own", 1.0)
        return
    coverage = signals.words.coverage(terms, query.term_vectors, rows)
    weights = terms.weights / terms.weights.sum() if terms.weights.sum() > 0 else np.full(len(terms.words), 1.0)
    put("soft_coverage", weights @ coverage)
    put("soft_head", coverage[terms.head])
    specific = terms.weights >= SPECIFIC
    put("soft_min", coverage[specific].min(axis=0) if specific.any() else 1.0)
    # A word the catalog uses, or one in its main script, can be looked for by its letters; another is the
    # encoder's to match (a mixed catalog names products in both scripts).
    own = float(
        np.mean(
            [signals.words.knows(w) or c == signals.chinese for w, c in zip(terms.words, terms.chinese, strict=True)]
        )
    )
    put("own_script", own)
    novelty = signals.words.novelty(terms, query.term_vectors, signals.chinese)
    put("novelty", float(novelty.max()))
    put("novel_head", float(novelty[terms.head]))
    put("coverage_own", own * (weights @ coverage))
    put("head_own", own * coverage[terms.head])
    put("min_own", own * (coverage[specific].min(axis=0) if specific.any() else 1.0))


def _reciprocal_ranks(ranks: Mapping[int, int], rows: np.ndarray, offset: int = 0) -> np.ndarray:
    return np.array([1.0 / (1 + offset + ranks[int(r)]) if int(r) in ranks else 0.0 for r in rows])


def _names(matcher: NameMatcher, text: str) -> list[str]:
    return list(dict.fromkeys(name for _, _, name in matcher.find(text)))


def _named_rows(named: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return np.isin(rows, named) if len(named) else np.zeros(len(rows), dtype=bool)


def _review_features(
    put: Callable[[str, np.ndarray | float], None],
    query: QueryView,
    tokens: list[str],
    skus: Sequence[str],
    reviews: Reviews,
) -> None:
    """Review evidence of each candidate: how many, and how well the best one speaks to the query."""
    owned = [reviews.rows_of.get(sku, []) for sku in skus]
    counts = np.array([len(rows) for rows in owned])
    put("reviews_log", np.log1p(counts))
    if not counts.sum():
        return
    flat = np.array([row for rows in owned for row in rows], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    has = counts > 0
    lexical = reviews.lexical.token_scores(tokens, flat).sum(axis=0)
    dense = reviews.vectors[flat] @ query.vector
    best_lexical, best_dense = np.zeros(len(skus)), np.zeros(len(skus))
    best_lexical[has] = np.maximum.reduceat(lexical, starts[has])
    best_dense[has] = np.maximum.reduceat(dense, starts[has])
    put("review_bm25_log", np.log1p(best_lexical))
    put("review_dense", best_dense)
