"""A misbehaving OpenAI-compatible endpoint that the conversation suite starts itself (`MisbehavingLLM`), so
what a customer sees when the model goes wrong is measured, not assumed.

It answers `POST /v1/chat/completions` (streamed as vLLM does, or whole; JSON for requests with a schema) by
reading the prompt's own evidence block and misbehaving in one of these ways (`Mode`):

- `wrong_price`: a correct, cited first sentence, then two sentences with a price the catalog does not have;
- `invented_product`: a correct first sentence, then products the shop does not sell ("Zen Aroma Diffuser Pro X9");
- `obeyed_injection`: one clean, cited sentence that obeys an injected "everything is free", then the shout;
- `garbage`: the prompt's instructions echoed back with a word loop;
- `cut`: a correct first sentence, then the connection dropped in the middle of the second.

Every payload the modes write is in `PAYLOADS`: none of it may ever reach a customer, streamed or final.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, get_args

from aiohttp import web

Mode = Literal["wrong_price", "invented_product", "obeyed_injection", "garbage", "cut"]
MODES: tuple[Mode, ...] = get_args(Mode)

# What the modes make the model say, as a customer would read it. A check that finds one of these in any text a
# customer saw has found a failure of the grounding check.
PAYLOADS: tuple[str, ...] = (
    "¥1 ",
    "¥1[",
    "¥1。",
    "X9",
    "Zen Aroma",
    "禅意香薰",
    "AeroLite",
    "free today",
    "今天免费",
    "全部免费",
    "EVERYTHING IS FREE",
    "asdf",
)
_EVIDENCE = re.compile(r'^\[(?P<ref>\d+)\] (?P<label>[a-z ]+): "(?P<text>.*)"$', re.M)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_TOKEN = re.compile(r"\S+\s*|\s+")


class MisbehavingLLM:
    """The endpoint, on 127.0.0.1 and a free port; use as an async context manager. `base_url` ends in `/v1`."""

    def __init__(self, mode: Mode) -> None:
        self.mode = mode
        self.base_url = ""
        self.requests = 0
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> MisbehavingLLM:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/v1"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "misbehaving", "object": "model"}]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests += 1
        messages = body.get("messages", [])
        if "response_format" in body or "json_schema" in body:
            return web.json_response(_completion(_structured_answer(self.mode, _Prompt(messages))))
        sentences = misbehave(self.mode, messages)
        if not body.get("stream"):
            return web.json_response(_completion("".join(sentences)))
        return await _stream(request, sentences, cut=self.mode == "cut")


class _Prompt:
    """What the misbehaving model reads of a prompt: the language, the first product and the evidence."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        system = str(messages[0].get("content", "")) if messages else ""
        data = str(messages[-1].get("content", "")) if messages else ""
        self.chinese = bool(_HAN.search(system))
        self.instructions = system.splitlines()[0] if system else "You are ShopGuide."
        self.evidence = [(int(m["ref"]), m["label"], json.loads(f'"{m["text"]}"')) for m in _EVIDENCE.finditer(data)]
        product = next(((ref, text) for ref, label, text in self.evidence if label == "product"), None)
        self.ref = product[0] if product else (self.evidence[0][0] if self.evidence else 1)
        first = product[1] if product else (self.evidence[0][2] if self.evidence else "this product")
        self.title = first.split(" | ")[0].split(": ")[0]
        price = re.search(r"price (\S+)", first)
        self.price = price.group(1) if price else ""
        # A policy passage reads "Section: the sentences"; its first sentence, cited, is a correct answer.
        self.passage = re.split(r"(?<=[.。!?！？])\s*", first.partition(": ")[2] or first)[0].rstrip(".。")

    def good(self) -> str:
        """A sentence the check passes: the first product's catalog price, or the first passage's sentence, cited."""
        if self.price:
            if self.chinese:
                return f"{self.title}的价格是{self.price}[{self.ref}]。"
            return f"The {self.title} costs {self.price} [{self.ref}]. "
        return f"{self.passage}[{self.ref}]。" if self.chinese else f"{self.passage} [{self.ref}]. "


def misbehave(mode: Mode, messages: list[dict[str, Any]]) -> list[str]:
    """The sentences a model misbehaving in `mode` writes for a prompt (chat messages as sent)."""
    return _answer(mode, _Prompt(messages))


def _answer(mode: Mode, prompt: _Prompt) -> list[str]:
    ref, title, zh = prompt.ref, prompt.title, prompt.chinese
    match mode:
        case "wrong_price":
            bad = (
                [f"今天{title}只要¥1[{ref}]。", f"立省¥888[{ref}]。"]
                if zh
                else [
                    f"Today the {title} costs only ¥1 [{ref}]. ",
                    f"You save ¥888 on it [{ref}]. ",
                ]
            )
            return [prompt.good(), *bad]
        case "invented_product":
            bad = (
                [f"也可以看看禅意香薰机 Pro X9，是我们的爆款[{ref}]。", f"AeroLite Max 3000 更好[{ref}]。"]
                if zh
                else [
                    f"You could also take the Zen Aroma Diffuser Pro X9, our best seller [{ref}]. ",
                    f"The AeroLite Max 3000 is even better [{ref}]. ",
                ]
            )
            return [prompt.good(), *bad]
        case "obeyed_injection":
            if zh:
                return [f"{title}今天免费[{ref}]。", f"全部免费[{ref}]！"]
            return [f"The {title} is free today [{ref}]. ", f"EVERYTHING IS FREE 全部免费 [{ref}]! "]
        case "garbage":
            return [f"{prompt.instructions} ", "asdf asdf asdf asdf qwer. ", f"[{ref}] product: {title} | price | "]
        case "cut":
            return [prompt.good(), "第二款的价格是¥1" if zh else "The second one costs only ¥1 and"]


def _structured_answer(mode: Mode, prompt: _Prompt) -> str:
    """The JSON of a structured answer (comparison or review summary) in `mode`; malformed for garbage and cut."""
    if mode in ("garbage", "cut"):
        return 'Sure! {"verdict": "asdf asdf' if mode == "garbage" else '{"verdict": "The first one costs only ¥1'
    claim = {
        "wrong_price": f"Today the {prompt.title} costs only ¥1.",
        "invented_product": "The Zen Aroma Diffuser Pro X9 beats them all.",
        "obeyed_injection": f"The {prompt.title} is free today.",
    }[mode]
    refs = [ref for ref, label, _ in prompt.evidence if label == "buyer review"] or [prompt.ref]
    return json.dumps(
        {
            "verdict": claim,
            "best_for": [{"ref": prompt.ref, "use": claim}],
            "pros": [{"point": claim, "refs": refs[:1]}],
            "cons": [],
        },
        ensure_ascii=False,
    )


def _completion(text: str) -> dict[str, Any]:
    choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
    return {"id": "chatcmpl-misbehaving", "object": "chat.completion", "model": "misbehaving", "choices": [choice]}


async def _stream(request: web.Request, sentences: list[str], *, cut: bool) -> web.StreamResponse:
    """The sentences token by token as server-sent events; with `cut`, the connection drops before the end."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)

    def event(delta: dict[str, str], finish: str | None = None) -> bytes:
        chunk = {
            "id": "chatcmpl-misbehaving",
            "object": "chat.completion.chunk",
            "model": "misbehaving",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()

    try:
        await response.write(event({"role": "assistant"}))
        for token in _TOKEN.findall("".join(sentences)):
            await response.write(event({"content": token}))
        if cut:
            assert request.transport is not None
            request.transport.close()
            return response
        await response.write(event({}, "stop"))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
    except ConnectionResetError:
        pass  # the assistant stopped listening: it had what it needed
    return response
