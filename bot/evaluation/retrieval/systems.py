"""The systems `shopguide eval retrieval` compares, each answering one judged query:

- `assistant`: what a customer who sends the query as a first message is shown, by the assistant's own code:
  `understand` (with the intent classifier, as the assistant reads a message), then for a search `find_products` (the "does the shop sell this?" check, hard constraints,
  ranking, and the no-match decision); a question about a named product shows that product. `no_match` is
  what the assistant says: that nothing matches (or the brand is not carried, or the shop sells nothing like it).
- `fusion`, `learned`, `dense`: the query parsed as the assistant parses it, searched with its hard filters,
  ordered by reciprocal-rank fusion, by the learned ranker, or by the encoder alone; nothing is decided, so
  `no_match` is an empty list.
- `bm25`: the baseline, plain BM25 (jieba for Chinese) over title + brand + category + description of the same
  products, with the query as written: no parsing, no filters, no variant grouping.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from bot.core.dialog import DialogState
from bot.core.intent_model import message_vector
from bot.core.intents.recommend import find_products
from bot.core.lookups import CatalogLookups
from bot.core.understand import understand
from bot.evaluation.retrieval.dataset import EvalQuery
from bot.evaluation.retrieval.metrics import RECALL_DEPTH, QueryResult
from retrieval.index import ProductHit, Shop
from retrieval.lexical import LexicalIndex, Tokenizer
from retrieval.models import Product
from retrieval.query import Vocabulary, parse_query

System = Literal["assistant", "learned", "fusion", "dense", "bm25"]
SYSTEMS: tuple[System, ...] = ("assistant", "learned", "fusion", "dense", "bm25")


class PlainBM25:
    """The baseline: BM25 over each product's title, brand, category and description."""

    def __init__(self, products: Sequence[Product], tokenizer: Tokenizer) -> None:
        self._skus = [p.sku for p in products]
        self._tokenizer = tokenizer
        texts = [" ".join([p.title, p.brand or "", " ".join(p.category), p.description]) for p in products]
        self._index = LexicalIndex.build(tokenizer, texts)

    def search(self, text: str, k: int) -> list[list[str]]:
        scores = self._index.scores(self._tokenizer.tokens(text))
        rows = np.flatnonzero(scores > 0)
        order = rows[np.argsort(-scores[rows], kind="stable")][:k]
        return [[self._skus[int(row)]] for row in order]


class Runner:
    """Answers judged queries as each system would, on one ingested shop."""

    def __init__(self, shop: Shop, vocabulary: Vocabulary, baseline: PlainBM25) -> None:
        self._shop = shop
        self._vocabulary = vocabulary
        self._baseline = baseline
        self._catalog = CatalogLookups(shop)

    async def answer(self, system: System, query: EvalQuery) -> QueryResult:
        if system == "bm25":
            return QueryResult(
                query_id=query.id, results=self._baseline.search(query.text, RECALL_DEPTH), no_match=False
            )
        if system == "assistant":
            return await self._assistant(query)
        parsed = parse_query(query.text, self._vocabulary)
        hits = await self._shop.search(parsed.text, parsed.filters, RECALL_DEPTH, sort=parsed.sort, mode=system)
        return QueryResult(query_id=query.id, results=_groups(hits), no_match=not hits)

    async def _assistant(self, query: EvalQuery) -> QueryResult:
        vector = await message_vector(query.text, self._shop.embedder)
        asked = understand(query.text, DialogState(language=query.lang), [], self._vocabulary, vector=vector)
        result = QueryResult(query_id=query.id, results=[], no_match=False, intent=asked.intent)
        if asked.intent in ("search", "refine"):
            found = await find_products(self._catalog, asked.constraints, asked.topic, asked.language, RECALL_DEPTH)
            result.results = found.groups
            result.no_match = not found.matched
        elif asked.intent in ("product_question", "reviews"):
            product = await self._catalog.named_product(asked.constraints, asked.topic)
            result.results = [[product.sku]] if product else []
            result.no_match = product is None and not asked.constraints.is_empty()
        return result


def _groups(hits: Sequence[ProductHit]) -> list[list[str]]:
    return [[hit.product.sku, *hit.variants] for hit in hits]
