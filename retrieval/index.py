"""`CatalogIndex`: the one facade over versioned catalogs, Chroma, BM25 and hybrid search.

Each merchant's catalog is a list of versions. A version names one JSONL snapshot per document kind;
snapshots and a manifest live under `data_dir/catalog/<merchant digest>/`, and the manifest is replaced by
an atomic rename, which is the moment a new version takes effect. Vectors (Chroma, plus an in-memory
copy cached on disk per snapshot) and BM25 indexes are derived from the current version: an apply builds
them for the new snapshot, and if anything fails before the manifest is renamed the Chroma collections
are put back as they were, so the previous version stays in force. A `pending` marker left by a crash
makes the next load reconcile Chroma with the manifest.

Vectors are keyed by a hash of the embedded text, so unchanged rows (and price or stock edits, which do
not change the text) re-embed nothing. Writes take one lock per merchant; reads never wait for them.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import os
import shutil
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from retrieval.catalog import ParsedFile, RowError, parse_catalog_file
from retrieval.config import RetrievalConfig
from retrieval.embed import Embedder, open_embedder
from retrieval.lexical import LexicalIndex, Tokenizer
from retrieval.models import DocumentKind, Policy, Product, Review
from retrieval.query import SearchFilters, SortOrder, Vocabulary
from retrieval.search import (
    Documents,
    HybridSearcher,
    PolicyHit,
    ProductColumns,
    ProductHit,
    ReviewHit,
    SearchMode,
)
from retrieval.store import VectorStore

__all__ = [
    "CatalogError",
    "CatalogIndex",
    "CatalogStats",
    "CatalogVersion",
    "Shop",
    "PolicyHit",
    "ProductHit",
    "ReviewHit",
    "UploadReport",
]

KINDS: tuple[DocumentKind, ...] = ("products", "reviews", "policies")
Record = Product | Review | Policy
Progress = Callable[[int, int], None]


class CatalogError(ValueError):
    """A catalog request that cannot be carried out; the message says why and what to do."""


class CatalogVersion(BaseModel):
    """One state of a merchant's catalog.

    `previous` is what `rollback` returns to: 0 = the empty catalog before the first upload, None = nothing.
    """

    merchant_id: str
    version: int
    created_at: datetime
    action: Literal["upload", "rollback", "set_price", "set_stock", "delete_product"]
    kind: DocumentKind | None = None
    note: str = ""
    counts: dict[DocumentKind, int]
    previous: int | None


class CatalogStats(BaseModel):
    merchant_id: str
    version: int = Field(description="0 = nothing uploaded yet.")
    updated_at: datetime | None
    products: int
    in_stock: int
    reviews: int
    policies: int
    categories: int
    brands: int
    embedder: str


class UploadReport(BaseModel):
    """What an upload would do, checked against the catalog version it was validated on."""

    merchant_id: str
    kind: DocumentKind
    filename: str
    parsed: ParsedFile
    rejected: list[RowError] = Field(
        description="The parser's rejected rows plus the index's (reviews of unknown SKUs)."
    )
    base_version: int
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    version: int | None = Field(None, description="The catalog version this upload became, once applied.")

    @property
    def ok(self) -> bool:
        return not self.parsed.errors and not self.rejected

    @property
    def accepted(self) -> int:
        return len(self.parsed.records)


class _ManifestEntry(CatalogVersion):
    snapshots: dict[DocumentKind, str | None]


class _Manifest(BaseModel):
    merchant_id: str
    current: int = 0
    versions: list[_ManifestEntry] = Field(default_factory=list)

    def entry(self, version: int) -> _ManifestEntry | None:
        return next((e for e in self.versions if e.version == version), None)

    @property
    def next_version(self) -> int:
        return max((e.version for e in self.versions), default=0) + 1


@dataclass
class _MerchantState:
    manifest: _Manifest
    records: dict[DocumentKind, list] = field(default_factory=dict)
    docs: dict[DocumentKind, Documents] = field(default_factory=dict)
    columns: ProductColumns | None = None
    sku_rows: dict[str, int] = field(default_factory=dict)
    review_rows: dict[str, list[int]] = field(default_factory=dict)

    @property
    def current(self) -> _ManifestEntry | None:
        return self.manifest.entry(self.manifest.current)


class CatalogIndex:
    """Versioned catalogs per merchant with hybrid search over them. Every method is async."""

    def __init__(
        self, data_dir: Path, config: RetrievalConfig, embedder: Embedder, store: VectorStore, tokenizer: Tokenizer
    ) -> None:
        self._root = data_dir / "catalog"
        self._config = config
        self._embedder = embedder
        self._store = store
        self._tokenizer = tokenizer
        self._searcher = HybridSearcher(store, embedder, tokenizer, config)
        self._states: dict[str, _MerchantState] = {}
        self._write_locks: dict[str, asyncio.Lock] = {}
        self._load_lock = asyncio.Lock()

    @classmethod
    async def open(cls, data_dir: Path, config: RetrievalConfig, embedder: Embedder | None = None) -> CatalogIndex:
        """Open (or create) the catalog under `data_dir`; loads the embedder unless one is passed."""
        data_dir = Path(data_dir)
        embedder = embedder or await open_embedder(config)
        store = await VectorStore.open(data_dir, config, embedder.name, embedder.dim)
        tokenizer = await asyncio.to_thread(Tokenizer)
        return cls(data_dir, config, embedder, store, tokenizer)

    async def close(self) -> None:
        await self._store.close()
        self._states.clear()

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    async def merchant(self, merchant_id: str) -> Shop:
        """The handle on one merchant's catalog (created empty on its first upload)."""
        _check_merchant_id(merchant_id)
        await self._state(merchant_id)
        return Shop(self, merchant_id)

    # --- versions, snapshots and derived indexes ------------------------------------------------

    def _write_lock(self, merchant_id: str) -> asyncio.Lock:
        return self._write_locks.setdefault(merchant_id, asyncio.Lock())

    def _dir(self, merchant_id: str) -> Path:
        return self._root / hashlib.sha256(merchant_id.encode()).hexdigest()[:16]

    async def _state(self, merchant_id: str) -> _MerchantState:
        if merchant_id in self._states:
            return self._states[merchant_id]
        async with self._load_lock:
            if merchant_id not in self._states:
                self._states[merchant_id] = await self._load(merchant_id)
        return self._states[merchant_id]

    async def _load(self, merchant_id: str) -> _MerchantState:
        directory = self._dir(merchant_id)
        manifest_path = directory / "manifest.json"
        if manifest_path.exists():
            manifest = _Manifest.model_validate_json(await asyncio.to_thread(manifest_path.read_text))
        else:
            manifest = _Manifest(merchant_id=merchant_id)
        state = _MerchantState(manifest)
        current = state.current
        pending = (directory / "pending").exists()
        for kind in KINDS:
            snapshot = current.snapshots.get(kind) if current else None
            records = await self._read_snapshot(merchant_id, snapshot)
            docs = await self._derive(merchant_id, kind, snapshot, records, {}, None)
            # An unknown merchant (no manifest, no interrupted first upload) touches neither Chroma nor disk.
            if pending or (current is not None and await self._stored_count_differs(docs)):
                await self._sync_store(docs, await self._store.hashes(kind, merchant_id))
            self._install(state, kind, records, docs)
        if pending:
            (directory / "pending").unlink()
        return state

    async def _stored_count_differs(self, docs: Documents) -> bool:
        # A fresh Chroma server or a new embedding model starts with empty collections.
        return await self._store.count(docs.kind, docs.merchant_id) != len(docs)

    def _install(self, state: _MerchantState, kind: DocumentKind, records: list, docs: Documents) -> None:
        state.records[kind] = records
        state.docs[kind] = docs
        if kind == "products":
            state.columns = ProductColumns(records)
            state.sku_rows = {p.sku: row for row, p in enumerate(records)}
        if kind == "reviews":
            state.review_rows = {}
            for row, review in enumerate(records):
                state.review_rows.setdefault(review.sku, []).append(row)

    async def _commit(
        self,
        state: _MerchantState,
        changes: dict[DocumentKind, list],
        action: str,
        kind: DocumentKind | None,
        note: str,
        progress: Progress | None,
        *,
        previous: int | None | Literal["current"] = "current",
        snapshots: dict[DocumentKind, str | None] | None = None,
    ) -> _ManifestEntry:
        """Write the snapshots of `changes`, rebuild what derives from them and switch versions, all or nothing."""
        merchant_id = state.manifest.merchant_id
        directory = self._dir(merchant_id)
        if "products" in changes:
            # Kept grouped by category path, so a category filter selects a run of rows (see search.py).
            changes = {**changes, "products": sorted(changes["products"], key=lambda p: p.category)}
        current = state.current
        version = state.manifest.next_version
        new_snapshots = dict(current.snapshots) if current else {k: None for k in KINDS}
        if snapshots is not None:
            new_snapshots = snapshots
        written: list[Path] = []
        derived: dict[DocumentKind, Documents] = {}
        touched: list[DocumentKind] = []
        await asyncio.to_thread((directory / "snapshots").mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread((directory / "pending").write_text, str(version))
        try:
            for changed_kind, records in changes.items():
                if snapshots is None:
                    name = f"{changed_kind}-{version}.jsonl"
                    await asyncio.to_thread(_write_jsonl, directory / "snapshots" / name, records)
                    written.append(directory / "snapshots" / name)
                    new_snapshots[changed_kind] = name
                old_docs = state.docs[changed_kind]
                touched.append(changed_kind)
                derived[changed_kind] = await self._derive(
                    merchant_id,
                    changed_kind,
                    new_snapshots[changed_kind],
                    records,
                    dict(zip(old_docs.hashes, old_docs.vectors)),
                    progress,
                    old_docs,
                    stored=dict(zip(old_docs.keys, old_docs.hashes)),
                )
            entry = _ManifestEntry(
                merchant_id=merchant_id,
                version=version,
                created_at=datetime.now(UTC),
                action=action,
                kind=kind,
                note=note,
                counts={k: len(changes[k]) if k in changes else len(state.records[k]) for k in KINDS},
                previous=state.manifest.current if previous == "current" else previous,
                snapshots=new_snapshots,
            )
            manifest = state.manifest.model_copy(
                update={
                    "current": version,
                    "versions": [*state.manifest.versions, entry][-self._config.keep_versions :],
                }
            )
            await asyncio.to_thread(_write_atomic, directory / "manifest.json", manifest.model_dump_json(indent=1))
        except BaseException:
            for touched_kind in touched:
                old_docs = state.docs[touched_kind]
                await self._sync_store(old_docs, await self._store.hashes(touched_kind, merchant_id))
            for path in written:
                path.unlink(missing_ok=True)
            (directory / "pending").unlink(missing_ok=True)
            raise
        state.manifest = manifest
        for changed_kind, docs in derived.items():
            self._install(state, changed_kind, changes[changed_kind], docs)
        (directory / "pending").unlink(missing_ok=True)
        await asyncio.to_thread(self._prune, state)
        return entry

    async def _derive(
        self,
        merchant_id: str,
        kind: DocumentKind,
        snapshot: str | None,
        records: Sequence[Record],
        reuse: dict[str, np.ndarray],
        progress: Progress | None,
        previous: Documents | None = None,
        stored: dict[str, str] | None = None,
    ) -> Documents:
        """Vectors and BM25 for `records`: from the snapshot's saved files, reused vectors, or computed.

        With `stored` (what Chroma holds now: id -> text hash), Chroma is brought in step as vectors
        arrive, so its writes overlap the encoding of the next chunk instead of following all of it.
        """
        if not records and stored is None:
            empty = np.empty((0, self._embedder.dim), dtype=np.float32)
            return Documents(kind, merchant_id, keys=[], hashes=[], vectors=empty, lexical=LexicalIndex(None, 0))
        texts = [document_text(r) for r in records]
        hashes = [_text_hash(t) for t in texts]
        keys = [_doc_id(r) for r in records]
        base = self._dir(merchant_id) / "derived" / (snapshot or f"{kind}-empty")
        lexical = await asyncio.to_thread(LexicalIndex.load, base.with_suffix(".bm25"), snapshot or "")
        lexical_build = None
        if lexical is None and previous is not None and previous.hashes == hashes:
            lexical = previous.lexical
        elif lexical is None:
            lexical_build = asyncio.ensure_future(asyncio.to_thread(LexicalIndex.build, self._tokenizer, texts))
        cached = await asyncio.to_thread(_load_vectors, base.with_suffix(".npz"))
        known = {**cached, **reuse}
        rows_of: dict[str, list[int]] = {}
        for row, h in enumerate(hashes):
            rows_of.setdefault(h, []).append(row)
        missing = [h for h in rows_of if h not in known]
        writer = _StoreWriter(self._store, kind, merchant_id, keys, hashes, stored)
        try:
            writer.send([row for h, rows in rows_of.items() if h in known for row in rows], known)
            for start in range(0, len(missing), _EMBED_CHUNK):
                chunk = missing[start : start + _EMBED_CHUNK]
                chunk_progress = None if progress is None else _offset(progress, start, len(missing))
                fresh = await self._embedder.embed([texts[rows_of[h][0]] for h in chunk], chunk_progress)
                known.update(zip(chunk, fresh))
                writer.send([row for h in chunk for row in rows_of[h]], known)
            await writer.finish()
            if lexical_build is not None:
                lexical = await lexical_build
        finally:
            await writer.settle()
            if lexical_build is not None and not lexical_build.done():
                await asyncio.wait([lexical_build])
        if not missing and progress is not None:
            progress(len(records), len(records))
        vectors = np.array([known[h] for h in hashes], dtype=np.float32).reshape(len(hashes), self._embedder.dim)
        if lexical_build is not None:
            await asyncio.to_thread(lexical.save, base.with_suffix(".bm25"), snapshot or "")
        if not cached or missing:
            await asyncio.to_thread(_save_vectors, base.with_suffix(".npz"), hashes, vectors)
        return Documents(kind=kind, merchant_id=merchant_id, keys=keys, hashes=hashes, vectors=vectors, lexical=lexical)

    async def _sync_store(self, docs: Documents, stored: dict[str, str]) -> None:
        """Make the Chroma collection hold exactly `docs` (given what it holds now: id -> text hash)."""
        rows = [row for row, (key, h) in enumerate(zip(docs.keys, docs.hashes)) if stored.get(key) != h]
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

    async def _read_snapshot(self, merchant_id: str, snapshot: str | None) -> list:
        if snapshot is None:
            return []
        kind = snapshot.rsplit("-", 1)[0]
        model = {"products": Product, "reviews": Review, "policies": Policy}[kind]
        path = self._dir(merchant_id) / "snapshots" / snapshot
        lines = (await asyncio.to_thread(path.read_text, encoding="utf-8")).splitlines()
        return [model.model_validate_json(line) for line in lines if line]

    def _prune(self, state: _MerchantState) -> None:
        """Drop snapshots no kept version names; keep derived files only for the current and previous version."""
        directory = self._dir(state.manifest.merchant_id)
        named = {s for e in state.manifest.versions for s in e.snapshots.values() if s}
        for path in (directory / "snapshots").glob("*.jsonl"):
            if path.name not in named:
                path.unlink()
        current = state.current
        fast = {f"{kind}-empty" for kind in KINDS} | {
            Path(s).stem
            for e in (current, state.manifest.entry(current.previous or 0))
            if e
            for s in e.snapshots.values()
            if s
        }
        for path in (directory / "derived").glob("*"):
            if path.name.split(".", 1)[0] not in fast:
                shutil.rmtree(path) if path.is_dir() else path.unlink()


class Shop:
    """One merchant's catalog: its uploads, versions, edits, reads and searches. Get it with
    `await index.merchant(merchant_id)`; it always acts on the merchant's current version."""

    def __init__(self, index: CatalogIndex, merchant_id: str) -> None:
        self._index = index
        self.merchant_id = merchant_id

    def _state(self) -> Awaitable[_MerchantState]:
        return self._index._state(self.merchant_id)

    def _write_lock(self) -> asyncio.Lock:
        return self._index._write_lock(self.merchant_id)

    # --- uploads ------------------------------------------------------------------------------

    async def validate(self, kind: DocumentKind, filename: str, data: bytes) -> UploadReport:
        """Parse `data` and compare it with the current version; writes nothing."""
        parsed = await asyncio.to_thread(
            parse_catalog_file,
            kind,
            filename,
            data,
            self.merchant_id,
            max_bytes=self._index._config.max_upload_bytes,
            max_rows=self._index._config.max_rows,
        )
        state = await self._state()
        rejected = list(parsed.rejected)
        if kind == "reviews":
            rejected += _reviews_of_unknown_products(parsed, state.sku_rows)
            rejected.sort(key=lambda error: error.row)
        report = UploadReport(
            merchant_id=self.merchant_id,
            kind=kind,
            filename=filename,
            parsed=parsed,
            rejected=rejected,
            base_version=state.manifest.current,
        )
        old = {r.key: r.content_hash() for r in state.records[kind]}
        new = {r.key: r.content_hash() for r in parsed.records}
        report.added = sum(key not in old for key in new)
        report.updated = sum(key in old and old[key] != h for key, h in new.items())
        report.unchanged = sum(old.get(key) == h for key, h in new.items())
        report.removed = sum(key not in new for key in old)
        return report

    async def apply(self, report: UploadReport, progress: Progress | None = None) -> CatalogVersion:
        """Make a validated upload the merchant's current `report.kind` documents, all or nothing."""
        if report.merchant_id != self.merchant_id:
            raise CatalogError(
                f"{report.filename} was checked for merchant {report.merchant_id!r}, not {self.merchant_id!r}."
            )
        if not report.ok:
            raise CatalogError(
                f"{report.filename} has {len(report.parsed.errors)} file error(s) and {len(report.rejected)} rejected "
                "row(s); nothing was applied. Fix the file and upload it again."
            )
        async with self._write_lock():
            return await self._apply(report, progress)

    async def ingest(
        self, kind: DocumentKind, filename: str, data: bytes, progress: Progress | None = None
    ) -> UploadReport:
        """`validate`, then `apply` when the report is clean; the report says which version it became."""
        async with self._write_lock():
            report = await self.validate(kind, filename, data)
            if report.ok:
                await self._apply(report, progress)
        return report

    async def _apply(self, report: UploadReport, progress: Progress | None) -> CatalogVersion:
        state = await self._state()
        if state.manifest.current != report.base_version:
            raise CatalogError(
                f"the catalog changed (version {report.base_version} -> {state.manifest.current}) since "
                f"{report.filename} was checked; validate it again."
            )
        entry = await self._index._commit(
            state, {report.kind: list(report.parsed.records)}, "upload", report.kind, report.filename, progress
        )
        report.version = entry.version
        return _public(entry)

    async def rollback(self) -> CatalogVersion:
        """Restore the version before the current one, as a new version."""
        async with self._write_lock():
            state = await self._state()
            current = state.current
            if current is None:
                raise CatalogError(f"merchant {self.merchant_id!r} has no catalog to roll back.")
            if current.previous is None:
                raise CatalogError(f"version {current.version} has no earlier version; nothing to roll back to.")
            target = state.manifest.entry(current.previous) if current.previous else None
            if current.previous and target is None:
                raise CatalogError(f"version {current.previous} is no longer kept; nothing to roll back to.")
            changes: dict[DocumentKind, list] = {}
            for kind in KINDS:
                snapshot = target.snapshots.get(kind) if target else None
                if snapshot != current.snapshots.get(kind):
                    changes[kind] = await self._index._read_snapshot(self.merchant_id, snapshot)
            entry = await self._index._commit(
                state,
                changes,
                "rollback",
                None,
                f"restored version {current.previous}",
                None,
                previous=target.previous if target else None,
                snapshots={kind: target.snapshots.get(kind) if target else None for kind in KINDS},
            )
        return _public(entry)

    async def versions(self) -> list[CatalogVersion]:
        state = await self._state()
        return [_public(e) for e in state.manifest.versions]

    # --- single-product edits ---------------------------------------------------------------------

    async def set_price(self, sku: str, price: float) -> CatalogVersion:
        return await self._edit_product(sku, "set_price", {"price": price}, f"{sku} price {price}")

    async def set_stock(self, sku: str, stock: int) -> CatalogVersion:
        return await self._edit_product(
            sku, "set_stock", {"stock": stock, "in_stock": stock > 0}, f"{sku} stock {stock}"
        )

    async def delete_product(self, sku: str) -> CatalogVersion:
        return await self._edit_product(sku, "delete_product", None, f"{sku} deleted")

    async def _edit_product(self, sku: str, action: str, update: dict | None, note: str) -> CatalogVersion:
        async with self._write_lock():
            state = await self._state()
            row = state.sku_rows.get(sku)
            if row is None:
                raise CatalogError(f"merchant {self.merchant_id!r} has no product with SKU {sku!r}.")
            products = list(state.records["products"])
            if update is None:
                del products[row]
            else:
                try:
                    products[row] = Product.model_validate({**products[row].model_dump(), **update})
                except ValueError as exc:
                    raise CatalogError(f"{note}: {exc}") from exc
            entry = await self._index._commit(state, {"products": products}, action, "products", note, None)
        return _public(entry)

    # --- reading ------------------------------------------------------------------------------

    async def stats(self) -> CatalogStats:
        state = await self._state()
        products: list[Product] = state.records["products"]
        current = state.current
        return CatalogStats(
            merchant_id=self.merchant_id,
            version=state.manifest.current,
            updated_at=current.created_at if current else None,
            products=len(products),
            in_stock=sum(p.in_stock for p in products),
            reviews=len(state.records["reviews"]),
            policies=len(state.records["policies"]),
            categories=len({tuple(p.category) for p in products if p.category}),
            brands=len({p.brand for p in products if p.brand}),
            embedder=f"{self._index.embedder.name} ({self._index.embedder.dim} dims)",
        )

    async def products(self) -> list[Product]:
        return list((await self._state()).records["products"])

    async def product(self, sku: str) -> Product | None:
        state = await self._state()
        row = state.sku_rows.get(sku)
        return None if row is None else state.records["products"][row]

    async def reviews(self, sku: str) -> list[Review]:
        state = await self._state()
        return [state.records["reviews"][row] for row in state.review_rows.get(sku, [])]

    async def policies(self) -> list[Policy]:
        return list((await self._state()).records["policies"])

    async def vocabulary(self) -> Vocabulary:
        products: list[Product] = (await self._state()).records["products"]
        brands = sorted({p.brand for p in products if p.brand})
        categories = sorted({level for p in products for level in p.category})
        return Vocabulary(brands=brands, categories=categories)

    async def export(self, kind: DocumentKind) -> bytes:
        """The current `kind` documents as UTF-8 CSV that uploads back to the same records."""
        records = (await self._state()).records[kind]
        return await asyncio.to_thread(_to_csv, kind, records)

    # --- search -------------------------------------------------------------------------------

    async def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        k: int | None = None,
        *,
        sort: SortOrder = "relevance",
        mode: SearchMode = "hybrid",
    ) -> list[ProductHit]:
        """The best products for `query`; no hit ever breaks a filter."""
        state = await self._state()
        return await self._index._searcher.products(
            state.docs["products"],
            state.columns,
            state.records["products"],
            query,
            filters or SearchFilters(),
            k or self._index._config.search_top_k,
            sort,
            mode,
        )

    async def similar(self, sku: str, k: int | None = None, filters: SearchFilters | None = None) -> list[ProductHit]:
        """Products most like `sku` (other items, not its own variants)."""
        state = await self._state()
        if sku not in state.sku_rows:
            raise CatalogError(f"merchant {self.merchant_id!r} has no product with SKU {sku!r}.")
        return await self._index._searcher.similar(
            state.docs["products"],
            state.columns,
            state.records["products"],
            sku,
            filters or SearchFilters(),
            k or self._index._config.search_top_k,
        )

    async def search_reviews(
        self, sku: str | None, query: str, k: int = 5, mode: SearchMode = "hybrid"
    ) -> list[ReviewHit]:
        """Reviews of `sku` (of any product when None) that speak to `query`."""
        state = await self._state()
        reviews: list[Review] = state.records["reviews"]
        mask = None
        if sku is not None:
            mask = np.zeros(len(reviews), dtype=bool)
            mask[state.review_rows.get(sku, [])] = True
        ranked = await self._index._searcher.rank(state.docs["reviews"], query, mask, k, mode)
        return [ReviewHit(review=reviews[row], score=score) for row, score in ranked]

    async def search_policies(self, query: str, k: int = 3, mode: SearchMode = "hybrid") -> list[PolicyHit]:
        state = await self._state()
        policies: list[Policy] = state.records["policies"]
        ranked = await self._index._searcher.rank(state.docs["policies"], query, None, k, mode)
        return [PolicyHit(policy=policies[row], score=score) for row, score in ranked]


# Texts encoded between two Chroma writes: big enough to amortise a write, small enough to overlap well.
_EMBED_CHUNK = 512


class _StoreWriter:
    """Upserts rows into Chroma in the background, one write in flight, then deletes what is gone."""

    def __init__(
        self,
        store: VectorStore,
        kind: DocumentKind,
        merchant_id: str,
        keys: list[str],
        hashes: list[str],
        stored: dict[str, str] | None,
    ) -> None:
        self._store, self._kind, self._merchant_id = store, kind, merchant_id
        self._keys, self._hashes, self._stored = keys, hashes, stored
        self._in_flight: asyncio.Future | None = None
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


# --- documents as text ---------------------------------------------------------------------------


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


def _doc_id(record: Record) -> str:
    # Collections are per merchant already: the id is the key within the merchant.
    return record.key.split(":", 1)[1]


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _reviews_of_unknown_products(parsed: ParsedFile, sku_rows: dict[str, int]) -> list[RowError]:
    return [
        RowError(
            row=row,
            field="sku",
            reason=f"no product with SKU {record.sku!r} in the current catalog; upload the products first (商品不存在)",
        )
        for record, row in zip(parsed.records, parsed.record_rows)
        if isinstance(record, Review) and record.sku not in sku_rows
    ]


def _check_merchant_id(merchant_id: str) -> None:
    if not merchant_id or not merchant_id.strip():
        raise CatalogError("a merchant id is required.")


def _public(entry: _ManifestEntry) -> CatalogVersion:
    return CatalogVersion.model_validate(entry.model_dump(exclude={"snapshots"}))


# --- files ---------------------------------------------------------------------------------------


def _write_atomic(path: Path, text: str) -> None:
    staging = path.with_name(path.name + ".tmp")
    with open(staging, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staging, path)


def _write_jsonl(path: Path, records: Sequence[Record]) -> None:
    _write_atomic(path, "".join(r.model_dump_json() + "\n" for r in records))


def _load_vectors(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as saved:
            return dict(zip(saved["hashes"].tolist(), saved["vectors"].astype(np.float32)))
    except (OSError, KeyError, ValueError):
        return {}


def _save_vectors(path: Path, hashes: list[str], vectors: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(path.name + ".tmp.npz")
    np.savez(staging, hashes=np.array(hashes, dtype="U32"), vectors=vectors.astype(np.float16))
    os.replace(staging, path)


_CSV_COLUMNS: dict[DocumentKind, list[str]] = {
    "products": [
        "sku",
        "title",
        "price",
        "currency",
        "description",
        "category",
        "brand",
        "stock",
        "in_stock",
        "image_urls",
        "url",
        "rating",
    ],
    "reviews": ["sku", "review_id", "rating", "text", "date", "author"],
    "policies": ["policy_id", "title", "text"],
}


def _to_csv(kind: DocumentKind, records: Sequence[Record]) -> bytes:
    columns = list(_CSV_COLUMNS[kind])
    if kind == "products":
        columns += sorted({name for p in records for name in p.attributes})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = record.model_dump(exclude={"merchant_id"})
        if isinstance(record, Product):
            row.update(row.pop("attributes"))
            row["category"] = " > ".join(record.category)
            row["image_urls"] = " ".join(record.image_urls)
            row["in_stock"] = "true" if record.in_stock else "false"
        writer.writerow({name: "" if row.get(name) is None else row[name] for name in columns})
    return buffer.getvalue().encode("utf-8")
