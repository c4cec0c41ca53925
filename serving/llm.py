"""The async OpenAI-compatible chat client (aiohttp): whole and streamed answers, JSON-schema output,
deadlines, retries with backoff, a circuit breaker and a cap on concurrent requests.

One `LLMClient` per process; it owns one aiohttp session. Close it with `await client.close()` or use it as
an async context manager. To stop a streamed answer early, close the iterator (`contextlib.aclosing`) or
cancel the task consuming it: the HTTP connection is closed, so the server stops generating.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel, ValidationError

from serving.breaker import CircuitBreaker
from serving.config import LLMConfig
from serving.errors import LLMError, LLMOutputError, LLMRequestError, LLMTimeout, LLMUnavailable
from serving.protocol import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatMessage,
    ChatRequest,
    ChatResult,
    StreamChunk,
    StreamOptions,
    error_message,
    structured_output_fields,
)
from serving.sse import SSEDecoder

ModelT = TypeVar("ModelT", bound=BaseModel)
Messages = Sequence[ChatMessage | Mapping[str, Any]]

# Error bodies are only read for their message; a misbehaving server must not make us buffer megabytes.
_MAX_ERROR_BODY = 16 * 1024


class LLMClient:
    """Talks to one OpenAI-compatible endpoint (`config.base_url`, e.g. `http://vllm:8000/v1`)."""

    def __init__(self, config: LLMConfig) -> None:
        if not config.base_url:
            raise ValueError(
                "LLMConfig.base_url is empty: set SHOPGUIDE_LLM__BASE_URL to an OpenAI-compatible endpoint "
                "(e.g. http://127.0.0.1:8000/v1) or start the embedded engine (serving.local.LocalEngine) first"
            )
        self._config = config
        self._url = config.base_url.rstrip("/")
        self._slots = asyncio.Semaphore(config.max_concurrency)
        self._breaker = CircuitBreaker(config.breaker_failures, config.breaker_cooldown_s)
        self._random = random.Random()
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    @property
    def config(self) -> LLMConfig:
        return self._config

    @property
    def circuit_open(self) -> bool:
        """True while calls fail fast because the backend kept failing."""
        return self._breaker.is_open

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def chat(
        self, messages: Messages, *, temperature: float | None = None, max_tokens: int | None = None
    ) -> ChatResult:
        """One whole answer."""
        body = self._request_body(messages, temperature=temperature, max_tokens=max_tokens, stream=False)
        return await self._complete(body)

    async def stream(
        self, messages: Messages, *, temperature: float | None = None, max_tokens: int | None = None
    ) -> AsyncGenerator[StreamChunk, None]:
        """Text deltas as the model writes them; the last chunk has empty text, the finish reason and usage."""
        body = self._request_body(messages, temperature=temperature, max_tokens=max_tokens, stream=True)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._config.total_timeout_s
        async with self._slot(deadline):
            first_token_deadline = min(deadline, loop.time() + self._config.first_token_timeout_s)
            with self._tracked():
                response = await self._post(body, deadline=first_token_deadline)
                chunks = self._read_stream(response, deadline, first_token_deadline)
                try:
                    async with contextlib.aclosing(chunks):
                        async for chunk in chunks:
                            yield chunk
                finally:
                    # Keeps the connection for reuse when the body was read to the end; otherwise closes it,
                    # which is what tells the server to stop generating.
                    response.release()

    async def structured(
        self,
        messages: Messages,
        schema: type[ModelT],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> ModelT:
        """An answer constrained to `schema`'s JSON schema and validated into an instance of it."""
        fields = structured_output_fields(self._config.structured_output, schema.__name__, schema.model_json_schema())
        body = self._request_body(messages, temperature=temperature, max_tokens=max_tokens, stream=False)
        result = await self._complete({**body, **fields})
        if result.finish_reason == "length":
            raise LLMOutputError(
                f"structured output for {schema.__name__} was cut off at max_tokens={body['max_tokens']}; "
                "raise max_tokens"
            )
        try:
            return schema.model_validate_json(result.text)
        except ValidationError as exc:
            problem = exc.errors()[0]
            raise LLMOutputError(
                f"output does not match {schema.__name__} ({problem['msg']} at {problem['loc']}): {result.text[:200]!r}"
            ) from exc

    async def health(self) -> bool:
        """Whether the backend answers `GET /models` within the connect timeout (False rather than an error)."""
        try:
            async with asyncio.timeout(self._config.connect_timeout_s):
                async with self._get_session().get(f"{self._url}/models") as response:
                    return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise LLMError("this LLMClient is closed")
        if self._session is None:
            headers = {}
            if self._config.api_key is not None:
                headers["Authorization"] = f"Bearer {self._config.api_key.get_secret_value()}"
            self._session = aiohttp.ClientSession(
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self._config.connect_timeout_s),
                connector=aiohttp.TCPConnector(limit=self._config.max_concurrency),
            )
        return self._session

    def _request_body(
        self, messages: Messages, *, temperature: float | None, max_tokens: int | None, stream: bool
    ) -> dict[str, Any]:
        config = self._config
        request = ChatRequest(
            model=config.model,
            messages=[ChatMessage.model_validate(message) for message in messages],
            temperature=config.temperature if temperature is None else temperature,
            top_p=config.top_p,
            max_tokens=config.max_tokens if max_tokens is None else max_tokens,
            stream=stream,
            stream_options=StreamOptions() if stream else None,
        )
        return request.model_dump(exclude_none=True)

    async def _complete(self, body: dict[str, Any]) -> ChatResult:
        deadline = asyncio.get_running_loop().time() + self._config.total_timeout_s
        async with self._slot(deadline):
            with self._tracked():
                response = await self._post(body, deadline=deadline)
                try:
                    async with asyncio.timeout_at(deadline):
                        raw = await response.read()
                except TimeoutError:
                    raise LLMTimeout(f"no complete answer within {self._config.total_timeout_s} s") from None
                except aiohttp.ClientError as exc:
                    raise LLMUnavailable(f"connection lost while reading the answer: {exc}") from exc
                finally:
                    response.release()
        try:
            completion = ChatCompletion.model_validate_json(raw)
        except ValidationError as exc:
            raise LLMOutputError(f"malformed completion from the backend: {raw[:200]!r}") from exc
        if not completion.choices:
            raise LLMOutputError("the backend returned a completion without choices")
        choice = completion.choices[0]
        return ChatResult(text=choice.message.content or "", finish_reason=choice.finish_reason, usage=completion.usage)

    @contextlib.asynccontextmanager
    async def _slot(self, deadline: float) -> AsyncIterator[None]:
        """Holds one of `max_concurrency` request slots for the whole call (a stream holds it until closed)."""
        try:
            async with asyncio.timeout_at(deadline):
                await self._slots.acquire()
        except TimeoutError:
            raise LLMTimeout(
                f"no free request slot within {self._config.total_timeout_s} s "
                f"(max_concurrency={self._config.max_concurrency})"
            ) from None
        try:
            yield
        finally:
            self._slots.release()

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        """Lets the call through the circuit breaker and reports how it went."""
        if not self._breaker.allow():
            raise LLMUnavailable(
                f"circuit open after {self._config.breaker_failures} consecutive failures; "
                f"next try in {self._breaker.retry_in_s:.1f} s"
            )
        try:
            yield
        except (LLMUnavailable, LLMTimeout):
            self._breaker.record_failure()
            raise
        except (LLMRequestError, LLMOutputError):
            self._breaker.record_success()  # the backend is up; the request or the model was at fault
            raise
        except BaseException:
            self._breaker.record_abandoned()
            raise
        else:
            self._breaker.record_success()

    async def _post(self, body: dict[str, Any], *, deadline: float) -> aiohttp.ClientResponse:
        """POST the request, retrying connection errors, 429 and 5xx; returns a 2xx response the caller must close."""
        loop = asyncio.get_running_loop()
        session = self._get_session()
        attempt = 0
        stale_connection_retried = False
        while True:
            retry_after: float | None = None
            try:
                async with asyncio.timeout_at(deadline):
                    response = await session.post(f"{self._url}/chat/completions", json=body)
                    if 200 <= response.status < 300:
                        return response
                    async with response:
                        detail = error_message(await response.content.read(_MAX_ERROR_BODY))
            except aiohttp.ServerDisconnectedError as exc:
                # Servers close idle keep-alive connections (llama.cpp's sometimes right after a stream); a
                # pooled one may already be dead. Retry once at once on a new connection, as browsers do.
                if not stale_connection_retried:
                    stale_connection_retried = True
                    continue
                problem = f"the LLM backend at {self._url} closed the connection: {exc}"
            except aiohttp.ClientError as exc:  # refused, reset, connect timeout
                problem = f"cannot reach the LLM backend at {self._url}: {exc or type(exc).__name__}"
            except TimeoutError:
                raise LLMTimeout(f"the LLM backend did not start answering in time ({self._url})") from None
            else:
                status = response.status
                if status != 429 and status < 500:
                    raise LLMRequestError(status, detail)
                problem = f"the LLM backend answered HTTP {status}: {detail}"
                retry_after = _retry_after_s(response.headers.get("Retry-After"))
            if attempt >= self._config.max_retries:
                raise LLMUnavailable(f"{problem} (gave up after {attempt + 1} attempts)")
            delay = self._backoff_s(attempt) if retry_after is None else retry_after
            if loop.time() + delay >= deadline:
                raise LLMUnavailable(f"{problem} (a retry in {delay:.1f} s would pass the deadline)")
            await asyncio.sleep(delay)
            attempt += 1

    def _backoff_s(self, attempt: int) -> float:
        """Exponential backoff with jitter (half fixed, half random) so clients do not retry in lockstep."""
        delay = min(self._config.backoff_max_s, self._config.backoff_base_s * 2**attempt)
        return delay / 2 + self._random.uniform(0, delay / 2)

    async def _read_stream(
        self, response: aiohttp.ClientResponse, deadline: float, first_token_deadline: float
    ) -> AsyncGenerator[StreamChunk, None]:
        decoder = SSEDecoder()
        started = done = False
        finish_reason: str | None = None
        usage = None
        while not done:
            data = await self._read_block(response, deadline if started else first_token_deadline, started)
            if not data:
                if finish_reason is None:
                    raise LLMUnavailable("the answer stream ended before the model finished")
                break
            for event in decoder.feed(data):
                if event == "[DONE]":
                    done = True
                    break
                try:
                    chunk = ChatCompletionChunk.model_validate_json(event)
                except ValidationError as exc:
                    raise LLMOutputError(f"malformed stream event from the backend: {event[:200]!r}") from exc
                usage = chunk.usage or usage
                for choice in chunk.choices[:1]:
                    if choice.delta.content:
                        started = True
                        yield StreamChunk(text=choice.delta.content)
                    if choice.finish_reason:
                        started = True
                        finish_reason = choice.finish_reason
        yield StreamChunk(finish_reason=finish_reason, usage=usage)

    async def _read_block(self, response: aiohttp.ClientResponse, deadline: float, started: bool) -> bytes:
        """The next bytes of an answer stream by `deadline`; a timeout or a cut connection as an LLMError."""
        try:
            async with asyncio.timeout_at(deadline):
                return await response.content.readany()
        except TimeoutError:
            if started:
                raise LLMTimeout(f"the answer took longer than {self._config.total_timeout_s} s") from None
            raise LLMTimeout(f"no first token within {self._config.first_token_timeout_s} s") from None
        except aiohttp.ClientError as exc:
            raise LLMUnavailable(f"the answer stream was cut: {exc or type(exc).__name__}") from exc


def _retry_after_s(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
