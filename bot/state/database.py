"""The state database's plumbing: one aiosqlite connection (WAL journal, so readers never block the
writer), the schema migrations, whole transactions, and the checks every table's methods share.

Each concern of the store (`dialogs`, `roles`, `languages`, `tuning`, `events`, `audit`, `waiting`) is
a subclass of `Database` adding its own verbs; `bot.state.store.StateStore` combines them into the one
object the channels and the core use.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import aiosqlite

from bot.state.migrations import MIGRATIONS


class StateError(ValueError):
    """A request the store refuses (unknown role, missing prompt version ...); the message says why."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def to_utc_iso(moment: datetime) -> str:
    """The stored form of a moment; a naive datetime is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class Database:
    """One SQLite file at the current schema. Open with `await <subclass>.open(path)`."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        # aiosqlite serialises statements, not transactions: a lock keeps each transaction whole.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Self:
        """Open (creating it if needed) and bring the schema up to date, each migration in its own transaction."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            db.row_factory = aiosqlite.Row
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA busy_timeout=5000")
            store = cls(db, path)
            await store._migrate()
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        await self._db.close()

    async def _migrate(self) -> None:
        current = int((await self._one("PRAGMA user_version"))[0])
        if current > len(MIGRATIONS):
            raise StateError(
                f"{self.path} has schema version {current}, newer than this ShopGuide knows "
                f"({len(MIGRATIONS)}); upgrade ShopGuide or point --data-dir elsewhere"
            )
        for version in range(current + 1, len(MIGRATIONS) + 1):
            async with self._transaction() as db:
                for statement in MIGRATIONS[version - 1]:
                    await db.execute(statement)
                await db.execute(f"PRAGMA user_version = {version}")

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def _fetchall(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _fetchone(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Row | None:
        async with self._db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Row:
        """The row of a query that always has one (an aggregate, a PRAGMA)."""
        row = await self._fetchone(sql, params)
        if row is None:
            raise RuntimeError(f"no row from a query that always returns one: {sql[:80]}")
        return row

    @staticmethod
    async def _write_audit(db: aiosqlite.Connection, actor: str, action: str, detail: str) -> None:
        """An audit entry inside the caller's transaction, so a change and its entry commit together."""
        await db.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)", (utc_now(), actor, action, detail)
        )


def checked_user(user_id: str) -> str:
    if not isinstance(user_id, str) or not user_id.strip():
        raise StateError(f"a user id must be a non-empty string such as 'tg:42', got {user_id!r}")
    return user_id


def checked_actor(actor: str) -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise StateError("every change needs who made it (a non-empty actor id)")
    return actor


def checked_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise StateError(f"expected a non-empty name, got {name!r}")
    return name


def to_json(value: Any, what: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise StateError(f"{what} is not JSON-serialisable: {exc}") from exc
