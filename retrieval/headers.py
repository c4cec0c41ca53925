"""Which column of a catalog file means which field: header aliases in English and Chinese, per document kind.

A header is compared after NFKC, case folding and dropping brackets, spaces and punctuation, so
'商品名称（必填）', 'Product_Name *' and 'price (元)' read as '商品名称', 'productname' and 'price'.
Columns with no alias become free product attributes.
"""

from __future__ import annotations

import re
import unicodedata

from retrieval.models import DocumentKind

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
    "reviews": ("sku", "text"),
    "policies": ("title", "text"),
}
CONTAINER_KEYS: dict[DocumentKind, tuple[str, ...]] = {
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


def map_columns(
    kind: DocumentKind, columns: list[str], required: tuple[str, ...] | None = None
) -> dict[str, str | None] | str:
    """Column name -> field (None = free attribute), or a file-level error message when two columns mean one
    field or a `required` field (default: the kind's) has no column."""
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
    missing = [field for field in (_REQUIRED[kind] if required is None else required) if field not in owner]
    if missing:
        names = "; ".join(f"{field} (e.g. {', '.join(column_names(kind, field))})" for field in missing)
        return f"missing required column(s): {names}. Columns found: {', '.join(columns) or '(none)'} (缺少必填列)"
    return fields


def column_names(kind: DocumentKind, field: str) -> tuple[str, ...]:
    """How a field's column may be named, for messages: the English name and up to two Chinese ones."""
    return _HEADERS[kind][field][:1] + _chinese_names(kind, field)


def is_field_alias(kind: DocumentKind, name: str) -> bool:
    """Whether a column called `name` would be read as one of the kind's fields (not a free attribute)."""
    return _header_key(name) in _ALIASES[kind]


def _chinese_names(kind: DocumentKind, field: str) -> tuple[str, ...]:
    return tuple(alias for alias in _HEADERS[kind][field] if not alias.isascii())[:2]
