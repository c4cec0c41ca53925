"""Parsing merchant files: formats, encodings, header names, field normalisation and the row report."""

from __future__ import annotations

import csv
import io
import json

import pytest

from retrieval.catalog import ParsedFile, parse_catalog_file
from retrieval.models import Policy, Product, Review
from tests.retrieval.badfiles import BAD_FILES, GOOD_CSV, MAX_BYTES, MAX_ROWS, BadFile, xlsx


def parse(kind: str, filename: str, data: bytes | str, merchant: str = "shop") -> ParsedFile:
    raw = data.encode() if isinstance(data, str) else data
    return parse_catalog_file(kind, filename, raw, merchant, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)  # type: ignore[arg-type]


def products(result: ParsedFile) -> dict[str, Product]:
    assert result.ok, (result.errors, [str(r) for r in result.rejected])
    return {p.sku: p for p in result.records if isinstance(p, Product)}


def policies(result: ParsedFile) -> list[Policy]:
    return [p for p in result.records if isinstance(p, Policy)]


CHINESE_CSV = (
    "货号,商品名称,售价,品牌,分类,库存,描述,主图,链接,评分,颜色,材质\n"
    'A1,男士冲锋衣,"¥1,299.00",始祖鸟,服装 > 户外 > 冲锋衣,3,<p>防水&amp;透气</p>,'
    "https://img/1.jpg|https://img/2.jpg,https://shop/a1,4.5,红色,GORE-TEX\n"
    "A2,ＵＬ 背包,899元,,户外/背包,0,,,,,黑,\n"
)


def test_chinese_headers_map_and_values_normalise() -> None:
    parsed = products(parse("products", "cat.csv", CHINESE_CSV))
    jacket, pack = parsed["A1"], parsed["A2"]
    assert (jacket.title, jacket.price, jacket.currency, jacket.brand) == ("男士冲锋衣", 1299.0, "CNY", "始祖鸟")
    assert jacket.category == ["服装", "户外", "冲锋衣"]
    assert jacket.description == "防水&透气"
    assert jacket.image_urls == ["https://img/1.jpg", "https://img/2.jpg"]
    assert (jacket.url, jacket.rating, jacket.stock, jacket.in_stock) == ("https://shop/a1", 4.5, 3, True)
    assert jacket.attributes == {"颜色": "红色", "材质": "GORE-TEX"}
    assert pack.title == "UL 背包"  # full-width letters become ASCII
    assert (pack.price, pack.category, pack.stock, pack.in_stock, pack.brand) == (
        899.0,
        ["户外", "背包"],
        0,
        False,
        None,
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_are_detected(encoding: str) -> None:
    parsed = products(parse("products", "cat.csv", CHINESE_CSV.replace("¥", "￥").encode(encoding)))
    assert parsed["A1"].title == "男士冲锋衣" and parsed["A1"].price == 1299.0


def test_utf16_with_bom_tab_separated_text() -> None:
    data = "sku\ttitle\tprice\nP1\tJacket\t3\n".encode("utf-16")
    assert products(parse("products", "export.txt", data))["P1"].price == 3.0


@pytest.mark.parametrize(
    ("raw", "price", "currency"),
    [
        ("¥1,299.00", 1299.0, "CNY"),
        ("1299元", 1299.0, "CNY"),
        ("$12.50", 12.5, "USD"),
        ("￥99", 99.0, "CNY"),
        ("US$5", 5.0, "USD"),
        ("１２９９", 1299.0, "CNY"),
        ("0", 0.0, "CNY"),
        ("19.999", 20.0, "CNY"),
    ],
)
def test_price_formats(raw: str, price: float, currency: str) -> None:
    product = products(parse("products", "cat.json", json.dumps([{"sku": "P", "title": "T", "price": raw}])))["P"]
    assert (product.price, product.currency) == (price, currency)


def test_currency_column_wins_over_the_symbol() -> None:
    product = products(parse("products", "cat.csv", "sku,title,price,currency\nP,T,$5,cny\n"))["P"]
    assert product.currency == "CNY"


def test_all_formats_give_the_same_products() -> None:
    rows = [
        {"sku": "P1", "title": "Jacket", "price": 299, "size": "L"},
        {"sku": "P2", "title": "Shoe", "price": "59.5", "size": "42"},
    ]
    files: dict[str, bytes | str] = {
        "cat.csv": "sku,title,price,size\nP1,Jacket,299,L\nP2,Shoe,59.5,42\n",
        "cat.tsv": "sku\ttitle\tprice\tsize\nP1\tJacket\t299\tL\nP2\tShoe\t59.5\t42\n",
        "cat.json": json.dumps(rows),
        "wrapped.json": json.dumps({"products": rows}),
        "cat.jsonl": "\n".join(json.dumps(r) for r in rows) + "\n",
        "cat.xlsx": xlsx([["sku", "title", "price", "size"], ["P1", "Jacket", 299, "L"], ["P2", "Shoe", 59.5, 42]]),
    }
    results = {name: products(parse("products", name, data)) for name, data in files.items()}
    expected = results["cat.csv"]
    assert expected["P2"].attributes == {"size": "42"} and expected["P2"].price == 59.5
    for name, parsed in results.items():
        assert parsed == expected, name


def test_rejected_rows_carry_merchant_visible_row_numbers() -> None:
    csv_result = parse("products", "cat.csv", "sku,title,price\n\nP1,A,1\nP2,B,oops\n")
    assert [(r.row, r.field) for r in csv_result.rejected] == [(4, "price")]
    jsonl_result = parse(
        "products", "cat.jsonl", '{"sku":"P1","title":"A","price":1}\n\n{"sku":"P2","title":"B","price":"x"}\n'
    )
    assert [(r.row, r.field) for r in jsonl_result.rejected] == [(3, "price")]
    json_result = parse("products", "cat.json", json.dumps([{"sku": "P1", "title": "A", "price": 1}, "not an object"]))
    assert [r.row for r in json_result.rejected] == [2]
    xlsx_result = parse("products", "cat.xlsx", xlsx([["sku", "title", "price"], ["P1", "A", 1], ["P2", "", 2]]))
    assert [(r.row, r.field) for r in xlsx_result.rejected] == [(3, "title")]
    assert [p.sku for p in xlsx_result.records if isinstance(p, Product)] == ["P1"] and xlsx_result.rows_total == 2
    assert (csv_result.record_rows, jsonl_result.record_rows, xlsx_result.record_rows) == ([3], [1], [2])


def test_every_problem_in_a_file_is_reported_at_once() -> None:
    result = parse(
        "products", "cat.csv", "sku,title,price,stock,url\nP1,A,1,-2,\nP2,B,2,,ftp://x\nP3,C,3,many,\nP4,D,4,5,\n"
    )
    assert [(r.row, r.field) for r in result.rejected] == [(2, "stock"), (3, "url"), (4, "stock")]
    assert [p.sku for p in result.records if isinstance(p, Product)] == ["P4"] and not result.ok


def test_stock_and_availability_words() -> None:
    parsed = products(
        parse("products", "cat.csv", "sku,title,price,库存,in_stock\nA,a,1,有货,\nB,b,1,12件,\nC,c,1,,no\nD,d,1,0,\n")
    )
    assert [(parsed[s].stock, parsed[s].in_stock) for s in "ABCD"] == [
        (None, True),
        (12, True),
        (None, False),
        (0, False),
    ]


def test_own_merchant_column_is_accepted() -> None:
    assert (
        products(parse("products", "cat.csv", "sku,title,price,merchant_id\nP,T,1,shop\n"))["P"].merchant_id == "shop"
    )


def test_reviews_from_chinese_csv() -> None:
    data = (
        "商品编号,评分,评价内容,昵称,日期\nA1,5星,很好穿,张三,2026-05-01\nA1,★★,一般,,\nA2,6,太棒了,,\nA3,,没评分,,\n"
    )
    result = parse("reviews", "reviews.csv", data)
    reviews = [r for r in result.records if isinstance(r, Review)]
    # A review without stars is kept (many real sources have none); an impossible rating is not.
    assert [(r.sku, r.rating, r.author, r.date) for r in reviews] == [
        ("A1", 5, "张三", "2026-05-01"),
        ("A1", 2, None, None),
        ("A3", None, None, None),
    ]
    assert len({r.review_id for r in reviews}) == 3
    assert [(r.row, r.field) for r in result.rejected] == [(4, "rating")]


def test_reviews_without_a_rating_column_are_accepted() -> None:
    result = parse("reviews", "reviews.jsonl", '{"sku": "A1", "text": "很软"}\n')
    assert result.ok and [r.rating for r in result.records if isinstance(r, Review)] == [None]


def test_a_product_without_a_price_is_accepted_with_a_warning() -> None:
    data = '{"sku":"P1","title":"A","price":1}\n{"sku":"P2","title":"B"}\n{"sku":"P3","title":"C","price":""}\n'
    result = parse("products", "cat.jsonl", data)
    assert result.ok
    assert {sku: p.price for sku, p in products(result).items()} == {"P1": 1.0, "P2": None, "P3": None}
    assert [(w.row, w.field, w.kind) for w in result.warnings] == [(2, "price", "no_price"), (3, "price", "no_price")]
    assert "price unknown" in result.warnings[0].detail


def test_review_ids_are_stable_and_duplicates_rejected() -> None:
    data = "sku,rating,text\nA1,4,Good\nA1,4,Good\n"
    first, second = parse("reviews", "r.csv", data), parse("reviews", "r.csv", data)
    assert [r.review_id for r in first.records if isinstance(r, Review)] == [
        r.review_id for r in second.records if isinstance(r, Review)
    ]
    assert [r.row for r in first.rejected] == [3] and "already appears in row 2" in first.rejected[0].reason


def test_policies_markdown_split_on_headings() -> None:
    text = "Welcome to the shop.\n\n# Shipping\nFree over ¥99.\n\n## Returns\n- 7 days, no reason needed\n【保修】\n一年保修。\n一、发票\n可开电子发票。\n"
    result = parse("policies", "policies.md", text)
    assert [(p.title, p.text) for p in result.records if isinstance(p, Policy)] == [
        ("policies", "Welcome to the shop."),
        ("Shipping", "Free over ¥99."),
        ("Returns", "- 7 days, no reason needed"),
        ("保修", "一年保修。"),
        ("发票", "可开电子发票。"),
    ]
    assert result.rows_total == 5 and len({p.policy_id for p in policies(result)}) == 5
    assert result.record_rows == [1, 3, 6, 8, 10]  # the heading's line


def test_long_policy_sections_split_into_passages() -> None:
    paragraphs = "\n\n".join(f"Paragraph {i}. " + "word " * 100 for i in range(6))
    passages = policies(parse("policies", "faq.txt", "# Warranty\n" + paragraphs))
    assert len(passages) > 1 and all(len(p.text) <= 1300 for p in passages)
    assert passages[1].title == "Warranty (2)"


def test_policies_from_question_answer_rows() -> None:
    result = parse(
        "policies",
        "faq.json",
        json.dumps({"faq": [{"问题": "多久发货？", "答案": "24小时内"}, {"问题": "退货？", "答案": ""}]}),
    )
    assert [(p.title, p.text) for p in policies(result)] == [("多久发货?", "24小时内")]
    assert [(r.row, r.field) for r in result.rejected] == [(2, "text")]


def test_markdown_is_only_for_policies() -> None:
    assert "can only hold policies" in parse("products", "cat.md", "# Jackets").errors[0]


@pytest.mark.parametrize("bad", BAD_FILES, ids=[b.name for b in BAD_FILES])
def test_bad_files_get_clear_errors(bad: BadFile) -> None:
    result = parse("products", bad.filename, bad.data)
    assert not result.ok
    if bad.row is None:
        assert len(result.errors) == 1 and not result.records
        message = result.errors[0]
    else:
        assert not result.errors
        rejected = {r.row: r for r in result.rejected}
        assert bad.row in rejected, result.rejected
        message = str(rejected[bad.row])
    for fragment in bad.expect:
        assert fragment in message


def test_good_corpus_file_is_clean() -> None:
    assert set(products(parse("products", "good.csv", GOOD_CSV))) == {"P1", "P2"}


@pytest.mark.parametrize(
    "text",
    [
        "-5 °C rated",
        "+86 138 0000 0000",
        "-2+3+cmd",
        "+cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil","click")',
        "@Home Cotton Towel",
        "- 7天无理由退货(不影响二次销售)",
    ],
)
def test_formula_like_cells_are_accepted_as_text(text: str) -> None:
    """Spreadsheet formulas are only dangerous when a spreadsheet opens the file: exports neutralise them
    (tests/retrieval/test_roundtrip.py), imports keep what the merchant wrote."""
    rows = [{"sku": "P", "title": text, "price": 1, "note": text}]
    for name, data in (
        ("cat.json", json.dumps(rows)),
        (
            "cat.csv",
            "sku,title,price,note\n"
            + f'P,"{text.replace(chr(34), chr(34) * 2)}",1,"{text.replace(chr(34), chr(34) * 2)}"\n',
        ),
        ("cat.xlsx", xlsx([["sku", "title", "price", "note"], ["P", text, 1, text]])),
    ):
        product = products(parse("products", name, data))["P"]
        assert (product.title, product.attributes["note"]) == (text, text), name


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def test_a_long_field_is_cut_with_a_warning_not_refused() -> None:
    """Python's csv module refuses fields over 131,072 characters; a long description must not fail the file."""
    description = "Soft cotton. " * 20_000  # 260,000 characters
    data = f"sku,title,price,description\nP1,Towel,9,{description}\nP2,Mat,5,short\n"
    result = parse_catalog_file(
        "products", "cat.csv", data.encode(), "shop", max_bytes=10**7, max_rows=10, max_field_chars=500
    )
    found = products(result)
    assert len(found["P1"].description) == 500 and found["P1"].description.endswith("Sof...")
    assert found["P2"].description == "short"
    assert [(w.row, w.field, w.kind) for w in result.warnings] == [(2, "description", "truncated")]
    assert "259,999 characters cut to 500" in result.warnings[0].detail  # the trailing space is cleaned away


def test_a_price_and_stock_sheet_is_read_as_patches() -> None:
    result = parse("products", "prices.csv", "货号,售价,库存\nP1,$12.50,\nP2,,0\nP3,无货,\n")
    assert result.shape == "patches" and not result.records
    assert [(p.sku, p.fields) for p in result.patches] == [
        ("P1", {"price": 12.5, "currency": "USD"}),
        ("P2", {"stock": 0, "in_stock": False}),
    ]
    assert [(r.row, r.field) for r in result.rejected] == [(4, "price")]
