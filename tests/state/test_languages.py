"""A user's /lang choice: stored, replaced, forgotten, kept across a reopen, and only zh or en."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.state.store import StateError, StateStore


async def test_a_language_choice_is_kept_until_forgotten(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    store = await StateStore.open(path)
    assert await store.language_choice("tg:1") is None
    await store.choose_language("tg:1", "zh")
    await store.choose_language("tg:1", "en")
    await store.close()
    store = await StateStore.open(path)
    try:
        assert await store.language_choice("tg:1") == "en"
        assert await store.language_choice("tg:2") is None
        with pytest.raises(StateError, match="unknown language 'fr'"):
            await store.choose_language("tg:1", "fr")
        await store.choose_language("tg:1", None)
        assert await store.language_choice("tg:1") is None
    finally:
        await store.close()
