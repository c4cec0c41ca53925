"""One row's field values -> one record: a Product, Review or Policy, or a price/stock sheet's `ProductPatch`.

The builders read each field with its parser in `cells.py` and raise `cells.FieldError` for a row that cannot
be used, including one with a URL that points at a private, loopback or link-local address (`check_addresses`). Something the merchant should know about a row that is still used goes into `notes` as a
`FieldNote`; `catalog.py` turns notes into the report's warnings with the row number. A new kind of warning
is a new `WarningKind` here and its label in the report (`report_warning_<kind>` in `bot/i18n/staff.py`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, Field, ValidationError

from retrieval import cells
from retrieval.models import DocumentKind, Policy, Product, Review
from retrieval.screening import private_urls

# "held" / "instructions": text held out of answers at ingest (`retrieval/holds.py`).
WarningKind = Literal["truncated", "not_in_catalog", "no_price", "held", "instructions"]

Record = Product | Review | Policy

# A price/stock sheet: a products file with a SKU column and only these (no title): it updates just them.
PATCH_FIELDS = frozenset({"price", "currency", "stock", "in_stock"})
PATCH_VALUES = frozenset({"price", "stock", "in_stock"})


NO_PRICE = (
    "accepted as 'price unknown': customers see it so, and it never matches a price limit (价格未填，显示为价格未知)"
)


class FieldNote(NamedTuple):
    """A warning about one field of a row that is still used."""

    kind: WarningKind
    field: str | None
    detail: str


class ProductPatch(BaseModel):
    """A row of a price/stock sheet: new values for some fields of an existing product."""

    row: int
    sku: str
    fields: dict[str, Any] = Field(description="Product fields to overwrite: price, currency, stock, in_stock.")


Builder = Callable[[dict[str, Any], dict[str, Any], str, list[FieldNote]], Record]


def identity(record: Record) -> str:
    """What makes a record one item within its kind: the SKU, the review id, the policy id."""
    if isinstance(record, Product):
        return record.sku
    if isinstance(record, Review):
        return record.review_id
    return record.policy_id


IDENTITY_FIELD: dict[DocumentKind, str] = {"products": "sku", "reviews": "review_id", "policies": "policy_id"}


def row_identity(kind: DocumentKind, values: dict[str, Any]) -> str | None:
    """The identity a row claims even when it is rejected (None when it cannot be read from the row)."""
    if kind == "products":
        return cells.as_text(values.get("sku")) or None
    if kind == "reviews":
        return cells.as_text(values.get("review_id")) or None
    title = cells.as_text(values.get("title"))
    return cells.as_text(values.get("policy_id")) or (digest(title) if title else None)


def digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


def product(values: dict[str, Any], attributes: dict[str, Any], merchant_id: str, notes: list[FieldNote]) -> Product:
    sku = cells.required_text(values, "sku")
    title = cells.required_text(values, "title")
    price, price_currency = cells.price(values.get("price"))
    if price is None:
        notes.append(FieldNote("no_price", "price", NO_PRICE))
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
        description=cells.text_block(values.get("description")),
        category=cells.category(values.get("category")),
        brand=brand,
        stock=stock,
        in_stock=in_stock,
        image_urls=cells.urls(values.get("image_urls"), "image_urls"),
        url=url[0] if url else None,
        rating=cells.rating(values.get("rating"), "rating", whole=False),
        attributes=cells.attributes(attributes, values.get("attributes")),
    )


def review(values: dict[str, Any], attributes: dict[str, Any], merchant_id: str, notes: list[FieldNote]) -> Review:
    sku = cells.required_text(values, "sku")
    rating = cells.rating(values.get("rating"), "rating", whole=True)  # None: the source gives no stars
    text = cells.required_text(values, "text", multiline=True)
    date = cells.as_text(values.get("date")) or None
    author = cells.as_text(values.get("author")) or None
    review_id = cells.as_text(values.get("review_id")) or digest(sku, author or "", date or "", text)
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


def policy(values: dict[str, Any], attributes: dict[str, Any], merchant_id: str, notes: list[FieldNote]) -> Policy:
    title = cells.required_text(values, "title")
    text = cells.required_text(values, "text", multiline=True)
    policy_id = cells.as_text(values.get("policy_id")) or digest(title)
    return _validated(Policy, merchant_id=merchant_id, policy_id=policy_id, title=title, text=text)


BUILDERS: dict[DocumentKind, Builder] = {"products": product, "reviews": review, "policies": policy}


def patch(row: int, values: dict[str, Any]) -> ProductPatch:
    """A price/stock sheet's row; an empty cell leaves that field as it is."""
    sku = cells.required_text(values, "sku")
    fields: dict[str, Any] = {}
    if _given(values.get("price")):
        fields["price"], price_currency = cells.price(values["price"])
        currency = cells.currency(values.get("currency")) or price_currency
        if currency:
            fields["currency"] = currency
    if _given(values.get("stock")):
        stock, stock_flag = cells.stock(values["stock"])
        fields["stock"] = stock
        fields["in_stock"] = stock_flag if stock_flag is not None else bool(stock)
    if _given(values.get("in_stock")):
        fields["in_stock"] = cells.flag(values["in_stock"], "in_stock")
    return ProductPatch(row=row, sku=sku, fields=fields)


def _given(value: Any) -> bool:
    return value is not None and cells.as_text(value) != ""


def check_addresses(record: Record) -> None:
    """Raise `FieldError` for the first URL in any of the record's text, link or picture fields that points at a
    private, loopback or link-local address (`screening.private_url`): customers cannot open it, and nothing
    that fetches links or pictures may ever be pointed at the server's own network."""
    for field, text in _texts(record.model_dump(exclude={"merchant_id", "flags"})):
        found = private_urls(text)
        if found:
            raise cells.FieldError(
                field,
                f'"{cells.shorten(found[0], 60)}" points at a private, loopback or link-local address, which '
                "customers cannot open and the bot must never fetch; use the public address or remove it "
                "(内网或本机地址，不允许)",
            )


def _texts(values: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, text) for every text in a record's fields: an attribute under its own name, each list item."""
    texts: list[tuple[str, str]] = []
    for field, value in values.items():
        if isinstance(value, dict):
            texts += [(str(name), str(item)) for name, item in value.items()]
        elif isinstance(value, list):
            texts += [(field, str(item)) for item in value]
        elif isinstance(value, str):
            texts.append((field, value))
    return texts


def _validated(model: type[Product] | type[Review] | type[Policy], **fields: Any) -> Any:
    try:
        record = model(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise cells.FieldError(str(first["loc"][0]) if first["loc"] else "row", first["msg"]) from None
    check_addresses(record)
    return record
