"""Chroma collections holding the catalog's vectors: one per document kind, merchant and vector space.

An embedded `PersistentClient` under `data_dir/chroma` by default; an `HttpClient` when a Chroma host is
configured. A collection's name carries the embedder's name and dimension, so switching models starts
fresh collections instead of mixing vector spaces, and the merchant, so one merchant's writes and queries
can never reach another's documents. Vectors are always computed by us and passed in: Chroma's own
embedding function would try to download a model (STACK.md).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from pathlib import Path

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from retrieval.config import RetrievalConfig
from retrieval.models import DocumentKind

# Chroma rejects larger add/upsert batches (~5,461).
MAX_BATCH = 5000


class VectorStore:
    """Per-merchant vector collections; every method runs the blocking Chroma call in a thread."""

    def __init__(self, client: chromadb.api.ClientAPI, space: str) -> None:
        self._client = client
        self._space = space
        self._collections: dict[str, chromadb.Collection] = {}

    @classmethod
    async def open(cls, data_dir: Path, config: RetrievalConfig, embedder_name: str, dim: int) -> VectorStore:
        """Connect to the configured Chroma (embedded under `data_dir/chroma`, or the server at chroma_host)."""
        settings = ChromaSettings(anonymized_telemetry=False)
        if config.chroma_host:
            client = await asyncio.to_thread(
                chromadb.HttpClient, host=config.chroma_host, port=config.chroma_port, settings=settings
            )
        else:
            path = data_dir / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            client = await asyncio.to_thread(chromadb.PersistentClient, path=str(path), settings=settings)
        return cls(client, f"{embedder_name}-{dim}")

    def collection_name(self, kind: DocumentKind, merchant_id: str) -> str:
        merchant = hashlib.sha256(merchant_id.encode()).hexdigest()[:16]
        return f"sg-{kind}-{self._space}-{merchant}"

    async def upsert(
        self, kind: DocumentKind, merchant_id: str, ids: Sequence[str], vectors: np.ndarray, hashes: Sequence[str]
    ) -> None:
        """Write `vectors` under `ids`, remembering each document's text hash."""
        collection = await self._collection(kind, merchant_id)
        for start in range(0, len(ids), MAX_BATCH):
            end = start + MAX_BATCH
            await asyncio.to_thread(
                collection.upsert,
                ids=list(ids[start:end]),
                embeddings=vectors[start:end],
                metadatas=[{"hash": h} for h in hashes[start:end]],
            )

    async def delete(self, kind: DocumentKind, merchant_id: str, ids: Sequence[str]) -> None:
        collection = await self._collection(kind, merchant_id)
        for start in range(0, len(ids), MAX_BATCH):
            await asyncio.to_thread(collection.delete, ids=list(ids[start : start + MAX_BATCH]))

    async def hashes(self, kind: DocumentKind, merchant_id: str) -> dict[str, str]:
        """Every stored id with the text hash it was embedded from."""
        collection = await self._collection(kind, merchant_id)
        stored: dict[str, str] = {}
        offset = 0
        while True:
            page = await asyncio.to_thread(collection.get, include=["metadatas"], limit=MAX_BATCH, offset=offset)
            metadatas = page["metadatas"] or [{}] * len(page["ids"])
            stored.update(
                (id_, str((meta or {}).get("hash", ""))) for id_, meta in zip(page["ids"], metadatas, strict=True)
            )
            if len(page["ids"]) < MAX_BATCH:
                return stored
            offset += MAX_BATCH

    async def count(self, kind: DocumentKind, merchant_id: str) -> int:
        collection = await self._collection(kind, merchant_id)
        return await asyncio.to_thread(collection.count)

    async def query(self, kind: DocumentKind, merchant_id: str, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """The `n` nearest ids with their cosine similarity, best first."""
        collection = await self._collection(kind, merchant_id)
        result = await asyncio.to_thread(
            collection.query, query_embeddings=vector[None, :], n_results=n, include=["distances"]
        )
        distances = result["distances"] or [[]]
        return [(id_, 1.0 - distance) for id_, distance in zip(result["ids"][0], distances[0], strict=True)]

    async def close(self) -> None:
        self._collections.clear()

    async def _collection(self, kind: DocumentKind, merchant_id: str) -> chromadb.Collection:
        name = self.collection_name(kind, merchant_id)
        if name not in self._collections:
            self._collections[name] = await asyncio.to_thread(
                self._client.get_or_create_collection,
                name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"kind": kind, "merchant_id": merchant_id, "space": self._space},
            )
        return self._collections[name]
