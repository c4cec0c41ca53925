"""The audit log: who did what and when, newest first. Changes write their entry inside their own
transaction (`Database._write_audit`); `audit` records what changed nothing (a command, a refusal)."""

from __future__ import annotations

from pydantic import BaseModel

from bot.state.database import Database, StateError, checked_actor, checked_name


class AuditEntry(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    detail: str


class AuditLog(Database):
    async def audit(self, actor: str, action: str, detail: str) -> None:
        async with self._transaction() as db:
            await self._write_audit(db, checked_actor(actor), checked_name(action), detail)

    async def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        """The latest entries, newest first."""
        if limit < 1:
            raise StateError(f"audit_log limit must be at least 1, got {limit}")
        rows = await self._fetchall("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))
        return [AuditEntry(**dict(row)) for row in rows]
