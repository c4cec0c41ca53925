"""A Bot API request's parameters, read from a query string, a form, a JSON body or a multipart upload."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.emulator.protocol import bad_request


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


class RequestParams:
    """A Bot API request's parameters, typed on access: form and query values are strings and
    JSON-serialised objects, JSON bodies are already typed, multipart fields may be files."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def string(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, Upload):
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def required_str(self, name: str, empty_error: str | None = None) -> str:
        value = self.string(name)
        if not value:
            raise bad_request(empty_error or f"{name} is empty")
        return value

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def required_int(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))

    def parsed(self, name: str) -> Any:
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def upload(self, name: str) -> Upload | None:
        value = self.values.get(name)
        return value if isinstance(value, Upload) else None

    def for_record(self) -> dict[str, Any]:
        return {
            name: f"<file {value.filename}, {len(value.data)} bytes>"
            if isinstance(value, Upload)
            else self.parsed(name)
            if name in JSON_PARAMS
            else value
            for name, value in self.values.items()
        }


JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "entities",
        "caption_entities",
        "media",
        "allowed_updates",
        "commands",
        "scope",
        "link_preview_options",
    }
)
