"""The `vllm serve` command line built from VLLMConfig, and `shopguide serve-llm`'s argument handling."""

from __future__ import annotations

import importlib.util
import json
import shlex

import pytest
import typer
from typer.testing import CliRunner

from bot.cli.llm import serve_llm
from serving.config import VLLMConfig
from serving.vllm import vllm_serve_command


def flag(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_command_carries_the_production_flags():
    config = VLLMConfig(
        port=9000,
        served_model_name="shop",
        max_model_len=16384,
        gpu_memory_utilization=0.85,
        tensor_parallel_size=2,
        data_parallel_size=4,
        structured_outputs_backend="xgrammar",
        extra_args=["--max-num-seqs", "128"],
    )
    command = vllm_serve_command("Qwen/Qwen2.5-7B-Instruct", config)
    assert command[:3] == ["vllm", "serve", "Qwen/Qwen2.5-7B-Instruct"]
    assert flag(command, "--host") == "0.0.0.0" and flag(command, "--port") == "9000"
    assert flag(command, "--served-model-name") == "shop"
    assert flag(command, "--max-model-len") == "16384"
    assert flag(command, "--gpu-memory-utilization") == "0.85"
    assert flag(command, "--tensor-parallel-size") == "2" and flag(command, "--data-parallel-size") == "4"
    assert "--enable-prefix-caching" in command
    assert json.loads(flag(command, "--structured-outputs-config")) == {"backend": "xgrammar"}
    assert command[-2:] == ["--max-num-seqs", "128"]


def test_prefix_caching_can_be_turned_off():
    command = vllm_serve_command("m", VLLMConfig(enable_prefix_caching=False))
    assert "--no-enable-prefix-caching" in command and "--enable-prefix-caching" not in command


def test_empty_model_is_refused():
    with pytest.raises(ValueError, match="model is required"):
        vllm_serve_command("  ", VLLMConfig())


@pytest.fixture
def invoke(monkeypatch, tmp_path):
    # Only this command, in its own app: the test does not depend on the other command modules.
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("serve-llm")(serve_llm)
    monkeypatch.chdir(tmp_path)  # no stray .env
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["serve-llm", *args])


def test_print_shows_the_command_with_the_port_override(invoke):
    result = invoke("--vllm", "Qwen/Qwen3-8B", "--port", "8123", "--print")
    assert result.exit_code == 0, result.output
    command = shlex.split(result.output.strip())
    assert command[:3] == ["vllm", "serve", "Qwen/Qwen3-8B"] and flag(command, "--port") == "8123"


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed here")
def test_running_vllm_where_it_is_not_installed_is_a_clear_error(invoke, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = invoke("--vllm", "Qwen/Qwen3-8B")
    assert result.exit_code == 1
    assert "vllm is not installed" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "choose one"),
        (("--local", "--vllm", "m"), "choose one"),
        (("--local", "--print"), "--print goes with --vllm"),
        (("--vllm", "m", "--model", "x.gguf"), "--model is the GGUF for --local"),
        (("--local", "--model", "missing.gguf"), "GGUF model file not found"),
    ],
)
def test_bad_combinations_are_explained(invoke, args, message):
    result = invoke(*args)
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
