"""LLM latency: time to first token and tokens/s through `LLMClient.stream`, beside the same requests sent raw
(plain aiohttp + SSE lines) to the same engine, at several numbers of concurrent streams.

    .venv/bin/python bench/llm_latency.py                      # starts the embedded engine (SmolLM2)
    .venv/bin/python bench/llm_latency.py --base-url http://127.0.0.1:8000/v1 --model shopguide

The ratio columns are client/raw for throughput and raw/client for TTFT, so 1.0 means "no overhead" and
the target is >= 0.9. Each round runs raw and client back to back, alternating which goes first, so drift
(caches, other load on the machine) hits both alike; use an even number of rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from serving.config import LLMConfig, LocalEngineConfig  # noqa: E402
from serving.llm import LLMClient  # noqa: E402
from serving.local import LocalEngine  # noqa: E402

PROMPTS = [
    "Describe a good running shoe in a few sentences.",
    "List some things to check before buying a laptop.",
    "Explain what makes a backpack comfortable.",
    "Write a short note about choosing headphones.",
]


@dataclass
class StreamTiming:
    ttft_s: float
    total_s: float
    tokens: int


@dataclass
class LevelResult:
    ttft_p50_ms: float
    ttft_p95_ms: float
    tokens_per_s: float  # all streams' completion tokens / wall time of the round


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
    return StreamTiming(ttft or 0.0, time.perf_counter() - started, tokens)


async def client_stream(client: LLMClient, index: int, max_tokens: int) -> StreamTiming:
    started = time.perf_counter()
    ttft = None
    tokens = 0
    async for chunk in client.stream(messages(index), temperature=0.0, max_tokens=max_tokens):
        if ttft is None and chunk.text:
            ttft = time.perf_counter() - started
        if chunk.usage is not None:
            tokens = chunk.usage.completion_tokens
    return StreamTiming(ttft or 0.0, time.perf_counter() - started, tokens)


def summarise(timings: list[StreamTiming], wall_s: float) -> LevelResult:
    ttfts = sorted(t.ttft_s * 1000 for t in timings)
    p95 = ttfts[min(len(ttfts) - 1, int(round(0.95 * (len(ttfts) - 1))))]
    return LevelResult(statistics.median(ttfts), p95, sum(t.tokens for t in timings) / wall_s)


async def run_level(config: LLMConfig, concurrency: int, rounds: int, max_tokens: int) -> tuple[LevelResult, LevelResult]:
    raw_timings: list[StreamTiming] = []
    client_timings: list[StreamTiming] = []
    raw_wall = client_wall = 0.0
    headers = {"Authorization": f"Bearer {config.api_key.get_secret_value()}"} if config.api_key else {}
    async with aiohttp.ClientSession(headers=headers) as session, LLMClient(config) as client:
        for round_index in range(rounds):
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

            async def raw_round() -> float:
                started = time.perf_counter()
                raw_timings.extend(await asyncio.gather(*(raw_stream(session, config.base_url, b) for b in bodies)))
                return time.perf_counter() - started

            async def client_round() -> float:
                started = time.perf_counter()
                client_timings.extend(
                    await asyncio.gather(*(client_stream(client, i, max_tokens) for i in range(concurrency)))
                )
                return time.perf_counter() - started

            # Alternate who goes first: the second of a pair finds the engine's caches warmer.
            if round_index % 2 == 0:
                raw_wall += await raw_round()
                client_wall += await client_round()
            else:
                client_wall += await client_round()
                raw_wall += await raw_round()
    return summarise(raw_timings, raw_wall), summarise(client_timings, client_wall)


async def main(args: argparse.Namespace) -> None:
    levels = [int(level) for level in args.concurrency.split(",")]
    base = LLMConfig(
        base_url=args.base_url,
        model=args.model,
        max_concurrency=max(levels),  # the bench measures overhead, not our queueing
        total_timeout_s=600,
        first_token_timeout_s=600,
    )
    engine_context = LocalEngine(LocalEngineConfig(parallel=args.parallel)) if args.base_url is None else nullcontext()
    async with engine_context as engine:
        config = base if engine is None else engine.client_config(base)
        print(f"engine: {config.base_url}  max_tokens={args.max_tokens}  rounds={args.rounds}")
        # Warm-up: load caches and the prompt cache for every prompt once.
        await run_level(config, len(PROMPTS), 1, 4)
        print(f"{'streams':>7} | {'raw TTFT p50/p95 ms':>20} | {'client TTFT p50/p95 ms':>22} | "
              f"{'raw tok/s':>9} | {'client tok/s':>12} | {'TTFT ratio':>10} | {'tok/s ratio':>11}")
        for level in levels:
            raw, ours = await run_level(config, level, args.rounds, args.max_tokens)
            print(
                f"{level:>7} | {raw.ttft_p50_ms:>9.0f} / {raw.ttft_p95_ms:<8.0f} | "
                f"{ours.ttft_p50_ms:>10.0f} / {ours.ttft_p95_ms:<9.0f} | {raw.tokens_per_s:>9.1f} | "
                f"{ours.tokens_per_s:>12.1f} | {raw.ttft_p50_ms / ours.ttft_p50_ms:>10.2f} | "
                f"{ours.tokens_per_s / raw.tokens_per_s:>11.2f}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="A running OpenAI-compatible server; default: start the embedded engine.")
    parser.add_argument("--model", default="shopguide", help="Model name to send (with --base-url).")
    parser.add_argument("--concurrency", default="1,4,16", help="Comma-separated numbers of concurrent streams.")
    parser.add_argument("--rounds", type=int, default=2, help="Rounds per level (each: raw and client, order alternating).")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--parallel", type=int, default=4, help="Embedded engine slots (decoded at once).")
    asyncio.run(main(parser.parse_args()))
