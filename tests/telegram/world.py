"""The Telegram tests' world: the Bot API emulator, a scripted LLM, real Services on a small
catalog of two shops, and the real python-telegram-bot application serving them — restartable.

`TelegramWorld.restart` stops the bot and closes every service, then reopens them from the same
data_dir, which is exactly what a process restart leaves behind.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.channels.telegram.app import build_application, serve
from bot.emulator import BotApiEmulator, EmulatedChat, EmulatedUser, Outgoing
from bot.services import Services, open_services
from bot.settings import AssistantConfig, Settings, TelegramConfig
from retrieval.embed import Embedder
from serving.config import LLMConfig
from tests.support.llm_server import Handler, Reply, ScriptedLLMServer, Status

SHOP_A, SHOP_B = "shopa", "shopb"
ADMIN_ID, MERCHANT_A_ID, MERCHANT_B_ID = 9001, 9002, 9003

PRODUCTS_HEADER = "sku,title,price,currency,category,brand,stock,rating,image,url,description\n"
SHOP_A_PRODUCTS = PRODUCTS_HEADER + (
    "RUN-1,Trail Runner Shoe,499,CNY,Shoes > Running,Swift,12,4.6,https://img.example.com/run1.jpg,"
    "https://shop.example.com/RUN-1,Light trail running shoe with a grippy sole\n"
    "RUN-2,Road Runner Shoe,399,CNY,Shoes > Running,Swift,3,4.2,,https://shop.example.com/RUN-2,"
    "Cushioned road running shoe for daily miles\n"
    "JKT-1,Rain Jacket <Pro>,899,CNY,Clothing > Jackets,Peak,0,4.8,,https://shop.example.com/JKT-1,"
    "Waterproof breathable rain jacket\n"
    "BAG-1,Day Pack 20L,259,CNY,Bags > Backpacks,Peak,7,4.4,,,Small hiking backpack\n"
)
SHOP_B_PRODUCTS = PRODUCTS_HEADER + "B-1,Tea Cup,39,CNY,Home > Kitchen,Cera,50,4.1,,,A porcelain tea cup\n"
SUITE = {
    "id": "shoes",
    "lang": "en",
    "merchant": SHOP_A,
    "turns": [{"user": "running shoes", "expect": {"min_products": 1, "text_not_contains": ["terrible"]}}],
}


ANSWER = "Here are good options for you. The first one fits best [1]. Tap a card for more."
# A slow answer long enough to be still in flight when the customer writes again (cancellation tests).
SLOW_ANSWER = ANSWER + " It suits daily runs [1]. It also suits rough trails [1]. Ask me about sizes."
SLOW_WORD = "slowly"  # a customer message with this word gets a slow answer (for cancellation tests)
FAILING_WORD = "llmfails"  # a customer message with this word gets an LLM error (for the operators' logs)
BAD_PROMPT_MARK = "BADMODE"  # a prompt with this word gets an answer the regression suite rejects
BAD_ANSWER = "This is a terrible choice."


def scripted_answer(request: dict[str, Any]) -> Reply | Status:
    """The scripted model: a short English answer, streamed token by token (an error for `FAILING_WORD`)."""
    messages = request.get("messages", [])
    if BAD_PROMPT_MARK in " ".join(str(message.get("content", "")) for message in messages):
        return Reply(BAD_ANSWER)
    latest = str(messages[-1].get("content", "")) if messages else ""
    if FAILING_WORD in latest:
        return Status(400, "scripted model failure")
    if SLOW_WORD in latest:
        return Reply(SLOW_ANSWER, token_delay_s=0.25)
    return Reply(ANSWER)


TURN = 20.0  # generous timeout for one turn on a busy 2-core machine; never reached when things work


def is_card(event: Outgoing) -> bool:
    return event.kind == "message" and any(b.get("text") == "Details" for b in event.buttons)


async def converse(user: EmulatedUser, text: str) -> tuple[list[Outgoing], Outgoing]:
    """Send `text`; return the product cards and the final answer (the first message without buttons)."""
    user.chat.skip_to_end()
    await user.send_text(text)
    cards: list[Outgoing] = []
    while True:
        event = await user.wait_for_reply(timeout=TURN)
        if not is_card(event):
            return cards, event
        cards.append(event)


@dataclass
class TelegramWorld:
    api: BotApiEmulator
    llm: ScriptedLLMServer
    data_dir: Path
    suite_path: Path
    config: TelegramConfig
    support_chat: EmulatedChat
    embedder: Embedder | None = None  # None = the configured one, loaded by open_services
    _services: Services | None = None
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    @property
    def services(self) -> Services:
        """The running bot's services (what a test inspects the bot's state through)."""
        if self._services is None:
            raise RuntimeError("the bot is not running: start() it first")
        return self._services

    @property
    def admin(self) -> EmulatedUser:
        return self.api.user(ADMIN_ID, "Ada", "en")

    @property
    def merchant_a(self) -> EmulatedUser:
        return self.api.user(MERCHANT_A_ID, "Mia", "en")

    @property
    def merchant_b(self) -> EmulatedUser:
        return self.api.user(MERCHANT_B_ID, "Bo", "zh")

    def settings(self) -> Settings:
        return Settings(
            _env_file=None,
            data_dir=self.data_dir,
            llm=LLMConfig(base_url=self.llm.base_url, temperature=0.0),
            # The scripted model is fast but for SLOW_WORD answers, which must be waited for (cancellation tests).
            assistant=AssistantConfig(default_merchant=SHOP_A, turn_budget_s=10.0, answer_wait_s=10.0),
            telegram=self.config,
        )

    async def start(self) -> None:
        self._stack = AsyncExitStack()
        self._services = await self._stack.enter_async_context(open_services(self.settings(), embedder=self.embedder))
        application = build_application(self._services, self.config, suite_path=self.suite_path)
        self._stop = asyncio.Event()
        # Serving has begun once the bot set its webhook, or (polling) dropped it before its first poll
        # (the emulator records a getUpdates only when the long poll returns).
        method = "setWebhook" if self.config.mode == "webhook" else "deleteWebhook"
        calls = len(self.api.calls_of(method))
        self._task = asyncio.create_task(serve(application, self.config, self._stop))
        await self.api.wait_for(
            lambda: len(self.api.calls_of(method)) > calls, timeout=30, waiting_for=f"the bot to call {method}"
        )

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
        await self._stack.aclose()
        self._services = None

    async def restart(self, **config_changes: Any) -> None:
        await self.stop()
        self.config = self.config.model_copy(update=config_changes)
        await self.start()


@asynccontextmanager
async def open_world(
    data_dir: Path, embedder: Embedder | None = None, llm_handler: Handler = scripted_answer
) -> AsyncIterator[TelegramWorld]:
    suite_path = data_dir / "suite.jsonl"
    suite_path.write_text(json.dumps(SUITE) + "\n", encoding="utf-8")
    async with BotApiEmulator() as api, ScriptedLLMServer(llm_handler) as llm:
        support = api.group("Support desk")
        config = TelegramConfig(
            token=api.token,
            base_url=api.base_url,
            base_file_url=api.base_file_url,
            admin_ids=[ADMIN_ID],
            support_chat_id=support.id,
            stream_edit_interval_s=0.05,
            # Retries of 5xx and network errors: short pauses, so a fault that persists costs a test about 1 s.
            retry_backoff_s=0.05,
            retry_budget_s=1.5,
        )
        world = TelegramWorld(
            api=api,
            llm=llm,
            data_dir=data_dir,
            suite_path=suite_path,
            config=config,
            support_chat=support,
            embedder=embedder,
        )
        await world.start()
        try:
            assert world.services is not None
            index, state = world.services.index, world.services.state
            for shop, products in ((SHOP_A, SHOP_A_PRODUCTS), (SHOP_B, SHOP_B_PRODUCTS)):
                report = await (await index.merchant(shop)).ingest("products", "products.csv", products.encode())
                assert report.ok, report.rejected
            await state.grant(f"tg:{MERCHANT_A_ID}", "merchant", SHOP_A, by="test")
            await state.grant(f"tg:{MERCHANT_B_ID}", "merchant", SHOP_B, by="test")
            yield world
        finally:
            await world.stop()
