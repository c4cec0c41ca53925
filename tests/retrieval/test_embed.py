"""Embedders: unit vectors in one space for Chinese and English, both backends, clear errors for bad models."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from retrieval.config import RetrievalConfig
from retrieval.embed import EmbedderError, load_embedder


async def test_default_embedder_is_multilingual_and_normalised(semantic_embedder) -> None:
    texts = ["红色跑步鞋", "red running shoes", "stainless steel frying pan"]
    vectors = await semantic_embedder.embed(texts)
    assert vectors.shape == (3, semantic_embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    similarity = vectors @ vectors.T
    # A Chinese query lands nearer its English translation than an unrelated product.
    assert similarity[0, 1] > similarity[0, 2] + 0.2


async def test_batches_give_the_same_vectors_and_report_progress(embedder) -> None:
    texts = [f"product number {i}" for i in range(7)]
    small_batches = copy.copy(embedder)
    small_batches.batch_size = 3
    calls: list[tuple[int, int]] = []
    batched = await small_batches.embed(texts, progress=lambda done, total: calls.append((done, total)))
    assert np.allclose(batched, await embedder.embed(texts), atol=1e-5)
    assert calls == [(3, 7), (6, 7), (7, 7)]


async def test_packaged_minilm_runs_through_sentence_transformers(minilm_embedder) -> None:
    minilm = minilm_embedder
    assert minilm.dim == 384 and minilm.name == "st-all-minilm-l6-v2"
    vectors = await minilm.embed(["a warm winter jacket", "a thick coat for cold weather", "a USB charging cable"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("", "needs a model"),
        ("packaged:no-such-model", "unknown packaged model"),
        (".", "not a sentence-transformers model directory"),
    ],
)
def test_bad_model_setting_names_the_variable(model: str, message: str) -> None:
    config = RetrievalConfig(embed_backend="sentence-transformers", embed_model=model)
    with pytest.raises(EmbedderError, match=message) as caught:
        load_embedder(config)
    assert "SHOPGUIDE_RETRIEVAL__EMBED_MODEL" in str(caught.value)


@pytest.mark.slow
def test_a_model_that_is_not_on_disk_is_never_downloaded() -> None:
    config = RetrievalConfig(embed_backend="sentence-transformers", embed_model="no-such-org/no-such-model")
    with pytest.raises(EmbedderError, match="SHOPGUIDE_RETRIEVAL__EMBED_MODEL"):
        load_embedder(config)
