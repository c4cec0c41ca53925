"""A scripted OpenAI-compatible server for tests: answers `POST /v1/chat/completions` (whole or SSE-streamed,
the way vLLM does, usage chunk with `choices: []` and `[DONE]` included) as the test says, and injects faults.

    async with ScriptedLLMServer(lambda request: "Hello there") as server:
        client = LLMClient(LLMConfig(base_url=server.base_url))
    async with ScriptedLLMServer([Status(500), Reply("ok")]) as server: ...

The behaviour is either a callable receiving the parsed request JSON and returning a reply (a `str` is a
`Reply`; `Status`, `RawStream` and `Disconnect` inject faults), or a sequence of replies used one per
request (a request past the end gets HTTP 500 "script exhausted"). Every chat request body is recorded in
`server.requests`, its headers in `server.request_headers`; `server.disconnects` counts streams the client
closed early. `GET /v1/models` answers 200 (503 while `server.healthy` is False).
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Reply:
    """An answer: streamed word by word when the request asks for a stream.

    `first_token_delay_s` stalls before the first token (after the headers when streaming);
    `token_delay_s` paces later tokens; `cut_after_tokens` drops the connection after that many tokens.
    """

    text: str
    finish_reason: str = "stop"
    first_token_delay_s: float = 0.0
    token_delay_s: float = 0.0
    cut_after_tokens: int | None = None


@dataclass(frozen=True)
class Status:
    """An HTTP error with an OpenAI-shaped error body, e.g. `Status(429, headers={"Retry-After": "1"})`."""

    status: int
    message: str = "scripted failure"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawStream:
    """A `text/event-stream` body sent exactly as given (for malformed or unusual SSE)."""

    body: str


@dataclass(frozen=True)
class Disconnect:
    """Close the connection without answering (a dead keep-alive connection, a crashed server)."""


ScriptedReply = Reply | Status | RawStream | Disconnect | str
Handler = Callable[[dict[str, Any]], ScriptedReply] | Sequence[ScriptedReply]

_TOKEN = re.compile(r"\S+\s*|\s+")


def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ScriptedLLMServer:
    """The server; use as an async context manager. `base_url` ends in `/v1` like vLLM's."""

    def __init__(self, handler: Handler, *, model: str = "scripted") -> None:
        self._handler = handler
        self._script_position = 0
        self._model = model
        self._runner: web.AppRunner | None = None
        self.requests: list[dict[str, Any]] = []
        self.request_headers: list[dict[str, str]] = []
        self.disconnects = 0  # streams the client closed before the end
        self.healthy = True
        self.base_url = ""

    async def __aenter__(self) -> ScriptedLLMServer:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        # A short shutdown timeout: stalled handlers must not hold up the test.
        self._runner = web.AppRunner(app, shutdown_timeout=0.1, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _next_reply(self, request: dict[str, Any]) -> ScriptedReply:
        if callable(self._handler):
            return self._handler(request)
        if self._script_position >= len(self._handler):
            return Status(500, "script exhausted")
        reply = self._handler[self._script_position]
        self._script_position += 1
        return reply

    async def _models(self, request: web.Request) -> web.Response:
        if not self.healthy:
            return web.json_response({"error": {"message": "unhealthy"}}, status=503)
        return web.json_response({"object": "list", "data": [{"id": self._model, "object": "model"}]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        self.request_headers.append(dict(request.headers))
        reply = self._next_reply(body)
        if isinstance(reply, str):
            reply = Reply(reply)
        if isinstance(reply, Status):
            payload = {"error": {"message": reply.message, "type": "scripted", "code": reply.status}}
            return web.json_response(payload, status=reply.status, headers=reply.headers)
        if isinstance(reply, Disconnect):
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        if isinstance(reply, RawStream):
            return web.Response(body=reply.body.encode(), content_type="text/event-stream")
        tokens = _TOKEN.findall(reply.text)
        usage = {
            "prompt_tokens": sum(len(str(m.get("content", "")).split()) for m in body.get("messages", [])),
            "completion_tokens": len(tokens),
            "total_tokens": 0,
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return await self._stream(request, reply, tokens, usage if include_usage else None)
        await asyncio.sleep(reply.first_token_delay_s + reply.token_delay_s * len(tokens))
        return web.json_response(
            {
                "id": "chatcmpl-scripted",
                "object": "chat.completion",
                "model": self._model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply.text},
                        "finish_reason": reply.finish_reason,
                    }
                ],
                "usage": usage,
            }
        )

    async def _stream(
        self, request: web.Request, reply: Reply, tokens: list[str], usage: dict[str, int] | None
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)

        def event(choices: list[dict[str, Any]], **extra: Any) -> bytes:
            chunk = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "model": self._model}
            return f"data: {json.dumps({**chunk, 'choices': choices, **extra})}\n\n".encode()

        try:
            await response.write(event([{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]))
            await asyncio.sleep(reply.first_token_delay_s)
            for position, token in enumerate(tokens):
                if position == reply.cut_after_tokens:
                    assert request.transport is not None
                    request.transport.close()
                    return response
                if position:
                    await asyncio.sleep(reply.token_delay_s)
                await response.write(event([{"index": 0, "delta": {"content": token}, "finish_reason": None}]))
            await response.write(event([{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}]))
            if usage is not None:
                await response.write(event([], usage=usage))
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
        except ConnectionResetError:
            self.disconnects += 1
        return response
