"""The words a catalog names its products with (titles, brands, category paths), their vectors, and how well a
product's words cover the words of a query: the answer model's evidence that a product is the kind of thing asked
for, in either language.

A query word covers itself (in normal form, `terms.normal`); otherwise the product's nearest word by meaning
stands in for it, with that similarity as a partial cover ("行李箱" against "拉杆箱", "kite" against "风筝"). A
query word the catalog never uses, and whose nearest catalog word is far from it, is *novel* ("trampoline" in a
toy shop without one): strong evidence that the shop does not sell what was asked for. Numbers and model names
count only letter for letter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from retrieval.embed import Embedder
from retrieval.lexical import Tokenizer
from retrieval.models import Product
from retrieval.terms import QueryTerms, normal

UNRELATED = 0.5  # words less similar than this share nothing (unrelated words of the encoder score about 0.4)


@dataclass
class CatalogWords:
    """One catalog version's naming words: `words[i]` has vector `vectors[i]`; product row r uses the word ids
    `ids[starts[r]:starts[r + 1]]`."""

    words: list[str]
    vectors: np.ndarray
    ids: np.ndarray
    starts: np.ndarray
    position: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.position = {word: i for i, word in enumerate(self.words)}

    def knows(self, word: str) -> bool:
        return word in self.position

    @classmethod
    async def build(
        cls,
        products: Sequence[Product],
        embedder: Embedder,
        tokenizer: Tokenizer,
        known: Mapping[str, np.ndarray] | None = None,
    ) -> CatalogWords:
        """The words of `products`; vectors of words in `known` (an earlier version's) are reused."""
        index: dict[str, int] = {}
        rows = []
        for product in products:
            text = " ".join([product.title, product.brand or "", *product.category])
            rows.append(
                [index.setdefault(normal(token), len(index)) for token in dict.fromkeys(tokenizer.tokens(text))]
            )
        words = list(index)
        vectors = np.zeros((len(words), embedder.dim), dtype=np.float32)
        known = known or {}
        new = [i for i, word in enumerate(words) if word not in known]
        for i, word in enumerate(words):
            if word in known:
                vectors[i] = known[word]
        if new:
            vectors[new] = await embedder.embed([words[i] for i in new])
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        ids = np.array([i for r in rows for i in r], dtype=np.int64)
        return cls(words, vectors, ids, starts)

    def vector_of(self) -> dict[str, np.ndarray]:
        """word -> vector, for the next version's `build`."""
        return dict(zip(self.words, self.vectors, strict=True))

    def coverage(self, terms: QueryTerms, term_vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(terms, rows): 1 where the product's words include the term, else how far the similarity of its
        nearest word to the term rises above `UNRELATED`, scaled to [0, 1]; rows without words cover nothing."""
        out = np.zeros((len(terms.words), len(rows)))
        if not len(terms.words) or not len(rows) or not len(self.words):
            return out
        counts = self.starts[rows + 1] - self.starts[rows]
        has = counts > 0
        if not has.any():
            return out
        flat = np.concatenate([self.ids[self.starts[r] : self.starts[r + 1]] for r in rows[has]])
        # Only the words these rows use: a catalog has tens of thousands, a search's candidates a few hundred.
        used, column = np.unique(flat, return_inverse=True)
        similarity = np.clip((term_vectors @ self.vectors[used].T - UNRELATED) / (1 - UNRELATED), 0.0, 1.0)
        similarity[terms.literal] = 0.0
        for i, word in enumerate(terms.words):
            at = np.searchsorted(used, self.position.get(word, -1))
            if at < len(used) and used[at] == self.position.get(word):
                similarity[i, at] = 1.0
        offsets = np.concatenate([[0], np.cumsum(counts[has])[:-1]])
        out[:, has] = np.maximum.reduceat(similarity[:, column], offsets, axis=1)
        return out

    def novelty(self, terms: QueryTerms, term_vectors: np.ndarray, chinese: bool) -> np.ndarray:
        """Per query word, how novel it is to the catalog: 0 for a word the catalog uses or one in the other
        script (the encoder's to judge), else its specificity times how far the nearest catalog word is from it
        (its whole specificity for a number or model name, which only the same word matches)."""
        novel = np.zeros(len(terms.words))
        if not len(self.words):
            return novel
        literal = terms.literal
        for i, word in enumerate(terms.words):
            if word in self.position or bool(terms.chinese[i]) != chinese:
                continue
            nearest = 0.0 if literal[i] else float((self.vectors @ term_vectors[i]).max())
            novel[i] = float(terms.weights[i]) * max(0.0, 1.0 - nearest)
        return novel
