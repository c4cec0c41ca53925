"""Fixtures of the sandbox tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.channels.web.sandbox import Sandbox
from tests.web.scripted import scripted_sandbox


@pytest.fixture(scope="module")
async def sandbox(tmp_path_factory) -> AsyncIterator[Sandbox]:
    """One sandbox per test module (its chats and catalog carry over between the module's tests)."""
    async with scripted_sandbox(tmp_path_factory.mktemp("sandbox")) as (running, _):
        yield running
