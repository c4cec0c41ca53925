"""The sandbox's web server (aiohttp): the chat page from the package's `static/` files, and a small JSON API
the page uses to act as one of the sandbox users and to follow each chat as Server-Sent Events.

    GET  /api/sandbox                        the bot, the LLM backend, the three users
    GET  /api/chats/{role}/events            the chat's page events (SSE; Last-Event-ID resumes)
    POST /api/chats/{role}/messages          {"text": ...}
    POST /api/chats/{role}/documents         multipart, one "file" field
    POST /api/chats/{role}/presses           {"message_id": ..., "data": ...}
    GET  /api/chats/{role}/commands          the bot's command menu in that chat
    GET  /api/chats/{role}/files/{file_id}   a file the bot sent there

It is only ever bound to 127.0.0.1. Requests naming another host are refused (DNS rebinding), and every
POST must carry the `X-ShopGuide-Sandbox` header, which a cross-site form cannot send (CSRF).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from aiohttp import web
from pydantic import BaseModel, Field, ValidationError

from bot.channels.web.backend import BackendInfo
from bot.channels.web.chats import SandboxChat, SandboxChats, SandboxUser
from bot.emulator import MAX_TEXT_LENGTH

STATIC_DIR = Path(str(files("bot.channels.web") / "static"))
ACTION_HEADER = "X-ShopGuide-Sandbox"
MAX_DOCUMENT_BYTES = 25 * 1024 * 1024  # above the bot's 20 MB download limit, so the bot itself says "too big"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
SECURITY_HEADERS = {
    # Product photos are the shops' own URLs; everything else comes from this server.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' http: https: data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

ModelT = TypeVar("ModelT", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SandboxInfo(BaseModel):
    bot_name: str
    backend: BackendInfo
    users: list[SandboxUser]


class TextMessage(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)


class ButtonPress(BaseModel):
    message_id: int
    data: str = Field(min_length=1, max_length=64)


def web_application(chats: SandboxChats, info: SandboxInfo) -> web.Application:
    app = web.Application(middlewares=[_guard], client_max_size=MAX_DOCUMENT_BYTES + 64 * 1024)
    routes = _Routes(chats, info)
    app.router.add_get("/", routes.index)
    app.router.add_static("/static/", STATIC_DIR)
    app.router.add_get("/api/sandbox", routes.sandbox)
    app.router.add_get("/api/chats/{role}/events", routes.events)
    app.router.add_post("/api/chats/{role}/messages", routes.message)
    app.router.add_post("/api/chats/{role}/documents", routes.document)
    app.router.add_post("/api/chats/{role}/presses", routes.press)
    app.router.add_get("/api/chats/{role}/commands", routes.commands)
    app.router.add_get("/api/chats/{role}/files/{file_id}", routes.file)

    async def end_streams(app: web.Application) -> None:
        await chats.close_feeds()

    app.on_shutdown.append(end_streams)
    return app


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.url.host not in LOCAL_HOSTS:
        raise web.HTTPMisdirectedRequest(text="the sandbox answers on 127.0.0.1 only")
    if request.method == "POST" and request.headers.get(ACTION_HEADER) != "1":
        raise web.HTTPForbidden(text=f"sandbox actions need the {ACTION_HEADER} header")
    response = await handler(request)
    if not response.prepared:
        response.headers.update(SECURITY_HEADERS)
    return response


class _Routes:
    def __init__(self, chats: SandboxChats, info: SandboxInfo) -> None:
        self._chats = chats
        self._info = info

    def _chat(self, request: web.Request) -> SandboxChat:
        chat = self._chats.by_role.get(request.match_info["role"])
        if chat is None:
            raise web.HTTPNotFound(text=f"no sandbox user {request.match_info['role']!r}")
        return chat

    async def index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "index.html")

    async def sandbox(self, request: web.Request) -> web.Response:
        return web.json_response(text=self._info.model_dump_json())

    async def commands(self, request: web.Request) -> web.Response:
        return web.json_response(self._chat(request).commands())

    async def events(self, request: web.Request) -> web.StreamResponse:
        chat = self._chat(request)
        last_seen = request.headers.get("Last-Event-ID", "-1")
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", **SECURITY_HEADERS})
        await response.prepare(request)
        # A closed tab shows up as a failed write; the loop then ends with the request.
        with contextlib.suppress(ConnectionResetError):
            async for event in chat.feed.follow(int(last_seen) if last_seen.lstrip("-").isdigit() else -1):
                if event is None:
                    await response.write(b": keep-alive\n\n")
                else:
                    await response.write(f"id: {event.id}\ndata: {event.model_dump_json()}\n\n".encode())
        return response

    async def message(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        body = await _parsed(request, TextMessage)
        await chat.send_text(body.text)
        return web.json_response({"ok": True})

    async def press(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        body = await _parsed(request, ButtonPress)
        try:
            await chat.press(body.message_id, body.data)
        except ValueError as exc:
            raise web.HTTPConflict(text=f"this button is no longer available ({exc})") from None
        return web.json_response({"ok": True})

    async def document(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField) or not upload.filename:
            raise web.HTTPBadRequest(text="send the document as the multipart field 'file'")
        await chat.send_document(upload.filename, upload.file.read())
        return web.json_response({"ok": True})

    async def file(self, request: web.Request) -> web.Response:
        stored = self._chat(request).feed.files.get(request.match_info["file_id"])
        if stored is None or stored.data is None:
            raise web.HTTPNotFound(text="no such file in this chat")
        disposition = (
            f"attachment; filename*=UTF-8''{quote(stored.file_name or stored.file_path.rsplit('/', 1)[-1], safe='')}"
        )
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type or "application/octet-stream",
            headers={"Content-Disposition": disposition},
        )


async def _parsed(request: web.Request, model: type[ModelT]) -> ModelT:
    try:
        return model.model_validate_json(await request.read())
    except ValidationError as exc:
        raise web.HTTPBadRequest(text=exc.errors()[0]["msg"]) from None
