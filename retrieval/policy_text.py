"""Shop policies written as Markdown or plain text -> policy passages: one per heading (`# Returns`,
`【退货】`, `一、退货政策`), long sections split on paragraphs."""

from __future__ import annotations

import re

from retrieval import cells
from retrieval.models import Policy
from retrieval.records import digest

_HEADING = re.compile(
    r"^\s{0,3}#{1,6}\s+(?P<md>.+?)\s*#*\s*$|^\s*【(?P<bracket>[^】]+)】\s*$|^\s*[一二三四五六七八九十]+、\s*(?P<cn>\S.{0,40})$"
)
_PASSAGE_CHARS = 1200


def policy_passages(text: str, merchant_id: str, default_title: str) -> list[tuple[int, Policy]]:
    """(heading line, passage) per passage; text before the first heading is titled `default_title`."""
    sections: list[tuple[int, str, list[str]]] = [(1, default_title, [])]
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADING.match(line)
        if match:
            heading = match.group("md") or match.group("bracket") or match.group("cn")
            sections.append((number, cells.one_line(cells.clean(heading)), []))
        else:
            sections[-1][2].append(line)
    passages: list[tuple[int, Policy]] = []
    seen: dict[str, int] = {}
    for line_number, title, lines in sections:
        for part, chunk in enumerate(_chunks(lines), start=1):
            chunk_title = title if part == 1 else f"{title} ({part})"
            count = seen[chunk_title] = seen.get(chunk_title, 0) + 1
            policy_id = digest(chunk_title) + (f"-{count}" if count > 1 else "")
            passages.append(
                (line_number, Policy(merchant_id=merchant_id, policy_id=policy_id, title=chunk_title, text=chunk))
            )
    return passages


def _chunks(lines: list[str]) -> list[str]:
    """Paragraphs (each cleaned, its own line breaks kept) joined into passages of about `_PASSAGE_CHARS`."""
    paragraphs = [cells.clean(p) for p in re.split(r"\n\s*\n", "\n".join(lines))]
    chunks: list[str] = []
    for paragraph in filter(None, paragraphs):
        if chunks and len(chunks[-1]) + len(paragraph) < _PASSAGE_CHARS:
            chunks[-1] += "\n" + paragraph
        else:
            chunks.append(paragraph)
    return chunks
