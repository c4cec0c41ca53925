"""Held text: what ingest keeps out of answers until the merchant confirms it, and how a confirmation is kept.

At ingest every product description and review text is screened (`screening.screen`). A record whose text
raises a flag is accepted with its `flags` set, so every customer-facing path leaves the text out
(`bot/core/held.py`), and its row is listed in the upload report as a warning: `held` (too good to be true:
the merchant confirms it once checked) or `instructions` (orders to the assistant: never used whoever
confirms it, so it has to be rewritten).

Flags are derived at every ingest, never read from a file. Confirming (`plan_confirmation`, which
`Shop.confirm` commits as a new catalog version) clears a record's flags and remembers `confirmation(record)`,
a hash of the item's kind, identity and exact text, with each catalog version (`ManifestEntry.confirmed`).
The same text uploaded again finds its hash and stays released; any other text is screened afresh; a
rollback takes a confirmation back together with the records it released.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from retrieval.catalog import ParsedFile, RowWarning
from retrieval.cells import shorten
from retrieval.errors import CatalogError
from retrieval.models import DocumentKind, Product, Review
from retrieval.records import Record, identity
from retrieval.screening import screen

HeldKind = Literal["held", "instructions"]
HELD_WARNINGS: frozenset[str] = frozenset({"held", "instructions"})  # the report's warning kinds for held rows
_NAMES: dict[DocumentKind, str] = {"products": "product", "reviews": "review"}


def held_text(record: Record) -> str:
    """The free text screening covers: a product's description, a review's text ("" for a policy)."""
    if isinstance(record, Product):
        return record.description
    if isinstance(record, Review):
        return record.text
    return ""


def held_field(record: Product | Review) -> str:
    return "description" if isinstance(record, Product) else "text"


def held_kind(record: Product | Review) -> HeldKind:
    """Why a flagged record is held: `instructions` cannot be released by confirming, `held` can."""
    return "instructions" if "instructions" in record.flags else "held"


def confirmation(record: Product | Review) -> str:
    """What remembers that the merchant confirmed this record's text: kind, identity and exact text, hashed."""
    kind = "products" if isinstance(record, Product) else "reviews"
    key = "\x1f".join((kind, identity(record), held_text(record)))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def hold(parsed: ParsedFile, confirmed: Collection[str]) -> ParsedFile:
    """`parsed` with each product's and review's `flags` derived from its text (none for a text the merchant
    confirmed), and a warning for every row whose text is held."""
    if parsed.shape != "records":
        return parsed
    records: list[Record] = []
    warnings = list(parsed.warnings)
    for record, row in zip(parsed.records, parsed.record_rows, strict=True):
        if isinstance(record, Product | Review):
            flags: list[str] = list(screen(held_text(record)))
            if flags and confirmation(record) in confirmed:
                flags = []
            record = record.model_copy(update={"flags": flags})
            if flags:
                warnings.append(_warning(record, row))
        records.append(record)
    warnings.sort(key=lambda warning: warning.row)
    return parsed.model_copy(update={"records": records, "warnings": warnings})


def _warning(record: Product | Review, row: int) -> RowWarning:
    quoted = shorten(" ".join(held_text(record).split()), 60)
    if held_kind(record) == "instructions":
        detail = (
            f'gives the assistant orders ("{quoted}"): held out of answers, prompts and buttons whoever confirms '
            "it; rewrite it (or remove it) and upload it again (含对助手的指令，不会展示，请改写后重新上传)"
        )
    else:
        detail = (
            f'reads as too good to be true ("{quoted}"): held out of answers, prompts and buttons until the '
            "merchant confirms this text (疑似不实优惠，商家确认前不展示)"
        )
    return RowWarning(row=row, field=held_field(record), kind=held_kind(record), detail=detail)


def held_records(current: Mapping[DocumentKind, Sequence[Record]]) -> list[Product | Review]:
    """The products and reviews whose text is held, products first."""
    return [r for kind in ("products", "reviews") for r in current[kind] if isinstance(r, Product | Review) and r.flags]


@dataclass(frozen=True)
class Confirmation:
    """What confirming changes: the new records of each kind touched, the confirmed texts in force afterwards,
    and the items released ("product A-1", "review r9")."""

    records: dict[DocumentKind, list[Record]]
    confirmed: frozenset[str]
    released: list[str]


def plan_confirmation(
    current: Mapping[DocumentKind, Sequence[Record]],
    confirmed: Collection[str],
    skus: Sequence[str] = (),
    review_ids: Sequence[str] = (),
) -> Confirmation:
    """Release the held text of the named products (description) and reviews (text). All or nothing: a
    `CatalogError` names every item that is not in the catalog, not held, or holds orders to the assistant."""
    if not skus and not review_ids:
        raise CatalogError("name the SKU of a product or the id of a review whose held text you confirm.")
    records: dict[DocumentKind, list[Record]] = {}
    hashes = set(confirmed)
    released: list[str] = []
    problems: list[str] = []
    named: dict[DocumentKind, Sequence[str]] = {"products": skus, "reviews": review_ids}
    for kind, names in named.items():
        if not names:
            continue
        items = list(current[kind])
        row_of = {identity(record): row for row, record in enumerate(items)}
        for name in dict.fromkeys(names):
            row = row_of.get(name)
            item = None if row is None else items[row]
            problem = _unconfirmable(kind, name, item)
            if problem is not None:
                problems.append(problem)
                continue
            assert row is not None and isinstance(item, Product | Review)  # what _unconfirmable checked
            items[row] = item.model_copy(update={"flags": []})
            hashes.add(confirmation(item))
            released.append(f"{_NAMES[kind]} {name}")
        records[kind] = items
    if problems:
        raise CatalogError(f"nothing was confirmed: {'; '.join(problems)}.")
    return Confirmation(records, frozenset(hashes), released)


def _unconfirmable(kind: DocumentKind, name: str, record: Record | None) -> str | None:
    """Why the named item's text cannot be confirmed, or None."""
    what = f"{_NAMES[kind]} {name!r}"
    if not isinstance(record, Product | Review):
        return f"there is no {what} in the catalog"
    if not record.flags:
        return f"the {held_field(record)} of {what} is not held; nothing to confirm"
    if held_kind(record) == "instructions":
        return (
            f"the {held_field(record)} of {what} gives the assistant orders, which stay out of answers whoever "
            "confirms them; rewrite it and upload it again"
        )
    return None
