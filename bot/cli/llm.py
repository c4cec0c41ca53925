"""Commands: serve-llm (the embedded engine standalone, or vLLM with our production flags)."""

from __future__ import annotations

import asyncio
import shlex
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import app, console, fail, load_settings
from serving.config import LocalEngineConfig
from serving.errors import EngineStartError
from serving.local import LocalEngine
from serving.vllm import run_vllm, vllm_serve_command


@app.command("serve-llm")
def serve_llm(
    local: Annotated[
        bool, typer.Option("--local", help="Serve the embedded CPU engine (llama.cpp) until Ctrl-C.")
    ] = False,
    vllm_model: Annotated[
        str | None,
        typer.Option(
            "--vllm", metavar="MODEL", help="Run `vllm serve MODEL` (Hugging Face id or folder) with our flags."
        ),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="GGUF file for --local (default: SHOPGUIDE_LOCAL_LLM__MODEL_PATH or SmolLM2)."),
    ] = None,
    port: Annotated[int | None, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = None,
    print_only: Annotated[
        bool, typer.Option("--print", help="With --vllm: print the command instead of running it.")
    ] = False,
) -> None:
    """Serve an OpenAI-compatible LLM endpoint for ShopGuide (point SHOPGUIDE_LLM__BASE_URL at it)."""
    if local == (vllm_model is not None):
        fail("choose one: `--local` (embedded CPU engine) or `--vllm MODEL` (production GPU server)")
    settings = load_settings()
    if vllm_model is None:
        if print_only:
            fail("--print goes with --vllm MODEL")
        overrides = {key: value for key, value in {"model_path": model, "port": port}.items() if value is not None}
        config = LocalEngineConfig.model_validate({**settings.local_llm.model_dump(), **overrides})
        try:
            asyncio.run(_serve_local(config))
        except EngineStartError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            console.print("embedded engine stopped")
        return
    if model is not None:
        fail("--model is the GGUF for --local; with --vllm the model is the --vllm value")
    vllm_config = settings.vllm if port is None else settings.vllm.model_copy(update={"port": port})
    try:
        command = vllm_serve_command(vllm_model, vllm_config)
    except ValueError as exc:
        fail(str(exc))
    if print_only:
        console.print(shlex.join(command), highlight=False, soft_wrap=True)
        return
    try:
        code = asyncio.run(run_vllm(command))
    except EngineStartError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)


async def _serve_local(config: LocalEngineConfig) -> None:
    async with LocalEngine(config) as engine:
        console.print(
            f"embedded engine serving {engine.model_path.name} at {engine.base_url} as "
            f"model {config.served_model_name!r}\n"
            f"point the bot at it: SHOPGUIDE_LLM__BASE_URL={engine.base_url} SHOPGUIDE_LLM__STRUCTURED_OUTPUT=llamacpp\n"
            "Ctrl-C stops it",
            highlight=False,
            soft_wrap=True,
        )
        await asyncio.Event().wait()
