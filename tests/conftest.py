"""Fixtures shared across test areas. Each section is owned by one area; area-only fixtures live in
that area's own conftest.py."""

from __future__ import annotations

import pytest

import demo

# --- retrieval: embedder and a demo-catalog index built once per session -----------------------

DEMO_DIR = demo.shop_dir()
DEMO_FILES = demo.CATALOG_FILES


@pytest.fixture(scope="session")
async def embedder():
    """The default embedder (packaged multilingual USE), loaded once for the whole run."""
    from retrieval.config import RetrievalConfig
    from retrieval.embed import open_embedder

    return await open_embedder(RetrievalConfig())


@pytest.fixture(scope="session")
async def demo_index(embedder, tmp_path_factory):
    """A CatalogIndex over a fresh data dir with the demo catalog (merchant "demo") ingested."""
    from retrieval.config import RetrievalConfig
    from retrieval.index import CatalogIndex

    index = await CatalogIndex.open(tmp_path_factory.mktemp("demo-index"), RetrievalConfig(), embedder=embedder)
    for kind, name in DEMO_FILES.items():
        report = await (await index.merchant("demo")).ingest(kind, name, (DEMO_DIR / name).read_bytes())
        assert report.ok, f"demo {name} does not ingest cleanly: {report.parsed.errors or report.rejected[:3]}"
    yield index
    await index.close()


# --- serving: the real embedded engine (session-scoped) and a scripted LLM server --------------


@pytest.fixture(scope="session")
async def local_engine():
    """Base URL (`http://127.0.0.1:PORT/v1`) of the real embedded engine (SmolLM2 on xllamacpp), started
    once per session. Tests using it are marked `slow`."""
    from serving.config import LocalEngineConfig
    from serving.local import LocalEngine

    async with LocalEngine(LocalEngineConfig()) as engine:
        yield engine.base_url


@pytest.fixture
def local_llm_config(local_engine):
    """An LLMConfig for the embedded engine: deterministic (temperature 0), llama.cpp's structured-output form."""
    from serving.config import LLMConfig

    return LLMConfig(base_url=local_engine, structured_output="llamacpp", temperature=0.0, max_tokens=32)
