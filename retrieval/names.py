"""Finding a catalog's names (brands, categories) in a shopper's text: `NameMatcher`.

Case-insensitive, Chinese and English, longest alias first; '耐克 Nike' and 'Nike/耐克' also answer to '耐克'
and 'Nike' alone, and a plural English name ("Jackets") to the singular ("jacket").
"""

from __future__ import annotations

import re
import unicodedata

_NAME_PARTS = re.compile(
    r"[/|()（）·,，]+|\s+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s*(?=[A-Za-z])|(?<=[A-Za-z])\s*(?=[\u4e00-\u9fff])"
)
_LATIN = re.compile(r"[A-Za-z0-9]")


class NameMatcher:
    """Finds a vocabulary's names in a query: case-insensitive, zh and en, longest alias first.

    Aliases: '耐克 Nike' and 'Nike/耐克' also answer to '耐克' and 'Nike' alone, and a plural English name
    ("Jackets") to the singular ("jacket"). Built once per `Vocabulary` (see its cached properties).
    """

    def __init__(self, names: list[str]) -> None:
        self._aliases = _aliases(names)
        parts = []
        for alias in sorted(self._aliases, key=len, reverse=True):
            escaped = re.escape(alias)
            if _LATIN.match(alias[-1]):
                # An English word may be plural in the query: jacket -> jackets.
                escaped += r"(?:s|es)?(?![A-Za-z0-9])"
            if _LATIN.match(alias[0]):
                escaped = r"(?<![A-Za-z0-9])" + escaped
            parts.append(escaped)
        self._pattern = re.compile("|".join(parts), re.I) if parts else None

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, canonical name) for each mention."""
        if self._pattern is None:
            return []
        found = []
        for match in self._pattern.finditer(text):
            written = match.group(0)
            key = written.casefold()
            canonical = (
                self._aliases.get(key)
                or self._aliases.get(key.removesuffix("es"))
                or self._aliases.get(key.removesuffix("s"))
            )
            if canonical is None:
                continue
            # Short mixed-case names ("On") must match as written, or "on sale" would mean the brand On;
            # short acronyms ("LG") match in any case.
            if len(written) <= 3 and _LATIN.match(written) and not canonical.isupper() and written != canonical:
                continue
            found.append((match.start(), match.end(), canonical))
        return found


def _aliases(names: list[str]) -> dict[str, str]:
    """Every way a name can be written in a query -> the catalog's spelling."""
    aliases: dict[str, str] = {}
    for name in names:
        canonical = name.strip()
        if not canonical:
            continue
        normalised = unicodedata.normalize("NFKC", canonical)
        for alias in [normalised, *_NAME_PARTS.split(normalised)]:
            alias = alias.strip()
            if not alias or (len(alias) == 1 and _LATIN.match(alias)):
                continue
            key = alias.casefold()
            aliases.setdefault(key, canonical)
            if len(key) > 3 and key.endswith("s") and _LATIN.match(key[-2]):
                aliases.setdefault(key[:-1], canonical)
                if key.endswith("es"):
                    aliases.setdefault(key[:-2], canonical)
    return aliases
