"""Catalog versions: the manifest and snapshots on disk, the current version in memory, and the switch.

Each merchant's catalog is a list of versions. A version names one JSONL snapshot per document kind;
snapshots and a manifest live under `data_dir/catalog/<merchant digest>/`, and the manifest is replaced by
an atomic rename, which is the moment a new version takes effect. The derived indexes (vectors, Chroma,
BM25; `derived.py`) are built for the new snapshot before that rename, and if anything fails before it the
Chroma collections are put back as they were, so the previous version stays in force. A `pending` marker
left by a crash makes the next load reconcile Chroma with the manifest. Old snapshots are pruned to the
last `keep_versions` versions; derived files are kept for the current and the previous version only.

Each version also records the held texts the merchant had confirmed by then (`ManifestEntry.confirmed`, hashes
from `holds.confirmation`), so a rollback takes a confirmation back with the records it cleared.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from retrieval.config import RetrievalConfig
from retrieval.derived import DerivedIndexes, Progress, Record, Source
from retrieval.errors import CatalogError
from retrieval.models import DOCUMENT_KINDS, DocumentKind, Policy, Product, Review
from retrieval.query import Vocabulary
from retrieval.search import Documents, ProductColumns

Action = Literal["upload", "rollback", "set_price", "set_stock", "delete_product", "confirm"]


class CatalogVersion(BaseModel):
    """One state of a merchant's catalog.

    `previous` is what `rollback` returns to: 0 = the empty catalog before the first upload, None = nothing.
    """

    merchant_id: str
    version: int
    created_at: datetime
    action: Action
    kind: DocumentKind | None = None
    note: str = ""
    counts: dict[DocumentKind, int]
    previous: int | None


class ManifestEntry(CatalogVersion):
    snapshots: dict[DocumentKind, str | None]
    confirmed: list[str] = Field(
        default_factory=list, description="The held texts the merchant had confirmed by this version (holds.py)."
    )

    def public(self) -> CatalogVersion:
        return CatalogVersion.model_validate(self.model_dump(exclude={"snapshots", "confirmed"}))


class Manifest(BaseModel):
    merchant_id: str
    current: int = 0
    versions: list[ManifestEntry] = Field(default_factory=list)

    def entry(self, version: int) -> ManifestEntry | None:
        return next((e for e in self.versions if e.version == version), None)

    @property
    def next_version(self) -> int:
        return max((e.version for e in self.versions), default=0) + 1


@dataclass
class CatalogState:
    """A merchant's current version in memory: its records and what searching them needs."""

    manifest: Manifest
    rates: dict[str, float]
    records: dict[DocumentKind, list] = field(default_factory=dict)
    docs: dict[DocumentKind, Documents] = field(default_factory=dict)
    columns: ProductColumns = field(init=False)
    sku_rows: dict[str, int] = field(default_factory=dict)
    review_rows: dict[str, list[int]] = field(default_factory=dict)
    _vocabulary: Vocabulary | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.columns = ProductColumns([], self.rates)

    def vocabulary(self) -> Vocabulary:
        """The names the products use, built once per version of them: every turn reads it, and its matchers
        are built on first use."""
        if self._vocabulary is None:
            products: list[Product] = self.records.get("products", [])
            brands = sorted({p.brand for p in products if p.brand} | set(self.columns.title_brands))
            categories = sorted({level for p in products for level in p.category})
            self._vocabulary = Vocabulary(brands=brands, categories=categories)
        return self._vocabulary

    @property
    def current(self) -> ManifestEntry | None:
        return self.manifest.entry(self.manifest.current)

    @property
    def confirmed(self) -> frozenset[str]:
        """The held texts the merchant has confirmed, as of the version in force (`holds.confirmation`)."""
        current = self.current
        return frozenset(current.confirmed) if current else frozenset()

    def install(self, kind: DocumentKind, records: list, docs: Documents) -> None:
        self.records[kind] = records
        self.docs[kind] = docs
        if kind == "products":
            self.columns = ProductColumns(records, self.rates)
            self._vocabulary = None
            self.sku_rows = {p.sku: row for row, p in enumerate(records)}
        if kind == "reviews":
            self.review_rows = {}
            for row, review in enumerate(records):
                self.review_rows.setdefault(review.sku, []).append(row)


@dataclass
class Change:
    """A new version to commit: the kinds whose records change, and how the manifest should describe it.

    `snapshots` reuses existing snapshot files instead of writing new ones (a rollback), `previous`
    overrides what the new version rolls back to (default: the version it replaces), and `confirmed` the
    confirmed held texts (default: those of the version it replaces).
    """

    action: Action
    records: dict[DocumentKind, list]
    kind: DocumentKind | None = None
    note: str = ""
    snapshots: dict[DocumentKind, str | None] | None = None
    previous: int | None | Literal["current"] = "current"
    confirmed: frozenset[str] | None = None


class Versions:
    """Every merchant's versions: loads them on first use, commits new ones all or nothing, rolls back.

    Writes for one merchant must hold `lock(merchant_id)`; reads take the current state without waiting.
    """

    def __init__(self, data_dir: Path, config: RetrievalConfig, derived: DerivedIndexes) -> None:
        self._root = data_dir / "catalog"
        self._config = config
        self._derived = derived
        self._states: dict[str, CatalogState] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._load_lock = asyncio.Lock()

    def lock(self, merchant_id: str) -> asyncio.Lock:
        return self._locks.setdefault(merchant_id, asyncio.Lock())

    async def state(self, merchant_id: str) -> CatalogState:
        """The merchant's current version, loaded (and reconciled after a crash) on first use."""
        if merchant_id in self._states:
            return self._states[merchant_id]
        async with self._load_lock:
            if merchant_id not in self._states:
                self._states[merchant_id] = await self._load(merchant_id)
        return self._states[merchant_id]

    async def current_version(self, merchant_id: str) -> int:
        """The merchant's version in force, 0 for none; read from the manifest when not loaded (nothing is cached,
        so asking about any number of unknown merchants costs no memory)."""
        if merchant_id in self._states:
            return self._states[merchant_id].manifest.current
        path = self._dir(merchant_id) / "manifest.json"
        if not await asyncio.to_thread(path.exists):
            return 0
        return Manifest.model_validate_json(await asyncio.to_thread(path.read_text)).current

    def forget(self) -> None:
        self._states.clear()

    async def commit(self, state: CatalogState, change: Change, progress: Progress | None = None) -> CatalogVersion:
        """Write the snapshots of `change`, rebuild what derives from them and switch versions, all or nothing."""
        merchant_id = state.manifest.merchant_id
        directory = self._dir(merchant_id)
        records = dict(change.records)
        if "products" in records:
            # Kept grouped by category path, so a category filter selects a run of rows (see search.py).
            records["products"] = sorted(records["products"], key=lambda p: p.category)
        version = state.manifest.next_version
        if change.snapshots is not None:
            snapshots = change.snapshots
        else:
            snapshots = dict(state.current.snapshots) if state.current else dict.fromkeys(DOCUMENT_KINDS)
        written: list[Path] = []
        touched: list[DocumentKind] = []
        derived: dict[DocumentKind, Documents] = {}
        await asyncio.to_thread((directory / "snapshots").mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread((directory / "pending").write_text, str(version))
        try:
            for kind, kind_records in records.items():
                if change.snapshots is None:
                    snapshots[kind] = f"{kind}-{version}.jsonl"
                    written.append(directory / "snapshots" / f"{kind}-{version}.jsonl")
                    await asyncio.to_thread(_write_jsonl, written[-1], kind_records)
                source = Source(merchant_id, kind, snapshots[kind], directory)
                touched.append(kind)  # before building: a build that fails halfway has written to Chroma
                derived[kind] = await self._derived.build(source, kind_records, state.docs[kind], progress)
            entry = self._entry(state, change, version, snapshots)
            manifest = state.manifest.model_copy(
                update={
                    "current": version,
                    "versions": [*state.manifest.versions, entry][-self._config.keep_versions :],
                }
            )
            await asyncio.to_thread(_write_atomic, directory / "manifest.json", manifest.model_dump_json(indent=1))
        except BaseException:
            for kind in touched:
                await self._derived.restore(state.docs[kind])
            for path in written:
                path.unlink(missing_ok=True)
            (directory / "pending").unlink(missing_ok=True)
            raise
        state.manifest = manifest
        for kind, docs in derived.items():
            state.install(kind, records[kind], docs)
        (directory / "pending").unlink(missing_ok=True)
        await asyncio.to_thread(self._prune, state)
        return entry.public()

    async def rollback(self, state: CatalogState) -> CatalogVersion:
        """Restore the version before the current one, as a new version."""
        current = state.current
        merchant_id = state.manifest.merchant_id
        if current is None:
            raise CatalogError(f"merchant {merchant_id!r} has no catalog to roll back.")
        if current.previous is None:
            raise CatalogError(f"version {current.version} has no earlier version; nothing to roll back to.")
        target = state.manifest.entry(current.previous) if current.previous else None
        if current.previous and target is None:
            raise CatalogError(f"version {current.previous} is no longer kept; nothing to roll back to.")
        snapshots = {kind: target.snapshots.get(kind) if target else None for kind in DOCUMENT_KINDS}
        changes = {
            kind: await self._read_snapshot(merchant_id, snapshots[kind])
            for kind in DOCUMENT_KINDS
            if snapshots[kind] != current.snapshots.get(kind)
        }
        change = Change(
            "rollback",
            changes,
            note=f"restored version {current.previous}",
            snapshots=snapshots,
            previous=target.previous if target else None,
            confirmed=frozenset(target.confirmed) if target else frozenset(),
        )
        return await self.commit(state, change)

    def _entry(
        self, state: CatalogState, change: Change, version: int, snapshots: dict[DocumentKind, str | None]
    ) -> ManifestEntry:
        return ManifestEntry(
            merchant_id=state.manifest.merchant_id,
            version=version,
            created_at=datetime.now(UTC),
            action=change.action,
            kind=change.kind,
            note=change.note,
            counts={
                k: len(change.records[k]) if k in change.records else len(state.records[k]) for k in DOCUMENT_KINDS
            },
            previous=state.manifest.current if change.previous == "current" else change.previous,
            snapshots=snapshots,
            confirmed=sorted(state.confirmed if change.confirmed is None else change.confirmed),
        )

    def _dir(self, merchant_id: str) -> Path:
        return self._root / hashlib.sha256(merchant_id.encode()).hexdigest()[:16]

    async def _load(self, merchant_id: str) -> CatalogState:
        directory = self._dir(merchant_id)
        manifest_path = directory / "manifest.json"
        if manifest_path.exists():
            manifest = Manifest.model_validate_json(await asyncio.to_thread(manifest_path.read_text))
        else:
            manifest = Manifest(merchant_id=merchant_id)
        state = CatalogState(manifest, self._config.currency_rates)
        current = state.current
        pending = (directory / "pending").exists()
        for kind in DOCUMENT_KINDS:
            snapshot = current.snapshots.get(kind) if current else None
            records = await self._read_snapshot(merchant_id, snapshot)
            docs = await self._derived.build(Source(merchant_id, kind, snapshot, directory), records)
            # An unknown merchant (no manifest, no interrupted first upload) touches neither Chroma nor disk.
            if pending or (current is not None and await self._derived.out_of_step(docs)):
                await self._derived.restore(docs)
            state.install(kind, records, docs)
        if pending:
            (directory / "pending").unlink()
        return state

    async def _read_snapshot(self, merchant_id: str, snapshot: str | None) -> list:
        if snapshot is None:
            return []
        kind = snapshot.rsplit("-", 1)[0]
        model = _MODELS[kind]
        path = self._dir(merchant_id) / "snapshots" / snapshot
        lines = (await asyncio.to_thread(path.read_text, encoding="utf-8")).splitlines()
        return [model.model_validate_json(line) for line in lines if line]

    def _prune(self, state: CatalogState) -> None:
        """Drop snapshots no kept version names; keep derived files only for the current and previous version."""
        directory = self._dir(state.manifest.merchant_id)
        named = {s for e in state.manifest.versions for s in e.snapshots.values() if s}
        for path in (directory / "snapshots").glob("*.jsonl"):
            if path.name not in named:
                path.unlink()
        current = state.current
        recent = [e for e in (current, state.manifest.entry(current.previous or 0) if current else None) if e]
        self._derived.prune(directory, [(kind, s) for e in recent for kind, s in e.snapshots.items() if s])


_MODELS: dict[str, type[Product] | type[Review] | type[Policy]] = {
    "products": Product,
    "reviews": Review,
    "policies": Policy,
}


def _write_atomic(path: Path, text: str) -> None:
    staging = path.with_name(path.name + ".tmp")
    with open(staging, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staging, path)


def _write_jsonl(path: Path, records: Sequence[Record]) -> None:
    _write_atomic(path, "".join(r.model_dump_json() + "\n" for r in records))
