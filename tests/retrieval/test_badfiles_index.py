"""Every file of the bad-file corpus is refused by the index and leaves the stored catalog exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.config import RetrievalConfig
from retrieval.index import CatalogError, CatalogIndex
from retrieval.query import SearchFilters
from tests.retrieval.badfiles import BAD_FILES, GOOD_CSV, MAX_BYTES, MAX_ROWS

CONFIG = RetrievalConfig(max_upload_bytes=MAX_BYTES, max_rows=MAX_ROWS)


async def snapshot(index: CatalogIndex) -> tuple:
    stats = await (await index.merchant("shop")).stats()
    hits = await (await index.merchant("shop")).search("rain jacket", SearchFilters(), 5)
    return (
        stats.model_dump(),
        await (await index.merchant("shop")).export("products"),
        [v.model_dump() for v in await (await index.merchant("shop")).versions()],
        [hit.product.sku for hit in hits],
    )


async def test_bad_files_change_nothing(embedder, tmp_path: Path) -> None:
    index = await CatalogIndex.open(tmp_path, CONFIG, embedder=embedder)
    try:
        assert (await (await index.merchant("shop")).ingest("products", "good.csv", GOOD_CSV.encode())).ok
        before = await snapshot(index)
        for bad in BAD_FILES:
            report = await (await index.merchant("shop")).ingest("products", bad.filename, bad.data)
            assert not report.ok and report.version is None, bad.name
            assert report.parsed.errors or report.rejected, bad.name
            with pytest.raises(CatalogError, match="nothing was applied"):
                await (await index.merchant(report.merchant_id)).apply(report)
            assert await snapshot(index) == before, bad.name
    finally:
        await index.close()

    reopened = await CatalogIndex.open(tmp_path, CONFIG, embedder=embedder)
    try:
        assert await snapshot(reopened) == before
    finally:
        await reopened.close()
