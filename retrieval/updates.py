"""What applying a checked file changes in a merchant's catalog, by update mode, and the report of it.

- upsert (the default): the file's items are added, or update the items with the same identity (SKU,
  review id, policy id); nothing else changes. A price/stock sheet changes only those fields.
- replace: the kind's whole catalog becomes the file. Items not in it are removed (products with their
  reviews), except items whose row was rejected: those stay as they are.
- delete: the items the file lists are removed (products with their reviews).

`plan_upload` is pure: the current records and a parsed file in, the new records of each kind that changes
and the counts out. `Shop.validate` reports the plan; `Shop.apply` plans again against the version in force
under the merchant's lock, so what is applied is what was reported or the apply is refused.

Every data row of a file ends up in exactly one count: rejected, added, updated, unchanged, deleted or
missing (a deletion naming nothing in the catalog). Items outside the file that change are counted apart:
`removed` (replace) and `reviews_removed` (with their products).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from retrieval.catalog import ParsedFile, RowError, RowWarning
from retrieval.models import DocumentKind, Policy, Product, Review
from retrieval.records import Record, identity

UpdateMode = Literal["upsert", "replace", "delete"]
UPDATE_MODES: tuple[UpdateMode, ...] = ("upsert", "replace", "delete")


class UploadReport(BaseModel):
    """What a file would do to a merchant's catalog, checked against the version it was validated on."""

    merchant_id: str
    kind: DocumentKind
    filename: str
    mode: UpdateMode = "upsert"
    parsed: ParsedFile
    errors: list[str] = Field(default_factory=list, description="File-level problems: nothing can be applied.")
    rejected: list[RowError] = Field(
        default_factory=list,
        description="The parser's rejected rows plus the catalog's (e.g. reviews of unknown SKUs).",
    )
    warnings: list[RowWarning] = Field(default_factory=list, description="Rows that are used, with a note.")
    base_version: int
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = Field(0, description="Rows of a deletion file that removed an item.")
    missing: int = Field(0, description="Rows of a deletion file naming nothing in the catalog.")
    removed: int = Field(0, description="Items not in a replacing file, removed.")
    kept: int = Field(0, description="Items a replacing file names only in rejected rows: kept as they are.")
    reviews_removed: int = Field(0, description="Reviews removed with their products (or by their product's SKU).")
    version: int | None = Field(None, description="The catalog version this upload became, once applied.")

    @property
    def ok(self) -> bool:
        """Clean: no file error and no rejected row."""
        return not self.errors and not self.rejected

    @property
    def rows(self) -> int:
        return self.parsed.rows_total

    @property
    def rejected_rows(self) -> int:
        return len({error.row for error in self.rejected})

    @property
    def valid_rows(self) -> int:
        return 0 if self.errors else self.rows - self.rejected_rows

    @property
    def changes(self) -> int:
        """How many items applying would change (0: the catalog already says what the file says)."""
        return self.added + self.updated + self.deleted + self.removed + self.reviews_removed

    def refusal(self, *, valid_rows: bool = False) -> str | None:
        """Why this report cannot be applied (`valid_rows`: the merchant chose to apply the valid rows of a
        file with rejected rows), or None."""
        if self.errors:
            return f"{self.filename} cannot be used ({self.errors[0]}); nothing was applied."
        if self.rejected and not valid_rows:
            return (
                f"{self.filename} has {self.rejected_rows} rejected row(s); nothing was applied. Fix them and upload "
                f"the file again, or apply only its {self.valid_rows} valid row(s)."
            )
        if not self.changes:
            return f"{self.filename} changes nothing: the catalog (version {self.base_version}) already says the same."
        return None


@dataclass
class Plan:
    """The new records of each kind that changes, the counts, and what the catalog itself rejects or notes."""

    records: dict[DocumentKind, list[Record]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    rejected: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    error: str | None = None


def plan_upload(
    current: Mapping[DocumentKind, Sequence[Record]], parsed: ParsedFile, kind: DocumentKind, mode: UpdateMode
) -> Plan:
    """What applying `parsed` (a file of `kind`) in `mode` to the `current` records does; writes nothing."""
    if parsed.errors:
        return Plan()
    if parsed.shape == "deletions":
        return _deletions(current, parsed, kind)
    if parsed.shape == "patches":
        if mode == "replace":
            return Plan(
                error="a price/stock sheet (SKU with price or stock columns only) changes those fields of existing "
                "products and cannot replace the catalog; send it without replace, or send whole products "
                "(价格/库存表不能替换整个目录)"
            )
        return _patches(current, parsed)
    return _records(current, parsed, kind, mode)


def _records(
    current: Mapping[DocumentKind, Sequence[Record]], parsed: ParsedFile, kind: DocumentKind, mode: UpdateMode
) -> Plan:
    plan = Plan()
    if kind == "reviews":
        plan.rejected = _reviews_of_unknown_products(parsed, {identity(p) for p in current["products"]})
    refused = {error.row for error in plan.rejected}
    valid = [record for record, row in zip(parsed.records, parsed.record_rows, strict=True) if row not in refused]
    old = {identity(record): record for record in current[kind]}
    new = {identity(record): record for record in valid}
    counts = dict.fromkeys(("added", "updated", "unchanged", "removed", "kept", "reviews_removed"), 0)
    for key, record in new.items():
        before = old.get(key)
        status = "added" if before is None else "unchanged" if _same(before, record) else "updated"
        counts[status] += 1
    if mode == "replace":
        claimed = {error.identity for error in [*parsed.rejected, *plan.rejected] if error.identity}
        kept = [record for key, record in old.items() if key not in new and key in claimed]
        counts["kept"] = len(kept)
        counts["removed"] = len(old) - len(new) + counts["added"] - len(kept)
        records = [*valid, *kept]
    else:
        records = [new.pop(key, record) for key, record in old.items()] + list(new.values())
    plan.records[kind] = records
    if kind == "products" and counts["removed"]:
        counts["reviews_removed"] = _drop_reviews(plan, current, {identity(r) for r in records})
    plan.counts = counts
    return plan


def _patches(current: Mapping[DocumentKind, Sequence[Record]], parsed: ParsedFile) -> Plan:
    plan = Plan()
    products = list(current["products"])
    row_of = {identity(p): index for index, p in enumerate(products)}
    counts = {"updated": 0, "unchanged": 0}
    for patch in parsed.patches:
        index = row_of.get(patch.sku)
        if index is None:
            reason = (
                f'no product with SKU "{patch.sku}" in the catalog; a price/stock sheet only changes existing products '
                "(send whole products with a title to add it) (商品不存在)"
            )
            plan.rejected.append(RowError(row=patch.row, field="sku", reason=reason, identity=patch.sku))
            continue
        try:
            updated = Product.model_validate({**products[index].model_dump(), **patch.fields})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = str(first["loc"][0]) if first["loc"] else None
            plan.rejected.append(RowError(row=patch.row, field=where, reason=first["msg"], identity=patch.sku))
            continue
        counts["unchanged" if _same(products[index], updated) else "updated"] += 1
        products[index] = updated
    plan.records["products"] = products
    plan.counts = counts
    return plan


def _deletions(current: Mapping[DocumentKind, Sequence[Record]], parsed: ParsedFile, kind: DocumentKind) -> Plan:
    plan = Plan()
    by_field = parsed.deletion_field or "sku"
    named = {deletion.key for deletion in parsed.deletions}
    keep = [record for record in current[kind] if _deletion_key(record, by_field) not in named]
    present = {_deletion_key(record, by_field) for record in current[kind]}
    counts = {"deleted": 0, "missing": 0, "reviews_removed": 0}
    for deletion in parsed.deletions:
        if deletion.key in present:
            counts["deleted"] += 1
            continue
        counts["missing"] += 1
        plan.warnings.append(
            RowWarning(
                row=deletion.row,
                field=by_field,
                kind="not_in_catalog",
                detail=f'"{deletion.key}" is not in the catalog; nothing to delete (目录中没有)',
            )
        )
    plan.records[kind] = keep
    if kind == "products" and counts["deleted"]:
        counts["reviews_removed"] = _drop_reviews(plan, current, {identity(r) for r in keep})
    elif kind == "reviews" and by_field == "sku":
        counts["reviews_removed"] = len(current[kind]) - len(keep)
    plan.counts = counts
    return plan


def _deletion_key(record: Record, by_field: str) -> str:
    """The value a deletion file's `by_field` column is matched against."""
    if isinstance(record, Review) and by_field == "sku":
        return record.sku
    if isinstance(record, Policy) and by_field == "title":
        return record.title
    return identity(record)


def _drop_reviews(plan: Plan, current: Mapping[DocumentKind, Sequence[Record]], skus: set[str]) -> int:
    """Reviews go with their products, in the same version: the reviews of products not in `skus` are removed;
    how many."""
    reviews: list[Record] = [r for r in current["reviews"] if isinstance(r, Review) and r.sku in skus]
    dropped = len(current["reviews"]) - len(reviews)
    if dropped:
        plan.records["reviews"] = reviews
    return dropped


def _same(before: Record, after: Record) -> bool:
    return before.content_hash() == after.content_hash()


def _reviews_of_unknown_products(parsed: ParsedFile, skus: set[str]) -> list[RowError]:
    return [
        RowError(
            row=row,
            field="sku",
            reason=f"no product with SKU {record.sku!r} in the current catalog; upload the products first (商品不存在)",
            identity=record.review_id,
        )
        for record, row in zip(parsed.records, parsed.record_rows, strict=True)
        if isinstance(record, Review) and record.sku not in skus
    ]
