"""The five-product "tiny shop" (tests/assistant/tiny_shop/) as merchant "demo" in a data dir, ingested the
way a first run ingests the demo catalog; shared by the services, runner and CLI tests."""

from __future__ import annotations

from pathlib import Path

from bot.services import ingest_demo_catalog
from retrieval.config import RetrievalConfig
from retrieval.embed import Embedder
from retrieval.index import CatalogIndex

TINY_SHOP = Path(__file__).parent / "tiny_shop"


async def tiny_shop_data_dir(embedder: Embedder, data_dir: Path) -> Path:
    index = await CatalogIndex.open(data_dir, RetrievalConfig(), embedder=embedder)
    try:
        assert await ingest_demo_catalog(index, TINY_SHOP)
        assert not await ingest_demo_catalog(index, TINY_SHOP)  # already there: nothing happens
        assert (await (await index.merchant("demo")).stats()).products == 5
    finally:
        await index.close()
    return data_dir
