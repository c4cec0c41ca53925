"""Parse and validate a merchant's catalog file into records, row by row.

`parse_catalog_file` is pure (bytes in, records and a report out) and never stops at the first problem:
every rejected row is listed with its row number as the merchant sees it, the field and an actionable
reason, so a merchant fixes the whole file in one go; rows that are used but need a word (a field cut to
the length limit) are listed as warnings. File-level problems (encoding, format, size, missing columns) go
to `ParsedFile.errors`. What to apply, and whether a review's SKU exists, is `updates.py`'s concern: it
knows the current catalog.

A file holds one of three shapes:
- records: whole products, reviews or policies;
- patches: a price/stock sheet, products with a SKU column and only price, currency, stock or in-stock
  columns, which changes just those fields of existing products;
- deletions (`parse_deletion_file`): the items to remove, by SKU, review id or policy id/title.

Headers may be English or Chinese (商品名称, 价格, 品牌, 类目 ...; `headers.py`); unknown product columns
become free attributes. Cell text is NFKC-normalised (full-width letters and digits become ASCII), HTML is
stripped, spaces collapsed, and each field is read by its parser in `cells.py`. A text longer than
`max_field_chars` is cut to that length with a warning. Formula-like cells ("=cmd|...", "@Home Towel") are
plain text here; exports neutralise them (`formulas.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath
from typing import Any, Literal

from pydantic import BaseModel, Field

from retrieval import cells, records
from retrieval.headers import CONTAINER_KEYS, column_names, map_columns
from retrieval.models import DocumentKind, Policy, Product, Review
from retrieval.policy_text import policy_passages
from retrieval.records import PATCH_FIELDS, PATCH_VALUES, FieldNote, ProductPatch, WarningKind
from retrieval.tables import FileRejected, Table, decode_text, file_format, read_table

# The documented limit on one text field (SHOPGUIDE_RETRIEVAL__MAX_FIELD_CHARS); an XLSX cell holds 32,767.
DEFAULT_MAX_FIELD_CHARS = 10_000

FileShape = Literal["records", "patches", "deletions"]


class RowError(BaseModel):
    """One rejected row: `row` as the merchant sees it, the field at fault (None = the whole row), and why."""

    row: int
    field: str | None = None
    reason: str
    identity: str | None = Field(
        None, description="The SKU / review id / policy id the row names, when it can be read (a replace keeps it)."
    )

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.reason}" if self.field else f"row {self.row}: {self.reason}"


class RowWarning(BaseModel):
    """A row that is used, with something the merchant should know; `kind` says what (see `records.WarningKind`)."""

    row: int
    field: str | None = None
    kind: WarningKind
    detail: str

    def __str__(self) -> str:
        where = f"row {self.row}, {self.field}" if self.field else f"row {self.row}"
        return f"{where}: {self.detail}"


class Deletion(BaseModel):
    """A row of a deletion file: the item it names."""

    row: int
    key: str


class ParsedFile(BaseModel):
    """What a file holds: its usable items (records, patches or deletions, by `shape`), rejected rows,
    warnings and file-level errors. Every data row is either one usable item or one rejected row."""

    shape: FileShape = "records"
    records: list[Product | Review | Policy] = Field(default_factory=list)
    record_rows: list[int] = Field(
        default_factory=list,
        description="The row (Markdown: heading line) each record came from, in the order of records.",
    )
    patches: list[ProductPatch] = Field(default_factory=list)
    deletions: list[Deletion] = Field(default_factory=list)
    deletion_field: str | None = Field(
        None, description="What a deletion file names: sku, review_id, policy_id, title."
    )
    rejected: list[RowError] = Field(default_factory=list)
    warnings: list[RowWarning] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="File-level problems; when present, nothing is usable.")
    rows_total: int = Field(0, description="Data rows (or policy passages) found in the file.")

    @property
    def ok(self) -> bool:
        return not self.errors and not self.rejected


# --- entry points --------------------------------------------------------------------------------


def parse_catalog_file(
    kind: DocumentKind,
    filename: str,
    data: bytes,
    merchant_id: str,
    *,
    max_bytes: int,
    max_rows: int,
    max_field_chars: int = DEFAULT_MAX_FIELD_CHARS,
) -> ParsedFile:
    """Parse one uploaded file of `kind` for `merchant_id` (records or a price/stock sheet); see the module docstring."""
    try:
        table = _table(kind, filename, data, max_bytes=max_bytes, max_rows=max_rows)
        if isinstance(table, str):  # Markdown/text policies
            return _markdown_policies(table, merchant_id, filename)
    except FileRejected as exc:
        return ParsedFile(errors=[str(exc)])
    return _parse_rows(kind, table, merchant_id, max_field_chars)


def parse_deletion_file(
    kind: DocumentKind, filename: str, data: bytes, merchant_id: str, *, max_bytes: int, max_rows: int
) -> ParsedFile:
    """The items of `kind` a file lists for removal: by SKU (products), review id or SKU (reviews: all of that
    product's), policy id or title (policies). Other columns are ignored."""
    try:
        table = _table(kind, filename, data, max_bytes=max_bytes, max_rows=max_rows)
        if isinstance(table, str):
            raise FileRejected(
                f"{filename}: a list of {kind} to delete must be a table (CSV, TSV, JSON, JSONL or XLSX) "
                f"with a {_deletion_columns(kind)} column"
            )
    except FileRejected as exc:
        return ParsedFile(shape="deletions", errors=[str(exc)])
    return _parse_deletions(kind, table, merchant_id)


def _table(kind: DocumentKind, filename: str, data: bytes, *, max_bytes: int, max_rows: int) -> Table | str:
    """The file's rows, or its text when it is Markdown/plain-text policies; `FileRejected` when unusable."""
    if not data:
        raise FileRejected("the file is empty (0 bytes) (文件为空)")
    if len(data) > max_bytes:
        raise FileRejected(
            f"the file is {len(data):,} bytes ({_size(len(data))}), over the limit of {max_bytes:,} bytes "
            "(setting SHOPGUIDE_RETRIEVAL__MAX_UPLOAD_BYTES); "
            "split reviews and policies into their own files, drop unused columns and long HTML descriptions, "
            "or ask the operator to raise the limit (文件过大)"
        )
    fmt = file_format(filename, text_default="markdown" if kind == "policies" else "tsv")
    if fmt == "markdown":
        if kind != "policies":
            raise FileRejected(
                f"{filename}: a Markdown/text file can only hold policies; upload {kind} as CSV, JSON or XLSX"
            )
        return decode_text(data)
    return read_table(fmt, data, max_rows=max_rows, container_keys=CONTAINER_KEYS[kind])


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.1f} KB"


def _markdown_policies(text: str, merchant_id: str, filename: str) -> ParsedFile:
    """One record per passage, its heading's line as its row; a passage with a private address is rejected."""
    passages = policy_passages(text, merchant_id, PurePath(filename).stem)
    if not passages:
        return ParsedFile(errors=["the file holds no policy text (文件为空)"])
    parsed = ParsedFile(rows_total=len(passages))
    for line, passage in passages:
        try:
            records.check_addresses(passage)
        except cells.FieldError as exc:
            parsed.rejected.append(RowError(row=line, field=exc.field, reason=str(exc), identity=passage.policy_id))
            continue
        parsed.records.append(passage)
        parsed.record_rows.append(line)
    return parsed


# --- rows ----------------------------------------------------------------------------------------


def _cleaned_rows(
    table: Table, fields: dict[str, str | None], max_chars: int | None
) -> Iterator[tuple[int, dict[str, Any], dict[str, Any], list[FieldNote]]]:
    """(row, field values, free attributes, notes) per row: text cleaned, over-long text cut (with a note)."""
    for row in table.rows:
        values: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        notes: list[FieldNote] = []
        for column, raw in row.cells.items():
            field = fields.get(column)
            value, longest = _cut(cells.clean(raw) if isinstance(raw, str) else raw, max_chars)
            if longest:
                notes.append(
                    FieldNote(
                        "truncated",
                        field or column,
                        f"{longest:,} characters cut to {max_chars:,}, the limit per field "
                        "(SHOPGUIDE_RETRIEVAL__MAX_FIELD_CHARS) (内容过长，已截断)",
                    )
                )
            if field:
                values[field] = value
            else:
                attributes[column] = value
        yield row.number, values, attributes, notes


def _cut(value: Any, limit: int | None) -> tuple[Any, int]:
    """`value` with every text in it at most `limit` characters, "..." marking the cut (ASCII: cleaning keeps it
    as it is, so the cut text reads back unchanged), and the longest length cut (0: nothing was)."""
    if limit is None:
        return value, 0
    if isinstance(value, str):
        return (value[: limit - 3] + "...", len(value)) if len(value) > limit else (value, 0)
    if isinstance(value, list):
        items = [_cut(item, limit) for item in value]
        return [item for item, _ in items], max((n for _, n in items), default=0)
    if isinstance(value, dict):
        entries = {key: _cut(item, limit) for key, item in value.items()}
        return {key: item for key, (item, _) in entries.items()}, max((n for _, n in entries.values()), default=0)
    return value, 0


def _parse_rows(kind: DocumentKind, table: Table, merchant_id: str, max_chars: int) -> ParsedFile:
    rows_total = len(table.rows) + len(table.bad_rows)
    fields = map_columns(kind, table.columns, required=())
    if isinstance(fields, str):
        return ParsedFile(errors=[fields], rows_total=rows_total)
    patches = kind == "products" and _is_patch_sheet(fields)
    problem = _patch_sheet_problem(fields) if kind == "products" else None
    checked = map_columns(kind, table.columns, required=("sku",) if patches else None)
    if problem or isinstance(checked, str):
        return ParsedFile(errors=[problem or str(checked)], rows_total=rows_total)
    parsed = ParsedFile(
        shape="patches" if patches else "records",
        rejected=[RowError(row=number, reason=reason) for number, reason in table.bad_rows],
        rows_total=rows_total,
    )
    first_row_of: dict[str, int] = {}
    for number, values, attributes, notes in _cleaned_rows(table, fields, max_chars):
        try:
            cells.check_merchant(values.get("merchant"), merchant_id)
            item = (
                records.patch(number, values)
                if patches
                else records.BUILDERS[kind](values, attributes, merchant_id, notes)
            )
        except cells.FieldError as exc:
            identity = records.row_identity(kind, values)
            parsed.rejected.append(RowError(row=number, field=exc.field, reason=str(exc), identity=identity))
            if identity:  # a rejected row still claims its identity: a later row with it is a duplicate too
                first_row_of.setdefault(identity, number)
            continue
        key = item.sku if isinstance(item, ProductPatch) else records.identity(item)
        if key in first_row_of:
            reason = _duplicate_reason(kind, key, first_row_of[key])
            parsed.rejected.append(
                RowError(row=number, field=records.IDENTITY_FIELD[kind], reason=reason, identity=key)
            )
            continue
        first_row_of[key] = number
        parsed.warnings += [RowWarning(row=number, field=n.field, kind=n.kind, detail=n.detail) for n in notes]
        if isinstance(item, ProductPatch):
            parsed.patches.append(item)
        else:
            parsed.records.append(item)
            parsed.record_rows.append(number)
    parsed.rejected.sort(key=lambda error: error.row)
    return parsed


def _is_patch_sheet(fields: dict[str, str | None]) -> bool:
    """A SKU column, no title, and nothing but price, currency, stock and in-stock columns beside it."""
    mapped = set(fields.values())
    return "sku" in mapped and "title" not in mapped and bool(mapped & PATCH_VALUES) and mapped <= _PATCH_COLUMNS


_PATCH_COLUMNS = PATCH_FIELDS | {"sku", "merchant"}


def _patch_sheet_problem(fields: dict[str, str | None]) -> str | None:
    """Why a products file without titles is neither whole products nor a price/stock sheet, if it looks meant
    as a sheet (a SKU and a price or stock column but other columns too)."""
    mapped = set(fields.values())
    if "title" in mapped or "sku" not in mapped or not mapped & PATCH_VALUES or mapped <= _PATCH_COLUMNS:
        return None
    others = [column for column, field in fields.items() if field not in _PATCH_COLUMNS]
    return (
        f"without a title column this is read as a price/stock sheet, which may only hold sku, price, currency, "
        f"stock and in-stock columns; remove {', '.join(repr(c) for c in others)}, or add a title column "
        "to send whole products (价格/库存表只能包含 SKU、价格、币种、库存列)"
    )


def _duplicate_reason(kind: DocumentKind, identity: str, first: int) -> str:
    if kind == "products":
        return f'SKU "{identity}" already appears in row {first}; each SKU must appear once (give variants their own SKU) (SKU 重复)'
    if kind == "reviews":
        return f'review "{identity}" already appears in row {first}; remove the repeated review (评价重复)'
    return f"the same policy entry already appears in row {first}; remove the repeated one (重复)"


# --- deletions -----------------------------------------------------------------------------------

# The columns that can name what to delete, in order of preference.
_DELETION_KEYS: dict[DocumentKind, tuple[str, ...]] = {
    "products": ("sku",),
    "reviews": ("review_id", "sku"),
    "policies": ("policy_id", "title"),
}


def _deletion_columns(kind: DocumentKind) -> str:
    return " or ".join(f"{field} ({', '.join(column_names(kind, field))})" for field in _DELETION_KEYS[kind])


def _parse_deletions(kind: DocumentKind, table: Table, merchant_id: str) -> ParsedFile:
    rows_total = len(table.rows) + len(table.bad_rows)
    fields = map_columns(kind, table.columns, required=())
    if isinstance(fields, str):
        return ParsedFile(shape="deletions", errors=[fields], rows_total=rows_total)
    key_field = next((field for field in _DELETION_KEYS[kind] if field in fields.values()), None)
    if key_field is None:
        error = (
            f"a list of {kind} to delete needs a {_deletion_columns(kind)} column. "
            f"Columns found: {', '.join(table.columns)} (缺少必填列)"
        )
        return ParsedFile(shape="deletions", errors=[error], rows_total=rows_total)
    parsed = ParsedFile(
        shape="deletions",
        deletion_field=key_field,
        rejected=[RowError(row=number, reason=reason) for number, reason in table.bad_rows],
        rows_total=rows_total,
    )
    first_row_of: dict[str, int] = {}
    for number, values, _, _ in _cleaned_rows(table, fields, None):
        try:
            cells.check_merchant(values.get("merchant"), merchant_id)
            key = cells.required_text(values, key_field)
        except cells.FieldError as exc:
            parsed.rejected.append(RowError(row=number, field=exc.field, reason=str(exc)))
            continue
        if key in first_row_of:
            reason = f'"{cells.shorten(key)}" is already listed in row {first_row_of[key]} (重复)'
            parsed.rejected.append(RowError(row=number, field=key_field, reason=reason, identity=key))
            continue
        first_row_of[key] = number
        parsed.deletions.append(Deletion(row=number, key=key))
    parsed.rejected.sort(key=lambda error: error.row)
    return parsed
