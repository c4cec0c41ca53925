"""Commands: demo (the local sandbox: the real Telegram bot against the Bot API emulator, in a browser)."""

from __future__ import annotations

import asyncio
import errno
import signal
from typing import Annotated

import typer

from bot.channels.web.sandbox import open_sandbox
from bot.cli.app import DataDirOption, app, console, fail, load_settings
from bot.settings import Settings

PortOption = Annotated[
    int, typer.Option("--port", min=0, max=65535, help="Port of the chat page on 127.0.0.1 (0: any free port).")
]


@app.command()
def demo(port: PortOption = 8080, data_dir: DataDirOption = None) -> None:
    """The sandbox: chat with the real bot in a browser as a customer, a merchant of the demo shop and an admin.

    Starts the embedded defaults (the demo catalog is ingested on the first run), a Telegram Bot API emulator
    and the bot itself, all on 127.0.0.1, and prints the page's URL. Roles are granted in the sandbox's own
    data dir (default: a `sandbox` folder inside SHOPGUIDE_DATA_DIR), never in the real bot's. Stops on
    Ctrl-C / SIGTERM.
    """
    settings = load_settings(data_dir)
    if data_dir is None:
        settings = settings.model_copy(update={"data_dir": settings.data_dir / "sandbox"})
    try:
        asyncio.run(_demo(settings, port))
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        fail(f"port {port} on 127.0.0.1 is in use; pass another with --port (0 picks a free one)")


async def _demo(settings: Settings, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    console.print(
        f"Starting the ShopGuide sandbox in {settings.data_dir} (the first run ingests the demo shop)…", soft_wrap=True
    )
    async with open_sandbox(settings, port=port) as sandbox:
        # One unwrapped line: scripts (and the tests) read the URL from it.
        console.print(
            f"ShopGuide sandbox: open [bold]{sandbox.url}[/] (Ctrl-C stops it)", highlight=False, soft_wrap=True
        )
        await stop.wait()
        console.print("Stopping the sandbox…")
