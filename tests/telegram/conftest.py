"""Fixtures of the Telegram tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.botapi import BotApiEmulator

# --- emulator: a fresh Bot API emulator per test (tests/support/botapi.py) ----------------------


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A Bot API on 127.0.0.1; point PTB at `emulator.base_url` / `emulator.base_file_url`."""
    async with BotApiEmulator() as api:
        yield api


# --- end of the emulator section ---------------------------------------------------------------
