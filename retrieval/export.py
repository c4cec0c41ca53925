"""A kind's current records as a file that `catalog.parse_catalog_file` reads back to the same records:
CSV (the default), TSV, JSON, JSON Lines or XLSX.

Tables (CSV, TSV, XLSX) give products' free attributes columns of their own (after the fixed ones, sorted);
an attribute whose name a column header would read as a field ("price", "库存") goes into an `attributes`
column as a JSON object instead. Category paths are written `a > b > c` and image URLs space-separated,
which is how the parser reads them. JSON and JSON Lines keep lists and the attributes object as they are.

Formula-like text is neutralised for spreadsheets (`formulas.py`): an apostrophe in CSV/TSV, a string cell
(never a formula) in XLSX. CSV/TSV carry a UTF-8 byte-order mark so Excel reads Chinese correctly.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any, Literal

from retrieval.formulas import escape_formula, is_formula_like
from retrieval.headers import is_field_alias
from retrieval.models import DocumentKind, Policy, Product, Review

ExportFormat = Literal["csv", "tsv", "json", "jsonl", "xlsx"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "tsv", "json", "jsonl", "xlsx")
# Excel refuses to open a workbook with a longer cell (new records are cut far below this on import).
XLSX_CELL_CHARS = 32_767

_COLUMNS: dict[DocumentKind, list[str]] = {
    "products": [
        "sku",
        "title",
        "price",
        "currency",
        "description",
        "category",
        "brand",
        "stock",
        "in_stock",
        "image_urls",
        "url",
        "rating",
    ],
    "reviews": ["sku", "review_id", "rating", "text", "date", "author"],
    "policies": ["policy_id", "title", "text"],
}

Cell = str | int | float | None


def export_records(
    kind: DocumentKind, records: Sequence[Product | Review | Policy], fmt: ExportFormat = "csv"
) -> bytes:
    """`records` (all of `kind`) as a file in `fmt`."""
    if fmt in ("json", "jsonl"):
        # Flags are derived at ingest (holds.py), never read from a file: not exported.
        objects = [record.model_dump(mode="json", exclude={"merchant_id", "flags"}) for record in records]
        if fmt == "json":
            return json.dumps(objects, ensure_ascii=False, indent=1).encode("utf-8")
        return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode("utf-8")
    columns, rows = _table(kind, records)
    if fmt == "xlsx":
        return _xlsx(columns, rows)
    buffer = io.StringIO()
    delimiter = "\t" if fmt == "tsv" else ","
    # The header quoted in full: a reader guessing the separator from the first line is never misled by the
    # characters of a column's name.
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL).writerow(
        [escape_formula(column) for column in columns]
    )
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    for row in rows:
        writer.writerow(
            ["" if value is None else escape_formula(value) if isinstance(value, str) else value for value in row]
        )
    return buffer.getvalue().encode("utf-8-sig")


def _table(kind: DocumentKind, records: Sequence[Product | Review | Policy]) -> tuple[list[str], list[list[Cell]]]:
    """The header and one row of cells per record."""
    columns = list(_COLUMNS[kind])
    names = sorted({name for record in records if isinstance(record, Product) for name in record.attributes})
    own_columns = [name for name in names if name not in columns and not is_field_alias(kind, name)]
    in_json = bool(set(names) - set(own_columns))
    columns += own_columns + (["attributes"] if in_json else [])
    rows = []
    for record in records:
        values = record.model_dump(exclude={"merchant_id"})
        if isinstance(record, Product):
            attributes = values.pop("attributes")
            values.update({name: value for name, value in attributes.items() if name in own_columns})
            extra = {name: value for name, value in attributes.items() if name not in own_columns}
            values["attributes"] = json.dumps(extra, ensure_ascii=False) if extra else None
            values["category"] = category_path(record.category)
            values["image_urls"] = " ".join(record.image_urls)
            values["in_stock"] = "true" if record.in_stock else "false"
        rows.append([_cell(values.get(column)) for column in columns])
    return columns, rows


def category_path(levels: list[str]) -> str:
    """A category path as one cell: "a > b > c"; "a / b / c" when a level holds "<", which the ">" would make
    look like an HTML tag to the reader (levels never hold a separator: the import splits on them)."""
    return (" / " if any("<" in level for level in levels) else " > ").join(levels)


def _cell(value: Any) -> Cell:
    """A value as a table cell: whole numbers without a decimal point, text as text, nothing as empty."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


def _xlsx(columns: list[str], rows: list[list[Cell]]) -> bytes:
    # Imported here: openpyxl is only needed for workbooks.
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook()
    sheet = workbook.active
    for row_number, row in enumerate([list[Cell](columns), *rows], start=1):
        for column_number, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            cell = sheet.cell(row_number, column_number, value)
            if isinstance(value, str):
                # Always a string cell, never a formula ("=..." would otherwise become one), shown as text.
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_CELL_CHARS]
                cell.data_type = "s"
                cell.quotePrefix = is_formula_like(value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
