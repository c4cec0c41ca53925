"""`CatalogIndex` and `Shop`: the retrieval layer's public verbs, in the spirit of Chroma's client API.

    index = await CatalogIndex.open(data_dir, config)
    shop = await index.merchant("shop-a")
    report = await shop.ingest("products", "products.csv", data)
    hits = await shop.search("防水冲锋衣", SearchFilters(price_max=500))

A `Shop` always acts on its merchant's current catalog version. Uploads, edits and rollbacks each make a
new version, all or nothing (`versions.py`); vectors and BM25 are derived from the version in force
(`derived.py`); searches run on it (`search.py`). Writes take one lock per merchant; reads never wait
for them. Merchants never see each other's documents.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from retrieval.catalog import ParsedFile, RowError, parse_catalog_file
from retrieval.config import RetrievalConfig
from retrieval.derived import DerivedIndexes, Progress
from retrieval.embed import Embedder, open_embedder
from retrieval.errors import CatalogError, CurrencyNotConvertible
from retrieval.export import records_to_csv
from retrieval.lexical import Tokenizer
from retrieval.models import DocumentKind, Policy, Product, Review
from retrieval.money import NoRate
from retrieval.query import SearchFilters, SortOrder, Vocabulary
from retrieval.search import Corpus, HybridSearcher, PolicyHit, ProductColumns, ProductHit, ReviewHit, SearchMode
from retrieval.store import VectorStore
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
    categories: int
    brands: int
    currency: str | None = Field(
        description="The currency the catalog is priced in (its products' most common one); None = no products."
    )
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
    def currency_rates(self) -> Mapping[str, float]:
        """The configured exchange rates (see `RetrievalConfig.currency_rates`), e.g. for `SearchFilters.matches`."""
        return self._config.currency_rates

    async def _state(self) -> CatalogState:
        return await self._versions.state(self.merchant_id)

    # --- uploads ------------------------------------------------------------------------------

    async def validate(self, kind: DocumentKind, filename: str, data: bytes) -> UploadReport:
        """Parse `data` and compare it with the current version; writes nothing."""
        parsed = await asyncio.to_thread(
            parse_catalog_file,
            kind,
            filename,
            data,
            self.merchant_id,
            max_bytes=self._config.max_upload_bytes,
            max_rows=self._config.max_rows,
        )
        state = await self._state()
        rejected = list(parsed.rejected)
        if kind == "reviews":
            rejected += _reviews_of_unknown_products(parsed, state.sku_rows)
            rejected.sort(key=lambda error: error.row)
        old = {r.key: r.content_hash() for r in state.records[kind]}
        new = {r.key: r.content_hash() for r in parsed.records}
        return UploadReport(
            merchant_id=self.merchant_id,
            kind=kind,
            filename=filename,
            parsed=parsed,
            rejected=rejected,
            base_version=state.manifest.current,
            added=sum(key not in old for key in new),
            updated=sum(key in old and old[key] != h for key, h in new.items()),
            unchanged=sum(old.get(key) == h for key, h in new.items()),
            removed=sum(key not in new for key in old),
        )

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
        async with self._versions.lock(self.merchant_id):
            return await self._apply(report, progress)

    async def ingest(
        self, kind: DocumentKind, filename: str, data: bytes, progress: Progress | None = None
    ) -> UploadReport:
        """`validate`, then `apply` when the report is clean; the report says which version it became."""
        async with self._versions.lock(self.merchant_id):
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
        change = Change("upload", {report.kind: list(report.parsed.records)}, report.kind, report.filename)
        version = await self._versions.commit(state, change, progress)
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
        async with self._versions.lock(self.merchant_id):
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
            return await self._versions.commit(state, Change(action, {"products": products}, "products", note))

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
        products: list[Product] = (await self._state()).records["products"]
        brands = sorted({p.brand for p in products if p.brand} | set((await self._state()).columns.title_brands))
        categories = sorted({level for p in products for level in p.category})
        return Vocabulary(brands=brands, categories=categories)

    async def export(self, kind: DocumentKind) -> bytes:
        """The current `kind` documents as UTF-8 CSV that uploads back to the same records."""
        records = (await self._state()).records[kind]
        return await asyncio.to_thread(records_to_csv, kind, records)

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
        """The ranker's calibrated threshold below which the best hit does not answer a query (None: no ranker)."""
        return self._searcher.ranker.floor if self._searcher.ranker is not None else None

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


def _reviews_of_unknown_products(parsed: ParsedFile, sku_rows: dict[str, int]) -> list[RowError]:
    return [
        RowError(
            row=row,
            field="sku",
            reason=f"no product with SKU {record.sku!r} in the current catalog; upload the products first (商品不存在)",
        )
        for record, row in zip(parsed.records, parsed.record_rows, strict=True)
        if isinstance(record, Review) and record.sku not in sku_rows
    ]
