"""What admins tune at run time: prompt versions (version 0 is the template file and is not stored)
and settings overrides (`/llm`). Every change writes its audit entry in the same transaction."""

from __future__ import annotations

import json
from typing import Any

import aiosqlite
from pydantic import BaseModel

from bot.state.database import Database, StateError, checked_actor, checked_name, to_json, utc_now


class PromptVersion(BaseModel):
    """An admin's edit of one prompt template; version 0 is the template file itself and is not stored."""

    name: str
    version: int
    text: str
    author: str
    created_at: str
    active: bool
    note: str = ""


class Tuning(Database):
    # --- prompt versions -------------------------------------------------------------------------

    async def prompt_history(self, name: str) -> list[PromptVersion]:
        rows = await self._fetchall(
            "SELECT * FROM prompt_versions WHERE name = ? ORDER BY version", (checked_name(name),)
        )
        return [_prompt(row) for row in rows]

    async def active_prompt(self, name: str) -> PromptVersion | None:
        """The admin version in force, or None when the template file (version 0) is."""
        row = await self._fetchone("SELECT * FROM prompt_versions WHERE name = ? AND active = 1", (checked_name(name),))
        return _prompt(row) if row else None

    async def add_prompt_version(
        self, name: str, text: str, author: str, *, activate: bool, note: str = ""
    ) -> PromptVersion:
        name, author = checked_name(name), checked_actor(author)
        if not text.strip():
            raise StateError(f"prompt {name}: the new text is empty")
        async with self._transaction() as db:
            async with db.execute(
                "SELECT COALESCE(MAX(version), 0) FROM prompt_versions WHERE name = ?", (name,)
            ) as cursor:
                latest = await cursor.fetchone()
            version = (int(latest[0]) if latest else 0) + 1
            if activate:
                await db.execute("UPDATE prompt_versions SET active = 0 WHERE name = ?", (name,))
            created = PromptVersion(
                name=name, version=version, text=text, author=author, created_at=utc_now(), active=activate, note=note
            )
            await db.execute(
                "INSERT INTO prompt_versions (name, version, text, author, created_at, active, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, version, text, author, created.created_at, int(activate), note),
            )
            state = "active" if activate else "draft"
            await self._write_audit(db, author, "prompt.add", f"{name} v{version} ({state}) {note}".rstrip())
        return created

    async def activate_prompt(self, name: str, version: int, by: str) -> PromptVersion | None:
        """Put a stored version in force; version 0 returns to the template file (and returns None)."""
        name, by = checked_name(name), checked_actor(by)
        async with self._transaction() as db:
            row = None
            if version != 0:
                async with db.execute(
                    "SELECT * FROM prompt_versions WHERE name = ? AND version = ?", (name, version)
                ) as cursor:
                    row = await cursor.fetchone()
                if row is None:
                    async with db.execute(
                        "SELECT version FROM prompt_versions WHERE name = ? ORDER BY version", (name,)
                    ) as cursor:
                        known = [str(r[0]) for r in await cursor.fetchall()]
                    available = ", ".join(["0 (template file)", *known])
                    raise StateError(f"prompt {name} has no version {version}; versions: {available}")
            await db.execute("UPDATE prompt_versions SET active = 0 WHERE name = ?", (name,))
            if row is not None:
                await db.execute(
                    "UPDATE prompt_versions SET active = 1 WHERE name = ? AND version = ?", (name, version)
                )
            await self._write_audit(db, by, "prompt.activate", f"{name} v{version}")
        return _prompt(row, active=True) if row is not None else None

    # --- runtime settings overrides (admin /llm) -------------------------------------------------

    async def get_overrides(self, section: str) -> dict[str, Any]:
        rows = await self._fetchall(
            "SELECT key, value FROM overrides WHERE section = ? ORDER BY key", (checked_name(section),)
        )
        return {row["key"]: json.loads(row["value"]) for row in rows}

    async def set_override(self, section: str, key: str, value: Any, by: str) -> None:
        """Store one override; `value=None` removes it so the configured default applies again.

        The store does not know which keys a section has: validate against the section's config model
        first (services do).
        """
        section, key, by = checked_name(section), checked_name(key), checked_actor(by)
        async with self._transaction() as db:
            if value is None:
                await db.execute("DELETE FROM overrides WHERE section = ? AND key = ?", (section, key))
                await self._write_audit(db, by, "override.clear", f"{section}.{key}")
                return
            await db.execute(
                "INSERT OR REPLACE INTO overrides (section, key, value, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)",
                (section, key, to_json(value, f"override {section}.{key}"), by, utc_now()),
            )
            await self._write_audit(
                db, by, "override.set", f"{section}.{key} = {json.dumps(value, ensure_ascii=False)}"
            )


def _prompt(row: aiosqlite.Row, *, active: bool | None = None) -> PromptVersion:
    fields = dict(row)
    fields["active"] = bool(fields["active"]) if active is None else active
    return PromptVersion(**fields)
