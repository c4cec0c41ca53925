"""CatalogIndex: versioned all-or-nothing uploads, no re-embedding of unchanged rows, rollback, single-product
edits, export, merchant isolation, recovery after a failed apply, and a Chroma server behind it."""

from __future__ import annotations

import asyncio

import pytest

from retrieval.catalog import parse_catalog_file
from retrieval.config import RetrievalConfig
from retrieval.export import EXPORT_FORMATS, ExportFormat
from retrieval.index import CatalogError, CatalogIndex
from retrieval.models import DocumentKind
from retrieval.query import SearchFilters
from tests.retrieval.conftest import PRODUCTS, REVIEWS, SHOP, jsonl, load_shop
from tests.support.fake_embedder import HashingEmbedder


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
    return [hit.product.sku for hit in await (await index.merchant(merchant_id)).search(query, k=20)]


async def test_upload_report_counts_and_unchanged_rows_are_not_re_embedded(index, monkeypatch) -> None:
    first = await (await index.merchant(SHOP)).ingest("products", "p.jsonl", jsonl(PRODUCTS))
    assert first.ok and first.added == len(PRODUCTS) and first.version == 1

    edited = [dict(p) for p in PRODUCTS[1:]]  # JKT-RED removed
    edited[0]["price"] = 799  # JKT-BLU: price only, same text
    edited[1]["description"] = "全新升级面料"  # JKT-LITE: new text
    edited.append({"sku": "NEW-1", "title": "Camping Lantern", "price": 89})
    counter = EmbedCounter(index, monkeypatch)
    report = await (await index.merchant(SHOP)).validate("products", "p.jsonl", jsonl(edited), "replace")
    assert (report.added, report.updated, report.unchanged, report.removed) == (1, 2, len(PRODUCTS) - 3, 1)
    assert (await (await index.merchant(SHOP)).stats()).version == 1  # validate writes nothing

    version = await (await index.merchant(report.merchant_id)).apply(report)
    assert version.version == 2 and version.action == "upload" and version.previous == 1
    assert counter.texts == 2  # the new text and the new product; a price change embeds nothing
    assert (await (await index.merchant(SHOP)).product("JKT-BLU")).price == 799
    assert await (await index.merchant(SHOP)).product("JKT-RED") is None
    assert "NEW-1" in await _skus(index, "lantern for camping")


async def test_a_rejected_file_changes_nothing(index) -> None:
    await load_shop(index)
    before = await (await index.merchant(SHOP)).products()
    bad = jsonl([*PRODUCTS[:3], {"sku": "X", "title": "Broken", "price": "-5"}, {"sku": "Y", "price": 3}])
    report = await (await index.merchant(SHOP)).ingest("products", "p.jsonl", bad)
    assert not report.ok and report.version is None and len(report.rejected) == 2
    with pytest.raises(CatalogError, match="nothing was applied"):
        await (await index.merchant(report.merchant_id)).apply(report)
    empty = await (await index.merchant(SHOP)).ingest("products", "p.csv", b"")
    assert not empty.ok and empty.parsed.errors
    assert await (await index.merchant(SHOP)).products() == before
    assert (await (await index.merchant(SHOP)).stats()).version == 3


async def test_reviews_of_unknown_products_are_rejected(index) -> None:
    await (await index.merchant(SHOP)).ingest("products", "p.jsonl", jsonl(PRODUCTS))
    report = await (await index.merchant(SHOP)).validate(
        "reviews", "r.jsonl", jsonl([*REVIEWS, {"sku": "GHOST", "rating": 3, "text": "?"}])
    )
    assert not report.ok
    # JSONL rows are line numbers: the ghost review is on the line after the good ones.
    assert [(error.row, error.field, "GHOST" in error.reason) for error in report.rejected] == [
        (len(REVIEWS) + 1, "sku", True)
    ]


async def test_rollback_restores_the_previous_version(index) -> None:
    await (await index.merchant(SHOP)).ingest("products", "p.jsonl", jsonl(PRODUCTS))
    await (await index.merchant(SHOP)).ingest(
        "products", "p.jsonl", jsonl([{"sku": "ONLY", "title": "Garden Hose 20m", "price": 50}]), mode="replace"
    )
    assert await _skus(index, "jacket") == ["ONLY"]

    restored = await (await index.merchant(SHOP)).rollback()
    assert restored.action == "rollback" and restored.version == 3
    assert len(await (await index.merchant(SHOP)).products()) == len(PRODUCTS)
    assert "ONLY" not in await _skus(index, "garden hose")
    assert (await (await index.merchant(SHOP)).rollback()).counts["products"] == 0  # back to before the first upload
    with pytest.raises(CatalogError, match="nothing to roll back|no catalog"):
        await (await index.merchant(SHOP)).rollback()
    assert [v.version for v in await (await index.merchant(SHOP)).versions()] == [1, 2, 3, 4]


async def test_the_vocabulary_follows_the_catalog_version(index) -> None:
    shop = await index.merchant(SHOP)
    await shop.ingest("products", "p.jsonl", jsonl(PRODUCTS))
    assert "Peak" in (await shop.vocabulary()).brands and "冲锋衣" in (await shop.vocabulary()).categories
    hose = [{"sku": "ONLY", "title": "Garden Hose 20m", "price": 50, "brand": "Gardena", "category": "Garden > Hoses"}]
    await shop.ingest("products", "p.jsonl", jsonl(hose), mode="replace")
    vocabulary = await shop.vocabulary()
    assert (vocabulary.brands, vocabulary.categories) == (["Gardena"], ["Garden", "Hoses"])
    await shop.rollback()
    assert "Peak" in (await shop.vocabulary()).brands


async def test_single_product_edits_are_versions(index, monkeypatch) -> None:
    await (await index.merchant(SHOP)).ingest("products", "p.jsonl", jsonl(PRODUCTS))
    counter = EmbedCounter(index, monkeypatch)
    await (await index.merchant(SHOP)).set_price("SHOE-RUN", 299)
    await (await index.merchant(SHOP)).set_stock("EAR-1", 0)
    await (await index.merchant(SHOP)).delete_product("BAG-1")
    assert counter.texts == 0
    cheap = await (await index.merchant(SHOP)).search("running shoes", SearchFilters(price_max=300), k=5)
    assert "SHOE-RUN" in [hit.product.sku for hit in cheap]
    assert not (await (await index.merchant(SHOP)).product("EAR-1")).in_stock
    assert await (await index.merchant(SHOP)).product("BAG-1") is None
    assert [v.action for v in await (await index.merchant(SHOP)).versions()] == [
        "upload",
        "set_price",
        "set_stock",
        "delete_product",
    ]
    with pytest.raises(CatalogError, match="no product"):
        await (await index.merchant(SHOP)).set_price("NOPE", 1)
    with pytest.raises(CatalogError):
        await (await index.merchant(SHOP)).set_price("SHOE-RUN", -1)


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
async def test_an_export_sent_straight_back_changes_nothing(index, fmt: ExportFormat) -> None:
    await load_shop(index)
    shop = await index.merchant(SHOP)
    current: dict[DocumentKind, list] = {
        "products": await shop.products(),
        "reviews": [review for p in PRODUCTS for review in await shop.reviews(p["sku"])],
        "policies": await shop.policies(),
    }
    for kind, records in current.items():
        data = await shop.export(kind, fmt)
        parsed = parse_catalog_file(kind, f"{kind}.{fmt}", data, SHOP, max_bytes=10**7, max_rows=10**5)
        assert parsed.ok and not parsed.warnings, (parsed.rejected, parsed.warnings)
        assert sorted(parsed.records, key=lambda r: r.key) == sorted(records, key=lambda r: r.key)
        for mode in ("upsert", "replace"):
            report = await shop.validate(kind, f"{kind}.{fmt}", data, mode)
            assert report.ok and report.changes == 0 and report.unchanged == len(records), (kind, mode)


async def test_a_merchant_only_touches_its_own_documents(index) -> None:
    await load_shop(index)
    await (await index.merchant("shop-b")).ingest(
        "products", "p.jsonl", jsonl([{"sku": "JKT-RED", "title": "Shop B Red Kettle", "price": 10}])
    )
    assert await _skus(index, "kettle", "shop-b") == ["JKT-RED"]
    assert (await (await index.merchant(SHOP)).product("JKT-RED")).title.startswith("Alpine")
    await (await index.merchant("shop-b")).delete_product("JKT-RED")
    assert await (await index.merchant(SHOP)).product("JKT-RED") is not None
    alpine = await (await index.merchant(SHOP)).search("alpine jacket", k=20)
    assert "JKT-RED" in {sku for hit in alpine for sku in (hit.product.sku, *hit.variants)}


async def test_a_failure_mid_apply_keeps_the_previous_version(index, embedder, tmp_path, monkeypatch) -> None:
    await (await index.merchant(SHOP)).ingest("products", "p.jsonl", jsonl(PRODUCTS))
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
        await (await index.merchant(SHOP)).ingest("products", "p.jsonl", replacement, mode="replace")
    monkeypatch.undo()
    assert (await (await index.merchant(SHOP)).stats()).version == 1
    assert (await (await index.merchant(SHOP)).product("JKT-RED")).title.startswith("Alpine")
    assert await store.count("products", SHOP) == len(PRODUCTS)
    assert "NEW" not in await _skus(index, "tent")

    # A fresh process over the same data dir sees version 1 and embeds nothing.
    reopened = await CatalogIndex.open(tmp_path, RetrievalConfig(), embedder=embedder)
    counter = EmbedCounter(reopened, monkeypatch)
    assert len(await (await reopened.merchant(SHOP)).products()) == len(PRODUCTS)
    assert counter.texts == 0
    assert (await _skus(reopened, "noise cancelling headphones"))[0] == "EAR-1"
    await reopened.close()


async def test_an_interrupted_apply_is_reconciled_on_the_next_open(index, embedder, tmp_path) -> None:
    await (await index.merchant(SHOP)).ingest("products", "p.jsonl", jsonl(PRODUCTS))
    store = index._store
    # What a crash between Chroma writes and the manifest rename leaves: a marker and a stray document.
    await store.upsert("products", SHOP, ["STRAY"], (await embedder.embed(["stray"])), ["x"])
    await store.delete("products", SHOP, ["EAR-1"])
    marker = next((tmp_path / "catalog").glob("*/manifest.json")).with_name("pending")
    marker.write_text("2")

    reopened = await CatalogIndex.open(tmp_path, RetrievalConfig(), embedder=embedder)
    assert (await (await reopened.merchant(SHOP)).stats()).version == 1
    assert set(await store.hashes("products", SHOP)) == {p["sku"] for p in PRODUCTS}
    assert not marker.exists()
    await reopened.close()


async def test_another_embedding_model_re_embeds_instead_of_reusing_saved_vectors(index, embedder, tmp_path) -> None:
    await load_shop(index)
    await index.close()
    other = HashingEmbedder(dim=embedder.dim // 2)  # another vector space: its own Chroma collections too
    reopened = await CatalogIndex.open(tmp_path, RetrievalConfig(), embedder=other)
    assert "EAR-1" in await _skus(reopened, "noise cancelling headphones")
    await reopened.close()


async def test_an_unknown_merchant_leaves_no_trace(index, tmp_path) -> None:
    assert await (await index.merchant("nobody")).search("anything", SearchFilters(), k=3) == []
    assert (await (await index.merchant("nobody")).stats()).version == 0
    assert not (tmp_path / "catalog").exists()


async def test_the_demo_catalog_loads(demo_index) -> None:
    stats = await (await demo_index.merchant("demo")).stats()
    assert stats.products >= 200 and stats.reviews > 0 and stats.policies > 0
    hits = await (await demo_index.merchant("demo")).search("冲锋衣", SearchFilters(price_max=1000), k=5)
    assert hits and all(hit.product.price <= 1000 for hit in hits)


async def test_ingest_and_search_through_a_chroma_server(chroma_server, semantic_embedder, tmp_path) -> None:
    host, port = chroma_server
    await _wait_for_port(port)
    config = RetrievalConfig(chroma_host=host, chroma_port=port, exact_search_max=0)
    index = await CatalogIndex.open(tmp_path / "data", config, embedder=semantic_embedder)
    await load_shop(index)
    assert not (tmp_path / "data" / "chroma").exists()
    # Dense search through the server's ANN index (exact scoring is off) reaches across languages.
    assert (await (await index.merchant(SHOP)).search("降噪耳机", k=1, mode="dense"))[0].product.sku == "EAR-1"
    hits = await (await index.merchant(SHOP)).search("shoes", SearchFilters(price_max=500), k=5)
    assert hits and all(hit.product.price is not None and hit.product.price <= 500 for hit in hits)
    await index.close()


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
