"""Inputs the bot waits for (after `/upload KIND`, `/prompt set NAME`): kept across a reopen, claimed once, expiring."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.state.store import StateError, StateStore

HOUR = timedelta(hours=1)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[StateStore]:
    opened = await StateStore.open(tmp_path / "state.sqlite3")
    yield opened
    await opened.close()


async def test_an_awaited_input_survives_a_reopen_and_is_claimed_once(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    first = await StateStore.open(path)
    await first.expect_input("tg:1", "upload", {"kind": "reviews"}, HOUR)
    await first.close()
    second = await StateStore.open(path)
    try:
        assert await second.take_input("tg:1", "prompt") is None  # another kind of input is not awaited
        assert await second.take_input("tg:2", "upload") is None  # nor is another user's
        assert await second.take_input("tg:1", "upload") == {"kind": "reviews"}
        assert await second.take_input("tg:1", "upload") is None
    finally:
        await second.close()


async def test_a_newer_request_replaces_the_older_one_of_its_kind(store: StateStore) -> None:
    await store.expect_input("tg:1", "upload", {"kind": "reviews"}, HOUR)
    await store.expect_input("tg:1", "prompt", {"name": "recommend.en", "force": False}, HOUR)
    await store.expect_input("tg:1", "upload", {"kind": "policies"}, HOUR)
    assert await store.take_input("tg:1", "upload") == {"kind": "policies"}
    assert await store.take_input("tg:1", "prompt") == {"name": "recommend.en", "force": False}


async def test_concurrent_inputs_claim_a_request_once(store: StateStore) -> None:
    await store.expect_input("tg:1", "prompt", {"name": "x"}, HOUR)
    claims = await asyncio.gather(*(store.take_input("tg:1", "prompt") for _ in range(5)))
    assert claims.count({"name": "x"}) == 1 and claims.count(None) == 4


async def test_an_expired_request_claims_nothing(store: StateStore) -> None:
    await store.expect_input("tg:1", "upload", {"kind": "reviews"}, timedelta(milliseconds=50))
    await asyncio.sleep(0.1)
    assert await store.take_input("tg:1", "upload") is None
    with pytest.raises(StateError, match="positive time to live"):
        await store.expect_input("tg:1", "upload", {"kind": "reviews"}, timedelta(0))
