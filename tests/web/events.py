"""Reading the sandbox's chat event streams over HTTP, as the page does (Server-Sent Events)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

ACTION = {"X-ShopGuide-Sandbox": "1"}
Event = dict[str, Any]


class EventStream:
    """One open `GET /api/chats/{role}/events`; `next` returns the next event matching a predicate."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.seen: list[Event] = []

    async def next(self, predicate: Callable[[Event], bool] = lambda event: True, *, timeout: float = 20.0) -> Event:
        async with asyncio.timeout(timeout):
            while True:
                event = await self._read()
                self.seen.append(event)
                if predicate(event):
                    return event

    async def _read(self) -> Event:
        data = None
        while True:
            line = (await self._response.content.readline()).decode()
            if not line:
                raise EOFError("the event stream ended")
            if line.startswith("data: "):
                data = json.loads(line.removeprefix("data: "))
            elif line == "\n" and data is not None:
                return data


@asynccontextmanager
async def event_stream(
    session: aiohttp.ClientSession, base_url: str, role: str, last_event_id: int | None = None
) -> AsyncIterator[EventStream]:
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    async with session.get(f"{base_url}api/chats/{role}/events", headers=headers) as response:
        assert response.status == 200 and response.content_type == "text/event-stream"
        yield EventStream(response)


def is_card(event: Event) -> bool:
    bubble = event.get("bubble") or {}
    return event["kind"] == "message" and any(
        button["text"] in ("Details", "详情") for row in bubble.get("buttons", []) for button in row
    )


def is_bot_text(event: Event) -> bool:
    """A new bot message without buttons: a turn's final text (or a command's answer)."""
    bubble = event.get("bubble") or {}
    return event["kind"] == "message" and bubble.get("sender") == "bot" and not bubble.get("buttons")
