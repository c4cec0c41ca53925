"""Fixtures of the Telegram tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.emulator import BotApiEmulator

# --- emulator: a fresh Bot API emulator per test (bot/emulator/) ------------------------


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A Bot API on 127.0.0.1; point PTB at `emulator.base_url` / `emulator.base_file_url`."""
    async with BotApiEmulator() as api:
        yield api


# --- end of the emulator section ---------------------------------------------------------------


# --- telegram: the bot under test (real PTB, real Services) on a small catalog -----------------
# One emulator, one scripted LLM and one running bot per test module (tests/telegram/world.py).


@pytest.fixture(scope="module")
async def telegram_world(embedder, tmp_path_factory):
    """A running bot with shops A and B ingested, an admin, and one merchant per shop."""
    from tests.telegram.world import open_world

    async with open_world(tmp_path_factory.mktemp("telegram"), embedder) as world:
        yield world
