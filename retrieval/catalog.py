"""Parse and validate a merchant's catalog file into Products, Reviews or Policies, row by row.

`parse_catalog_file` is pure (bytes in, records and a report out) and never stops at the first problem:
every rejected row is listed with its row number as the merchant sees it, the field and an actionable
reason, so a merchant fixes the whole file in one go. File-level problems (encoding, format, size, missing
columns) go to `ParsedFile.errors`. Whether to apply a file with problems is the caller's decision
(`CatalogIndex` applies nothing unless the file is entirely clean). Whether a review's SKU exists is also the
caller's concern: it knows the current products.

Headers may be English or Chinese (商品名称, 价格, 品牌, 类目 ...; `headers.py`); unknown product columns
become free attributes. Cell text is NFKC-normalised (full-width letters and digits become ASCII), HTML is
stripped, whitespace collapsed, and each field is read by its parser in `cells.py`. Cells that a spreadsheet
would run as a formula (`=` or `@` first, or `+`/`-` followed by a pipe, an operator or a function call) are
rejected, because the catalog is exported again and opened in spreadsheets.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from retrieval import cells
from retrieval.headers import CONTAINER_KEYS, map_columns
from retrieval.models import DocumentKind, Policy, Product, Review
from retrieval.tables import FileRejected, SourceRow, decode_text, file_format, read_table

NO_PRICE_WARNING = "no price: accepted as 'price unknown'; customers see it so, and it never matches a price limit (价格未填，显示为价格未知)"


class RowError(BaseModel):
    """One rejected row: `row` as the merchant sees it, the field at fault (None = the whole row), and why."""

    row: int
    field: str | None = None
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.reason}" if self.field else f"row {self.row}: {self.reason}"


class ParsedFile(BaseModel):
    """What a file holds: accepted records, rejected rows and file-level errors."""

    records: list[Product | Review | Policy] = Field(default_factory=list)
    record_rows: list[int] = Field(
        default_factory=list,
        description="The row (Markdown: heading line) each record came from, in the order of records.",
    )
    rejected: list[RowError] = Field(default_factory=list)
    warnings: list[RowError] = Field(
        default_factory=list, description="Accepted rows with a gap the merchant should know of (no price)."
    )
    errors: list[str] = Field(default_factory=list, description="File-level problems; when present, records is empty.")
    rows_total: int = Field(0, description="Data rows (or policy passages) found in the file.")

    @property
    def ok(self) -> bool:
        return not self.errors and not self.rejected


# --- entry point ---------------------------------------------------------------------------------


def parse_catalog_file(
    kind: DocumentKind, filename: str, data: bytes, merchant_id: str, *, max_bytes: int, max_rows: int
) -> ParsedFile:
    """Parse one uploaded file of `kind` for `merchant_id`; see the module docstring."""
    if not data:
        return ParsedFile(errors=["the file is empty (0 bytes) (文件为空)"])
    if len(data) > max_bytes:
        return ParsedFile(
            errors=[
                f"the file is {len(data):,} bytes ({_size(len(data))}), over the limit of {max_bytes:,} bytes "
                "(setting SHOPGUIDE_RETRIEVAL__MAX_UPLOAD_BYTES); "
                "split reviews and policies into their own files, drop unused columns and long HTML descriptions, "
                "or ask the operator to raise the limit (文件过大)"
            ]
        )
    try:
        fmt = file_format(filename, text_default="markdown" if kind == "policies" else "tsv")
        if fmt == "markdown":
            if kind != "policies":
                raise FileRejected(
                    f"{filename}: a Markdown/text file can only hold policies; upload {kind} as CSV, JSON or XLSX"
                )
            passages = _policy_passages(decode_text(data), merchant_id, PurePath(filename).stem)
            if not passages:
                raise FileRejected("the file holds no policy text (文件为空)")
            return ParsedFile(
                records=[p for _, p in passages], record_rows=[line for line, _ in passages], rows_total=len(passages)
            )
        table = read_table(fmt, data, max_rows=max_rows, container_keys=CONTAINER_KEYS[kind])
    except FileRejected as exc:
        return ParsedFile(errors=[str(exc)])
    return _parse_rows(kind, table.columns, table.rows, table.bad_rows, merchant_id)


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.1f} KB"


def _parse_rows(
    kind: DocumentKind, columns: list[str], rows: list[SourceRow], bad_rows: list[tuple[int, str]], merchant_id: str
) -> ParsedFile:
    fields = map_columns(kind, columns)
    if isinstance(fields, str):
        return ParsedFile(errors=[fields], rows_total=len(rows) + len(bad_rows))
    build = _BUILDERS[kind]
    records: list[Product | Review | Policy] = []
    record_rows: list[int] = []
    rejected = [RowError(row=number, reason=reason) for number, reason in bad_rows]
    warnings: list[RowError] = []
    first_row_of: dict[str, int] = {}
    for row in rows:
        row_cells = {
            column: cells.clean(value) if isinstance(value, str) else value for column, value in row.cells.items()
        }
        values: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        for column, value in row_cells.items():
            if field := fields.get(column):
                values[field] = value
            else:
                attributes[column] = value
        try:
            cells.reject_formulas(row_cells, fields)
            cells.check_merchant(values.get("merchant"), merchant_id)
            record = build(values, attributes, merchant_id)
        except cells.FieldError as exc:
            rejected.append(RowError(row=row.number, field=exc.field, reason=str(exc)))
            _remember_identity(kind, values, row.number, first_row_of)
            continue
        identity = _identity(record)
        if identity in first_row_of:
            rejected.append(
                RowError(
                    row=row.number,
                    field=_IDENTITY_FIELD[kind],
                    reason=_duplicate_reason(kind, identity, first_row_of[identity]),
                )
            )
            continue
        first_row_of[identity] = row.number
        records.append(record)
        record_rows.append(row.number)
        if isinstance(record, Product) and record.price is None:
            warnings.append(RowError(row=row.number, field="price", reason=NO_PRICE_WARNING))
    rejected.sort(key=lambda error: error.row)
    return ParsedFile(
        records=records,
        record_rows=record_rows,
        rejected=rejected,
        warnings=warnings,
        rows_total=len(rows) + len(bad_rows),
    )


_IDENTITY_FIELD: dict[DocumentKind, str] = {"products": "sku", "reviews": "review_id", "policies": "title"}


def _identity(record: Product | Review | Policy) -> str:
    if isinstance(record, Product):
        return record.sku
    if isinstance(record, Review):
        return record.review_id
    return record.policy_id


def _remember_identity(kind: DocumentKind, values: dict[str, Any], number: int, first_row_of: dict[str, int]) -> None:
    """A rejected row still claims its SKU, so a later row with the same SKU is reported as a duplicate too."""
    if kind == "products":
        sku = cells.as_text(values.get("sku"))
        if sku:
            first_row_of.setdefault(sku, number)


def _duplicate_reason(kind: DocumentKind, identity: str, first: int) -> str:
    if kind == "products":
        return f'SKU "{identity}" already appears in row {first}; each SKU must appear once (give variants their own SKU) (SKU 重复)'
    if kind == "reviews":
        return f'review "{identity}" already appears in row {first}; remove the repeated review (评价重复)'
    return f"the same policy entry already appears in row {first}; remove the repeated one (重复)"


# --- records ---------------------------------------------------------------------------------------


def _product(values: dict[str, Any], attributes: dict[str, Any], merchant_id: str) -> Product:
    sku = cells.required_text(values, "sku")
    title = cells.required_text(values, "title")
    price, price_currency = cells.price(values.get("price"))
    stock, stock_flag = cells.stock(values.get("stock"))
    in_stock = cells.flag(values.get("in_stock"), "in_stock")
    if in_stock is None:
        in_stock = stock_flag if stock_flag is not None else (stock is None or stock > 0)
    brand = cells.as_text(values.get("brand")) or None
    url = cells.urls(values.get("url"), "url")
    if len(url) > 1:
        raise cells.FieldError("url", "give one product URL; put pictures in the image column")
    return _validated(
        Product,
        merchant_id=merchant_id,
        sku=sku,
        title=title,
        price=price,
        currency=cells.currency(values.get("currency")) or price_currency or "CNY",
        description=cells.as_text(values.get("description")),
        category=cells.category(values.get("category")),
        brand=brand,
        stock=stock,
        in_stock=in_stock,
        image_urls=cells.urls(values.get("image_urls"), "image_urls"),
        url=url[0] if url else None,
        rating=cells.rating(values.get("rating"), "rating", whole=False),
        attributes=cells.attributes(attributes, values.get("attributes")),
    )


def _review(values: dict[str, Any], attributes: dict[str, Any], merchant_id: str) -> Review:
    sku = cells.required_text(values, "sku")
    rating = cells.rating(values.get("rating"), "rating", whole=True)
    text = cells.required_text(values, "text")
    date = cells.as_text(values.get("date")) or None
    author = cells.as_text(values.get("author")) or None
    review_id = cells.as_text(values.get("review_id")) or _digest(sku, author or "", date or "", text)
    return _validated(
        Review,
        merchant_id=merchant_id,
        sku=sku,
        review_id=review_id,
        rating=None if rating is None else int(rating),
        text=text,
        date=date,
        author=author,
    )


def _policy(values: dict[str, Any], attributes: dict[str, Any], merchant_id: str) -> Policy:
    title = cells.required_text(values, "title")
    text = cells.required_text(values, "text")
    policy_id = cells.as_text(values.get("policy_id")) or _digest(title)
    return _validated(Policy, merchant_id=merchant_id, policy_id=policy_id, title=title, text=text)


_BUILDERS: dict[DocumentKind, Callable[[dict[str, Any], dict[str, Any], str], Product | Review | Policy]] = {
    "products": _product,
    "reviews": _review,
    "policies": _policy,
}


def _validated(model: type[Product] | type[Review] | type[Policy], **fields: Any) -> Any:
    try:
        return model(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise cells.FieldError(str(first["loc"][0]) if first["loc"] else "row", first["msg"]) from None


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


# --- policies as Markdown/text -----------------------------------------------------------------------

_HEADING = re.compile(
    r"^\s{0,3}#{1,6}\s+(?P<md>.+?)\s*#*\s*$|^\s*【(?P<bracket>[^】]+)】\s*$|^\s*[一二三四五六七八九十]+、\s*(?P<cn>\S.{0,40})$"
)
_PASSAGE_CHARS = 1200


def _policy_passages(text: str, merchant_id: str, default_title: str) -> list[tuple[int, Policy]]:
    """(heading line, passage) per passage: split on headings (`# Returns`, `【退货】`, `一、退货政策`);
    long sections split on paragraphs."""
    sections: list[tuple[int, str, list[str]]] = [(1, default_title, [])]
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADING.match(line)
        if match:
            sections.append((number, cells.clean(match.group("md") or match.group("bracket") or match.group("cn")), []))
        else:
            sections[-1][2].append(line)
    passages: list[tuple[int, Policy]] = []
    seen: dict[str, int] = {}
    for line_number, title, lines in sections:
        for part, chunk in enumerate(_chunks(lines), start=1):
            chunk_title = title if part == 1 else f"{title} ({part})"
            count = seen[chunk_title] = seen.get(chunk_title, 0) + 1
            policy_id = _digest(chunk_title) + (f"-{count}" if count > 1 else "")
            passages.append(
                (line_number, Policy(merchant_id=merchant_id, policy_id=policy_id, title=chunk_title, text=chunk))
            )
    return passages


def _chunks(lines: list[str]) -> list[str]:
    paragraphs = [cells.clean(p) for p in re.split(r"\n\s*\n", "\n".join(lines))]
    chunks: list[str] = []
    for paragraph in filter(None, paragraphs):
        if chunks and len(chunks[-1]) + len(paragraph) < _PASSAGE_CHARS:
            chunks[-1] += "\n" + paragraph
        else:
            chunks.append(paragraph)
    return chunks
