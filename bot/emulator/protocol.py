"""The Bot API's rules and shapes the emulator follows: limits, error answers, the HTML parse mode,
the entities clients attach to typed text, and the File objects inside messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

DEFAULT_TOKEN = "123456789:EMULATOR-token_for-tests"
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile limit for bots on the public Bot API
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # multipart upload limit for bots
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
UPDATE_TYPES = ("message", "edited_message", "callback_query")


class BotApiError(Exception):
    """An error answer of the Bot API: HTTP status = `error_code`, `description` as Telegram words it."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {detail}")


def server_error(status: int = 502, description: str = "Bad Gateway") -> BotApiError:
    """A 5xx, as Telegram or a proxy in front of it answers when it hiccups."""
    return BotApiError(status, description)


def too_many_requests(retry_after: int) -> BotApiError:
    return BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


@dataclass(frozen=True)
class StoredFile:
    """A file known to the emulator: uploaded by a user or the bot, or referenced by URL."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes | None  # None when the bot sent it by URL (the emulator never fetches URLs)
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0


# --- HTML parse mode ----------------------------------------------------------------------------

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*>")
_CHAR_REF = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: plain text plus entities (UTF-16 offsets), or the API's 400."""
    return _HtmlParser(source).parse()


class _HtmlParser:
    """One pass over HTML-mode text, refusing what Telegram refuses with Telegram's wording."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._position = 0
        self._text: list[str] = []
        self._utf16_offset = 0
        self._entities: list[dict[str, Any]] = []
        self._open_tags: list[tuple[str, int, dict[str, Any]]] = []

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        while self._position < len(self._source):
            if self._source[self._position] == "<":
                self._tag()
            else:
                self._character()
        if self._open_tags:
            raise self._error(f'Can\'t find end tag corresponding to start tag "{self._open_tags[-1][0]}"')
        return "".join(self._text), sorted(self._entities, key=lambda entity: entity["offset"])

    def _error(self, detail: str) -> BotApiError:
        offset = len(self._source[: self._position].encode())
        return bad_request(f"can't parse entities: {detail} at byte offset {offset}")

    def _tag(self) -> None:
        tag = _TAG.match(self._source, self._position)
        if tag is None:
            raise self._error("Unexpected end of name token")
        name = tag.group(2).lower()
        if tag.group(1) == "/":
            self._close(name)
        else:
            self._open(name, tag.group(3))
        self._position = tag.end()

    def _open(self, name: str, attributes: str) -> None:
        if name not in _HTML_ENTITY_TYPES:
            raise self._error(f'Unsupported start tag "{name}"')
        entity: dict[str, Any] = {"type": _HTML_ENTITY_TYPES[name]}
        if name == "a":
            href = re.search(r"""href\s*=\s*["']([^"']*)["']""", attributes)
            if href is None:
                raise self._error('Tag "a" must have attribute "href"')
            entity["url"] = href.group(1)
        if name == "span" and "tg-spoiler" not in attributes:
            raise self._error('Tag "span" must have class "tg-spoiler"')
        self._open_tags.append((name, self._utf16_offset, entity))

    def _close(self, name: str) -> None:
        if not self._open_tags:
            raise self._error(f'Unexpected end tag "{name}"')
        if self._open_tags[-1][0] != name:
            raise self._error(f'Unmatched end tag, expected "</{self._open_tags[-1][0]}>", found "</{name}>"')
        _, start, entity = self._open_tags.pop()
        if self._utf16_offset > start:  # an empty entity is dropped, as Telegram does
            self._entities.append({**entity, "offset": start, "length": self._utf16_offset - start})

    def _character(self) -> None:
        """One character of text, a character reference (&lt; &#60; &#x3c;) decoded."""
        reference = _CHAR_REF.match(self._source, self._position) if self._source[self._position] == "&" else None
        if reference is None:
            decoded = self._source[self._position]
            self._position += 1
        else:
            decoded = _decode_reference(reference.group(1))
            self._position = reference.end()
        self._text.append(decoded)
        self._utf16_offset += utf16_len(decoded)


def _decode_reference(name: str) -> str:
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED_REFS[name]


_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{5,32})?")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}")


def text_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram's clients attach to typed text: a leading /command and @mentions."""
    entities = []
    if command := _COMMAND.match(text):
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group())})
    for mention in _MENTION.finditer(text):
        entities.append(
            {"type": "mention", "offset": utf16_len(text[: mention.start()]), "length": utf16_len(mention.group())}
        )
    return entities


def document_json(stored: StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document


def photo_json(stored: StoredFile) -> list[dict[str, Any]]:
    # Telegram returns several sizes of one photo; two are enough for `message.photo[-1]`.
    return [
        {
            "file_id": f"{stored.file_id}-s",
            "file_unique_id": f"{stored.file_unique_id}-s",
            "width": 90,
            "height": 90,
            "file_size": stored.size // 4,
        },
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 800,
            "height": 800,
            "file_size": stored.size,
        },
    ]
