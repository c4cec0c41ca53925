"""The OpenAI-compatible chat-completions protocol as pydantic models: what we send, what the backend
returns (whole or streamed), and what the client hands to its callers.

Response models ignore fields they do not name, so vLLM's, llama.cpp's and OpenAI's extras pass through.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

StructuredOutputStyle = Literal["vllm", "openai", "llamacpp"]


class ChatMessage(BaseModel):
    """One message of a conversation."""

    model_config = ConfigDict(frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str


class StreamOptions(BaseModel):
    include_usage: bool = True


class ChatRequest(BaseModel):
    """The body of POST /chat/completions. Fields left None are not sent."""

    model: str
    messages: list[ChatMessage]
    temperature: float
    top_p: float
    max_tokens: int
    stream: bool = False
    stream_options: StreamOptions | None = None
    response_format: dict[str, Any] | None = None
    json_schema: dict[str, Any] | None = Field(None, description="llama.cpp server's own structured-output field.")


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ResponseMessage(BaseModel):
    content: str | None = None


class Choice(BaseModel):
    message: ResponseMessage
    finish_reason: str | None = None


class ChatCompletion(BaseModel):
    """A non-streamed response."""

    choices: list[Choice]
    usage: Usage | None = None


class Delta(BaseModel):
    content: str | None = None


class ChunkChoice(BaseModel):
    delta: Delta = Field(default_factory=Delta)
    finish_reason: str | None = None


class ChatCompletionChunk(BaseModel):
    """One streamed event. With `stream_options.include_usage` the last one has `choices == []` and the usage."""

    choices: list[ChunkChoice] = Field(default_factory=list)
    usage: Usage | None = None


class ChatResult(BaseModel):
    """A whole answer."""

    text: str
    finish_reason: str | None
    usage: Usage | None


class StreamChunk(BaseModel):
    """A piece of a streamed answer: text deltas, then one last chunk (empty text) with finish reason and usage."""

    text: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None


def structured_output_fields(style: StructuredOutputStyle, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The request fields that constrain the answer to `schema`, in the form the backend accepts.

    vLLM and OpenAI take `response_format` `json_schema` (vLLM answers HTTP 400 without `name`);
    llama.cpp's server takes its own top-level `json_schema` and compiles it to a grammar.
    """
    if style == "llamacpp":
        return {"json_schema": schema}
    safe_name = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "output"
    return {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": safe_name, "schema": schema, "strict": True},
        }
    }


def error_message(body: bytes, limit: int = 300) -> str:
    """The human-readable part of an error response (OpenAI, vLLM and llama.cpp shapes), else the raw text."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        payload = json.loads(text)
    except ValueError:
        return text[:limit] or "(empty body)"
    if isinstance(payload, dict):
        error = payload.get("error", payload)
        if isinstance(error, dict):
            error = error.get("message") or error.get("detail") or error
        if isinstance(error, str):
            return error[:limit]
        if "message" in payload:
            return str(payload["message"])[:limit]
    return text[:limit]
