"""An optional cross-encoder reranker (sentence-transformers `CrossEncoder`) for deployments with a GPU.

Off by default: `SHOPGUIDE_RETRIEVAL__RERANK_MODEL` names a local model directory (never fetched from a
hub). It reorders the first `rerank_candidates` hits of a search by the model's score of (query, product text);
the ranker's calibrated relevance, which the "not carried" decision reads, is left as it was.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.fusion import ProductHit
from retrieval.models import Product


class RerankerError(RuntimeError):
    """The configured cross-encoder cannot be loaded; the message names the setting."""


class CrossEncoderReranker:
    """Scores (query, product) pairs with a cross-encoder from a local directory, loaded on first use."""

    def __init__(self, path: str, device: str | None = None, max_chars: int = 512) -> None:
        self._path = Path(path)
        self._device = device
        self._max_chars = max_chars
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                if not self._path.is_dir():
                    raise RerankerError(f"{self._path}: no cross-encoder there (SHOPGUIDE_RETRIEVAL__RERANK_MODEL)")
                from sentence_transformers import CrossEncoder

                self._model = CrossEncoder(str(self._path), device=self._device, local_files_only=True)
            return self._model

    def _scores(self, query: str, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        pairs = [(query, text[: self._max_chars]) for text in texts]
        return np.asarray(model.predict(pairs, show_progress_bar=False), dtype=np.float64).reshape(len(pairs), -1)[
            :, -1
        ]

    async def rerank(self, query: str, hits: list[ProductHit], top: int) -> list[ProductHit]:
        """`hits` with the first `top` reordered by the cross-encoder (the rest keep their order)."""
        head, tail = hits[:top], hits[top:]
        if len(head) < 2:
            return hits
        scores = await asyncio.to_thread(self._scores, query, [pair_text(hit.product) for hit in head])
        order = np.argsort(-scores, kind="stable")
        return [head[i].model_copy(update={"score": float(scores[i])}) for i in order] + tail


def pair_text(product: Product) -> str:
    """What the cross-encoder reads of a product: its name, brand, category and description."""
    parts = [product.title, product.brand or "", " > ".join(product.category), product.description]
    return "\n".join(part for part in parts if part)
