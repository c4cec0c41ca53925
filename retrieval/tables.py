"""Reading a merchant's file into numbered rows: text decoding, CSV/TSV, JSON, JSONL and XLSX.

Only shape is handled here (which bytes, which rows, which cells); what the cells mean is `catalog.py`'s job.
Row numbers are the ones the merchant sees: the header is row 1 of a sheet, a JSONL row is its line
number, a JSON array element is its index + 1.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any, Literal, NamedTuple

from retrieval.formulas import unescape_formula

FileFormat = Literal["csv", "tsv", "json", "jsonl", "xlsx", "markdown"]

_EXTENSIONS: dict[str, FileFormat] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".md": "markdown",
    ".markdown": "markdown",
}
SUPPORTED = (
    "CSV (.csv), TSV (.tsv), JSON (.json), JSON Lines (.jsonl), Excel (.xlsx); policies also Markdown/text (.md, .txt)"
)

# Signatures of common non-text files, so the error can say what the file looks like.
_MAGIC = [
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook? then name it .xlsx)"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office file (.xls/.doc): save it as .xlsx or CSV UTF-8"),
    (b"\x1f\x8b", "a gzip archive"),
]


# C0/C1 control characters other than tab and line breaks: a few are noise, many mean binary data.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class FileRejected(Exception):
    """The whole file is unusable; the message says why and what to do."""


class SourceRow(NamedTuple):
    number: int
    cells: dict[str, Any]


class Table(NamedTuple):
    """Rows keyed by column name; `bad_rows` are (row number, reason) for rows that could not be read at all."""

    columns: list[str]
    rows: list[SourceRow]
    bad_rows: list[tuple[int, str]]


def file_format(filename: str, *, text_default: FileFormat) -> FileFormat:
    """The format named by the file's extension; `.txt` means `text_default` (tab-separated rows or Markdown)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".txt":
        return text_default
    if suffix == ".xls":
        raise FileRejected(
            f"{filename}: legacy Excel .xls is not supported; save it as .xlsx or CSV UTF-8 (另存为 .xlsx 或 CSV UTF-8)"
        )
    if suffix not in _EXTENSIONS:
        raise FileRejected(f"{filename}: unsupported file type {suffix or '(no extension)'!s}; use {SUPPORTED}")
    return _EXTENSIONS[suffix]


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, else GBK/GB18030; anything else is a clear error."""
    _reject_binary(data)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FileRejected(
                f"the file starts like UTF-16 but is not valid UTF-16 ({exc.reason}); save it as CSV UTF-8"
            ) from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as utf8_error:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise FileRejected(
                    f"the file is neither UTF-8 nor GBK/GB18030 text (byte 0x{data[utf8_error.start]:02x} at offset "
                    f"{utf8_error.start}); save it as 'CSV UTF-8' (文件编码无法识别，请另存为 UTF-8)"
                ) from None
    if len(_CONTROL_CHARS.findall(text)) > max(2, len(text) // 200):
        raise FileRejected("the file looks binary (it is full of control characters), not text; export it as CSV UTF-8")
    if not text.strip():
        raise FileRejected("the file is empty: it holds only whitespace (文件为空)")
    return text


def _reject_binary(data: bytes) -> None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise FileRejected(f"the file is {what}, not a catalog in a supported format ({SUPPORTED})")
    head = data[:8192]
    if b"\x00" in head and head[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
            raise FileRejected(
                "the file looks like UTF-16 text without a byte-order mark; save it as CSV UTF-8 (请另存为 UTF-8)"
            )
        raise FileRejected(f"the file is binary (it contains NUL bytes), not text; use {SUPPORTED}")


def read_table(fmt: FileFormat, data: bytes, *, max_rows: int, container_keys: tuple[str, ...]) -> Table:
    """Read a tabular file. `container_keys`: keys under which a JSON object may hold the row array."""
    if fmt == "xlsx":
        return _read_xlsx(data, max_rows)
    text = decode_text(data)
    if fmt in ("csv", "tsv"):
        return _read_delimited(text, fmt, max_rows)
    if fmt == "jsonl":
        return _read_jsonl(text, max_rows)
    if fmt == "json":
        return _read_json(text, max_rows, container_keys)
    raise FileRejected(f"a {fmt} file cannot hold table rows; use {SUPPORTED}")


def _too_many(max_rows: int) -> FileRejected:
    return FileRejected(
        f"the file has more than {max_rows:,} data rows, the limit (setting SHOPGUIDE_RETRIEVAL__MAX_ROWS); "
        f"remove rows you do not sell, or ask the operator to raise the limit (行数超过上限 {max_rows:,})"
    )


def _read_delimited(text: str, fmt: FileFormat, max_rows: int) -> Table:
    first_line = _QUOTED.sub("", text.lstrip("\r\n")[:65536]).split("\n", 1)[0]
    delimiter = "\t" if fmt == "tsv" else max(",;\t", key=first_line.count)
    # The csv module refuses fields over 131,072 characters by default; the file's size is already bounded
    # (max_upload_bytes), and over-long fields are cut with a warning later, not refused here.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # ShopGuide's own exports put an apostrophe before formula-like text (formulas.py); it is not data.
    rows = ((number, [unescape_formula(cell) for cell in cells]) for number, cells in enumerate(reader, start=1))
    try:
        return _table_from_rows(rows, max_rows)
    except csv.Error as exc:
        raise FileRejected(f"line {reader.line_num}: the file is not valid {fmt.upper()} ({exc})") from exc


# A quoted CSV field, so separators inside quoted header names do not count when guessing the separator.
_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    # Imported here: openpyxl is only needed for workbooks.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only=False: a formula cell comes back as its "=..." text (kept as text), not a cached result.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise FileRejected(
            f"the file is not a valid .xlsx workbook ({exc}); re-save it from Excel/WPS as .xlsx"
        ) from exc
    try:
        sheet = workbook.worksheets[0]  # the catalog is the first sheet; others (notes, lookups) are ignored
        if sheet.max_row is not None and sheet.max_row - 1 > max_rows:
            raise _too_many(max_rows)
        rows = (
            (number, [_xlsx_cell(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        )
        return _table_from_rows(rows, max_rows)
    finally:
        workbook.close()


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return "" if value is None else value


def _table_from_rows(rows: Any, max_rows: int) -> Table:
    """The first non-blank row is the header; blank rows are skipped but keep their numbers."""
    columns: list[str] | None = None
    table_rows: list[SourceRow] = []
    bad: list[tuple[int, str]] = []
    for number, values in rows:
        if all(_blank(v) for v in values):
            continue
        if columns is None:
            columns = [_header(v) for v in values]
            while columns and not columns[-1]:
                columns.pop()
            _check_columns(columns)
            continue
        if len(table_rows) + len(bad) >= max_rows:
            raise _too_many(max_rows)
        extra = [v for v in values[len(columns) :] if not _blank(v)]
        if extra:
            bad.append(
                (
                    number,
                    f"has {len(values)} cells but the header has {len(columns)} columns (an unquoted separator inside a value?)",
                )
            )
            continue
        cells = {column: value for column, value in zip(columns, values, strict=False) if column}
        table_rows.append(SourceRow(number, cells))
    if columns is None:
        raise FileRejected("the file is empty: no header row and no data (文件为空)")
    if not table_rows and not bad:
        raise FileRejected(
            f"the file has a header ({', '.join(c for c in columns if c)}) but no data rows (没有数据行)"
        )
    return Table(columns=[c for c in columns if c], rows=table_rows, bad_rows=bad)


def _header(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def _check_columns(columns: list[str]) -> None:
    seen: dict[str, int] = {}
    for index, column in enumerate(columns, start=1):
        if not column:
            continue
        if column in seen:
            raise FileRejected(
                f"column '{column}' appears twice (columns {seen[column]} and {index}); rename or remove one"
            )
        seen[column] = index


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_jsonl(text: str, max_rows: int) -> Table:
    rows: list[SourceRow] = []
    bad: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(rows) + len(bad) >= max_rows:
            raise _too_many(max_rows)
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append((number, f"line is not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        if isinstance(value, dict):
            rows.append(SourceRow(number, value))
        else:
            bad.append((number, f"expected a JSON object {{...}} per line, got {type(value).__name__}"))
    return _json_table(rows, bad)


def _read_json(text: str, max_rows: int, container_keys: tuple[str, ...]) -> Table:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRejected(f"the file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from exc
    items = document
    if isinstance(document, dict):
        items = next((document[key] for key in container_keys if isinstance(document.get(key), list)), None)
    if not isinstance(items, list):
        raise FileRejected(f'expected a JSON array of objects, or an object like {{"{container_keys[0]}": [...]}}')
    if len(items) > max_rows:
        raise _too_many(max_rows)
    rows: list[SourceRow] = []
    bad: list[tuple[int, str]] = []
    for number, value in enumerate(items, start=1):
        if isinstance(value, dict):
            rows.append(SourceRow(number, value))
        else:
            bad.append((number, f"expected a JSON object {{...}}, got {type(value).__name__}"))
    return _json_table(rows, bad)


def _json_table(rows: list[SourceRow], bad: list[tuple[int, str]]) -> Table:
    if not rows and not bad:
        raise FileRejected("the file is empty: no records (文件为空)")
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row.cells))
    return Table(columns=list(columns), rows=rows, bad_rows=bad)
