#!/usr/bin/env python3
"""Build products.jsonl and reviews.jsonl of the amazon-uk-toys evaluation set from its upstream CSV.

Upstream: github.com/carlosicc/src-asistente-virtual-ecommerce, file
dataset/subset_productos_por_categoria_10_total_863_productos.csv at commit
cfef6a6dc7b10ae88a8fc365d0b417768d66a0f5: 863 Amazon UK (amazon.co.uk) toy listings, a subset of
PromptCloud's "Toy Products on Amazon" crawl (Kaggle, CC BY-SA 4.0). See SOURCE.md.

    python3 datasets/amazon-uk-toys/prepare.py                 # read the fetched snapshot via `git show`
    python3 datasets/amazon-uk-toys/prepare.py --source FILE   # read that CSV instead
    python3 datasets/amazon-uk-toys/prepare.py --git-dir DIR   # the snapshot's git directory elsewhere

Standard library only; the output is byte-for-byte the same for the same input.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GIT_DIR = "/work/.mirror/carlosicc+src-asistente-virtual-ecommerce/repo"
COMMIT = "cfef6a6dc7b10ae88a8fc365d0b417768d66a0f5"
PATH = "dataset/subset_productos_por_categoria_10_total_863_productos.csv"
CURRENCY = "GBP"

COLUMNS = (
    "product_id", "product_name", "manufacturer", "price", "number_available_in_stock", "number_of_reviews",
    "average_review_rating", "product_information", "product_description", "customer_reviews",
    "subcategory_1", "subcategory_2", "subcategory_3", "subcategory_4", "category",
)  # fmt: skip

# One review inside the customer_reviews cell: "title // 4.0 // 1 Aug. 2012 // By <name> on 1 Aug. 2012 // text",
# reviews joined by " | ". The upstream subset cut the whole cell at 600 characters, so the last review may end
# mid-sentence (kept as it is) or lack its header (then that fragment is dropped).
_REVIEW = re.compile(
    r"(?P<title>.*?) // (?P<rating>\d(?:\.\d)?) // (?P<date>[^/]*?) // (?P<author>.*?)\s+on (?P<on>[^/]*?) // (?P<text>.*)",
    re.S,
)
TRUNCATED_AT = 600
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_PRICE = re.compile(r"\d+(?:\.\d+)?")


def read_source(source: str | None, git_dir: str) -> str:
    if source:
        return Path(source).read_text(encoding="utf-8")
    try:
        out = subprocess.run(
            ["git", f"--git-dir={git_dir}", "show", f"{COMMIT}:{PATH}"], check=True, capture_output=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = exc.stderr.decode(errors="replace").strip() if isinstance(exc, subprocess.CalledProcessError) else str(exc)
        sys.exit(
            f"cannot read {COMMIT[:12]}:{PATH} from {git_dir} ({detail}).\n"
            "Fetch github:carlosicc/src-asistente-virtual-ecommerce first, or pass --source with the CSV."
        )
    return out.decode("utf-8")


def clean(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def price_of(cell: str) -> float | None:
    """The upstream cell is a bare number (the £ sign was stripped upstream) or empty; anything else: missing."""
    cell = clean(cell).lstrip("£").replace(",", "")
    return round(float(cell), 2) if _PRICE.fullmatch(cell) else None


def iso_date(text: str) -> str | None:
    match = re.fullmatch(r"(\d{1,2}) ([A-Za-z]+)\.? (\d{4})", clean(text))
    if not match or match.group(2)[:3].lower() not in _MONTHS:
        return clean(text) or None
    day, month, year = int(match.group(1)), _MONTHS[match.group(2)[:3].lower()], int(match.group(3))
    return f"{year:04d}-{month:02d}-{day:02d}"


def technical_details(info: str) -> str:
    """The 'Technical Details' part of product_information (weight, dimensions, recommended age, pieces ...)."""
    text = clean(info)
    text = text.split("Additional Information")[0]
    text = re.sub(r"^Technical Details\s*", "", text)
    return text.strip()


def asin_of(info: str) -> str | None:
    match = re.search(r"ASIN\s*([A-Z0-9]{10})\b", info)
    return match.group(1) if match else None


def product(row: dict[str, str]) -> dict:
    sku = clean(row["product_id"])
    item: dict = {"sku": sku, "title": clean(row["product_name"])}
    price = price_of(row["price"])
    if price is not None:
        item["price"] = price
    item["currency"] = CURRENCY
    item["description"] = clean(row["product_description"])
    levels = [clean(row[c]) for c in ("category", "subcategory_1", "subcategory_2", "subcategory_3", "subcategory_4")]
    levels = [level for level in levels if level]
    if levels and levels[0] != "others":  # "others" is the upstream notebook's fill for a missing category
        item["category"] = " > ".join(levels)
    brand = clean(row["manufacturer"])
    if brand:
        item["brand"] = brand
    stock = clean(row["number_available_in_stock"])
    if stock.isdigit():
        item["stock"] = int(stock)
    rating = clean(row["average_review_rating"])
    if re.fullmatch(r"\d(?:\.\d+)?", rating):
        item["rating"] = float(rating)
    attributes = {}
    details = technical_details(row["product_information"])
    if details:
        attributes["technical_details"] = details
    asin = asin_of(row["product_information"])
    if asin:
        attributes["asin"] = asin
    count = clean(row["number_of_reviews"]).replace(",", "")
    if count.isdigit():
        attributes["number_of_reviews"] = count
    if attributes:
        item["attributes"] = attributes
    return item


def split_reviews(cell: str) -> list[re.Match[str]]:
    """The reviews of one cell; a piece without a review header continues the previous review's text (a " | "
    inside a review), except a last piece of a cell cut at 600 characters, which is a cut-off header."""
    pieces = cell.split(" | ")
    texts: list[str] = []
    for number, piece in enumerate(pieces):
        if _REVIEW.fullmatch(piece):
            texts.append(piece)
        elif number == len(pieces) - 1 and len(cell) >= TRUNCATED_AT:
            continue
        elif texts:
            texts[-1] += " | " + piece
    return [match for match in (_REVIEW.fullmatch(text) for text in texts) if match]


def reviews(row: dict[str, str]) -> list[dict]:
    sku = clean(row["product_id"])
    found = []
    for number, match in enumerate(split_reviews(row["customer_reviews"]), start=1):
        title, body = clean(match.group("title")), clean(match.group("text"))
        if not body:
            continue
        stem = title[:-3].strip() if title.endswith("...") else title
        joint = "" if title[-1:] in ".!?" else "."
        text = body if not title or body.startswith(stem) else f"{title}{joint} {body}"
        rating = float(match.group("rating"))
        review = {"sku": sku, "review_id": f"{sku}-r{number}", "rating": int(round(rating)), "text": text}
        date = iso_date(match.group("date"))
        if date:
            review["date"] = date
        author = re.sub(r"^By\s+", "", clean(match.group("author")))  # "By <name>", or "A Kid's Review"
        if author:
            review["author"] = author
        found.append(review)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", help="the upstream CSV file (default: git show from the fetched snapshot)")
    parser.add_argument("--git-dir", default=GIT_DIR, help=f"the fetched snapshot's git directory (default {GIT_DIR})")
    parser.add_argument("--out", default=str(HERE), help="where to write products.jsonl and reviews.jsonl")
    args = parser.parse_args()

    rows = list(csv.DictReader(io.StringIO(read_source(args.source, args.git_dir))))
    if not rows or tuple(rows[0].keys()) != COLUMNS:
        sys.exit(f"unexpected columns: {list(rows[0].keys()) if rows else 'no rows'}; expected {list(COLUMNS)}")
    products, all_reviews, seen = [], [], set()
    for row in rows:
        item = product(row)
        if item["sku"] in seen:
            continue
        seen.add(item["sku"])
        products.append(item)
        all_reviews.extend(reviews(row))

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, records in (("products.jsonl", products), ("reviews.jsonl", all_reviews)):
        with open(out / name, "w", encoding="utf-8", newline="\n") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    priced = sum(1 for p in products if "price" in p)
    print(
        f"{len(products)} products ({priced} with a price, {len(products) - priced} without), "
        f"{len(all_reviews)} reviews -> {out}"
    )


if __name__ == "__main__":
    main()
