"""The bad-file corpus, generated in code: each case is a file a merchant might really upload and the
message it must get. Shared by the parser tests and the "stored catalog is unchanged" index tests."""

from __future__ import annotations

import io
from typing import NamedTuple

from openpyxl import Workbook

MAX_BYTES = 64 * 1024
MAX_ROWS = 50

GOOD_CSV = "sku,title,price,brand,category,stock\nP1,Rain jacket,299,Acme,Outdoor > Jackets,5\nP2,Trail shoe,¥459.00,Acme,Outdoor > Shoes,0\n"


class BadFile(NamedTuple):
    name: str
    filename: str
    data: bytes
    # Each string must appear in the file-level error, or in the reason of the rejected row.
    expect: tuple[str, ...]
    row: int | None = None  # None: a file-level error; else the row that must be rejected


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(body: str, encoding: str = "utf-8") -> bytes:
    return ("sku,title,price\n" + body).encode(encoding)


BAD_FILES = [
    BadFile(
        "latin-1 text",
        "cat.csv",
        "sku,title,price\nP1,Café crème,3\n".encode("latin-1"),
        ("neither UTF-8 nor GBK", "UTF-8"),
    ),
    BadFile("utf-16 without BOM", "cat.csv", "sku,title,price\nP1,Jacket,3\n".encode("utf-16-le"), ("UTF-16",)),
    BadFile(
        "missing price column",
        "cat.csv",
        b"sku,name,cost\nP1,Jacket,3\n",
        ("missing required column", "price", "Columns found: sku, name, cost"),
    ),
    BadFile(
        "missing title in JSON", "cat.json", b'[{"sku": "P1", "brand": "Acme"}]', ("missing required column", "title")
    ),
    BadFile(
        "price sheet with other columns",
        "prices.csv",
        b"sku,price,note\nP1,3,x\n",
        ("price/stock sheet", "remove 'note'", "add a title column"),
    ),
    BadFile(
        "duplicate sku",
        "cat.csv",
        _csv("P1,Jacket,3\nP2,Shoe,4\nP1,Other,5\n"),
        ('SKU "P1" already appears in row 2',),
        row=4,
    ),
    BadFile("negative price", "cat.csv", _csv("P1,Jacket,-3\n"), ("negative",), row=2),
    BadFile("unparsable price", "cat.csv", _csv("P1,Jacket,abc\n"), ('"abc" is not a price', "1299元"), row=2),
    BadFile("empty file", "cat.csv", b"", ("empty",)),
    BadFile("whitespace only", "cat.csv", b"\n \n\t\n", ("empty",)),
    BadFile("header only", "cat.csv", b"sku,title,price\n", ("no data rows",)),
    BadFile("binary", "cat.csv", bytes(range(256)) * 4, ("binary",)),
    BadFile("png renamed", "cat.csv", b"\x89PNG\r\n\x1a\n" + bytes(64), ("PNG image",)),
    BadFile("legacy xls", "cat.xls", b"\xd0\xcf\x11\xe0" + bytes(64), (".xls", ".xlsx")),
    BadFile("broken xlsx", "cat.xlsx", b"PK\x03\x04not really a zip", ("not a valid .xlsx",)),
    BadFile(
        "oversized",
        "cat.csv",
        _csv("P1,Jacket,3\n" + "x" * MAX_BYTES),
        ("over the limit of 65,536 bytes", "MAX_UPLOAD_BYTES"),
    ),
    BadFile(
        "too many rows",
        "cat.csv",
        _csv("".join(f"P{i},Item {i},{i}\n" for i in range(MAX_ROWS + 1))),
        (f"more than {MAX_ROWS}", "MAX_ROWS"),
    ),
    BadFile("formula in price", "cat.csv", _csv("P1,Jacket,=1+2\n"), ('"=1+2" is not a price',), row=2),
    BadFile(
        "another merchant",
        "cat.csv",
        b"sku,title,price,merchant\nP1,Jacket,3,rival\n",
        ('belongs to merchant "rival"',),
        row=2,
    ),
    BadFile("invalid json", "cat.json", b'[{"sku": "P1",]', ("not valid JSON", "line 1")),
    BadFile("unsupported type", "cat.pdf", b"%PDF-1.4", ("unsupported file type .pdf",)),
]
