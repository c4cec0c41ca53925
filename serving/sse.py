"""Incremental decoding of a `text/event-stream` body into the data of each event (the WHATWG SSE rules
that OpenAI-compatible servers use): comments and unknown fields are skipped, multi-line data is joined."""

from __future__ import annotations

from serving.errors import LLMOutputError


class SSEDecoder:
    """Feed raw bytes as they arrive; get back the data of every event they complete.

    Lines end in LF or CRLF. An event cut off by the end of the stream is never returned (the caller
    decides what a cut means).
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[str]:
        self._buffer.extend(chunk)
        events: list[str] = []
        while (end := self._buffer.find(b"\n")) >= 0:
            raw = bytes(self._buffer[:end]).rstrip(b"\r")
            del self._buffer[: end + 1]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise LLMOutputError(f"stream line is not UTF-8: {raw[:80]!r}") from exc
            if event := self._line(line):
                events.append(event)
        return events

    def _line(self, line: str) -> str | None:
        if not line:
            if not self._data:
                return None
            event, self._data = "\n".join(self._data), []
            return event
        if line.startswith(":"):
            return None
        field, _, value = line.partition(":")
        if field == "data":
            self._data.append(value[1:] if value.startswith(" ") else value)
        return None
