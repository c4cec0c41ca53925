"""The bot's pending updates and how they reach it: getUpdates long polls (an update stays until a later
`offset` confirms it) or a webhook (POSTed one at a time, in order, with the secret-token header,
retried until accepted). Like the real server, the two ways exclude each other."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.emulator.protocol import UPDATE_TYPES, BotApiError, bad_request

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_UPDATE_ID = 100_000_001


class UpdateQueue:
    """Pending updates of one bot; `on_change` is awaited when a long poll starts or a delivery fails."""

    def __init__(self, *, webhook_retry_s: float, on_change: Callable[[], Awaitable[None]]) -> None:
        self.pending: list[dict[str, Any]] = []
        self._webhook_retry_s = webhook_retry_s
        self._on_change = on_change
        self._next_update_id = FIRST_UPDATE_ID
        self._allowed: frozenset[str] = frozenset(UPDATE_TYPES)
        self._poll: asyncio.Future[None] | None = None
        self._webhook: dict[str, Any] | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        self._end_poll()
        await self._stop_webhook_worker()
        if self._session is not None:
            await self._session.close()

    @property
    def long_polling(self) -> bool:
        return self._poll is not None and not self._poll.done()

    def push(self, kind: str, payload: dict[str, Any]) -> None:
        """Queue an update unless the bot's `allowed_updates` leaves its kind out."""
        if kind not in self._allowed:
            return
        self.pending.append({"update_id": self._next_update_id, kind: payload})
        self._next_update_id += 1
        self._end_poll()
        self._wakeup.set()

    def set_allowed(self, allowed: Any) -> None:
        if allowed is None:
            return  # keeps the previous setting, as documented
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON array")
        self._allowed = frozenset(allowed) if allowed else frozenset(UPDATE_TYPES)

    async def get_updates(self, *, offset: int | None, limit: int, timeout: int) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise BotApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._confirm(offset)
        if self.long_polling:
            assert self._poll is not None
            self._poll.set_exception(
                BotApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            )
        if not self.pending and timeout > 0:
            poll = self._poll = asyncio.get_running_loop().create_future()
            await self._on_change()
            try:
                await asyncio.wait_for(asyncio.shield(poll), timeout)
            except TimeoutError:
                pass
            finally:
                if self._poll is poll:
                    self._poll = None
            if self._webhook is not None:
                raise BotApiError(409, "Conflict: terminated by setWebhook request")
        return self.pending[:limit]

    async def set_webhook(self, url: str, *, secret: str | None, max_connections: int, drop_pending: bool) -> None:
        if drop_pending:
            self.pending.clear()
        await self._stop_webhook_worker()
        self._webhook = {"url": url, "max_connections": max_connections}
        self._webhook_error = None
        self._end_poll()
        self._webhook_task = asyncio.create_task(self._deliver(url, secret))

    async def delete_webhook(self, *, drop_pending: bool) -> None:
        if drop_pending:
            self.pending.clear()
        await self._stop_webhook_worker()
        self._webhook = None
        self._webhook_error = None

    def webhook_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook["url"] if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if self._webhook:
            info["max_connections"] = self._webhook["max_connections"]
            info["allowed_updates"] = sorted(self._allowed)
        if self._webhook_error:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [update for update in self.pending if update["update_id"] >= offset]

    def _end_poll(self) -> None:
        if self._poll is not None and not self._poll.done():
            self._poll.set_result(None)

    async def _stop_webhook_worker(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None

    async def _deliver(self, url: str, secret: str | None) -> None:
        """POST pending updates one at a time, in order; an update leaves the queue once accepted."""
        assert self._session is not None, "open() the queue first"
        headers = {SECRET_HEADER: secret} if secret else {}
        while True:
            if not self.pending:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            update = self.pending[0]
            try:
                async with self._session.post(url, json=update, headers=headers) as response:
                    accepted = 200 <= response.status < 300
                    if not accepted:
                        self._webhook_error = (
                            int(time.time()),
                            f"Wrong response from the webhook: {response.status} {response.reason}",
                        )
            except aiohttp.ClientError as error:
                accepted = False
                self._webhook_error = (int(time.time()), f"Connection failed: {error}")
            if accepted:
                if self.pending and self.pending[0] is update:
                    self.pending.pop(0)
            else:
                await self._on_change()
                await asyncio.sleep(self._webhook_retry_s)
