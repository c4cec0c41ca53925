"""Bot throughput: many simulated customers at once through the Bot API emulator, against (a) a plain
python-telegram-bot echo bot and (b) the ShopGuide bot (scripted LLM, small catalog), both polling the
same emulator over real HTTP in one process.

    .venv/bin/python bench/bot_throughput.py                         # 50 customers x 10 messages, both bots
    .venv/bin/python bench/bot_throughput.py --users 20 --messages 5 --bots echo

Each customer sends a message, waits until the bot has finished handling it, then sends the next. A
turn ends when the Application has run every handler for the update (a last-group TypeHandler marks
it), which for both bots is after their final reply went out. Printed per bot: turns/s, turn latency
p50/p95 and Bot API calls per turn. For ShopGuide the same customers' turns are also run straight
through `Assistant.turn` (no Telegram), so the Telegram layer's own cost per turn is
`1/shopguide_tps - 1/assistant_tps`; its ratio to the echo bot's `1/echo_tps` is the overhead figure
(target <= 1.3).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, TypeHandler, filters

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.channels.telegram.app import build_application, serve
from bot.core.reply import UserRef
from bot.emulator import BotApiEmulator, EmulatedUser, polling
from bot.services import DEMO_MERCHANT, Services, open_services
from bot.settings import Settings, TelegramConfig
from serving.config import LLMConfig
from tests.support.llm_server import ScriptedLLMServer

# After every other handler group, so it runs once the bot's own handlers are done with the update.
TURN_DONE_GROUP = 1_000_000
FIRST_USER_ID = 10_000
QUESTIONS = [
    "I need running shoes under 500 yuan",
    "有没有500元以内的跑鞋",
    "Show me a waterproof jacket",
    "推荐一款降噪耳机",
    "Which backpack is good for travel?",
]


@dataclass
class LoadResult:
    turns: int
    wall_s: float
    cpu_s: float  # this process's CPU time (all threads): steadier than wall time on a shared machine
    latencies_s: list[float]
    calls_by_method: Counter[str]

    @property
    def turns_per_s(self) -> float:
        return self.turns / self.wall_s

    @property
    def cpu_ms_per_turn(self) -> float:
        return self.cpu_s * 1000 / self.turns

    @property
    def calls_per_turn(self) -> float:
        return sum(self.calls_by_method.values()) / self.turns

    def row(self, name: str) -> str:
        latencies = sorted(self.latencies_s)
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        return (
            f"{name:<18} {self.turns:>6} {self.wall_s:>8.2f} {self.turns_per_s:>8.1f} "
            f"{statistics.median(latencies) * 1000:>8.0f} {p95 * 1000:>8.0f} {self.cpu_ms_per_turn:>12.1f} "
            f"{self.calls_per_turn:>11.1f}"
        )


HEADER = (
    f"{'run':<18} {'turns':>6} {'wall s':>8} {'turns/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
    f"{'CPU ms/turn':>12} {'calls/turn':>11}"
)


class TurnTracker:
    """Knows when the Application has finished handling each customer message."""

    def __init__(self) -> None:
        self._waiting: dict[tuple[int, int], asyncio.Future[None]] = {}
        self._finished: set[tuple[int, int]] = set()

    def attach(self, application: Application) -> None:
        application.add_handler(TypeHandler(Update, self._on_update), group=TURN_DONE_GROUP)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or update.message is None:
            return
        key = (message.chat_id, message.message_id)
        future = self._waiting.pop(key, None)
        if future is None:
            self._finished.add(key)
        elif not future.done():
            future.set_result(None)

    async def turn(self, customer: EmulatedUser, text: str, timeout_s: float) -> float:
        """Send `text` as `customer`; seconds until the bot finished handling it."""
        started = time.perf_counter()
        sent = await customer.send_text(text)
        key = (sent["chat"]["id"], sent["message_id"])
        if key not in self._finished:
            future = self._waiting[key] = asyncio.get_running_loop().create_future()
            await asyncio.wait_for(future, timeout_s)
        self._finished.discard(key)
        return time.perf_counter() - started


async def run_load(
    api: BotApiEmulator, tracker: TurnTracker, *, users: int, messages: int, timeout_s: float
) -> LoadResult:
    customers = [api.user(FIRST_USER_ID + n, f"Customer {n}", "zh" if n % 2 else "en") for n in range(users)]
    latencies: list[float] = []

    async def customer_session(index: int, customer: EmulatedUser) -> None:
        for turn in range(messages):
            text = QUESTIONS[(index + turn) % len(QUESTIONS)]
            latencies.append(await tracker.turn(customer, text, timeout_s))

    calls_before = len(api.calls)
    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(customer_session(n, c) for n, c in enumerate(customers)))
    wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    calls = Counter(call.method for call in api.calls[calls_before:] if call.method != "getUpdates")
    return LoadResult(users * messages, wall_s, cpu_s, latencies, calls)


async def warm_up(api: BotApiEmulator, tracker: TurnTracker, timeout_s: float) -> None:
    """One turn before measuring: lazy model loads and first connections are not throughput."""
    await tracker.turn(api.user(FIRST_USER_ID - 1, "Warm-up"), QUESTIONS[0], timeout_s)


# --- (a) a plain echo bot ------------------------------------------------------------------------


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


async def measure_echo(args: argparse.Namespace) -> LoadResult:
    async with BotApiEmulator() as api:
        application = (
            Application.builder()
            .token(api.token)
            .base_url(api.base_url)
            .base_file_url(api.base_file_url)
            .concurrent_updates(True)
            .build()
        )
        application.add_handler(MessageHandler(filters.TEXT, echo))
        tracker = TurnTracker()
        tracker.attach(application)
        async with polling(application):
            await warm_up(api, tracker, args.timeout)
            return await run_load(api, tracker, users=args.users, messages=args.messages, timeout_s=args.timeout)


# --- (b) the ShopGuide bot -----------------------------------------------------------------------


def scripted_answer(request: dict[str, Any]) -> str:
    """A short answer in the customer's language that cites the first product and states no fact, so
    the grounding check keeps it (an answer drawing on no evidence is replaced by the template);
    streamed word by word by the server."""
    question = str(request["messages"][-1].get("content", ""))
    if re.search(r"[\u4e00-\u9fff]", question):
        return "这几款都符合您的要求，第一款最合适 [1]。 您可以点开详情看看。"
    return "These options match what you asked for. The first one fits best [1]. Open the details to compare them."


async def small_catalog(services: Services, products: int) -> None:
    """`products` products spread evenly over the packaged demo shop (which lists them category by
    category, so every question finds its kind of product), as merchant "demo"."""
    lines = [
        line
        for line in (files("retrieval") / "demo" / "products.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    data = "\n".join(lines[n * len(lines) // products] for n in range(min(products, len(lines)))).encode()
    report = await (await services.index.merchant(DEMO_MERCHANT)).ingest("products", "products.jsonl", data)
    if not report.ok:
        raise RuntimeError(f"the demo products did not ingest: {report}")


async def run_assistant_only(services: Services, *, users: int, messages: int) -> LoadResult:
    """The same customers and questions straight through `Assistant.turn`: the cost without Telegram."""
    latencies: list[float] = []

    async def customer_session(index: int) -> None:
        user = UserRef(user_id=f"bench:{index}", merchant_id=DEMO_MERCHANT)
        for turn in range(messages):
            started = time.perf_counter()
            async for _event in services.assistant.turn(user, QUESTIONS[(index + turn) % len(QUESTIONS)]):
                pass
            latencies.append(time.perf_counter() - started)

    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(customer_session(n) for n in range(users)))
    wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    return LoadResult(users * messages, wall_s, cpu_s, latencies, Counter())


@asynccontextmanager
async def serving_bot(
    services: Services, telegram: TelegramConfig, api: BotApiEmulator, timeout_s: float
) -> AsyncIterator[TurnTracker]:
    """The ShopGuide bot polling the emulator, its turns tracked, stopped on exit."""
    application = build_application(services, telegram)
    tracker = TurnTracker()
    tracker.attach(application)
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(application, telegram, stop))
    try:
        await api.wait_for(lambda: api.long_polling, timeout=timeout_s, waiting_for="polling")
        yield tracker
    finally:
        stop.set()
        await serving


async def measure_shopguide(args: argparse.Namespace) -> tuple[LoadResult, LoadResult]:
    with tempfile.TemporaryDirectory(prefix="shopguide-bench-") as data_dir:
        async with ScriptedLLMServer(scripted_answer) as llm, BotApiEmulator() as api:
            telegram = TelegramConfig(token=api.token, base_url=api.base_url, base_file_url=api.base_file_url)
            settings = Settings(data_dir=Path(data_dir), llm=LLMConfig(base_url=llm.base_url), telegram=telegram)
            async with open_services(settings) as services:
                await small_catalog(services, args.products)
                async with serving_bot(services, telegram, api, args.timeout) as tracker:
                    await warm_up(api, tracker, args.timeout)
                    bot = await run_load(api, tracker, users=args.users, messages=args.messages, timeout_s=args.timeout)
                alone = await run_assistant_only(services, users=args.users, messages=args.messages)
    return bot, alone


def print_overhead(echo: LoadResult, bot: LoadResult, alone: LoadResult) -> None:
    """The Telegram layer's own cost per turn (bot minus assistant alone) beside the echo bot's."""
    for measure, unit, of in (
        ("CPU", "ms", lambda r: r.cpu_ms_per_turn),
        ("wall", "ms", lambda r: 1000 / r.turns_per_s),
    ):
        layer = of(bot) - of(alone)
        per_call = layer / bot.calls_per_turn
        print(
            f"{measure} per turn: echo bot {of(echo):.1f} {unit}; ShopGuide's Telegram layer {layer:.1f} {unit} "
            f"= {layer / of(echo):.2f}x echo (target <= 1.3x); per Bot API call {per_call:.1f} {unit} "
            f"= {per_call / of(echo):.2f}x echo"
        )


def print_report(results: dict[str, LoadResult]) -> None:
    print(HEADER)
    for name, result in results.items():
        print(result.row(name))


async def main(args: argparse.Namespace) -> None:
    results: dict[str, LoadResult] = {}
    if "echo" in args.bots:
        results["echo (plain PTB)"] = await measure_echo(args)
    if "shopguide" in args.bots:
        results["shopguide bot"], results["assistant alone"] = await measure_shopguide(args)
    print(f"{args.users} customers x {args.messages} messages each, all at once; {args.products} products")
    print_report(results)
    if "shopguide" in args.bots:
        calls = results["shopguide bot"].calls_by_method
        print("ShopGuide Bot API calls:", ", ".join(f"{method} {count}" for method, count in calls.most_common()))
    if {"echo", "shopguide"} <= args.bots:
        print_overhead(results["echo (plain PTB)"], results["shopguide bot"], results["assistant alone"])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="simulated customers at once")
    parser.add_argument("--messages", type=int, default=10, help="messages per customer, one after another")
    parser.add_argument("--bots", default="echo,shopguide", help="comma-separated: echo, shopguide")
    parser.add_argument("--products", type=int, default=40, help="demo products in the ShopGuide catalog")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one turn may take before failing")
    args = parser.parse_args()
    args.bots = set(args.bots.split(","))
    if not args.bots <= {"echo", "shopguide"} or args.users < 1 or args.messages < 1:
        parser.error("--bots takes echo and/or shopguide; --users and --messages must be >= 1")
    return args


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs index building at DEBUG by itself
    asyncio.run(main(parse_args()))
