"""A kind's current records as UTF-8 CSV that `catalog.parse_catalog_file` reads back to the same records.

Products put their free attributes in columns of their own (after the fixed ones, sorted), the category
path as `a > b > c` and image URLs space-separated, which is how the parser reads them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from retrieval.models import DocumentKind, Policy, Product, Review

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


def records_to_csv(kind: DocumentKind, records: Sequence[Product | Review | Policy]) -> bytes:
    """`records` (all of `kind`) as CSV bytes with a header row."""
    columns = list(_COLUMNS[kind])
    if kind == "products":
        columns += sorted({name for p in records if isinstance(p, Product) for name in p.attributes})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = record.model_dump(exclude={"merchant_id"})
        if isinstance(record, Product):
            row.update(row.pop("attributes"))
            row["category"] = " > ".join(record.category)
            row["image_urls"] = " ".join(record.image_urls)
            row["in_stock"] = "true" if record.in_stock else "false"
        writer.writerow({name: "" if row.get(name) is None else row[name] for name in columns})
    return buffer.getvalue().encode("utf-8")
