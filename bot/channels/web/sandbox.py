"""The sandbox, assembled: ShopGuide's services (the embedded defaults unless configured otherwise), the Bot
API emulator, the real Telegram bot (`build_application` + `serve`, exactly what `shopguide run` runs)
polling the emulator, and the web server whose page plays the three sandbox users. Everything listens on
127.0.0.1 only, and closes in reverse order.

    async with open_sandbox(settings, port=8080) as sandbox:
        print(sandbox.url)
        await stop.wait()
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from telegram.ext import Application

from bot.channels.telegram.access import Access, user_key
from bot.channels.telegram.app import build_application, serve
from bot.channels.telegram.menus import refresh_chat_menu
from bot.channels.web.backend import describe_backend
from bot.channels.web.chats import SandboxChats
from bot.channels.web.server import SandboxInfo, web_application
from bot.emulator import BotApiEmulator
from bot.services import DEMO_MERCHANT, Services, open_services
from bot.settings import Settings, TelegramConfig

HOST = "127.0.0.1"
BOT_START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Sandbox:
    url: str
    services: Services
    emulator: BotApiEmulator
    chats: SandboxChats


def sandbox_settings(settings: Settings) -> Settings:
    """`settings` made safe for a sandbox: the embedded engine on loopback only, and a Telegram section that
    reaches nobody (the emulator fills in its token and URLs)."""
    return settings.model_copy(
        update={
            "local_llm": settings.local_llm.model_copy(update={"host": HOST}),
            "telegram": TelegramConfig(stream_edit_interval_s=settings.telegram.stream_edit_interval_s),
        }
    )


@asynccontextmanager
async def open_sandbox(
    settings: Settings, *, port: int = 8080, suite_path: Path | None = None
) -> AsyncIterator[Sandbox]:
    """Start everything; `port` 0 picks a free one (see `Sandbox.url`). `suite_path`: the conversation suite
    the admin's `/prompt set` is gated by (default: the shipped one)."""
    settings = sandbox_settings(settings)
    async with AsyncExitStack() as stack:
        services = await stack.enter_async_context(open_services(settings, ingest_demo=True))
        api = await stack.enter_async_context(BotApiEmulator(bot_username="shopguide_sandbox_bot"))
        chats = SandboxChats(api)
        profiles = {chat.profile.role: chat.profile for chat in chats.by_role.values()}
        await services.state.grant(
            user_key(profiles["merchant"].user_id), "merchant", DEMO_MERCHANT, by="sandbox start-up"
        )
        config = settings.telegram.model_copy(
            update={
                "token": api.token,
                "base_url": api.base_url,
                "base_file_url": api.base_file_url,
                "admin_ids": [profiles["admin"].user_id],  # made admin by the bot itself at start-up
            }
        )
        application = build_application(services, config, suite_path=suite_path)
        await stack.enter_async_context(_serving(application, config, api))
        # The bot sets a staff menu when an admin grants a role in chat; this grant happened before it ran.
        access = Access(services.state, config.admin_ids)
        await refresh_chat_menu(application.bot, access, profiles["merchant"].user_id)
        chats.start()
        stack.push_async_callback(chats.close)
        info = SandboxInfo(
            bot_name=api.bot_user["first_name"], backend=describe_backend(services), users=chats.profiles()
        )
        url = await stack.enter_async_context(_web_server(web_application(chats, info), port))
        yield Sandbox(url=url, services=services, emulator=api, chats=chats)


@asynccontextmanager
async def _serving(application: Application, config: TelegramConfig, api: BotApiEmulator) -> AsyncIterator[None]:
    """The bot polling the emulator for the duration of the block; fails if it does not start."""
    stop = asyncio.Event()
    task = asyncio.create_task(serve(application, config, stop))
    started = asyncio.create_task(
        api.wait_for(lambda: api.calls_of("deleteWebhook"), timeout=BOT_START_TIMEOUT_S, waiting_for="the bot")
    )
    try:
        await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            await task  # raises what stopped the bot
            raise RuntimeError("the bot stopped while starting")
        await started
        yield
    finally:
        started.cancel()
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@asynccontextmanager
async def _web_server(app: web.Application, port: int) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, HOST, port)
        await site.start()
        bound = runner.addresses[0][1]
        yield f"http://{HOST}:{bound}/"
    finally:
        await runner.cleanup()
