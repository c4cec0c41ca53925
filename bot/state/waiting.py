"""Inputs the bot waits for from a user: the file after `/upload KIND`, the text after `/prompt set NAME`.

They are kept here, not in memory, so a restart between the command and the input loses nothing; each
expires, so a request the user forgot does not claim a message days later. A user waits for at most
one input of each kind (a newer request replaces the older one).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.state.database import Database, StateError, checked_name, checked_user, to_json, to_utc_iso


class WaitingInputs(Database):
    async def expect_input(self, user_id: str, what: str, data: dict[str, Any], ttl: timedelta) -> None:
        """Remember that `user_id`'s next input of kind `what` is for the request described by `data`."""
        if ttl <= timedelta(0):
            raise StateError(f"a waiting input needs a positive time to live, got {ttl}")
        now = datetime.now(UTC)
        async with self._transaction() as db:
            await db.execute("DELETE FROM waiting WHERE expires_at <= ?", (to_utc_iso(now),))
            await db.execute(
                "INSERT OR REPLACE INTO waiting (user_id, what, data, expires_at) VALUES (?, ?, ?, ?)",
                (checked_user(user_id), checked_name(what), to_json(data, "waiting input"), to_utc_iso(now + ttl)),
            )

    async def take_input(self, user_id: str, what: str) -> dict[str, Any] | None:
        """The request `user_id`'s input of kind `what` answers, removed so only one input claims it;
        None when nothing of that kind is awaited (or it expired)."""
        user_id, what = checked_user(user_id), checked_name(what)
        # Most messages answer no request: look before taking the write lock.
        row = await self._fetchone(
            "SELECT data, expires_at FROM waiting WHERE user_id = ? AND what = ?", (user_id, what)
        )
        if row is None:
            return None
        async with self._transaction() as db:
            cursor = await db.execute("DELETE FROM waiting WHERE user_id = ? AND what = ?", (user_id, what))
            claimed = cursor.rowcount == 1  # a concurrent message may have taken it first
        if not claimed or row["expires_at"] <= to_utc_iso(datetime.now(UTC)):
            return None
        data: dict[str, Any] = json.loads(row["data"])
        return data
