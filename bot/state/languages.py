"""The language a user chose with `/lang`: it wins over the language their client reports."""

from __future__ import annotations

from typing import get_args

from bot.core.reply import Language
from bot.state.database import Database, StateError, checked_user, utc_now

LANGUAGES: tuple[str, ...] = get_args(Language)


class LanguageChoices(Database):
    async def language_choice(self, user_id: str) -> Language | None:
        """The language `user_id` chose, or None when they follow their client's setting."""
        row = await self._fetchone("SELECT language FROM languages WHERE user_id = ?", (checked_user(user_id),))
        return row["language"] if row else None

    async def choose_language(self, user_id: str, language: str | None) -> None:
        """Remember `user_id`'s choice; None forgets it (back to the client's setting)."""
        user_id = checked_user(user_id)
        if language is not None and language not in LANGUAGES:
            raise StateError(f"unknown language {language!r}; use one of: {', '.join(LANGUAGES)}")
        async with self._transaction() as db:
            if language is None:
                await db.execute("DELETE FROM languages WHERE user_id = ?", (user_id,))
            else:
                await db.execute(
                    "INSERT OR REPLACE INTO languages (user_id, language, chosen_at) VALUES (?, ?, ?)",
                    (user_id, language, utc_now()),
                )
