"""The one rule for catalog file names (retrieval/files.py): which suffixes are read, and which kind a name suggests."""

from __future__ import annotations

import pytest

from retrieval.files import CATALOG_SUFFIXES, guess_kind, is_catalog_file
from retrieval.tables import FileRejected, file_format


@pytest.mark.parametrize(
    ("filename", "kind"),
    [
        ("products.csv", "products"),
        ("export-2024.xlsx", "products"),
        ("price list.tsv", "products"),
        ("库存.csv", "products"),
        ("reviews.csv", "reviews"),
        ("product_reviews.jsonl", "reviews"),
        ("商品评价.xlsx", "reviews"),
        ("returns.csv", "policies"),
        ("Shipping-FAQ.json", "policies"),
        ("售后政策.csv", "policies"),
        ("notes.md", "policies"),
        ("reviews.markdown", "policies"),  # Markdown can only hold policies
        ("about us.txt", "policies"),
        ("products.txt", "products"),  # a tab-separated export
    ],
)
def test_the_kind_a_name_suggests(filename: str, kind: str) -> None:
    assert guess_kind(filename) == kind


@pytest.mark.parametrize("suffix", CATALOG_SUFFIXES)
def test_every_listed_suffix_is_one_the_parser_reads(suffix: str) -> None:
    assert is_catalog_file(f"catalog{suffix.upper()}")
    file_format(f"catalog{suffix}", text_default="tsv")  # raises FileRejected for a suffix it cannot read


@pytest.mark.parametrize("filename", ["catalog.xls", "picture.png", "catalog", "catalog.pdf"])
def test_other_files_are_not_catalog_files(filename: str) -> None:
    assert not is_catalog_file(filename)
    with pytest.raises(FileRejected):
        file_format(filename, text_default="tsv")
