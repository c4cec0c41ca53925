"""Parse and validate a merchant's catalog file into Products, Reviews or Policies, row by row.

`parse_catalog_file` is pure (bytes in, records and a report out) and never stops at the first problem:
every rejected row is listed with its row number as the merchant sees it, the field and an actionable
reason, so a merchant fixes the whole file in one go. File-level problems (encoding, format, size, missing
columns) go to `ParsedFile.errors`. Whether to apply a file with problems is the caller's decision
(`CatalogIndex` applies nothing unless the file is entirely clean). Whether a review's SKU exists is also the
caller's concern: it knows the current products.

Headers may be English or Chinese (商品名称, 价格, 品牌, 类目 ...); unknown product columns become free
attributes. Cell text is NFKC-normalised (full-width letters and digits become ASCII), HTML is stripped,
whitespace collapsed. Cells that a spreadsheet would run as a formula (`=` or `@` first, or `+`/`-` followed by a
pipe, an operator or a function call) are rejected,
because the catalog is exported again and opened in spreadsheets.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from retrieval.models import DocumentKind, Policy, Product, Review
from retrieval.tables import FileRejected, SourceRow, decode_text, file_format, read_table

PRICE_EXAMPLES = "expected e.g. 1299, ¥1,299.00, 1299元, $12.50"


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
    errors: list[str] = Field(default_factory=list, description="File-level problems; when present, records is empty.")
    rows_total: int = Field(0, description="Data rows (or policy passages) found in the file.")

    @property
    def ok(self) -> bool:
        return not self.errors and not self.rejected


class _FieldError(ValueError):
    """A cell that cannot be used; `field` names the column, the message is the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


# --- header names ----------------------------------------------------------------------------------

_SKU = (
    "sku",
    "skuid",
    "id",
    "productid",
    "itemid",
    "货号",
    "编号",
    "商品编号",
    "商品id",
    "款号",
    "sku编码",
    "商品编码",
    "产品编号",
)
_MERCHANT = ("merchant", "merchantid", "shop", "shopid", "商家", "商家id", "店铺", "店铺id")
_HEADERS: dict[DocumentKind, dict[str, tuple[str, ...]]] = {
    "products": {
        "sku": _SKU,
        "title": (
            "title",
            "name",
            "productname",
            "producttitle",
            "商品名称",
            "名称",
            "标题",
            "商品标题",
            "品名",
            "产品名称",
            "商品名",
        ),
        "price": ("price", "saleprice", "unitprice", "价格", "售价", "单价", "销售价", "现价", "零售价"),
        "description": (
            "description",
            "desc",
            "details",
            "detail",
            "描述",
            "详情",
            "商品描述",
            "商品详情",
            "简介",
            "说明",
            "卖点",
        ),
        "category": ("category", "categories", "categorypath", "类目", "分类", "品类", "商品类目", "商品分类", "类别"),
        "brand": ("brand", "brandname", "品牌"),
        "stock": ("stock", "quantity", "qty", "inventory", "库存", "库存数量", "数量"),
        "in_stock": ("instock", "available", "availability", "是否有货", "有货", "在售"),
        "currency": ("currency", "币种", "货币"),
        "image_urls": (
            "image",
            "images",
            "imageurl",
            "imageurls",
            "picture",
            "pictures",
            "pic",
            "photo",
            "图片",
            "主图",
            "图片链接",
            "商品图片",
            "图片地址",
        ),
        "url": ("url", "link", "producturl", "链接", "商品链接", "网址"),
        "rating": ("rating", "score", "stars", "评分", "星级"),
        "attributes": ("attributes", "attrs", "属性"),
        "merchant": _MERCHANT,
    },
    "reviews": {
        "sku": _SKU[:1] + _SKU[2:],  # a review's own "id" is its review_id
        "review_id": ("reviewid", "id", "评价id", "评论id", "评价编号"),
        "rating": ("rating", "score", "stars", "评分", "星级", "评价星级"),
        "text": ("text", "review", "content", "comment", "body", "内容", "评价", "评论", "评价内容", "评论内容"),
        "date": ("date", "time", "created", "createdat", "日期", "时间", "评价时间"),
        "author": ("author", "user", "username", "nickname", "reviewer", "用户", "昵称", "用户名", "买家", "作者"),
        "merchant": _MERCHANT,
    },
    "policies": {
        "policy_id": ("policyid", "id", "编号"),
        "title": ("title", "question", "q", "heading", "topic", "标题", "问题", "问", "主题"),
        "text": ("text", "answer", "a", "content", "body", "答案", "答", "回答", "内容"),
        "merchant": _MERCHANT,
    },
}
_REQUIRED: dict[DocumentKind, tuple[str, ...]] = {
    "products": ("sku", "title", "price"),
    "reviews": ("sku", "rating", "text"),
    "policies": ("title", "text"),
}
_CONTAINER_KEYS: dict[DocumentKind, tuple[str, ...]] = {
    "products": ("products", "items", "data"),
    "reviews": ("reviews", "items", "data"),
    "policies": ("policies", "faq", "items", "data"),
}


def _header_key(header: str) -> str:
    """'商品名称（必填）', 'Product_Name *', 'price (元)' -> '商品名称', 'productname', 'price'."""
    key = unicodedata.normalize("NFKC", header).casefold()
    key = re.sub(r"[(\[【].*?[)\]】]", "", key)
    return re.sub(r"[\s_\-*.:]+", "", key)


_ALIASES: dict[DocumentKind, dict[str, str]] = {
    kind: {alias: field for field, aliases in fields.items() for alias in aliases} for kind, fields in _HEADERS.items()
}


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
        table = read_table(fmt, data, max_rows=max_rows, container_keys=_CONTAINER_KEYS[kind])
    except FileRejected as exc:
        return ParsedFile(errors=[str(exc)])
    return _parse_rows(kind, table.columns, table.rows, table.bad_rows, merchant_id)


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.1f} KB"


def _parse_rows(
    kind: DocumentKind, columns: list[str], rows: list[SourceRow], bad_rows: list[tuple[int, str]], merchant_id: str
) -> ParsedFile:
    fields = _map_columns(kind, columns)
    if isinstance(fields, str):
        return ParsedFile(errors=[fields], rows_total=len(rows) + len(bad_rows))
    build = _BUILDERS[kind]
    records: list[Product | Review | Policy] = []
    record_rows: list[int] = []
    rejected = [RowError(row=number, reason=reason) for number, reason in bad_rows]
    first_row_of: dict[str, int] = {}
    for row in rows:
        cells = {column: _clean(value) if isinstance(value, str) else value for column, value in row.cells.items()}
        values: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        for column, value in cells.items():
            if field := fields.get(column):
                values[field] = value
            else:
                attributes[column] = value
        try:
            _reject_formulas(cells, fields)
            _check_merchant(values.get("merchant"), merchant_id)
            record = build(values, attributes, merchant_id)
        except _FieldError as exc:
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
    rejected.sort(key=lambda error: error.row)
    return ParsedFile(records=records, record_rows=record_rows, rejected=rejected, rows_total=len(rows) + len(bad_rows))


def _map_columns(kind: DocumentKind, columns: list[str]) -> dict[str, str | None] | str:
    """Column name -> field (None = free attribute), or a file-level error message."""
    aliases = _ALIASES[kind]
    fields: dict[str, str | None] = {}
    owner: dict[str, str] = {}
    for column in columns:
        field = aliases.get(_header_key(column))
        if field in owner:
            return f"columns '{owner[field]}' and '{column}' both mean {field}; keep one of them"
        if field:
            owner[field] = column
        fields[column] = field
    missing = [field for field in _REQUIRED[kind] if field not in owner]
    if missing:
        names = "; ".join(
            f"{field} (e.g. {', '.join(_HEADERS[kind][field][:1] + _chinese_names(kind, field))})" for field in missing
        )
        return f"missing required column(s): {names}. Columns found: {', '.join(columns) or '(none)'} (缺少必填列)"
    return fields


def _chinese_names(kind: DocumentKind, field: str) -> tuple[str, ...]:
    return tuple(alias for alias in _HEADERS[kind][field] if not alias.isascii())[:2]


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
        sku = _text(values.get("sku"))
        if sku:
            first_row_of.setdefault(sku, number)


def _duplicate_reason(kind: DocumentKind, identity: str, first: int) -> str:
    if kind == "products":
        return f'SKU "{identity}" already appears in row {first}; each SKU must appear once (give variants their own SKU) (SKU 重复)'
    if kind == "reviews":
        return f'review "{identity}" already appears in row {first}; remove the repeated review (评价重复)'
    return f"the same policy entry already appears in row {first}; remove the repeated one (重复)"


# --- cells -----------------------------------------------------------------------------------------

_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.I | re.S)
# After a leading sign, a spreadsheet attack needs a DDE pipe, another operator or a function call
# ("+cmd|' /C calc'!A0", "-2+3+cmd", "-SUM(A1)"); without them the cell is data a merchant means:
# "-5°C", "+86 138 0000 0000", a Markdown bullet "- 7天无理由退货（不影响二次销售）".
_SIGNED_DATA = re.compile(r"^[+-](?!.*[|=+@])(?!.*[A-Za-z_][\w.]*\()")


def _clean(value: Any) -> str:
    """A cell as clean text: NFKC, HTML tags removed and entities decoded, whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = unicodedata.normalize("NFKC", str(value))
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return " ".join(text.split())


def _text(value: Any) -> str:
    """A value of a row whose strings `_parse_rows` has already cleaned (numbers and None still need it)."""
    return value if isinstance(value, str) else _clean(value)


def _formula_lead(text: str) -> str | None:
    """The character that would make a spreadsheet run `text` as a formula, if any."""
    if not text or text[0] not in "=+-@":
        return None
    if text[0] in "+-" and _SIGNED_DATA.match(text):
        return None
    return text[0]


def _reject_formulas(cells: dict[str, Any], fields: dict[str, str | None]) -> None:
    for column, value in cells.items():
        for text in _strings(value):
            lead = _formula_lead(text)
            if lead:
                raise _FieldError(
                    fields.get(column) or column,
                    f'"{_short(text)}" starts with "{lead}", which spreadsheets run as a formula; remove the leading '
                    f'"{lead}" or the formula and upload plain values (疑似公式注入)',
                )


def _strings(value: Any) -> list[str]:
    """Every string in a cell, including inside JSON lists and objects (keys too), as it will be stored."""
    if isinstance(value, str):
        return [value]  # already cleaned by _parse_rows
    if isinstance(value, list):
        return [text for item in value for text in _strings(_nested(item))]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (_clean(key), *_strings(_nested(item)))]
    return []


def _nested(value: Any) -> Any:
    return _clean(value) if isinstance(value, str) else value


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_merchant(value: Any, merchant_id: str) -> None:
    owner = _text(value)
    if owner and owner != merchant_id:
        raise _FieldError(
            "merchant",
            f'the row belongs to merchant "{owner}" but this upload is for "{merchant_id}"; remove the row '
            "or upload it from that merchant's account (不属于当前商家)",
        )


def _required_text(values: dict[str, Any], field: str) -> str:
    text = _text(values.get(field))
    if not text:
        raise _FieldError(field, f"{field} is empty; every row needs one (必填)")
    return text


_CURRENCY_SIGNS = [
    (re.compile(r"^(?:US\$|USD)", re.I), "USD"),
    (re.compile(r"^\$"), "USD"),
    (re.compile(r"^(?:¥|RMB|CNY)", re.I), "CNY"),
    (re.compile(r"^(?:€|EUR)", re.I), "EUR"),
    (re.compile(r"^(?:£|GBP)", re.I), "GBP"),
]
_CURRENCY_SUFFIXES = [
    (re.compile(r"(?:元|块|人民币|RMB|CNY)$", re.I), "CNY"),
    (re.compile(r"(?:美元|USD|dollars?)$", re.I), "USD"),
    (re.compile(r"(?:€|EUR|欧元)$", re.I), "EUR"),
    (re.compile(r"(?:£|GBP|英镑)$", re.I), "GBP"),
]
_CURRENCY_NAMES = {
    "人民币": "CNY",
    "元": "CNY",
    "RMB": "CNY",
    "¥": "CNY",
    "美元": "USD",
    "$": "USD",
    "US$": "USD",
    "欧元": "EUR",
    "英镑": "GBP",
}
_AMOUNT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def _price(value: Any) -> tuple[float, str | None]:
    """'¥1,299.00' -> (1299.0, 'CNY'); '$12.50' -> (12.5, 'USD'); 99 -> (99.0, None)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount, currency = float(value), None
    else:
        text = _text(value)
        if not text:
            raise _FieldError("price", "price is empty; every product needs one, e.g. 1299 or ¥1,299.00 (价格必填)")
        currency = None
        for pattern, code in _CURRENCY_SIGNS:
            if match := pattern.match(text):
                text, currency = text[match.end() :].strip(), code
                break
        for pattern, code in _CURRENCY_SUFFIXES:
            if match := pattern.search(text):
                text, currency = text[: match.start()].strip(), currency or code
                break
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-").strip()
        if not _AMOUNT.match(digits):
            raise _FieldError("price", f'"{_short(_text(value))}" is not a price ({PRICE_EXAMPLES}) (价格格式不对)')
        amount = sign * float(digits.replace(",", ""))
    if amount < 0:
        raise _FieldError("price", f"{amount:g} is negative; a price must be 0 or more (价格不能为负)")
    return round(amount, 2), currency


def _currency(value: Any) -> str | None:
    text = _text(value)
    if not text:
        return None
    code = _CURRENCY_NAMES.get(text, text.upper())
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise _FieldError("currency", f'"{_short(text)}" is not a currency; use a 3-letter code such as CNY or USD')
    return code


_TRUE = {"true", "yes", "y", "1", "有货", "有", "是", "在售", "现货", "in stock", "available"}
_FALSE = {
    "false",
    "no",
    "n",
    "0",
    "无货",
    "无",
    "否",
    "缺货",
    "售罄",
    "下架",
    "out of stock",
    "sold out",
    "unavailable",
}


def _flag(value: Any, field: str) -> bool | None:
    text = _text(value).casefold()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _FieldError(field, f'"{_short(text)}" is not yes/no (use true/false, yes/no, 1/0, 有货/无货)')


def _stock(value: Any) -> tuple[int | None, bool | None]:
    """Units on hand, or (None, flag) when the stock column holds 有货/无货 style words."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    else:
        text = _text(value)
        if not text:
            return None, None
        match = re.fullmatch(r"([+-]?\d+(?:\.0+)?)\s*(?:件|个|pcs|units?)?", text, re.I)
        if not match:
            try:
                return None, _flag(text, "stock")
            except _FieldError:
                raise _FieldError("stock", f'"{_short(text)}" is not a number of units (e.g. 12) or yes/no') from None
        number = float(match.group(1))
    if number != int(number) or number < 0:
        raise _FieldError("stock", f"{number:g} is not a whole number of units, 0 or more (库存必须是非负整数)")
    return int(number), None


def _rating(value: Any, field: str, *, whole: bool) -> float | None:
    """'4.5', '4.5分', '4.5/5', '★★★★' -> 4.5, 4.5, 4.5, 4.0; None when empty."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = _text(value)
        if not text:
            return None
        if set(text) <= {"★", "☆"}:
            number = float(text.count("★"))
        else:
            match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:分|星|stars?|/\s*5(?:\.0)?)?", text, re.I)
            if not match:
                raise _FieldError(
                    field, f'"{_short(text)}" is not a rating; use a number from {1 if whole else 0} to 5'
                )
            number = float(match.group(1))
    low = 1 if whole else 0
    if whole and not number.is_integer():
        raise _FieldError(
            field, f"{number:g} is not a whole number of stars; use 1, 2, 3, 4 or 5 (评分应为 1-5 的整数)"
        )
    if not low <= number <= 5:
        raise _FieldError(field, f"{number:g} is out of range; use a number from {low} to 5 (评分应为 {low}-5)")
    return number


def _category(value: Any) -> list[str]:
    """'服装 > 户外 > 冲锋衣', '服装/户外/冲锋衣' or a JSON list -> ['服装', '户外', '冲锋衣']."""
    parts = value if isinstance(value, list) else re.split(r"\s*(?:>|/|›|»|→|\\)\s*", _text(value))
    return [part for part in (_clean(p) for p in parts) if part]


def _urls(value: Any, field: str) -> list[str]:
    items = value if isinstance(value, list) else re.split(r"[,;|\s]+", _text(value))
    urls = [url for url in (_clean(item) for item in items) if url]
    for url in urls:
        if not re.match(r"https?://\S+$", url, re.I):
            raise _FieldError(field, f'"{_short(url)}" is not an http(s) URL (链接格式不对)')
    return urls


def _attributes(attributes: dict[str, Any], nested: Any) -> dict[str, str]:
    """Free columns plus a JSON `attributes` object -> {name: text}, empty values dropped."""
    merged = dict(attributes)
    if isinstance(nested, dict):
        merged.update(nested)
    elif nested not in (None, ""):
        raise _FieldError("attributes", 'attributes must be a JSON object like {"color": "red"}')
    result: dict[str, str] = {}
    for name, value in merged.items():
        text = ", ".join(_clean(v) for v in value) if isinstance(value, list) else _clean(value)
        if text:
            result[_clean(name)] = text
    return result


# --- records ---------------------------------------------------------------------------------------


def _product(values: dict[str, Any], attributes: dict[str, Any], merchant_id: str) -> Product:
    sku = _required_text(values, "sku")
    title = _required_text(values, "title")
    price, price_currency = _price(values.get("price"))
    stock, stock_flag = _stock(values.get("stock"))
    in_stock = _flag(values.get("in_stock"), "in_stock")
    if in_stock is None:
        in_stock = stock_flag if stock_flag is not None else (stock is None or stock > 0)
    brand = _text(values.get("brand")) or None
    url = _urls(values.get("url"), "url")
    if len(url) > 1:
        raise _FieldError("url", "give one product URL; put pictures in the image column")
    return _validated(
        Product,
        merchant_id=merchant_id,
        sku=sku,
        title=title,
        price=price,
        currency=_currency(values.get("currency")) or price_currency or "CNY",
        description=_text(values.get("description")),
        category=_category(values.get("category")),
        brand=brand,
        stock=stock,
        in_stock=in_stock,
        image_urls=_urls(values.get("image_urls"), "image_urls"),
        url=url[0] if url else None,
        rating=_rating(values.get("rating"), "rating", whole=False),
        attributes=_attributes(attributes, values.get("attributes")),
    )


def _review(values: dict[str, Any], attributes: dict[str, Any], merchant_id: str) -> Review:
    sku = _required_text(values, "sku")
    rating = _rating(values.get("rating"), "rating", whole=True)
    if rating is None:
        raise _FieldError("rating", "rating is empty; use a whole number from 1 to 5 (评分必填)")
    text = _required_text(values, "text")
    date = _text(values.get("date")) or None
    author = _text(values.get("author")) or None
    review_id = _text(values.get("review_id")) or _digest(sku, author or "", date or "", text)
    return _validated(
        Review,
        merchant_id=merchant_id,
        sku=sku,
        review_id=review_id,
        rating=int(rating),
        text=text,
        date=date,
        author=author,
    )


def _policy(values: dict[str, Any], attributes: dict[str, Any], merchant_id: str) -> Policy:
    title = _required_text(values, "title")
    text = _required_text(values, "text")
    policy_id = _text(values.get("policy_id")) or _digest(title)
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
        raise _FieldError(str(first["loc"][0]) if first["loc"] else "row", first["msg"]) from None


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
            sections.append((number, _clean(match.group("md") or match.group("bracket") or match.group("cn")), []))
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
    paragraphs = [_clean(p) for p in re.split(r"\n\s*\n", "\n".join(lines))]
    chunks: list[str] = []
    for paragraph in filter(None, paragraphs):
        if chunks and len(chunks[-1]) + len(paragraph) < _PASSAGE_CHARS:
            chunks[-1] += "\n" + paragraph
        else:
            chunks.append(paragraph)
    return chunks
