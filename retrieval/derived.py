"""What is derived from a catalog snapshot: vectors (cached on disk, mirrored in Chroma) and the BM25 index.

`DerivedIndexes.build` turns one kind of one merchant's records into the searchable `Documents`: vectors
come from the snapshot's saved file, from the previous version (keyed by the hash of the embedded text, so
unchanged rows and price or stock edits embed nothing), or from the embedder; BM25 is loaded or rebuilt
beside them. When it replaces a previous version it also brings Chroma in step while the encoder works:
a background writer upserts each chunk as it arrives, then deletes what is gone. `restore` puts Chroma
back to given documents (after a failed apply, or on reconcile). Files live under
`<merchant dir>/derived/`, named after the snapshot they came from.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.embed import Embedder
from retrieval.lexical import LexicalIndex, Tokenizer
from retrieval.models import DOCUMENT_KINDS, DocumentKind, Policy, Product, Review
from retrieval.search import Documents
from retrieval.store import VectorStore

Record = Product | Review | Policy
Progress = Callable[[int, int], None]

# Texts encoded between two Chroma writes: big enough to amortise a write, small enough to overlap well.
_EMBED_CHUNK = 512


@dataclass(frozen=True)
class Source:
    """One kind of one merchant's documents as of a snapshot (None = none uploaded), and where its files go."""

    merchant_id: str
    kind: DocumentKind
    snapshot: str | None
    directory: Path

    @property
    def base(self) -> Path:
        """The derived files' path without suffix: `<directory>/derived/<snapshot stem>`."""
        return self.directory / "derived" / derived_stem(self.kind, self.snapshot)


def derived_stem(kind: DocumentKind, snapshot: str | None) -> str:
    return Path(snapshot).stem if snapshot else f"{kind}-empty"


def document_text(record: Record) -> str:
    """What is embedded and BM25-indexed for a record. Price and stock stay out: they are filters."""
    if isinstance(record, Product):
        attributes = " ".join(f"{name} {value}" for name, value in record.attributes.items())
        parts = [record.title, record.brand or "", " > ".join(record.category), record.description, attributes]
    elif isinstance(record, Review):
        parts = [record.text]
    else:
        parts = [record.title, record.text]
    return "\n".join(part for part in parts if part)


class DerivedIndexes:
    """Builds and restores the vectors, Chroma collections and BM25 indexes of catalog snapshots."""

    def __init__(self, embedder: Embedder, store: VectorStore, tokenizer: Tokenizer) -> None:
        self._embedder = embedder
        self._store = store
        self._tokenizer = tokenizer
        # Saved vectors are only reused by the model that computed them.
        self._space = f"{embedder.name}-{embedder.dim}"

    async def build(
        self,
        source: Source,
        records: Sequence[Record],
        previous: Documents | None = None,
        progress: Progress | None = None,
    ) -> Documents:
        """The searchable documents of `records`.

        With `previous` (what Chroma holds now), its vectors are reused and Chroma is brought in step as
        vectors arrive, so its writes overlap the encoding of the next chunk instead of following all of it.
        Without it, Chroma is not touched (see `restore`).
        """
        if not records and previous is None:
            empty = np.empty((0, self._embedder.dim), dtype=np.float32)
            return Documents(source.kind, source.merchant_id, [], [], empty, LexicalIndex(None, 0))
        texts = [document_text(r) for r in records]
        hashes = [_text_hash(t) for t in texts]
        keys = [_doc_id(r) for r in records]
        stamp = source.snapshot or ""
        lexical = await asyncio.to_thread(LexicalIndex.load, source.base.with_suffix(".bm25"), stamp)
        if lexical is None and previous is not None and previous.hashes == hashes:
            lexical = previous.lexical
        lexical_build = None
        if lexical is None:
            lexical_build = asyncio.ensure_future(asyncio.to_thread(LexicalIndex.build, self._tokenizer, texts))
        cached = await asyncio.to_thread(_load_vectors, source.base.with_suffix(".npz"), self._space)
        known = {**cached, **(dict(zip(previous.hashes, previous.vectors, strict=True)) if previous else {})}
        stored = dict(zip(previous.keys, previous.hashes, strict=True)) if previous is not None else None
        writer = _StoreWriter(self._store, source, keys, hashes, stored)
        try:
            missing = await self._embed_missing(texts, hashes, known, writer, progress)
            if lexical_build is not None:
                lexical = await lexical_build
        finally:
            await writer.settle()
            if lexical_build is not None and not lexical_build.done():
                await asyncio.wait([lexical_build])
        assert lexical is not None  # loaded, reused or built above
        vectors = np.array([known[h] for h in hashes], dtype=np.float32).reshape(len(hashes), self._embedder.dim)
        if lexical_build is not None:
            await asyncio.to_thread(lexical.save, source.base.with_suffix(".bm25"), stamp)
        if not cached or missing:
            await asyncio.to_thread(_save_vectors, source.base.with_suffix(".npz"), self._space, hashes, vectors)
        return Documents(source.kind, source.merchant_id, keys, hashes, vectors, lexical)

    async def _embed_missing(
        self,
        texts: list[str],
        hashes: list[str],
        known: dict[str, np.ndarray],
        writer: _StoreWriter,
        progress: Progress | None,
    ) -> int:
        """Embed the texts whose hash is not in `known` (adding them), feeding `writer`; returns how many."""
        rows_of: dict[str, list[int]] = {}
        for row, h in enumerate(hashes):
            rows_of.setdefault(h, []).append(row)
        missing = [h for h in rows_of if h not in known]
        writer.send([row for h, rows in rows_of.items() if h in known for row in rows], known)
        for start in range(0, len(missing), _EMBED_CHUNK):
            chunk = missing[start : start + _EMBED_CHUNK]
            chunk_progress = None if progress is None else _offset(progress, start, len(missing))
            fresh = await self._embedder.embed([texts[rows_of[h][0]] for h in chunk], chunk_progress)
            known.update(zip(chunk, fresh, strict=True))
            writer.send([row for h in chunk for row in rows_of[h]], known)
        await writer.finish()
        if not missing and progress is not None:
            progress(len(texts), len(texts))
        return len(missing)

    async def restore(self, docs: Documents) -> None:
        """Make the Chroma collection hold exactly `docs`, writing only what differs."""
        stored = await self._store.hashes(docs.kind, docs.merchant_id)
        rows = [row for row, (key, h) in enumerate(zip(docs.keys, docs.hashes, strict=True)) if stored.get(key) != h]
        gone = [key for key in stored if key not in docs.row_of]
        if rows:
            await self._store.upsert(
                docs.kind,
                docs.merchant_id,
                [docs.keys[row] for row in rows],
                docs.vectors[rows],
                [docs.hashes[row] for row in rows],
            )
        if gone:
            await self._store.delete(docs.kind, docs.merchant_id, gone)

    async def out_of_step(self, docs: Documents) -> bool:
        """Whether Chroma holds a different number of documents (a fresh server, a new embedding model)."""
        return await self._store.count(docs.kind, docs.merchant_id) != len(docs)

    def prune(self, directory: Path, keep: Iterable[tuple[DocumentKind, str | None]]) -> None:
        """Delete the derived files under `directory` except those of the `keep` (kind, snapshot) pairs
        and of the empty catalog (blocking)."""
        kept = {derived_stem(kind, snapshot) for kind, snapshot in keep}
        kept |= {derived_stem(kind, None) for kind in DOCUMENT_KINDS}
        for path in (directory / "derived").glob("*"):
            if path.name.split(".", 1)[0] not in kept:
                shutil.rmtree(path) if path.is_dir() else path.unlink()


class _StoreWriter:
    """Upserts rows into Chroma in the background, one write in flight, then deletes what is gone.

    `stored` is what Chroma holds now (id -> text hash); None = leave Chroma alone.
    """

    def __init__(
        self, store: VectorStore, source: Source, keys: list[str], hashes: list[str], stored: dict[str, str] | None
    ) -> None:
        self._store, self._kind, self._merchant_id = store, source.kind, source.merchant_id
        self._keys, self._hashes, self._stored = keys, hashes, stored
        self._in_flight: asyncio.Future[None] | None = None
        self._queue: list[int] = []
        self._vectors: dict[str, np.ndarray] = {}

    def send(self, rows: list[int], vectors: dict[str, np.ndarray]) -> None:
        """Queue `rows` (whose vectors are in `vectors`) and start a write when none is running."""
        if self._stored is None:
            return
        self._vectors = vectors
        self._queue += [row for row in rows if self._stored.get(self._keys[row]) != self._hashes[row]]
        if self._queue and (self._in_flight is None or self._in_flight.done()):
            self._start()

    async def finish(self) -> None:
        if self._stored is None:
            return
        while self._in_flight is not None:
            await self._in_flight
            self._in_flight = None
            if self._queue:
                self._start()
        present = set(self._keys)
        gone = [key for key in self._stored if key not in present]
        if gone:
            await self._store.delete(self._kind, self._merchant_id, gone)

    async def settle(self) -> None:
        """Wait for a write still running (after a failure), so a restore sees Chroma at rest."""
        if self._in_flight is not None:
            await asyncio.wait([self._in_flight])
            if not self._in_flight.cancelled():
                self._in_flight.exception()  # retrieved: the failure that matters is already propagating

    def _start(self) -> None:
        if self._in_flight is not None:
            self._in_flight.result()  # a failed write stops the apply here
        rows, self._queue = self._queue, []
        vectors = self._vectors
        self._in_flight = asyncio.ensure_future(
            self._store.upsert(
                self._kind,
                self._merchant_id,
                [self._keys[row] for row in rows],
                np.array([vectors[self._hashes[row]] for row in rows], dtype=np.float32),
                [self._hashes[row] for row in rows],
            )
        )


def _offset(progress: Progress, done_before: int, total: int) -> Progress:
    return lambda done, _: progress(done_before + done, total)


def _doc_id(record: Record) -> str:
    # Collections are per merchant already: the id is the key within the merchant.
    return record.key.split(":", 1)[1]


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _load_vectors(path: Path, space: str) -> dict[str, np.ndarray]:
    """The vectors saved at `path` by hash, if they were computed in `space` (else none)."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            if str(saved["space"]) != space:
                return {}
            return dict(zip(saved["hashes"].tolist(), saved["vectors"].astype(np.float32), strict=True))
    except (OSError, KeyError, ValueError):
        return {}


def _save_vectors(path: Path, space: str, hashes: list[str], vectors: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(path.name + ".tmp.npz")
    np.savez(staging, space=np.array(space), hashes=np.array(hashes, dtype="U32"), vectors=vectors.astype(np.float16))
    os.replace(staging, path)
