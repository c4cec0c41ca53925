"""Commands: run (the Telegram bot)."""

from __future__ import annotations

import asyncio
import signal

from bot.channels.telegram.app import build_application, configuration_problem, serve
from bot.cli.app import DataDirOption, app, fail, load_settings
from bot.services import open_services
from bot.settings import Settings


@app.command()
def run(data_dir: DataDirOption = None) -> None:
    """Run the Telegram bot: long polling by default, a webhook with SHOPGUIDE_TELEGRAM__MODE=webhook.

    Needs a bot token from @BotFather in SHOPGUIDE_TELEGRAM__TOKEN (see docs/TELEGRAM.md). Stops
    gracefully on Ctrl-C / SIGTERM: no new updates are taken, answers being written are finished.
    """
    settings = load_settings(data_dir)
    problem = configuration_problem(settings.telegram)
    if problem:
        fail(problem)
    asyncio.run(_run(settings))


async def _run(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with open_services(settings, ingest_demo=True) as services:
        await serve(build_application(services, settings.telegram), settings.telegram, stop)
