"""How ShopGuide runs vLLM in production: the `vllm serve` command line built from `VLLMConfig`, and running
it as a child process (`shopguide serve-llm --vllm MODEL`). vLLM itself is installed only on GPU hosts."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path

from serving.config import VLLMConfig
from serving.errors import EngineStartError

# How long vLLM gets to shut down cleanly (free GPU memory, stop workers) after Ctrl-C before it is killed.
_STOP_GRACE_S = 30.0


def vllm_serve_command(model: str, config: VLLMConfig) -> list[str]:
    """`vllm serve MODEL ...` with our production flags; `config.extra_args` go last so they can override."""
    if not model.strip():
        raise ValueError("a model is required: a Hugging Face id (e.g. Qwen/Qwen2.5-7B-Instruct) or a local folder")
    return [
        "vllm",
        "serve",
        model,
        "--host",
        config.host,
        "--port",
        str(config.port),
        "--served-model-name",
        config.served_model_name,
        "--max-model-len",
        str(config.max_model_len),
        "--gpu-memory-utilization",
        str(config.gpu_memory_utilization),
        "--enable-prefix-caching" if config.enable_prefix_caching else "--no-enable-prefix-caching",
        "--tensor-parallel-size",
        str(config.tensor_parallel_size),
        "--data-parallel-size",
        str(config.data_parallel_size),
        "--structured-outputs-config",
        json.dumps({"backend": config.structured_outputs_backend}),
        *config.extra_args,
    ]


def find_vllm_executable() -> Path:
    """The `vllm` console script next to this interpreter (an unactivated venv) or on PATH."""
    beside = Path(sys.executable).parent / "vllm"
    if beside.is_file():
        return beside
    found = shutil.which("vllm")
    if found is None:
        raise EngineStartError(
            "vllm is not installed here: install it on the GPU host (`pip install vllm`) or run the "
            "vllm/vllm-openai container (docs/DEPLOY.md); `shopguide serve-llm --vllm MODEL --print` shows the command"
        )
    return Path(found)


async def run_vllm(command: list[str]) -> int:
    """Runs the command until it exits (its exit code) or this task is cancelled (then stops it)."""
    executable = await asyncio.to_thread(find_vllm_executable)
    process = await asyncio.create_subprocess_exec(str(executable), *command[1:])
    try:
        return await process.wait()
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), _STOP_GRACE_S)
            except TimeoutError:
                process.kill()
                await process.wait()
