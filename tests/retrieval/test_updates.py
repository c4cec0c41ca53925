"""Update modes on a real index: what upsert, replace, delete-by-file and price/stock sheets change, that every
report's rows add up, that the valid rows of a file apply all or none, and that reviews go with their products."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.catalog import ParsedFile, parse_catalog_file, parse_deletion_file
from retrieval.config import RetrievalConfig
from retrieval.index import CatalogError, CatalogIndex, UploadReport
from retrieval.models import Product
from retrieval.records import Record
from retrieval.updates import UpdateMode, plan_upload
from tests.retrieval.conftest import PRODUCTS, REVIEWS, SHOP, jsonl, load_shop


@pytest.fixture
async def index(embedder, tmp_path):
    index = await CatalogIndex.open(tmp_path, RetrievalConfig(), embedder=embedder)
    await load_shop(index)
    yield index
    await index.close()


def rows_add_up(report: UploadReport) -> bool:
    counted = report.added + report.updated + report.unchanged + report.deleted + report.missing
    return report.rows == report.rejected_rows + counted == report.rejected_rows + report.valid_rows


async def test_upsert_adds_and_updates_and_touches_nothing_else(index) -> None:
    shop = await index.merchant(SHOP)
    partial = jsonl([{**PRODUCTS[0], "price": 799}, {"sku": "NEW-1", "title": "Camping Lantern", "price": 89}])
    report = await shop.ingest("products", "new.jsonl", partial)
    assert (report.added, report.updated, report.unchanged, report.removed, report.version) == (1, 1, 0, 0, 4)
    assert rows_add_up(report)
    stats = await shop.stats()
    assert (stats.products, stats.reviews) == (len(PRODUCTS) + 1, len(REVIEWS))
    assert (await shop.product("JKT-RED")).price == 799


async def test_replace_removes_the_rest_with_their_reviews_but_keeps_rejected_rows(index) -> None:
    shop = await index.merchant(SHOP)
    kept = [p for p in PRODUCTS if p["sku"] not in ("JKT-RED", "PAN-1", "SHOE-RUN")]
    broken = {"sku": "SHOE-RUN", "title": "Runner", "price": "free"}  # named, but rejected: stays as it is
    report = await shop.validate("products", "all.jsonl", jsonl([*kept, broken]), "replace")
    assert (report.unchanged, report.removed, report.kept, report.reviews_removed) == (len(kept), 2, 1, 4)
    assert rows_add_up(report) and report.rejected_rows == 1
    with pytest.raises(CatalogError, match="1 rejected row"):
        await shop.apply(report)
    await shop.apply(report, valid_rows=True)
    assert await shop.product("JKT-RED") is None and await shop.product("SHOE-RUN") is not None
    assert await shop.reviews("JKT-RED") == [] and len(await shop.reviews("SHOE-RUN")) == 1
    assert (await shop.stats()).reviews == 1


async def test_delete_by_file_lists_what_is_not_there(index) -> None:
    shop = await index.merchant(SHOP)
    report = await shop.ingest("products", "gone.csv", b"sku,title\nJKT-RED,whatever\nGHOST,\n\n", mode="delete")
    assert (report.deleted, report.missing, report.reviews_removed, report.version) == (1, 1, 3, 4)
    assert [(w.row, w.kind) for w in report.warnings] == [(3, "not_in_catalog")] and rows_add_up(report)
    version = (await shop.versions())[-1]
    assert version.counts == {"products": len(PRODUCTS) - 1, "reviews": len(REVIEWS) - 3, "policies": 4}

    by_product = await shop.ingest("reviews", "r.csv", b"sku\nSHOE-RUN\n", mode="delete")
    assert (by_product.deleted, by_product.reviews_removed) == (1, 1)
    by_id = await shop.ingest("reviews", "r.csv", b"review_id\nr5\nr5\n", mode="delete")
    assert (by_id.deleted, by_id.rejected_rows, by_id.version) == (1, 1, None)  # a repeated id: nothing applied
    policies = await shop.ingest("policies", "p.csv", b"title\nReturns\n", mode="delete")
    assert policies.deleted == 1 and len(await shop.policies()) == 3


async def test_a_price_and_stock_sheet_changes_only_those_fields(index) -> None:
    shop = await index.merchant(SHOP)
    before = await shop.product("EAR-1")
    sheet = "sku,price,stock\nEAR-1,1799,0\nPAN-2,159,\nNOPE,5,1\n"
    report = await shop.validate("products", "prices.csv", sheet.encode())
    assert (report.updated, report.unchanged, report.rejected_rows) == (1, 1, 1) and rows_add_up(report)
    assert "price/stock sheet only changes existing products" in report.rejected[0].reason
    await shop.apply(report, valid_rows=True)
    after = await shop.product("EAR-1")
    assert (after.price, after.stock, after.in_stock) == (1799, 0, False)
    assert after.model_dump(exclude={"price", "stock", "in_stock"}) == before.model_dump(
        exclude={"price", "stock", "in_stock"}
    )
    refused = await shop.validate("products", "prices.csv", sheet.encode(), "replace")
    assert refused.errors and "cannot replace the catalog" in refused.errors[0]


async def test_deleting_one_product_takes_its_reviews_in_the_same_version(index) -> None:
    shop = await index.merchant(SHOP)
    version = await shop.delete_product("JKT-RED")
    assert version.counts["reviews"] == len(REVIEWS) - 3 and "3 review(s)" in version.note
    exported = await shop.export("reviews")
    assert (await shop.validate("reviews", "reviews.csv", exported)).changes == 0  # no orphan left behind
    await shop.rollback()
    assert len(await shop.reviews("JKT-RED")) == 3


async def test_a_file_that_changes_nothing_is_not_applied(index) -> None:
    shop = await index.merchant(SHOP)
    report = await shop.ingest("products", "same.jsonl", jsonl(PRODUCTS[:2]))
    assert (report.unchanged, report.changes, report.version) == (2, 0, None)
    with pytest.raises(CatalogError, match="changes nothing"):
        await shop.apply(report)


# --- the counts add up for any file, in any mode ------------------------------------------------

_SKUS = ["A", "B", "C", "D"]
_row = st.fixed_dictionaries(
    {"sku": st.sampled_from([*_SKUS, ""]), "title": st.sampled_from(["T", ""]), "price": st.sampled_from([1, 2, "x"])}
)


@given(
    current=st.lists(st.sampled_from(_SKUS), unique=True),
    rows=st.lists(_row, min_size=1, max_size=8),
    mode=st.sampled_from(["upsert", "replace", "delete"]),
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_row_lands_in_exactly_one_count(current: list[str], rows: list[dict], mode: UpdateMode) -> None:
    products: list[Record] = [Product(merchant_id="m", sku=sku, title="T", price=1) for sku in current]
    parse = parse_deletion_file if mode == "delete" else parse_catalog_file
    parsed: ParsedFile = parse("products", "f.jsonl", jsonl(rows), "m", max_bytes=10**6, max_rows=100)
    plan = plan_upload({"products": products, "reviews": [], "policies": []}, parsed, "products", mode)
    report = UploadReport(
        merchant_id="m",
        kind="products",
        filename="f.jsonl",
        mode=mode,
        parsed=parsed,
        rejected=[*parsed.rejected, *plan.rejected],
        base_version=1,
        **plan.counts,
    )
    assert rows_add_up(report)
    after = {p.sku for p in plan.records.get("products", products) if isinstance(p, Product)}
    assert len(after) == len(current) + report.added - report.deleted - report.removed
