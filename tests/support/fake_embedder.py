"""A deterministic, model-free embedder for tests that need vectors but not the encoder's sense of meaning.

Text is NFKC-normalised and lower-cased; Latin words give the word and its character trigrams, Chinese runs
give their characters and character bigrams (no jieba); each feature is hashed (crc32, stable across runs
and processes) into a fixed number of signed buckets, and the vector is L2-normalised by `Embedder`. Texts
that share words or Chinese bigrams get similar vectors; unrelated texts are near orthogonal. It knows no
synonyms and no translations: a test of cross-language search or of relevance uses the real encoder.
"""

from __future__ import annotations

import re
import unicodedata
import zlib

import numpy as np

from retrieval.embed import Embedder

_LATIN = re.compile(r"[a-z0-9]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


class HashingEmbedder(Embedder):
    """Hashed word/character n-grams in `dim` dimensions; a whole word counts twice its trigrams."""

    name = "test-hashing"

    def __init__(self, dim: int = 256, batch_size: int = 256) -> None:
        super().__init__(batch_size)
        self.dim = dim

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, weight in _features(text):
                code = zlib.crc32(feature.encode())
                vectors[row, code % self.dim] += weight if code & 0x80000000 else -weight
        return vectors


def _features(text: str) -> list[tuple[str, float]]:
    text = unicodedata.normalize("NFKC", text).lower()
    features: list[tuple[str, float]] = []
    for word in _LATIN.findall(text):
        features.append(("w:" + word, 1.0))
        padded = f"#{word}#"
        features += [("t:" + padded[i : i + 3], 0.5) for i in range(len(padded) - 2)]
    for run in _HAN.findall(text):
        features += [("c:" + char, 0.5) for char in run]
        features += [("b:" + run[i : i + 2], 1.0) for i in range(len(run) - 1)]
    return features
