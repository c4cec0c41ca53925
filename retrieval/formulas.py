"""Cells a spreadsheet would run as a formula, and how ShopGuide keeps them harmless.

Formula-like text ("=cmd|' /C calc'!A0", "@Home Cotton Towel", "-5°C") is data a merchant may really
mean, so imports accept it as text. The danger is opening an exported file in Excel or WPS, so every
spreadsheet export neutralises it: CSV and TSV put an apostrophe in front (what spreadsheets themselves
use to mark text), XLSX stores the cell as a string, never as a formula. Reading a CSV/TSV back removes
exactly that apostrophe, so an export sent straight back changes nothing. A value that starts with
apostrophes before a formula character gets one more on export, so it too reads back as it was.
"""

from __future__ import annotations

import re

# OWASP's list: a leading =, +, -, @ (tab and carriage return cannot start a cleaned cell).
FORMULA_LEADS = "=+-@"
_ESCAPED = re.compile(r"^'+[=+\-@]")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would treat `text` as a formula (after any quoting apostrophes)."""
    return bool(text) and (text[0] in FORMULA_LEADS or bool(_ESCAPED.match(text)))


def escape_formula(text: str) -> str:
    """`text` as a CSV/TSV cell that spreadsheets show as text."""
    return "'" + text if is_formula_like(text) else text


def unescape_formula(text: str) -> str:
    """A CSV/TSV cell as the value it stands for: `escape_formula` undone."""
    return text[1:] if _ESCAPED.match(text) else text
