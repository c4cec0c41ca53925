"""The bot's durable state on SQLite: dialogs, replies, roles, prompt versions, settings overrides,
metric events and the audit log.

One `StateStore` owns one aiosqlite connection (WAL journal, so readers never block the writer).
The schema is versioned with `PRAGMA user_version`; `StateStore.open` applies the migrations a file
lacks, each in its own transaction. Every change that an operator makes (`grant`, `revoke`,
`activate_prompt`, `set_override` ...) writes its audit entry in the same transaction, so the log
never misses a change and a failed change leaves nothing behind. Timestamps are UTC ISO-8601 strings.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

import aiosqlite
from pydantic import BaseModel, Field

from bot.core.reply import Reply

Role = Literal["customer", "merchant", "admin"]
EventKind = Literal["turn", "shown", "click", "feedback", "handoff", "fallback", "llm_error"]

# The regression suite's users (`bot.evaluation.conversations`); their turns are test traffic, left out of `stats`.
EVAL_USER_PREFIX = "eval:"
ROLES: tuple[str, ...] = get_args(Role)
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)

# Each entry upgrades the schema by one version; append, never edit a released one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE dialogs (
            user_id TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
        """CREATE TABLE replies (
            turn_id TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            created_at TEXT NOT NULL)""",
        """CREATE TABLE roles (
            user_id TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('merchant', 'admin')),
            merchant_id TEXT,
            granted_by TEXT NOT NULL,
            granted_at TEXT NOT NULL)""",
        """CREATE TABLE prompt_versions (
            name TEXT NOT NULL,
            version INTEGER NOT NULL CHECK (version >= 1),
            text TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 0,
            note TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (name, version))""",
        """CREATE TABLE overrides (
            section TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_by TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (section, key))""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            user_id TEXT NOT NULL,
            merchant_id TEXT,
            turn_id TEXT,
            sku TEXT,
            value REAL,
            data TEXT)""",
        "CREATE INDEX events_at ON events (at, kind)",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL)""",
    ),
)


class StateError(ValueError):
    """A request the store refuses (unknown role, missing prompt version ...); the message says why."""


class RoleGrant(BaseModel):
    user_id: str
    role: Role
    merchant_id: str | None = None
    granted_by: str
    granted_at: str


class PromptVersion(BaseModel):
    """An admin's edit of one prompt template; version 0 is the template file itself and is not stored."""

    name: str
    version: int
    text: str
    author: str
    created_at: str
    active: bool
    note: str = ""


class AuditEntry(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    detail: str


class Event(BaseModel):
    id: int
    at: str
    kind: EventKind
    user_id: str
    merchant_id: str | None = None
    turn_id: str | None = None
    sku: str | None = None
    value: float | None = None
    data: dict[str, Any] | None = None


class Stats(BaseModel):
    """Usage figures since a moment; `ctr` is clicks per product shown."""

    since: str
    conversations: int = Field(description="Distinct users with at least one turn.")
    turns: int
    products_shown: int
    clicks: int
    ctr: float
    likes: int
    dislikes: int
    handoffs: int
    fallbacks: int
    llm_errors: int
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def to_utc_iso(moment: datetime) -> str:
    """The stored form of a moment; a naive datetime is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of unsorted values; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


class StateStore:
    """Async access to the state database. Create with `await StateStore.open(path)`."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        # aiosqlite serialises statements, not transactions: a lock keeps each transaction whole.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> StateStore:
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
        current = await self._user_version()
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

    async def _user_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0])

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

    # --- dialogs ---------------------------------------------------------------------------------

    async def load_dialog(self, user_id: str) -> dict[str, Any] | None:
        row = await self._fetchone("SELECT data FROM dialogs WHERE user_id = ?", (_user(user_id),))
        return json.loads(row["data"]) if row else None

    async def save_dialog(self, user_id: str, data: dict[str, Any]) -> None:
        blob = _json(data, "dialog")
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO dialogs (user_id, data, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                (_user(user_id), blob, utc_now()),
            )

    async def reset_dialog(self, user_id: str) -> None:
        async with self._transaction() as db:
            await db.execute("DELETE FROM dialogs WHERE user_id = ?", (_user(user_id),))

    # --- replies (so buttons and "Why?" still work after a restart) ------------------------------

    async def save_reply(self, reply: Reply) -> None:
        async with self._transaction() as db:
            await db.execute(
                "INSERT OR REPLACE INTO replies (turn_id, data, created_at) VALUES (?, ?, ?)",
                (reply.turn_id, reply.model_dump_json(), utc_now()),
            )

    async def load_reply(self, turn_id: str) -> Reply | None:
        row = await self._fetchone("SELECT data FROM replies WHERE turn_id = ?", (turn_id,))
        return Reply.model_validate_json(row["data"]) if row else None

    # --- roles -----------------------------------------------------------------------------------

    async def role_of(self, user_id: str) -> Role:
        row = await self._fetchone("SELECT role FROM roles WHERE user_id = ?", (_user(user_id),))
        return row["role"] if row else "customer"

    async def merchant_of(self, user_id: str) -> str | None:
        row = await self._fetchone("SELECT merchant_id FROM roles WHERE user_id = ?", (_user(user_id),))
        return row["merchant_id"] if row else None

    async def grant(self, user_id: str, role: str, merchant_id: str | None, by: str) -> RoleGrant:
        """Make a user a merchant (of `merchant_id`, required) or an admin; replaces any earlier grant."""
        user_id = _user(user_id)
        if role not in ROLES:
            raise StateError(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
        if role == "customer":
            raise StateError("'customer' is every user's default role; use revoke to take a role away")
        if role == "merchant" and not merchant_id:
            raise StateError("a merchant grant needs the merchant id whose catalog the user manages")
        grant = RoleGrant(
            user_id=user_id, role=role, merchant_id=merchant_id or None, granted_by=_actor(by), granted_at=utc_now()
        )
        async with self._transaction() as db:
            await db.execute(
                "INSERT OR REPLACE INTO roles (user_id, role, merchant_id, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)",
                (grant.user_id, grant.role, grant.merchant_id, grant.granted_by, grant.granted_at),
            )
            scope = f" of {grant.merchant_id}" if grant.merchant_id else ""
            await self._write_audit(db, grant.granted_by, "grant", f"{user_id} -> {role}{scope}")
        return grant

    async def revoke(self, user_id: str, by: str) -> RoleGrant:
        """Take a user's role away (back to customer); returns the grant that was removed."""
        user_id = _user(user_id)
        async with self._transaction() as db:
            async with db.execute("SELECT * FROM roles WHERE user_id = ?", (user_id,)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise StateError(f"{user_id} has no role to revoke (already a customer)")
            await db.execute("DELETE FROM roles WHERE user_id = ?", (user_id,))
            await self._write_audit(db, _actor(by), "revoke", f"{user_id} was {row['role']}")
        return RoleGrant(**dict(row))

    async def roles(self) -> list[RoleGrant]:
        rows = await self._fetchall("SELECT * FROM roles ORDER BY role, user_id")
        return [RoleGrant(**dict(row)) for row in rows]

    # --- prompt versions -------------------------------------------------------------------------

    async def prompt_history(self, name: str) -> list[PromptVersion]:
        rows = await self._fetchall("SELECT * FROM prompt_versions WHERE name = ? ORDER BY version", (_name(name),))
        return [_prompt(row) for row in rows]

    async def active_prompt(self, name: str) -> PromptVersion | None:
        """The admin version in force, or None when the template file (version 0) is."""
        row = await self._fetchone("SELECT * FROM prompt_versions WHERE name = ? AND active = 1", (_name(name),))
        return _prompt(row) if row else None

    async def add_prompt_version(
        self, name: str, text: str, author: str, *, activate: bool, note: str = ""
    ) -> PromptVersion:
        name, author = _name(name), _actor(author)
        if not text.strip():
            raise StateError(f"prompt {name}: the new text is empty")
        async with self._transaction() as db:
            async with db.execute(
                "SELECT COALESCE(MAX(version), 0) FROM prompt_versions WHERE name = ?", (name,)
            ) as cursor:
                version = int((await cursor.fetchone())[0]) + 1
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
        name, by = _name(name), _actor(by)
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
            "SELECT key, value FROM overrides WHERE section = ? ORDER BY key", (_name(section),)
        )
        return {row["key"]: json.loads(row["value"]) for row in rows}

    async def set_override(self, section: str, key: str, value: Any, by: str) -> None:
        """Store one override; `value=None` removes it so the configured default applies again.

        The store does not know which keys a section has: validate against the section's config model
        first (services do).
        """
        section, key, by = _name(section), _name(key), _actor(by)
        async with self._transaction() as db:
            if value is None:
                await db.execute("DELETE FROM overrides WHERE section = ? AND key = ?", (section, key))
                await self._write_audit(db, by, "override.clear", f"{section}.{key}")
                return
            await db.execute(
                "INSERT OR REPLACE INTO overrides (section, key, value, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)",
                (section, key, _json(value, f"override {section}.{key}"), by, utc_now()),
            )
            await self._write_audit(
                db, by, "override.set", f"{section}.{key} = {json.dumps(value, ensure_ascii=False)}"
            )

    # --- events and stats ------------------------------------------------------------------------

    async def record_event(
        self,
        kind: str,
        user_id: str,
        *,
        turn_id: str | None = None,
        sku: str | None = None,
        value: float | None = None,
        data: dict[str, Any] | None = None,
        merchant_id: str | None = None,
    ) -> None:
        if kind not in EVENT_KINDS:
            raise StateError(f"unknown event kind {kind!r}; use one of: {', '.join(EVENT_KINDS)}")
        if kind == "feedback" and value not in (1, -1):
            raise StateError(f"a feedback event needs value +1 or -1, got {value!r}")
        if kind in ("shown", "click") and not sku:
            raise StateError(f"a {kind!r} event needs the product's sku")
        blob = _json(data, "event data") if data is not None else None
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO events (at, kind, user_id, merchant_id, turn_id, sku, value, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (utc_now(), kind, _user(user_id), merchant_id, turn_id, sku, value, blob),
            )

    async def events(self, kind: str | None = None, *, since: datetime | None = None, limit: int = 1000) -> list[Event]:
        """Recorded events, oldest first, optionally of one kind and from a moment on."""
        if kind is not None and kind not in EVENT_KINDS:
            raise StateError(f"unknown event kind {kind!r}; use one of: {', '.join(EVENT_KINDS)}")
        since_iso = to_utc_iso(since) if since else ""
        rows = await self._fetchall(
            "SELECT * FROM (SELECT * FROM events WHERE at >= ? AND (? IS NULL OR kind = ?) ORDER BY id DESC LIMIT ?) ORDER BY id",
            (since_iso, kind, kind, limit),
        )
        return [Event(**{**dict(row), "data": json.loads(row["data"]) if row["data"] else None}) for row in rows]

    async def stats(self, since: datetime, merchant_id: str | None = None) -> Stats:
        """Usage since a moment (naive = UTC), for one merchant or all; regression-suite users excluded."""
        since_iso = to_utc_iso(since)
        scope = "at >= ? AND (? IS NULL OR merchant_id = ?) AND user_id NOT LIKE ?"
        params = (since_iso, merchant_id, merchant_id, f"{EVAL_USER_PREFIX}%")
        counts = await self._fetchone(
            f"""SELECT
                COUNT(DISTINCT CASE WHEN kind = 'turn' THEN user_id END) AS conversations,
                SUM(kind = 'turn') AS turns,
                SUM(kind = 'shown') AS shown,
                SUM(kind = 'click') AS clicks,
                SUM(kind = 'feedback' AND value > 0) AS likes,
                SUM(kind = 'feedback' AND value < 0) AS dislikes,
                SUM(kind = 'handoff') AS handoffs,
                SUM(kind = 'fallback') AS fallbacks,
                SUM(kind = 'llm_error') AS llm_errors
            FROM events WHERE {scope}""",
            params,
        )
        latencies = [
            row[0]
            for row in await self._fetchall(
                f"SELECT value FROM events WHERE kind = 'turn' AND value IS NOT NULL AND {scope}", params
            )
        ]
        shown, clicks = counts["shown"] or 0, counts["clicks"] or 0
        return Stats(
            since=since_iso,
            conversations=counts["conversations"] or 0,
            turns=counts["turns"] or 0,
            products_shown=shown,
            clicks=clicks,
            ctr=clicks / shown if shown else 0.0,
            likes=counts["likes"] or 0,
            dislikes=counts["dislikes"] or 0,
            handoffs=counts["handoffs"] or 0,
            fallbacks=counts["fallbacks"] or 0,
            llm_errors=counts["llm_errors"] or 0,
            latency_p50_ms=percentile(latencies, 50),
            latency_p95_ms=percentile(latencies, 95),
        )

    # --- audit log -------------------------------------------------------------------------------

    async def audit(self, actor: str, action: str, detail: str) -> None:
        async with self._transaction() as db:
            await self._write_audit(db, _actor(actor), _name(action), detail)

    async def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        """The latest entries, newest first."""
        if limit < 1:
            raise StateError(f"audit_log limit must be at least 1, got {limit}")
        rows = await self._fetchall("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))
        return [AuditEntry(**dict(row)) for row in rows]

    @staticmethod
    async def _write_audit(db: aiosqlite.Connection, actor: str, action: str, detail: str) -> None:
        await db.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)", (utc_now(), actor, action, detail)
        )


def _user(user_id: str) -> str:
    if not isinstance(user_id, str) or not user_id.strip():
        raise StateError(f"a user id must be a non-empty string such as 'tg:42', got {user_id!r}")
    return user_id


def _actor(actor: str) -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise StateError("every change needs who made it (a non-empty actor id)")
    return actor


def _name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise StateError(f"expected a non-empty name, got {name!r}")
    return name


def _json(value: Any, what: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise StateError(f"{what} is not JSON-serialisable: {exc}") from exc


def _prompt(row: aiosqlite.Row, *, active: bool | None = None) -> PromptVersion:
    fields = dict(row)
    fields["active"] = bool(fields["active"]) if active is None else active
    return PromptVersion(**fields)
