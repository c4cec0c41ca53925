"""Chroma vector store: per-merchant, per-vector-space collections, upsert/delete/query by key."""

from __future__ import annotations

import numpy as np

from retrieval.config import RetrievalConfig
from retrieval.store import VectorStore


def _unit(rows: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


async def test_upsert_query_delete_by_key(tmp_path) -> None:
    store = await VectorStore.open(tmp_path, RetrievalConfig(), "test-space", 8)
    vectors = _unit(3)
    await store.upsert("products", "shop-a", ["a", "b", "c"], vectors, ["ha", "hb", "hc"])
    hits = await store.query("products", "shop-a", vectors[1], 10)
    assert hits[0][0] == "b" and abs(hits[0][1] - 1.0) < 1e-4
    assert {id_ for id_, _ in hits} == {"a", "b", "c"}

    await store.upsert("products", "shop-a", ["a"], vectors[2:3], ["ha2"])
    await store.delete("products", "shop-a", ["b", "not-there"])
    assert await store.hashes("products", "shop-a") == {"a": "ha2", "c": "hc"}
    assert (tmp_path / "chroma").is_dir()


async def test_merchants_and_vector_spaces_never_share_a_collection(tmp_path) -> None:
    store = await VectorStore.open(tmp_path, RetrievalConfig(), "space-one", 8)
    await store.upsert("products", "shop-a", ["a"], _unit(1), ["h"])
    assert await store.query("products", "shop-b", _unit(1)[0], 5) == []
    assert await store.query("reviews", "shop-a", _unit(1)[0], 5) == []

    other_space = await VectorStore.open(tmp_path, RetrievalConfig(), "space-two", 8)
    assert await other_space.hashes("products", "shop-a") == {}
    assert store.collection_name("products", "shop-a") != other_space.collection_name("products", "shop-a")
