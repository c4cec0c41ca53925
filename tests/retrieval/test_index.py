"""CatalogIndex: versioned all-or-nothing uploads, no re-embedding of unchanged rows, rollback, single-product
edits, export, merchant isolation, recovery after a failed apply, and a Chroma server behind it."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.catalog import parse_catalog_file
from retrieval.config import RetrievalConfig
from retrieval.index import CatalogError, CatalogIndex
from retrieval.query import SearchFilters
from tests.retrieval.conftest import PRODUCTS, REVIEWS, SHOP, jsonl, load_shop

pytestmark = pytest.mark.slow


class EmbedCounter:
    """Counts the texts an index sends to its embedder."""

    def __init__(self, index: CatalogIndex, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts = 0
        embed = index.embedder.embed

        async def counting(texts, progress=None):
            self.texts += len(texts)
            return await embed(texts, progress)

        monkeypatch.setattr(index.embedder, "embed", counting)


@pytest.fixture
async def index(embedder, tmp_path):
    index = await CatalogIndex.open(tmp_path, RetrievalConfig(), embedder=embedder)
    yield index
    await index.close()


async def _skus(index: CatalogIndex, query: str, merchant_id: str = SHOP) -> list[str]:
    return [hit.product.sku for hit in await index.search(query, SearchFilters(merchant_id=merchant_id), k=20)]


async def test_upload_report_counts_and_unchanged_rows_are_not_re_embedded(index, monkeypatch) -> None:
    first = await index.ingest(SHOP, "products", "p.jsonl", jsonl(PRODUCTS))
    assert first.ok and first.added == len(PRODUCTS) and first.version == 1

    edited = [dict(p) for p in PRODUCTS[1:]]  # JKT-RED removed
    edited[0]["price"] = 799  # JKT-BLU: price only, same text
    edited[1]["description"] = "全新升级面料"  # JKT-LITE: new text
    edited.append({"sku": "NEW-1", "title": "Camping Lantern", "price": 89})
    counter = EmbedCounter(index, monkeypatch)
    report = await index.validate(SHOP, "products", "p.jsonl", jsonl(edited))
    assert (report.added, report.updated, report.unchanged, report.removed) == (1, 2, len(PRODUCTS) - 3, 1)
    assert (await index.stats(SHOP)).version == 1  # validate writes nothing

    version = await index.apply(report)
    assert version.version == 2 and version.action == "upload" and version.previous == 1
    assert counter.texts == 2  # the new text and the new product; a price change embeds nothing
    assert (await index.product(SHOP, "JKT-BLU")).price == 799
    assert await index.product(SHOP, "JKT-RED") is None
    assert "NEW-1" in await _skus(index, "lantern for camping")


async def test_a_rejected_file_changes_nothing(index) -> None:
    await load_shop(index)
    before = await index.products(SHOP)
    bad = jsonl([*PRODUCTS[:3], {"sku": "X", "title": "Broken", "price": "-5"}, {"sku": "Y", "price": 3}])
    report = await index.ingest(SHOP, "products", "p.jsonl", bad)
    assert not report.ok and report.version is None and len(report.rejected) == 2
    with pytest.raises(CatalogError, match="nothing was applied"):
        await index.apply(report)
    empty = await index.ingest(SHOP, "products", "p.csv", b"")
    assert not empty.ok and empty.parsed.errors
    assert await index.products(SHOP) == before
    assert (await index.stats(SHOP)).version == 3


async def test_reviews_of_unknown_products_are_rejected(index) -> None:
    await index.ingest(SHOP, "products", "p.jsonl", jsonl(PRODUCTS))
    report = await index.validate(
        SHOP, "reviews", "r.jsonl", jsonl([*REVIEWS, {"sku": "GHOST", "rating": 3, "text": "?"}])
    )
    assert not report.ok
    # JSONL rows are line numbers: the ghost review is on the line after the good ones.
    assert [(error.row, error.field, "GHOST" in error.reason) for error in report.rejected] == [
        (len(REVIEWS) + 1, "sku", True)
    ]


async def test_rollback_restores_the_previous_version(index) -> None:
    await index.ingest(SHOP, "products", "p.jsonl", jsonl(PRODUCTS))
    await index.ingest(SHOP, "products", "p.jsonl", jsonl([{"sku": "ONLY", "title": "Garden Hose 20m", "price": 50}]))
    assert await _skus(index, "jacket") == ["ONLY"]

    restored = await index.rollback(SHOP)
    assert restored.action == "rollback" and restored.version == 3
    assert len(await index.products(SHOP)) == len(PRODUCTS)
    assert "ONLY" not in await _skus(index, "garden hose")
    assert (await index.rollback(SHOP)).counts["products"] == 0  # back to before the first upload
    with pytest.raises(CatalogError, match="nothing to roll back|no catalog"):
        await index.rollback(SHOP)
    assert [v.version for v in await index.versions(SHOP)] == [1, 2, 3, 4]


async def test_single_product_edits_are_versions(index, monkeypatch) -> None:
    await index.ingest(SHOP, "products", "p.jsonl", jsonl(PRODUCTS))
    counter = EmbedCounter(index, monkeypatch)
    await index.set_price(SHOP, "SHOE-RUN", 299)
    await index.set_stock(SHOP, "EAR-1", 0)
    await index.delete_product(SHOP, "BAG-1")
    assert counter.texts == 0
    cheap = await index.search("running shoes", SearchFilters(merchant_id=SHOP, price_max=300), k=5)
    assert "SHOE-RUN" in [hit.product.sku for hit in cheap]
    assert not (await index.product(SHOP, "EAR-1")).in_stock
    assert await index.product(SHOP, "BAG-1") is None
    assert [v.action for v in await index.versions(SHOP)] == ["upload", "set_price", "set_stock", "delete_product"]
    with pytest.raises(CatalogError, match="no product"):
        await index.set_price(SHOP, "NOPE", 1)
    with pytest.raises(CatalogError):
        await index.set_price(SHOP, "SHOE-RUN", -1)


async def test_export_parses_back_to_the_same_records(index) -> None:
    await load_shop(index)
    current = {
        "products": await index.products(SHOP),
        "reviews": [review for p in PRODUCTS for review in await index.reviews(SHOP, p["sku"])],
        "policies": await index.policies(SHOP),
    }
    for kind, records in current.items():
        data = await index.export(SHOP, kind)
        parsed = parse_catalog_file(kind, f"{kind}.csv", data, SHOP, max_bytes=10**7, max_rows=10**5)
        assert parsed.ok, parsed.rejected
        assert sorted(parsed.records, key=lambda r: r.key) == sorted(records, key=lambda r: r.key)


async def test_a_merchant_only_touches_its_own_documents(index) -> None:
    await load_shop(index)
    await index.ingest(
        "shop-b", "products", "p.jsonl", jsonl([{"sku": "JKT-RED", "title": "Shop B Red Kettle", "price": 10}])
    )
    assert await _skus(index, "kettle", "shop-b") == ["JKT-RED"]
    assert (await index.product(SHOP, "JKT-RED")).title.startswith("Alpine")
    await index.delete_product("shop-b", "JKT-RED")
    assert await index.product(SHOP, "JKT-RED") is not None
    assert "JKT-RED" in await _skus(index, "alpine jacket")


async def test_a_failure_mid_apply_keeps_the_previous_version(index, embedder, tmp_path, monkeypatch) -> None:
    await index.ingest(SHOP, "products", "p.jsonl", jsonl(PRODUCTS))
    store = index._store
    delete = store.delete
    failures = iter([RuntimeError("disk full")])

    async def delete_failing_once(*args, **kwargs):
        # Fails after the upserts of the new version went in; the restore's own delete then works.
        for failure in failures:
            raise failure
        return await delete(*args, **kwargs)

    monkeypatch.setattr(store, "delete", delete_failing_once)
    replacement = jsonl([{**PRODUCTS[0], "title": "Changed title"}, {"sku": "NEW", "title": "Tent", "price": 1}])
    with pytest.raises(RuntimeError, match="disk full"):
        await index.ingest(SHOP, "products", "p.jsonl", replacement)
    monkeypatch.undo()
    assert (await index.stats(SHOP)).version == 1
    assert (await index.product(SHOP, "JKT-RED")).title.startswith("Alpine")
    assert await store.count("products", SHOP) == len(PRODUCTS)
    assert "NEW" not in await _skus(index, "tent")

    # A fresh process over the same data dir sees version 1 and embeds nothing.
    reopened = await CatalogIndex.open(tmp_path, RetrievalConfig(), embedder=embedder)
    counter = EmbedCounter(reopened, monkeypatch)
    assert len(await reopened.products(SHOP)) == len(PRODUCTS)
    assert counter.texts == 0
    assert (await _skus(reopened, "noise cancelling headphones"))[0] == "EAR-1"
    await reopened.close()


async def test_an_interrupted_apply_is_reconciled_on_the_next_open(index, embedder, tmp_path) -> None:
    await index.ingest(SHOP, "products", "p.jsonl", jsonl(PRODUCTS))
    store = index._store
    # What a crash between Chroma writes and the manifest rename leaves: a marker and a stray document.
    await store.upsert("products", SHOP, ["STRAY"], (await embedder.embed(["stray"])), ["x"])
    await store.delete("products", SHOP, ["EAR-1"])
    marker = next((tmp_path / "catalog").glob("*/manifest.json")).with_name("pending")
    marker.write_text("2")

    reopened = await CatalogIndex.open(tmp_path, RetrievalConfig(), embedder=embedder)
    assert (await reopened.stats(SHOP)).version == 1
    assert set(await store.hashes("products", SHOP)) == {p["sku"] for p in PRODUCTS}
    assert not marker.exists()
    await reopened.close()


async def test_an_unknown_merchant_leaves_no_trace(index, tmp_path) -> None:
    assert await index.search("anything", SearchFilters(merchant_id="nobody"), k=3) == []
    assert (await index.stats("nobody")).version == 0
    assert not (tmp_path / "catalog").exists()


async def test_the_demo_catalog_loads(demo_index) -> None:
    stats = await demo_index.stats("demo")
    assert stats.products >= 200 and stats.reviews > 0 and stats.policies > 0
    hits = await demo_index.search("冲锋衣", SearchFilters(merchant_id="demo", price_max=1000), k=5)
    assert hits and all(hit.product.price <= 1000 for hit in hits)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_ingest_and_search_through_a_chroma_server(embedder, tmp_path) -> None:
    port = _free_port()
    chroma = Path(sys.executable).with_name("chroma")
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await _wait_for_port(port)
        config = RetrievalConfig(chroma_host="127.0.0.1", chroma_port=port, exact_search_max=0)
        index = await CatalogIndex.open(tmp_path / "data", config, embedder=embedder)
        await load_shop(index)
        assert not (tmp_path / "data" / "chroma").exists()
        assert (await _skus(index, "降噪耳机"))[0] == "EAR-1"
        hits = await index.search("shoes", SearchFilters(merchant_id=SHOP, price_max=500), k=5)
        assert hits and all(hit.product.price <= 500 for hit in hits)
        await index.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


async def _wait_for_port(port: int, timeout_s: float = 60) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.2)
