"""First-card latency: from a customer's message entering the Bot API emulator to the first product card
arriving in their chat, with the ShopGuide bot on the embedded defaults (the real `open_services` with an
empty LLM URL, so the SmolLM2 engine writes the answers) and the whole demo shop ingested.

    .venv/bin/python bench/first_card.py                     # 30 demo queries, one after another
    .venv/bin/python bench/first_card.py --messages 30 --pace 2

Each message comes from a new customer (a fresh conversation), picked evenly from the demo's
`queries.jsonl`. By default the next message is sent once the bot has finished the previous one (its
final reply out); `--pace S` sends one every S seconds instead, so retrieval for a new message runs
while the engine is still writing earlier answers, as on a busy bot. Prints first-card p50/p95 and
their ratio to the 1 s target, the turns that showed no card, and the first (cold) turn apart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from bot_throughput import TurnTracker, serving_bot  # this directory is sys.path[0] when run as a script

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.emulator import BotApiEmulator, EmulatedUser, Outgoing
from bot.services import open_services
from bot.settings import Settings, TelegramConfig

TARGET_S = 1.0
FIRST_USER_ID = 20_000
# The cold turn (first embedding and first prompt): a query the demo shop has products for.
WARM_UP_QUERY = "防水冲锋衣 500元以内"


@dataclass
class Turn:
    query: str
    first_card_s: float | None  # None: the bot showed no card for this message
    turn_s: float


def is_card(event: Outgoing) -> bool:
    """A product card: a message with the card buttons (their callback data starts with "a:")."""
    return any(str(button.get("callback_data", "")).startswith("a:") for button in event.buttons)


def demo_queries(count: int) -> list[str]:
    """`count` queries spread evenly over the demo's query set (both languages, every intent)."""
    lines = (files("retrieval") / "demo" / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    queries = [json.loads(line)["text"] for line in lines if line.strip()]
    return [queries[n * len(queries) // count] for n in range(count)]


async def measure_turn(customer: EmulatedUser, tracker: TurnTracker, query: str, timeout_s: float) -> Turn:
    started = time.perf_counter()
    finished = asyncio.create_task(tracker.turn(customer, query, timeout_s))
    card = asyncio.create_task(customer.wait_for_reply(is_card, timeout=timeout_s))
    first_card_s: float | None = None
    done, _ = await asyncio.wait({finished, card}, return_when=asyncio.FIRST_COMPLETED)
    if card in done:
        card.result()
        first_card_s = time.perf_counter() - started
    turn_s = await finished
    if first_card_s is None:
        # Cards go out before the final reply, so one not here when the turn ended never comes.
        card.cancel()
        await asyncio.gather(card, return_exceptions=True)
    shown = f"{first_card_s * 1000:>6.0f} ms" if first_card_s is not None else "no card  "
    print(f"first card {shown}, turn {turn_s:5.1f} s  {query}", flush=True)
    return Turn(query, first_card_s, turn_s)


async def run(args: argparse.Namespace) -> tuple[Turn, list[Turn]]:
    queries = demo_queries(args.messages)
    with tempfile.TemporaryDirectory(prefix="shopguide-first-card-") as data_dir:
        async with BotApiEmulator() as api:
            telegram = TelegramConfig(token=api.token, base_url=api.base_url, base_file_url=api.base_file_url)
            settings = Settings(_env_file=None, data_dir=Path(data_dir), telegram=telegram)
            loading = time.perf_counter()
            async with open_services(settings, ingest_demo=True) as services:
                print(f"services open, demo ingested, engine up: {time.perf_counter() - loading:.0f} s", flush=True)
                if services.llm is None:
                    raise RuntimeError("the embedded LLM engine did not start; this measures the embedded defaults")
                async with serving_bot(services, telegram, api, args.timeout) as tracker:
                    cold = await measure_turn(api.user(FIRST_USER_ID), tracker, WARM_UP_QUERY, args.timeout)
                    turns = await run_customers(api, tracker, queries, args)
    return cold, turns


async def run_customers(
    api: BotApiEmulator, tracker: TurnTracker, queries: list[str], args: argparse.Namespace
) -> list[Turn]:
    pending: list[asyncio.Task[Turn]] = []
    for n, query in enumerate(queries, start=1):
        customer = api.user(FIRST_USER_ID + n, f"Customer {n}", "zh" if n % 2 else "en")
        task = asyncio.create_task(measure_turn(customer, tracker, query, args.timeout))
        pending.append(task)
        if args.pace is None:
            await task
        else:
            await asyncio.sleep(args.pace)
    return list(await asyncio.gather(*pending))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def print_report(cold: Turn, turns: list[Turn], args: argparse.Namespace) -> None:
    mode = "each after the previous final reply" if args.pace is None else f"one every {args.pace:g} s"
    print(f"{len(turns)} customer messages of the demo catalog, {mode}; embedded defaults")
    shown = [turn.first_card_s for turn in turns if turn.first_card_s is not None]
    whole = [turn.turn_s for turn in turns]
    if shown:
        p50, p95 = statistics.median(shown), percentile(shown, 0.95)
        print(
            f"first card: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {max(shown) * 1000:.0f} ms "
            f"over {len(shown)} turns with cards; p95 = {p95 / TARGET_S:.2f}x the {TARGET_S:g} s target "
            f"({'met' if p95 <= TARGET_S else 'not met'})"
        )
    print(f"whole turn (final reply out): p50 {statistics.median(whole):.1f} s, p95 {percentile(whole, 0.95):.1f} s")
    without = [turn.query for turn in turns if turn.first_card_s is None]
    print(f"turns without a card: {len(without)}" + (f" ({'; '.join(without)})" if without else ""))
    cold_card = f"{cold.first_card_s * 1000:.0f} ms" if cold.first_card_s is not None else "no card"
    print(f"cold first turn (not counted): first card {cold_card}, whole turn {cold.turn_s:.1f} s")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=30, help="customer messages measured (after one cold turn)")
    parser.add_argument(
        "--pace",
        type=float,
        default=None,
        help="send a message every PACE seconds instead of after the previous final reply",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one turn may take before failing")
    args = parser.parse_args()
    if args.messages < 1 or (args.pace is not None and args.pace <= 0):
        parser.error("--messages must be >= 1 and --pace > 0")
    return args


async def main(args: argparse.Namespace) -> None:
    cold, turns = await run(args)
    print_report(cold, turns, args)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs index building at DEBUG by itself
    asyncio.run(main(parse_args()))
