"""LLMClient against a scripted server that injects faults: retries, timeouts, cut and malformed streams,
connection refused, the circuit breaker and the concurrency cap. Small timeouts keep every test fast."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from serving.config import LLMConfig
from serving.errors import LLMOutputError, LLMRequestError, LLMTimeout, LLMUnavailable
from serving.llm import LLMClient
from serving.protocol import StreamChunk
from tests.support.llm_server import Disconnect, RawStream, Reply, ScriptedLLMServer, Status, free_port

HI = [{"role": "user", "content": "hi"}]


def fast_config(base_url: str, **overrides: object) -> LLMConfig:
    values: dict[str, object] = {
        "base_url": base_url,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "connect_timeout_s": 1.0,
        "first_token_timeout_s": 1.0,
        "total_timeout_s": 3.0,
    }
    return LLMConfig.model_validate({**values, **overrides})


async def collect(stream) -> list[StreamChunk]:
    return [chunk async for chunk in stream]


async def test_chat_retries_a_500_then_succeeds():
    async with (
        ScriptedLLMServer([Status(500), Reply("fine now")]) as server,
        LLMClient(fast_config(server.base_url)) as client,
    ):
        result = await client.chat(HI)
    assert result.text == "fine now"
    assert len(server.requests) == 2


async def test_stream_retries_a_503_then_streams():
    async with (
        ScriptedLLMServer([Status(503), Reply("a b c")]) as server,
        LLMClient(fast_config(server.base_url)) as client,
    ):
        chunks = await collect(client.stream(HI))
    assert "".join(chunk.text for chunk in chunks) == "a b c"
    assert len(server.requests) == 2


async def test_gives_up_after_max_retries_with_unavailable():
    async with (
        ScriptedLLMServer(lambda request: Status(502, "bad gateway")) as server,
        LLMClient(fast_config(server.base_url, max_retries=2)) as client,
    ):
        with pytest.raises(LLMUnavailable, match="HTTP 502: bad gateway"):
            await client.chat(HI)
    assert len(server.requests) == 3


async def test_429_waits_for_retry_after():
    loop = asyncio.get_running_loop()
    async with (
        ScriptedLLMServer([Status(429, headers={"Retry-After": "0.4"}), Reply("ok")]) as server,
        LLMClient(fast_config(server.base_url)) as client,
    ):
        started = loop.time()
        result = await client.chat(HI)
        waited = loop.time() - started
    assert result.text == "ok"
    # Honouring the header is behaviour, not speed: the default backoff here would retry after ~0.01 s.
    assert waited >= 0.35  # (asyncio may wake a timer up to its clock resolution early)


async def test_retry_after_beyond_the_deadline_gives_up_at_once():
    async with (
        ScriptedLLMServer([Status(429, headers={"Retry-After": "60"}), Reply("too late")]) as server,
        LLMClient(fast_config(server.base_url)) as client,
    ):
        with pytest.raises(LLMUnavailable, match="would pass the deadline"):
            await client.chat(HI)
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 404, 422])
async def test_other_4xx_are_never_retried(status):
    async with (
        ScriptedLLMServer(lambda request: Status(status, "maximum context length exceeded")) as server,
        LLMClient(fast_config(server.base_url)) as client,
    ):
        with pytest.raises(LLMRequestError, match="maximum context length") as error:
            await client.chat(HI)
    assert error.value.status == status
    assert len(server.requests) == 1


async def test_stalled_first_token_times_out():
    async with (
        ScriptedLLMServer(lambda request: Reply("late", first_token_delay_s=30)) as server,
        LLMClient(fast_config(server.base_url, first_token_timeout_s=0.3)) as client,
    ):
        with pytest.raises(LLMTimeout, match="first token"):
            await collect(client.stream(HI))


async def test_total_timeout_bounds_a_slow_whole_answer():
    async with (
        ScriptedLLMServer(lambda request: Reply("slow", first_token_delay_s=30)) as server,
        LLMClient(fast_config(server.base_url, total_timeout_s=0.3)) as client,
    ):
        with pytest.raises(LLMTimeout):
            await client.chat(HI)


async def test_stream_cut_midway_raises_unavailable_after_the_text_so_far():
    received: list[str] = []
    async with (
        ScriptedLLMServer(lambda request: Reply("one two three four", cut_after_tokens=2)) as server,
        LLMClient(fast_config(server.base_url)) as client,
    ):
        with pytest.raises(LLMUnavailable, match="cut|ended before"):
            async for chunk in client.stream(HI):
                received.append(chunk.text)
    assert received == ["one ", "two "]


async def test_sse_comments_blank_lines_crlf_and_unknown_fields_are_skipped():
    body = (
        ": keep-alive\r\n\r\n"
        "event: message\r\nid: 1\r\n"
        'data: {"choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}\r\n\r\n'
        "retry: 100\n\n"
        'data: {"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\n'
        'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\n'
        "data: [DONE]\n\n"
    )
    async with ScriptedLLMServer([RawStream(body)]) as server, LLMClient(fast_config(server.base_url)) as client:
        chunks = await collect(client.stream(HI))
    assert "".join(chunk.text for chunk in chunks) == "Hello"
    assert chunks[-1].finish_reason == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 5


async def test_malformed_sse_data_raises_output_error():
    body = 'data: {"choices":[{"index":0,"delta":{"content":"ok"}}]}\n\ndata: {not json\n\ndata: [DONE]\n\n'
    async with ScriptedLLMServer([RawStream(body)]) as server, LLMClient(fast_config(server.base_url)) as client:
        with pytest.raises(LLMOutputError, match="malformed stream event"):
            await collect(client.stream(HI))


async def test_malformed_whole_answer_raises_output_error():
    async with (
        ScriptedLLMServer([RawStream("this is not json")]) as server,
        LLMClient(fast_config(server.base_url)) as client,
    ):
        with pytest.raises(LLMOutputError, match="malformed completion"):
            await client.chat(HI)


async def test_connection_refused_is_unavailable_after_retries():
    config = fast_config(f"http://127.0.0.1:{free_port()}/v1", max_retries=1)
    async with LLMClient(config) as client:
        with pytest.raises(LLMUnavailable, match="cannot reach"):
            await client.chat(HI)
        assert await client.health() is False


async def test_a_dropped_connection_is_retried_once_at_once():
    async with (
        ScriptedLLMServer([Disconnect(), Reply("fresh")]) as server,
        LLMClient(fast_config(server.base_url, max_retries=0)) as client,
    ):
        assert (await client.chat(HI)).text == "fresh"
    assert len(server.requests) == 2


async def test_a_connection_dropped_twice_is_unavailable():
    async with (
        ScriptedLLMServer([Disconnect(), Disconnect(), Reply("never")]) as server,
        LLMClient(fast_config(server.base_url, max_retries=0)) as client,
    ):
        with pytest.raises(LLMUnavailable, match="closed the connection"):
            await client.chat(HI)
    assert len(server.requests) == 2


async def test_breaker_opens_after_consecutive_failures_then_a_probe_closes_it():
    failing = True

    def behaviour(request):
        return Status(500) if failing else Reply("back")

    config = fast_config("", max_retries=0, breaker_failures=2, breaker_cooldown_s=0.3)
    async with (
        ScriptedLLMServer(behaviour) as server,
        LLMClient(config.model_copy(update={"base_url": server.base_url})) as client,
    ):
        for _ in range(2):
            with pytest.raises(LLMUnavailable, match="HTTP 500"):
                await client.chat(HI)
        assert client.circuit_open
        with pytest.raises(LLMUnavailable, match="circuit open"):
            await client.chat(HI)
        assert len(server.requests) == 2  # the open circuit did not call the backend

        failing = False
        await asyncio.sleep(0.35)
        assert not client.circuit_open
        assert (await client.chat(HI)).text == "back"
        assert not client.circuit_open


async def test_a_failed_probe_reopens_the_circuit():
    config = fast_config("", max_retries=0, breaker_failures=1, breaker_cooldown_s=0.2)
    async with (
        ScriptedLLMServer(lambda request: Status(500)) as server,
        LLMClient(config.model_copy(update={"base_url": server.base_url})) as client,
    ):
        with pytest.raises(LLMUnavailable):
            await client.chat(HI)
        await asyncio.sleep(0.25)
        with pytest.raises(LLMUnavailable, match="HTTP 500"):
            await client.chat(HI)  # the probe
        assert client.circuit_open
    assert len(server.requests) == 2


async def test_request_errors_do_not_open_the_circuit():
    config = fast_config("", breaker_failures=1)
    async with (
        ScriptedLLMServer(lambda request: Status(400)) as server,
        LLMClient(config.model_copy(update={"base_url": server.base_url})) as client,
    ):
        for _ in range(3):
            with pytest.raises(LLMRequestError):
                await client.chat(HI)
        assert not client.circuit_open


async def test_cancelling_the_consumer_closes_the_stream():
    reply = Reply("word " * 200, token_delay_s=0.02)
    async with (
        ScriptedLLMServer(lambda request: reply) as server,
        LLMClient(fast_config(server.base_url, total_timeout_s=30)) as client,
    ):
        first = asyncio.Event()

        async def consume() -> None:
            async for _ in client.stream(HI):
                first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for _ in range(100):  # the server notices at its next write
            if server.disconnects:
                break
            await asyncio.sleep(0.02)
    assert server.disconnects == 1


async def test_closing_the_iterator_early_closes_the_stream_and_frees_the_slot():
    script = [Reply("word " * 200, token_delay_s=0.02), Reply("done")]
    async with (
        ScriptedLLMServer(script) as server,
        LLMClient(fast_config(server.base_url, max_concurrency=1, total_timeout_s=30)) as client,
    ):
        async with contextlib.aclosing(client.stream(HI)) as stream:
            async for _ in stream:
                break
        # With one slot, this request only gets through if closing the stream released it.
        assert (await client.chat(HI)).text == "done"
        for _ in range(100):
            if server.disconnects:
                break
            await asyncio.sleep(0.02)
    assert server.disconnects == 1


async def test_concurrency_cap_limits_requests_in_flight():
    in_flight = 0
    peak = 0
    release = asyncio.Event()

    async with (
        ScriptedLLMServer(lambda request: Reply("x", first_token_delay_s=0.1)) as server,
        LLMClient(fast_config(server.base_url, max_concurrency=2)) as client,
    ):

        async def one() -> None:
            nonlocal in_flight, peak
            async for chunk in client.stream(HI):
                if chunk.text:
                    in_flight += 1
                    peak = max(peak, in_flight)
                    await release.wait()
                    in_flight -= 1

        tasks = [asyncio.create_task(one()) for _ in range(5)]
        for _ in range(250):
            if in_flight == 2:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # room for a third request to slip through if the cap did not hold
        assert peak == 2
        assert len(server.requests) == 2
        release.set()
        await asyncio.gather(*tasks)
    assert len(server.requests) == 5


@pytest.mark.parametrize("style", ["vllm", "openai"])
async def test_structured_output_sends_response_format_json_schema(style):
    from pydantic import BaseModel

    class Pick(BaseModel):
        sku: str
        score: int

    async with (
        ScriptedLLMServer(lambda request: '{"sku": "A-1", "score": 3}') as server,
        LLMClient(fast_config(server.base_url, structured_output=style)) as client,
    ):
        pick = await client.structured(HI, Pick)
    assert pick == Pick(sku="A-1", score=3)
    response_format = server.requests[0]["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Pick"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["schema"]["required"] == ["sku", "score"]


async def test_structured_output_llamacpp_form_and_mismatch_is_output_error():
    from pydantic import BaseModel

    class Pick(BaseModel):
        sku: str
        score: int

    async with (
        ScriptedLLMServer(lambda request: '{"sku": "A-1"}') as server,
        LLMClient(fast_config(server.base_url, structured_output="llamacpp")) as client,
    ):
        with pytest.raises(LLMOutputError, match="does not match Pick"):
            await client.structured(HI, Pick)
    assert server.requests[0]["json_schema"]["title"] == "Pick"
    assert "response_format" not in server.requests[0]


async def test_structured_output_cut_at_max_tokens_is_output_error():
    from pydantic import BaseModel

    class Pick(BaseModel):
        sku: str

    async with (
        ScriptedLLMServer(lambda request: Reply('{"sku": "A', finish_reason="length")) as server,
        LLMClient(fast_config(server.base_url)) as client,
    ):
        with pytest.raises(LLMOutputError, match="max_tokens"):
            await client.structured(HI, Pick)


async def test_request_body_carries_config_and_per_call_overrides():
    config = fast_config("", model="qwen", temperature=0.7, top_p=0.8, max_tokens=99, api_key="sekret")
    async with (
        ScriptedLLMServer(lambda request: "ok") as server,
        LLMClient(config.model_copy(update={"base_url": server.base_url})) as client,
    ):
        await client.chat(HI, temperature=0.0, max_tokens=5)
        await collect(client.stream(HI))
    whole, streamed = server.requests
    assert whole["model"] == "qwen" and whole["temperature"] == 0.0 and whole["max_tokens"] == 5
    assert whole["top_p"] == 0.8 and "stream_options" not in whole
    assert streamed["stream"] is True and streamed["stream_options"] == {"include_usage": True}
    assert streamed["temperature"] == 0.7 and streamed["max_tokens"] == 99
    assert [headers.get("Authorization") for headers in server.request_headers] == ["Bearer sekret"] * 2


async def test_health_reflects_the_backend():
    async with ScriptedLLMServer(lambda request: "ok") as server, LLMClient(fast_config(server.base_url)) as client:
        assert await client.health() is True
        server.healthy = False
        assert await client.health() is False


def test_missing_base_url_is_a_clear_error():
    with pytest.raises(ValueError, match="SHOPGUIDE_LLM__BASE_URL"):
        LLMClient(LLMConfig())


async def test_bad_message_role_is_rejected_before_sending():
    async with ScriptedLLMServer(lambda request: "ok") as server, LLMClient(fast_config(server.base_url)) as client:
        with pytest.raises(ValueError, match="role"):
            await client.chat([{"role": "wizard", "content": "hi"}])
    assert server.requests == []
