"""`CatalogIndex` and `Shop`: the retrieval layer's public verbs, in the spirit of Chroma's client API.

    index = await CatalogIndex.open(data_dir, config)
    shop = await index.merchant("shop-a")
    report = await shop.ingest("products", "products.csv", data)
    hits = await shop.search("防水冲锋衣", SearchFilters(price_max=500))

A `Shop` always acts on its merchant's current catalog version. Uploads (in an update mode: upsert,
replace or delete, `updates.py`; flagged descriptions and reviews held until confirmed, `holds.py`), edits,
confirmations and rollbacks each make a new version, all or nothing (`versions.py`); vectors and BM25 are
derived from the version in force (`derived.py`); searches run on it (`search.py`). Writes take one lock per
merchant; reads never wait for them. Merchants never see each other's documents.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from retrieval.catalog import parse_catalog_file, parse_deletion_file
from retrieval.config import RetrievalConfig
from retrieval.derived import DerivedIndexes, Progress
from retrieval.embed import Embedder, open_embedder
from retrieval.errors import CatalogError, CurrencyNotConvertible
from retrieval.export import ExportFormat, export_records
from retrieval.holds import held_records, hold, plan_confirmation
from retrieval.lexical import Tokenizer
from retrieval.models import DocumentKind, Policy, Product, Review
from retrieval.money import NoRate
from retrieval.query import SearchFilters, SortOrder, Vocabulary
from retrieval.search import Corpus, HybridSearcher, PolicyHit, ProductColumns, ProductHit, ReviewHit, SearchMode
from retrieval.store import VectorStore
from retrieval.updates import UpdateMode, UploadReport, plan_upload
from retrieval.versions import Action, CatalogState, CatalogVersion, Change, Versions

__all__ = [
    "CatalogError",
    "CatalogIndex",
    "CatalogStats",
    "CatalogVersion",
    "CurrencyNotConvertible",
    "PolicyHit",
    "ProductHit",
    "ReviewHit",
    "Shop",
    "UpdateMode",
    "UploadReport",
]


class CatalogStats(BaseModel):
    merchant_id: str
    version: int = Field(description="0 = nothing uploaded yet.")
    updated_at: datetime | None
    products: int
    in_stock: int
    reviews: int
    policies: int
    held: int = Field(description="Products and reviews whose text is held until the merchant confirms it.")
    categories: int
    brands: int
    currency: str | None = Field(
        description="The currency the catalog is priced in (its products' most common one); None = no products."
    )
    embedder: str


class CatalogIndex:
    """Versioned catalogs per merchant with hybrid search over them. Every method is async."""

    def __init__(
        self, data_dir: Path, config: RetrievalConfig, embedder: Embedder, store: VectorStore, tokenizer: Tokenizer
    ) -> None:
        self._config = config
        self._embedder = embedder
        self._store = store
        self._versions = Versions(data_dir, config, DerivedIndexes(embedder, store, tokenizer))
        self._searcher = HybridSearcher(store, embedder, tokenizer, config)

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
        self._versions.forget()

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    async def has_catalog(self, merchant_id: str) -> bool:
        """Whether the merchant has a catalog version in force (without loading it: any text may be asked)."""
        return bool(merchant_id.strip()) and await self._versions.current_version(merchant_id) > 0

    async def merchant(self, merchant_id: str) -> Shop:
        """The handle on one merchant's catalog (created empty on its first upload)."""
        if not merchant_id or not merchant_id.strip():
            raise CatalogError("a merchant id is required.")
        await self._versions.state(merchant_id)
        return Shop(merchant_id, self._versions, self._searcher, self._config, self._embedder)


class Shop:
    """One merchant's catalog: its uploads, versions, edits, reads and searches. Get it with
    `await index.merchant(merchant_id)`; it always acts on the merchant's current version."""

    def __init__(
        self,
        merchant_id: str,
        versions: Versions,
        searcher: HybridSearcher,
        config: RetrievalConfig,
        embedder: Embedder,
    ) -> None:
        self.merchant_id = merchant_id
        self._versions = versions
        self._searcher = searcher
        self._config = config
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        """The encoder the shop's documents are embedded with."""
        return self._embedder

    @property
    def currency_rates(self) -> Mapping[str, float]:
        """The configured exchange rates (see `RetrievalConfig.currency_rates`), e.g. for `SearchFilters.matches`."""
        return self._config.currency_rates

    async def _state(self) -> CatalogState:
        return await self._versions.state(self.merchant_id)

    # --- uploads ------------------------------------------------------------------------------

    async def validate(
        self, kind: DocumentKind, filename: str, data: bytes, mode: UpdateMode = "upsert"
    ) -> UploadReport:
        """Parse `data`, screen its descriptions and reviews (`holds.hold`) and plan it against the current version
        in `mode` (see `updates.py`); writes nothing."""
        limits = {"max_bytes": self._config.max_upload_bytes, "max_rows": self._config.max_rows}
        if mode == "delete":
            parsed = await asyncio.to_thread(parse_deletion_file, kind, filename, data, self.merchant_id, **limits)
        else:
            parsed = await asyncio.to_thread(
                parse_catalog_file,
                kind,
                filename,
                data,
                self.merchant_id,
                max_field_chars=self._config.max_field_chars,
                **limits,
            )
        state = await self._state()
        parsed = hold(parsed, state.confirmed)
        plan = plan_upload(state.records, parsed, kind, mode)
        return UploadReport(
            merchant_id=self.merchant_id,
            kind=kind,
            filename=filename,
            mode=mode,
            parsed=parsed,
            errors=[*parsed.errors, *([plan.error] if plan.error else [])],
            rejected=sorted([*parsed.rejected, *plan.rejected], key=lambda error: error.row),
            warnings=sorted([*parsed.warnings, *plan.warnings], key=lambda warning: warning.row),
            base_version=state.manifest.current,
            **plan.counts,
        )

    async def apply(
        self, report: UploadReport, progress: Progress | None = None, *, valid_rows: bool = False
    ) -> CatalogVersion:
        """Apply a validated upload as a new version, all or nothing. A report with rejected rows is refused
        unless `valid_rows` (the merchant chose to apply the valid rows: all of them land, or none)."""
        if report.merchant_id != self.merchant_id:
            raise CatalogError(
                f"{report.filename} was checked for merchant {report.merchant_id!r}, not {self.merchant_id!r}."
            )
        refusal = report.refusal(valid_rows=valid_rows)
        if refusal:
            raise CatalogError(refusal)
        async with self._versions.lock(self.merchant_id):
            return await self._apply(report, progress)

    async def ingest(
        self,
        kind: DocumentKind,
        filename: str,
        data: bytes,
        progress: Progress | None = None,
        *,
        mode: UpdateMode = "upsert",
        valid_rows: bool = False,
    ) -> UploadReport:
        """`validate`, then `apply` when the report allows it; the report says which version it became (None:
        nothing applied, because of errors or because the file changes nothing)."""
        async with self._versions.lock(self.merchant_id):
            report = await self.validate(kind, filename, data, mode)
            if report.refusal(valid_rows=valid_rows) is None:
                await self._apply(report, progress)
        return report

    async def _apply(self, report: UploadReport, progress: Progress | None) -> CatalogVersion:
        state = await self._state()
        if state.manifest.current != report.base_version:
            raise CatalogError(
                f"the catalog changed (version {report.base_version} -> {state.manifest.current}) since "
                f"{report.filename} was checked; validate it again."
            )
        plan = plan_upload(state.records, report.parsed, report.kind, report.mode)
        note = report.filename if report.mode == "upsert" else f"{report.filename}, {report.mode}"
        version = await self._versions.commit(state, Change("upload", plan.records, report.kind, note), progress)
        report.version = version.version
        return version

    async def rollback(self) -> CatalogVersion:
        """Restore the version before the current one, as a new version."""
        async with self._versions.lock(self.merchant_id):
            return await self._versions.rollback(await self._state())

    async def versions(self) -> list[CatalogVersion]:
        state = await self._state()
        return [entry.public() for entry in state.manifest.versions]

    # --- single-product edits ---------------------------------------------------------------------

    async def set_price(self, sku: str, price: float) -> CatalogVersion:
        return await self._edit_product(sku, "set_price", {"price": price}, f"{sku} price {price}")

    async def set_stock(self, sku: str, stock: int) -> CatalogVersion:
        return await self._edit_product(
            sku, "set_stock", {"stock": stock, "in_stock": stock > 0}, f"{sku} stock {stock}"
        )

    async def delete_product(self, sku: str) -> CatalogVersion:
        return await self._edit_product(sku, "delete_product", None, f"{sku} deleted")

    async def _edit_product(self, sku: str, action: Action, update: dict | None, note: str) -> CatalogVersion:
        """Change (or, with `update` None, delete) one product as a new version; its reviews go with it."""
        async with self._versions.lock(self.merchant_id):
            state = await self._state()
            row = state.sku_rows.get(sku)
            if row is None:
                raise CatalogError(f"merchant {self.merchant_id!r} has no product with SKU {sku!r}.")
            products = list(state.records["products"])
            records: dict[DocumentKind, list] = {"products": products}
            if update is None:
                del products[row]
                if sku in state.review_rows:
                    records["reviews"] = [r for r in state.records["reviews"] if r.sku != sku]
                    note += f" with {len(state.review_rows[sku])} review(s)"
            else:
                try:
                    products[row] = Product.model_validate({**products[row].model_dump(), **update})
                except ValueError as exc:
                    raise CatalogError(f"{note}: {exc}") from exc
            return await self._versions.commit(state, Change(action, records, "products", note))

    # --- held text ----------------------------------------------------------------------------

    async def held(self) -> list[Product | Review]:
        """The products and reviews whose text is held out of answers until the merchant confirms it."""
        return held_records((await self._state()).records)

    async def confirm(self, skus: Sequence[str] = (), review_ids: Sequence[str] = (), *, by: str) -> CatalogVersion:
        """Release the held text of the named products and reviews as a new version (all or nothing; `by` says
        who confirmed, in the version's note). The same text uploaded again stays released (`holds.py`)."""
        async with self._versions.lock(self.merchant_id):
            state = await self._state()
            plan = plan_confirmation(state.records, state.confirmed, skus, review_ids)
            kind = next(iter(plan.records)) if len(plan.records) == 1 else None
            note = f"{', '.join(plan.released)} by {by}"
            return await self._versions.commit(
                state, Change("confirm", plan.records, kind, note, confirmed=plan.confirmed)
            )

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
            held=len(held_records(state.records)),
            categories=len({tuple(p.category) for p in products if p.category}),
            brands=len({p.brand for p in products if p.brand}),
            currency=state.columns.currency,
            embedder=f"{self._embedder.name} ({self._embedder.dim} dims)",
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
        return (await self._state()).vocabulary()

    async def export(self, kind: DocumentKind, fmt: ExportFormat = "csv") -> bytes:
        """The current `kind` documents as a file (CSV, TSV, JSON, JSONL, XLSX) that uploads back to the same
        records: sent straight back, it changes nothing."""
        records = (await self._state()).records[kind]
        return await asyncio.to_thread(export_records, kind, records, fmt)

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
        """The best products for `query`; no hit ever breaks a filter.

        Price bounds in another currency than the catalog's are converted with the configured rates;
        `CurrencyNotConvertible` when there is no rate for one of the two.
        """
        state = await self._state()
        filters = _convertible(filters or SearchFilters(), state.columns)
        corpus = Corpus(state.docs["products"], state.columns, state.docs.get("reviews"), state.review_rows)
        return await self._searcher.products(corpus, query, filters, k or self._config.search_top_k, sort, mode)

    async def describe(self, query: str, filters: SearchFilters | None = None) -> tuple[list[Product], np.ndarray]:
        """The candidates a hybrid search ranks for `query` (within `filters`) and their ranker features, one
        row per product (`retrieval.features.FEATURES`): what `shopguide eval train-ranker` learns from."""
        state = await self._state()
        filters = _convertible(filters or SearchFilters(), state.columns)
        corpus = Corpus(state.docs["products"], state.columns, state.docs.get("reviews"), state.review_rows)
        described = await self._searcher.describe(
            corpus, query, state.columns.mask(filters), self._config.search_candidates
        )
        products = state.records["products"]
        return [products[int(row)] for row in described.rows], described.features

    @property
    def relevance_floor(self) -> float | None:
        """The answer model's threshold: a hit whose `relevance` is below it does not answer the query (None: no
        ranker)."""
        return self._searcher.ranker.floor if self._searcher.ranker is not None else None

    @property
    def top_k(self) -> int:
        """How many products a search returns when not told (`RetrievalConfig.search_top_k`)."""
        return self._config.search_top_k

    async def similar(self, sku: str, k: int | None = None, filters: SearchFilters | None = None) -> list[ProductHit]:
        """Products most like `sku` (other items, not its own variants)."""
        state = await self._state()
        if sku not in state.sku_rows:
            raise CatalogError(f"merchant {self.merchant_id!r} has no product with SKU {sku!r}.")
        filters = _convertible(filters or SearchFilters(), state.columns)
        return await self._searcher.similar(
            state.docs["products"], state.columns, sku, filters, k or self._config.search_top_k
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
        ranked = await self._searcher.rank(state.docs["reviews"], query, mask, k, mode)
        return [ReviewHit(review=reviews[row], score=score) for row, score in ranked]

    async def search_policies(self, query: str, k: int = 3, mode: SearchMode = "hybrid") -> list[PolicyHit]:
        state = await self._state()
        policies: list[Policy] = state.records["policies"]
        ranked = await self._searcher.rank(state.docs["policies"], query, None, k, mode)
        return [PolicyHit(policy=policies[row], score=score) for row, score in ranked]


def _convertible(filters: SearchFilters, columns: ProductColumns) -> SearchFilters:
    """`filters`, once it is known that its price bounds can be compared with the catalog's prices."""
    if filters.currency is not None and columns.currency is not None:
        try:
            filters.price_bounds(columns.currency, columns.rates)
        except NoRate:
            raise CurrencyNotConvertible(filters.currency, columns.currency) from None
    return filters
