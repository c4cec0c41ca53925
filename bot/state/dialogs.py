"""What a conversation remembers across restarts: each user's dialog blob, and every final reply by
turn (so a card's buttons and "Why?" still work after a restart)."""

from __future__ import annotations

import json
from typing import Any

from bot.core.reply import Reply
from bot.state.database import Database, checked_user, to_json, utc_now


class Dialogs(Database):
    async def load_dialog(self, user_id: str) -> dict[str, Any] | None:
        row = await self._fetchone("SELECT data FROM dialogs WHERE user_id = ?", (checked_user(user_id),))
        return json.loads(row["data"]) if row else None

    async def save_dialog(self, user_id: str, data: dict[str, Any]) -> None:
        blob = to_json(data, "dialog")
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO dialogs (user_id, data, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                (checked_user(user_id), blob, utc_now()),
            )

    async def reset_dialog(self, user_id: str) -> None:
        async with self._transaction() as db:
            await db.execute("DELETE FROM dialogs WHERE user_id = ?", (checked_user(user_id),))

    async def save_reply(self, reply: Reply) -> None:
        async with self._transaction() as db:
            await db.execute(
                "INSERT OR REPLACE INTO replies (turn_id, data, created_at) VALUES (?, ?, ?)",
                (reply.turn_id, reply.model_dump_json(), utc_now()),
            )

    async def load_reply(self, turn_id: str) -> Reply | None:
        row = await self._fetchone("SELECT data FROM replies WHERE turn_id = ?", (turn_id,))
        return Reply.model_validate_json(row["data"]) if row else None
