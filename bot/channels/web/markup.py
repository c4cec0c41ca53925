"""A Telegram message's text and entities as the HTML a chat bubble shows: escaped text and only Telegram's
own formatting tags, so nothing the bot (or a catalog row quoted by the bot) sends can inject markup.

Entities are what the Bot API stores after parsing the bot's `parse_mode=HTML` (offsets in UTF-16 code
units); rendering them again, instead of passing the bot's HTML through, is what makes this safe.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Telegram entity type -> the tag Telegram's HTML parse mode writes for it.
_TAGS = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "spoiler": "tg-spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "expandable_blockquote": "blockquote",
    "text_link": "a",
}
_LINK_SCHEMES = ("http://", "https://", "tg://")


@dataclass(frozen=True)
class _Span:
    start: int  # UTF-16 code units
    end: int
    tag: str
    href: str | None = None

    def open(self) -> str:
        if self.tag != "a":
            return f"<{self.tag}>"
        if self.href is None:
            return '<a class="dead-link">'
        return f'<a href="{html.escape(self.href, quote=True)}" target="_blank" rel="noopener noreferrer">'

    def close(self) -> str:
        return f"</{self.tag}>"


def message_html(text: str, entities: Iterable[dict[str, Any]] = ()) -> str:
    """`text` with its formatting entities as safe HTML; line breaks stay `\\n` (the page keeps them)."""
    units = text.encode("utf-16-le")
    spans = sorted(_spans(entities, len(units) // 2), key=lambda span: (span.start, -span.end))
    boundaries = sorted({0, len(units) // 2, *(s.start for s in spans), *(s.end for s in spans)})
    out: list[str] = []
    active: list[_Span] = []
    for position, following in zip(boundaries, boundaries[1:] + [None], strict=True):
        out.append(_close_ending(active, position))
        for span in spans:
            if span.start == position and span.end > position:
                out.append(span.open())
                active.append(span)
        if following is not None:
            out.append(html.escape(units[2 * position : 2 * following].decode("utf-16-le"), quote=False))
    return "".join(out)


def _spans(entities: Iterable[dict[str, Any]], length: int) -> list[_Span]:
    """The entities that format text, clipped to the text; mentions, commands and the like stay plain."""
    spans = []
    for entity in entities:
        tag = _TAGS.get(str(entity.get("type")))
        start = int(entity.get("offset", 0))
        end = min(start + int(entity.get("length", 0)), length)
        if tag is None or not 0 <= start < end:
            continue
        url = str(entity.get("url") or "")
        spans.append(_Span(start, end, tag, url if url.startswith(_LINK_SCHEMES) else None))
    return spans


def _close_ending(active: list[_Span], position: int) -> str:
    """Close the spans that end at `position`; spans opened inside them that go on are closed and reopened,
    so overlapping entities still make well-nested HTML."""
    if not any(span.end == position for span in active):
        return ""
    out: list[str] = []
    reopen: list[_Span] = []
    while any(span.end == position for span in active):
        span = active.pop()
        out.append(span.close())
        if span.end != position:
            reopen.append(span)
    for span in reversed(reopen):
        out.append(span.open())
        active.append(span)
    return "".join(out)
