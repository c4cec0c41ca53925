"""Metric events (turns, products shown, clicks, feedback, handoffs, fallbacks, LLM errors) and the
usage figures `/stats` reports from them; the regression suite's own traffic is left out."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from bot.state.database import Database, StateError, checked_user, to_json, to_utc_iso, utc_now

EventKind = Literal["turn", "shown", "click", "feedback", "handoff", "fallback", "llm_error"]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)

# The regression suite's users (`bot.evaluation.conversations`); their turns are test traffic, left out of `stats`.
EVAL_USER_PREFIX = "eval:"


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


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of unsorted values; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


class Events(Database):
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
        blob = to_json(data, "event data") if data is not None else None
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO events (at, kind, user_id, merchant_id, turn_id, sku, value, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (utc_now(), kind, checked_user(user_id), merchant_id, turn_id, sku, value, blob),
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
        counts = await self._one(
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
