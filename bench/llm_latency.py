"""LLM latency: time to first token and tokens/s through `LLMClient.stream`, beside the same requests sent raw
(plain aiohttp + SSE lines) to the same engine, at several numbers of concurrent streams.

    .venv/bin/python bench/llm_latency.py                      # starts the embedded engine (SmolLM2)
    .venv/bin/python bench/llm_latency.py --base-url http://127.0.0.1:8000/v1 --model shopguide

Figures are medians over rounds; the ratio columns are the median over rounds of client/raw for
throughput and raw/client for TTFT, so 1.0 means "no overhead" and the target is >= 0.9. Each round runs
raw and client back to back, alternating which goes first, so drift (caches, other load on the machine)
hits both alike; use an even number of rounds. The first line printed is the client-side CPU cost per
streamed token, which does not depend on the engine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from serving.config import LLMConfig, LocalEngineConfig
from serving.llm import LLMClient
from serving.local import LocalEngine
from serving.protocol import ChatCompletionChunk, StreamChunk
from serving.sse import SSEDecoder

PROMPTS = [
    "Describe a good running shoe in a few sentences.",
    "List some things to check before buying a laptop.",
    "Explain what makes a backpack comfortable.",
    "Write a short note about choosing headphones.",
]


@dataclass
class StreamTiming:
    ttft_s: float
    tokens: int


@dataclass
class RoundResult:
    ttft_p50_ms: float
    tokens_per_s: float  # all streams' completion tokens / wall time of the round


@dataclass
class LevelResult:
    raw: list[RoundResult]
    client: list[RoundResult]

    def median(self, side: str, field: str) -> float:
        return statistics.median(getattr(result, field) for result in getattr(self, side))

    def ratio(self, field: str, *, lower_is_better: bool) -> float:
        """Median over rounds of the paired ratio, so one noisy round does not decide the figure."""
        pairs = zip(self.raw, self.client, strict=True)
        if lower_is_better:
            return statistics.median(getattr(raw, field) / getattr(ours, field) for raw, ours in pairs)
        return statistics.median(getattr(ours, field) / getattr(raw, field) for raw, ours in pairs)


def parse_cost_us(tokens: int = 20_000) -> tuple[float, float]:
    """CPU microseconds per streamed token spent on the client side: the raw loop's json.loads beside our
    SSE decoder + pydantic models. Independent of the engine, so it stays readable on a busy machine."""
    event = (
        b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"shopguide",'
        b'"choices":[{"index":0,"delta":{"content":" word"},"finish_reason":null}]}\n\n'
    )
    started = time.perf_counter()
    for _ in range(tokens):
        for line in event.split(b"\n"):
            if line.startswith(b"data: "):
                json.loads(line[6:])["choices"][0]["delta"].get("content")
    raw_us = (time.perf_counter() - started) / tokens * 1e6
    decoder = SSEDecoder()
    started = time.perf_counter()
    for _ in range(tokens):
        for data in decoder.feed(event):
            chunk = ChatCompletionChunk.model_validate_json(data)
            StreamChunk(text=chunk.choices[0].delta.content or "")
    client_us = (time.perf_counter() - started) / tokens * 1e6
    return raw_us, client_us


def messages(index: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": PROMPTS[index % len(PROMPTS)]}]


async def raw_stream(session: aiohttp.ClientSession, url: str, body: dict) -> StreamTiming:
    started = time.perf_counter()
    ttft = None
    tokens = 0
    async with session.post(f"{url}/chat/completions", json=body) as response:
        response.raise_for_status()
        async for line in response.content:
            if not line.startswith(b"data: ") or line.strip() == b"data: [DONE]":
                continue
            event = json.loads(line[6:])
            if ttft is None and event["choices"] and event["choices"][0]["delta"].get("content"):
                ttft = time.perf_counter() - started
            if event.get("usage"):
                tokens = event["usage"]["completion_tokens"]
    return StreamTiming(ttft or 0.0, tokens)


async def client_stream(client: LLMClient, index: int, max_tokens: int) -> StreamTiming:
    started = time.perf_counter()
    ttft = None
    tokens = 0
    async for chunk in client.stream(messages(index), temperature=0.0, max_tokens=max_tokens):
        if ttft is None and chunk.text:
            ttft = time.perf_counter() - started
        if chunk.usage is not None:
            tokens = chunk.usage.completion_tokens
    return StreamTiming(ttft or 0.0, tokens)


async def timed_round(streams: Sequence[Awaitable[StreamTiming]]) -> RoundResult:
    started = time.perf_counter()
    timings = await asyncio.gather(*streams)
    wall_s = time.perf_counter() - started
    return RoundResult(statistics.median(t.ttft_s * 1000 for t in timings), sum(t.tokens for t in timings) / wall_s)


async def run_level(config: LLMConfig, concurrency: int, rounds: int, max_tokens: int) -> LevelResult:
    if config.base_url is None:
        raise ValueError("run_level needs an endpoint: config.base_url is not set")
    base_url = config.base_url
    result = LevelResult(raw=[], client=[])
    headers = {"Authorization": f"Bearer {config.api_key.get_secret_value()}"} if config.api_key else {}
    bodies = [
        {
            "model": config.model,
            "messages": messages(i),
            "temperature": 0.0,
            "top_p": config.top_p,
            "max_tokens": max_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        for i in range(concurrency)
    ]
    # The raw baseline opens a connection per request: llama.cpp's server may close a kept-alive one right
    # after a stream, and a bare client has no retry for that (ours does).
    raw_connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(headers=headers, connector=raw_connector) as session, LLMClient(config) as client:
        # Round 0 only warms the engine up for this level (its first requests are several times slower).
        for round_index in range(rounds + 1):
            raw = [raw_stream(session, base_url, body) for body in bodies]
            ours = [client_stream(client, i, max_tokens) for i in range(concurrency)]
            # Alternate who goes first: the second of a pair finds the engine's caches warmer.
            if round_index % 2 == 0:
                raw_result, client_result = await timed_round(raw), await timed_round(ours)
            else:
                client_result, raw_result = await timed_round(ours), await timed_round(raw)
            if round_index:
                result.raw.append(raw_result)
                result.client.append(client_result)
    return result


async def main(args: argparse.Namespace) -> None:
    levels = [int(level) for level in args.concurrency.split(",")]
    base = LLMConfig(
        base_url=args.base_url,
        model=args.model,
        max_concurrency=max(levels),  # the bench measures overhead, not our queueing
        total_timeout_s=600,
        first_token_timeout_s=600,
    )
    raw_us, client_us = parse_cost_us()
    print(f"client-side CPU per streamed token: raw {raw_us:.1f} us, LLMClient {client_us:.1f} us")
    engine_context = LocalEngine(LocalEngineConfig(parallel=args.parallel)) if args.base_url is None else nullcontext()
    async with engine_context as engine:
        config = base if engine is None else engine.client_config(base)
        print(f"engine: {config.base_url}  max_tokens={args.max_tokens}  rounds={args.rounds}")
        print(
            f"{'streams':>7} | {'raw TTFT p50 ms':>15} | {'client TTFT p50 ms':>18} | {'raw tok/s':>9} | "
            f"{'client tok/s':>12} | {'TTFT ratio':>10} | {'tok/s ratio':>11}"
        )
        for level in levels:
            result = await run_level(config, level, args.rounds, args.max_tokens)
            print(
                f"{level:>7} | {result.median('raw', 'ttft_p50_ms'):>15.0f} | "
                f"{result.median('client', 'ttft_p50_ms'):>18.0f} | {result.median('raw', 'tokens_per_s'):>9.1f} | "
                f"{result.median('client', 'tokens_per_s'):>12.1f} | "
                f"{result.ratio('ttft_p50_ms', lower_is_better=True):>10.2f} | "
                f"{result.ratio('tokens_per_s', lower_is_better=False):>11.2f}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="A running OpenAI-compatible server; default: start the embedded engine.")
    parser.add_argument("--model", default="shopguide", help="Model name to send (with --base-url).")
    parser.add_argument("--concurrency", default="1,4,16", help="Comma-separated numbers of concurrent streams.")
    parser.add_argument(
        "--rounds", type=int, default=4, help="Measured rounds per level (each: raw and client, order alternating)."
    )
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--parallel", type=int, default=4, help="Embedded engine slots (decoded at once).")
    asyncio.run(main(parser.parse_args()))
