"""How a product's naming words cover a query's words (`retrieval.wording.CatalogWords.coverage`)."""

from __future__ import annotations

import numpy as np

from retrieval.terms import QueryTerms
from retrieval.wording import CatalogWords

# Four catalog words on unit vectors: "kite" and "风筝" mean the same, "jacket" is unrelated, "mate40" is a model.
WORDS = ["kite", "风筝", "jacket", "mate40"]
VECTORS = np.array([[1.0, 0.0, 0.0], [0.96, 0.28, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=np.float32)
# Product rows: 0 = kite, 1 = 风筝, 2 = jacket, 3 = no words, 4 = mate40.
ROWS = [[0], [1], [2], [], [3]]


def _catalog() -> CatalogWords:
    starts = np.concatenate([[0], np.cumsum([len(r) for r in ROWS])]).astype(np.int64)
    ids = np.array([i for row in ROWS for i in row], dtype=np.int64)
    return CatalogWords(list(WORDS), VECTORS, ids, starts)


def _terms(*words: str) -> QueryTerms:
    return QueryTerms(tuple(words), np.ones(len(words)), len(words) - 1)


def test_a_word_covers_itself_a_synonym_partly_and_an_unrelated_word_not_at_all():
    terms = _terms("kite")
    cover = _catalog().coverage(terms, VECTORS[[0]], np.arange(5))
    assert cover[0, 0] == 1.0
    assert 0.8 < cover[0, 1] < 1.0  # 风筝: similarity 0.96, scaled above the unrelated level
    assert cover[0, 2] == 0.0 and cover[0, 3] == 0.0  # jacket; a product without words covers nothing


def test_a_model_name_counts_only_letter_for_letter():
    mate30 = np.array([[0.0, 0.999, 0.045]], dtype=np.float32)  # the encoder finds mate30 and mate40 alike
    cover = _catalog().coverage(_terms("mate30"), mate30, np.arange(5))
    assert cover[0, 4] == 0.0
    assert _catalog().coverage(_terms("mate40"), VECTORS[[3]], np.arange(5))[0, 4] == 1.0


def test_only_the_rows_asked_for_in_their_order():
    cover = _catalog().coverage(_terms("kite"), VECTORS[[0]], np.array([2, 0]))
    assert cover.shape == (1, 2) and cover[0, 0] == 0.0 and cover[0, 1] == 1.0
    assert _catalog().coverage(_terms("kite"), VECTORS[[0]], np.array([], dtype=np.int64)).shape == (1, 0)
