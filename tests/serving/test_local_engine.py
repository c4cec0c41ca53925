"""LLMClient against the real embedded engine (SmolLM2-135M on xllamacpp, started once per session):
streaming, usage, JSON-schema output, cancellation; and LocalEngine's own errors."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from pydantic import BaseModel

from serving.config import LLMConfig, LocalEngineConfig
from serving.errors import EngineStartError
from serving.llm import LLMClient
from serving.local import LocalEngine, packaged_model_path

ASK = [{"role": "user", "content": "Name three colours."}]


class Person(BaseModel):
    name: str
    age: int


async def test_stream_yields_text_then_finish_reason_and_usage(local_llm_config):
    async with LLMClient(local_llm_config) as client:
        chunks = [chunk async for chunk in client.stream(ASK, max_tokens=8)]
    text_chunks, last = chunks[:-1], chunks[-1]
    assert text_chunks and all(chunk.text for chunk in text_chunks)
    assert last.text == "" and last.finish_reason == "length"
    assert last.usage is not None
    assert last.usage.completion_tokens == 8
    assert last.usage.prompt_tokens > 0
    assert last.usage.total_tokens == last.usage.prompt_tokens + 8


async def test_whole_answer_matches_the_stream_at_temperature_zero(local_llm_config):
    async with LLMClient(local_llm_config) as client:
        whole = await client.chat(ASK, max_tokens=8)
        streamed = "".join([chunk.text async for chunk in client.stream(ASK, max_tokens=8)])
    assert whole.text == streamed
    assert whole.usage is not None and whole.usage.completion_tokens == 8


async def test_json_schema_output_validates(local_llm_config):
    messages = [{"role": "user", "content": "Invent a person. Give a name and an age."}]
    async with LLMClient(local_llm_config) as client:
        person = await client.structured(messages, Person, max_tokens=48)
    assert isinstance(person, Person) and person.name


async def test_cancelling_a_stream_leaves_the_engine_serving(local_llm_config):
    async with LLMClient(local_llm_config) as client:
        async with contextlib.aclosing(client.stream(ASK, max_tokens=400)) as stream:
            async for chunk in stream:
                assert chunk.text
                break

        started = asyncio.Event()

        async def consume() -> None:
            async for _ in client.stream(ASK, max_tokens=400):
                started.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(started.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # Had either abandoned generation kept its slot or hung the connection, this would stall.
        usage = (await client.chat(ASK, max_tokens=4)).usage
        assert usage is not None and usage.completion_tokens == 4
        assert await client.health()


async def test_client_config_points_at_the_engine(packaged_engine):
    engine = packaged_engine
    assert engine.model_path == packaged_model_path() and engine.model_path.is_file()
    config = LLMConfig(temperature=0.0)
    async with engine:
        pointed = engine.client_config(config)
        assert pointed.base_url == engine.base_url and pointed.structured_output == "llamacpp"
        async with LLMClient(pointed) as client:
            assert await client.health()
    with pytest.raises(RuntimeError, match="not running"):
        _ = engine.base_url


async def test_missing_model_file_is_a_clear_error(tmp_path: Path):
    missing = tmp_path / "nope.gguf"
    with pytest.raises(EngineStartError, match="not found: .*nope.gguf"):
        async with LocalEngine(LocalEngineConfig(model_path=missing)):
            pass


async def test_a_file_that_is_not_gguf_is_refused(tmp_path: Path):
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(EngineStartError, match="not a GGUF"):
        async with LocalEngine(LocalEngineConfig(model_path=bogus)):
            pass
