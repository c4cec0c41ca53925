"""The index against a plain Python model, in the style of Chroma's state-machine tests.

Hypothesis runs random sequences of uploads (small random catalogs, sometimes with a bad row, upserted or
replacing), review uploads, price and stock changes, deletions (with their reviews), rollbacks and reopening
the data dir, on two merchants, with
few versions kept so pruning and "no longer kept" happen too. After every step the index must agree with
the model: products, reviews, stats and versions equal; every search hit exists and passes its filters, and
exact dense search finds every allowed product; Chroma holds exactly the current documents.
"""

from __future__ import annotations

import asyncio
import copy
import json
import shutil
import tempfile
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from retrieval.config import RetrievalConfig
from retrieval.index import CatalogError, CatalogIndex, Shop, UpdateMode
from retrieval.money import base_currency
from retrieval.query import SearchFilters
from retrieval.search import SearchMode
from tests.support.fake_embedder import HashingEmbedder

MERCHANTS = ("m1", "m2")
SKUS = ("A", "B", "C", "D", "E")
MODES: tuple[UpdateMode, ...] = ("upsert", "replace")
WORDS = ("tent", "jacket", "stove", "lamp", "帐篷", "冲锋衣", "red", "blue")
KEEP_VERSIONS = 3
CONFIG = RetrievalConfig(keep_versions=KEEP_VERSIONS)
FILTERS = (
    SearchFilters(),
    SearchFilters(price_max=500),
    SearchFilters(price_max=60, currency="USD"),
    SearchFilters(price_min=100, in_stock_only=True),
)

SEARCHES: tuple[tuple[str, SearchMode], ...] = (("tent", "hybrid"), ("帐篷", "lexical"), ("red jacket", "dense"))

products_strategy = st.dictionaries(
    keys=st.sampled_from(SKUS),
    values=st.fixed_dictionaries(
        {
            "title": st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join),
            "price": st.integers(0, 2000),
            "currency": st.sampled_from(("CNY", "CNY", "USD")),
            "stock": st.integers(0, 3),
        }
    ),
    min_size=1,
    max_size=len(SKUS),
)


@dataclass
class Catalog:
    """What one version holds: products by SKU, reviews by id."""

    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    reviews: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Version:
    number: int
    catalog: Catalog
    previous: int | None


@dataclass
class Merchant:
    """The model of one merchant's catalog: its kept versions and the current one (0 = nothing yet)."""

    versions: list[Version] = field(default_factory=list)
    current: int = 0

    def entry(self, number: int) -> Version | None:
        return next((v for v in self.versions if v.number == number), None)

    @property
    def catalog(self) -> Catalog:
        entry = self.entry(self.current)
        return entry.catalog if entry else Catalog()

    def commit(self, catalog: Catalog, previous: int | None | Literal["current"] = "current") -> None:
        number = max((v.number for v in self.versions), default=0) + 1
        version = Version(number, copy.deepcopy(catalog), self.current if previous == "current" else previous)
        self.versions = [*self.versions, version][-KEEP_VERSIONS:]
        self.current = number

    def rollback(self) -> bool:
        """Mirror of `Versions.rollback`; False when the index must refuse."""
        entry = self.entry(self.current)
        if entry is None or entry.previous is None:
            return False
        target = self.entry(entry.previous) if entry.previous else None
        if entry.previous and target is None:
            return False
        self.commit(target.catalog if target else Catalog(), previous=target.previous if target else None)
        return True


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()


class IndexMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.data_dir = Path(tempfile.mkdtemp(prefix="sg-machine-"))
        self.embedder = HashingEmbedder()
        self.index = self.run(CatalogIndex.open(self.data_dir, CONFIG, embedder=self.embedder))
        self.model = {merchant: Merchant() for merchant in MERCHANTS}

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coroutine)

    def shop(self, merchant: str) -> Shop:
        return self.run(self.index.merchant(merchant))

    def teardown(self) -> None:
        self.run(self.index.close())
        self.run(self.loop.shutdown_default_executor())
        self.loop.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # --- steps -------------------------------------------------------------------------------------

    @rule(
        merchant=st.sampled_from(MERCHANTS),
        products=products_strategy,
        bad_row=st.booleans(),
        mode=st.sampled_from(MODES),
    )
    def upload_products(
        self, merchant: str, products: dict[str, dict[str, Any]], bad_row: bool, mode: UpdateMode
    ) -> None:
        rows = [{"sku": sku, **fields} for sku, fields in products.items()]
        if bad_row:
            rows.append({"sku": "BAD", "title": "broken", "price": "-5"})
        report = self.run(self.shop(merchant).ingest("products", "p.jsonl", _jsonl(rows), mode=mode))
        assert report.ok is not bad_row
        if report.ok:
            catalog = copy.deepcopy(self.model[merchant].catalog)
            uploaded = {sku: {**fields, "in_stock": fields["stock"] > 0} for sku, fields in products.items()}
            catalog.products = uploaded if mode == "replace" else {**catalog.products, **uploaded}
            catalog.reviews = {i: r for i, r in catalog.reviews.items() if r["sku"] in catalog.products}
            self._commit_if_changed(merchant, catalog, report.version)

    @rule(
        merchant=st.sampled_from(MERCHANTS),
        skus=st.lists(st.sampled_from(SKUS), min_size=1, max_size=4),
        mode=st.sampled_from(MODES),
    )
    def upload_reviews(self, merchant: str, skus: list[str], mode: UpdateMode) -> None:
        reviews = {
            f"r{i}": {"sku": sku, "rating": 1 + i % 5, "text": f"review {i} of {sku}"} for i, sku in enumerate(skus)
        }
        rows = [{"review_id": review_id, **fields} for review_id, fields in reviews.items()]
        report = self.run(self.shop(merchant).ingest("reviews", "r.jsonl", _jsonl(rows), mode=mode))
        known = set(self.model[merchant].catalog.products)
        assert report.ok is set(skus).issubset(known)
        if report.ok:
            catalog = copy.deepcopy(self.model[merchant].catalog)
            catalog.reviews = reviews if mode == "replace" else {**catalog.reviews, **reviews}
            self._commit_if_changed(merchant, catalog, report.version)

    def _commit_if_changed(self, merchant: str, catalog: Catalog, version: int | None) -> None:
        """An upload that changes nothing makes no version."""
        if catalog == self.model[merchant].catalog and self.model[merchant].current:
            assert version is None
        else:
            self.model[merchant].commit(catalog)
            assert version == self.model[merchant].current

    @rule(merchant=st.sampled_from(MERCHANTS), sku=st.sampled_from(SKUS), price=st.integers(0, 2000))
    def set_price(self, merchant: str, sku: str, price: int) -> None:
        self._edit(
            merchant, sku, lambda product: product.update(price=price), self.shop(merchant).set_price(sku, price)
        )

    @rule(merchant=st.sampled_from(MERCHANTS), sku=st.sampled_from(SKUS), stock=st.integers(0, 3))
    def set_stock(self, merchant: str, sku: str, stock: int) -> None:
        change = self.shop(merchant).set_stock(sku, stock)
        self._edit(merchant, sku, lambda product: product.update(stock=stock, in_stock=stock > 0), change)

    @rule(merchant=st.sampled_from(MERCHANTS), sku=st.sampled_from(SKUS))
    def delete_product(self, merchant: str, sku: str) -> None:
        self._edit(merchant, sku, None, self.shop(merchant).delete_product(sku))

    @rule(merchant=st.sampled_from(MERCHANTS))
    def rollback(self, merchant: str) -> None:
        expected = self.model[merchant].rollback()
        if expected:
            self.run(self.shop(merchant).rollback())
        else:
            with pytest.raises(CatalogError):
                self.run(self.shop(merchant).rollback())

    @precondition(lambda self: any(m.current for m in self.model.values()))
    @rule()
    def reopen(self) -> None:
        self.run(self.index.close())
        self.index = self.run(CatalogIndex.open(self.data_dir, CONFIG, embedder=self.embedder))

    def _edit(self, merchant: str, sku: str, update: Any, change: Coroutine[Any, Any, Any]) -> None:
        catalog = copy.deepcopy(self.model[merchant].catalog)
        if sku not in catalog.products:
            with pytest.raises(CatalogError):
                self.run(change)
            return
        self.run(change)
        if update is None:
            del catalog.products[sku]
            catalog.reviews = {i: r for i, r in catalog.reviews.items() if r["sku"] != sku}  # in the same version
        else:
            update(catalog.products[sku])
        self.model[merchant].commit(catalog)

    # --- invariants ----------------------------------------------------------------------------------

    @invariant()
    def catalogs_equal_the_model(self) -> None:
        for merchant, model in self.model.items():
            shop = self.shop(merchant)
            expected = model.catalog
            products = self.run(shop.products())
            assert {
                p.sku: {
                    "title": p.title,
                    "price": p.price,
                    "currency": p.currency,
                    "stock": p.stock,
                    "in_stock": p.in_stock,
                }
                for p in products
            } == expected.products
            reviews = [r for sku in SKUS for r in self.run(shop.reviews(sku))]
            assert {
                r.review_id: {"sku": r.sku, "rating": r.rating, "text": r.text} for r in reviews
            } == expected.reviews
            stats = self.run(shop.stats())
            assert (stats.version, stats.products, stats.reviews) == (model.current, len(products), len(reviews))
            assert stats.in_stock == sum(p["in_stock"] for p in expected.products.values())
            assert stats.currency == base_currency(p["currency"] for p in expected.products.values())
            versions = self.run(shop.versions())
            assert [(v.version, v.previous) for v in versions] == [(v.number, v.previous) for v in model.versions]

    @invariant()
    def searches_keep_to_their_filters(self) -> None:
        for merchant in MERCHANTS:
            shop = self.shop(merchant)
            products = {p.sku: p for p in self.run(shop.products())}
            base = self.run(shop.stats()).currency
            for filters in FILTERS:
                stated = filters if filters.currency else filters.model_copy(update={"currency": base})
                allowed = {sku for sku, p in products.items() if stated.matches(p, shop.currency_rates)}
                for query, mode in SEARCHES:
                    hits = self.run(shop.search(query, filters, k=50, mode=mode))
                    shown = {hit.product.sku for hit in hits} | {v for hit in hits for v in hit.variants}
                    assert all(hit.product == products.get(hit.product.sku) for hit in hits)
                    assert shown <= allowed
                    if mode == "dense":
                        assert shown == allowed  # exact dense search ranks every allowed product

    @invariant()
    def chroma_holds_the_current_documents(self) -> None:
        store = self.index._store
        for merchant, model in self.model.items():
            catalog = model.catalog
            assert self.run(store.count("products", merchant)) == len(catalog.products)
            assert self.run(store.count("reviews", merchant)) == len(catalog.reviews)


IndexMachine.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
test_index_state_machine = IndexMachine.TestCase
