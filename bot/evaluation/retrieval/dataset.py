"""A judged retrieval dataset on disk: the shop's catalog, its judged queries and the grades.

Layout (docs/EVALUATION.md and datasets/README.md): `products.jsonl` (required), `reviews.jsonl` and
`policies.md` (optional), `queries.jsonl`, `qrels.tsv` (`query_id<TAB>sku<TAB>grade`, 0-3) and an optional
`dataset.json` (`{"name", "language", "currency", "rates"}`); a `train/` folder may add `queries.jsonl` and
`qrels.tsv` of split `train` (written apart from dev and test). A query line may carry its `type`, `split`,
gold `constraints` and `answerable`; lines without them (the demo set) read as plain, split-less queries
whose answerability follows from their grades. `load_dataset` cross-checks everything and names the file
and line of any mistake.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from retrieval.models import DocumentKind

PRODUCTS_FILE = "products.jsonl"
REVIEWS_FILE = "reviews.jsonl"
POLICIES_FILE = "policies.md"
QUERIES_FILE = "queries.jsonl"
QRELS_FILE = "qrels.tsv"
META_FILE = "dataset.json"
TRAIN_DIR = "train"  # train/queries.jsonl + train/qrels.tsv: the train split, kept apart from dev and test

QueryType = Literal["plain", "attribute", "constraint", "review", "cross_lingual", "not_carried"]
Split = Literal["train", "dev", "test"]
SplitChoice = Literal["train", "dev", "test", "all"]


class DatasetError(ValueError):
    """The dataset directory is incomplete or malformed; the message names the file and line."""


class GoldConstraints(BaseModel):
    """What the query states, written with the judgments: a shown product that breaks one is a violation."""

    price_min: float | None = None
    price_max: float | None = None
    currency: str | None = Field(None, description="The currency the customer stated; None = the shop's own.")
    in_stock: bool = False
    brands: list[str] = Field(default_factory=list, description="Only these; each 'A/B' lists one brand's names.")
    exclude_brands: list[str] = Field(default_factory=list)

    @property
    def stated(self) -> bool:
        return bool(
            self.price_min is not None
            or self.price_max is not None
            or self.in_stock
            or self.brands
            or self.exclude_brands
        )


class EvalQuery(BaseModel):
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    lang: Literal["zh", "en"]
    type: QueryType = "plain"
    split: Split | None = Field(None, description="None: the set has no splits (the demo, written with the code).")
    constraints: GoldConstraints = Field(default_factory=GoldConstraints)
    answerable: bool | None = Field(None, description="None: decided by whether the query has a relevant grade.")
    why_not: Literal["not_carried", "constraint"] | None = None

    @model_validator(mode="after")
    def _not_carried_is_unanswerable(self) -> EvalQuery:
        if self.type == "not_carried" and self.answerable:
            raise ValueError("a not_carried query cannot be answerable")
        return self


class DatasetMeta(BaseModel):
    """`dataset.json`: the shop's base currency and the rates it is evaluated with."""

    name: str = ""
    language: Literal["zh", "en"] | None = None
    currency: str | None = None
    rates: dict[str, float] = Field(
        default_factory=dict, description="Units of `currency` that one unit of each other currency is worth."
    )

    def currency_rates(self) -> dict[str, float] | None:
        """The rates in the form `RetrievalConfig.currency_rates` takes (value in a common unit), or None."""
        if self.currency is None:
            return None
        return {self.currency.upper(): 1.0, **{code.upper(): rate for code, rate in self.rates.items()}}


class Dataset(BaseModel):
    """A loaded dataset: catalog files as bytes, queries, and grades per query (`qrels[query_id][sku] = grade`)."""

    name: str
    meta: DatasetMeta
    files: dict[DocumentKind, tuple[str, bytes]] = Field(description="kind -> (file name, bytes), products first.")
    queries: list[EvalQuery]
    qrels: dict[str, dict[str, int]]

    def relevant(self, query_id: str) -> dict[str, int]:
        return {sku: grade for sku, grade in self.qrels.get(query_id, {}).items() if grade > 0}

    def answerable(self, query: EvalQuery) -> bool:
        return query.answerable if query.answerable is not None else bool(self.relevant(query.id))

    def selected(self, split: SplitChoice) -> list[EvalQuery]:
        """The queries of `split` ('all': every query; a set without splits has only 'all')."""
        return [q for q in self.queries if split == "all" or q.split == split]


def load_dataset(directory: Path) -> Dataset:
    """Read and cross-check the files (every qrels query and SKU must exist; unanswerable queries have no grade)."""
    required = [directory / name for name in (PRODUCTS_FILE, QUERIES_FILE, QRELS_FILE)]
    missing = [path.name for path in required if not path.is_file()]
    if missing:
        raise DatasetError(
            f"{directory}: missing {', '.join(missing)} (layout: docs/EVALUATION.md; a datasets/<name>/ folder "
            "is filled by its prepare.py)"
        )
    files: dict[DocumentKind, tuple[str, bytes]] = {}
    names: tuple[tuple[DocumentKind, str], ...] = (
        ("products", PRODUCTS_FILE),
        ("reviews", REVIEWS_FILE),
        ("policies", POLICIES_FILE),
    )
    for kind, name in names:
        if (directory / name).is_file():
            files[kind] = (name, (directory / name).read_bytes())
    meta = _read_meta(directory / META_FILE)
    skus = _skus(files["products"][1])
    queries, qrels = _read_judged(directory, QUERIES_FILE, QRELS_FILE, skus)
    if misplaced := [q.id for q in queries if q.split == "train"]:
        raise DatasetError(
            f"{QUERIES_FILE}: {', '.join(misplaced[:5])} have split 'train': training queries belong in "
            f"{TRAIN_DIR}/{QUERIES_FILE}, apart from dev and test"
        )
    if (directory / TRAIN_DIR / QUERIES_FILE).is_file():
        train_queries = f"{TRAIN_DIR}/{QUERIES_FILE}"
        more, more_qrels = _read_judged(directory, train_queries, f"{TRAIN_DIR}/{QRELS_FILE}", skus)
        wrong = [q.id for q in more if q.split != "train"]
        if wrong:
            raise DatasetError(f"{train_queries}: every query must have split 'train'; not: {', '.join(wrong[:5])}")
        queries, qrels = queries + more, qrels | more_qrels
    _unique([q.id for q in queries], f"{QUERIES_FILE} and {TRAIN_DIR}/{QUERIES_FILE}")
    return Dataset(name=meta.name or directory.name, meta=meta, files=files, queries=queries, qrels=qrels)


def _read_judged(
    directory: Path, queries_name: str, qrels_name: str, skus: set[str]
) -> tuple[list[EvalQuery], dict[str, dict[str, int]]]:
    """One queries file and its grades, cross-checked (`queries_name` and `qrels_name` relative to `directory`)."""
    if not (directory / qrels_name).is_file():
        raise DatasetError(f"{directory}: {queries_name} has no {qrels_name} beside it")
    queries = list(_read_queries(directory / queries_name, queries_name))
    _unique([q.id for q in queries], queries_name)
    qrels = _read_qrels(directory / qrels_name, qrels_name, queries_name, {q.id for q in queries}, skus)
    for query in queries:
        if query.answerable is False and any(grade > 0 for grade in qrels.get(query.id, {}).values()):
            raise DatasetError(f"{queries_name}: query {query.id!r} is marked unanswerable but has relevant grades")
    return queries, qrels


def _unique(ids: list[str], where: str) -> None:
    if len(set(ids)) != len(ids):
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        raise DatasetError(f"{where}: query ids must be unique; repeated: {', '.join(duplicated)}")


def _read_meta(path: Path) -> DatasetMeta:
    if not path.is_file():
        return DatasetMeta()
    try:
        return DatasetMeta.model_validate_json(path.read_text(encoding="utf-8-sig"))
    except ValidationError as exc:
        raise DatasetError(f"{META_FILE}: {exc.errors()[0]['msg']}") from None


def _read_queries(path: Path, name: str) -> Iterable[EvalQuery]:
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield EvalQuery.model_validate_json(line)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise DatasetError(
                f'{name} line {number}: {where + ": " if where else ""}{error["msg"]} (expected {{"id", "text", '
                '"lang": "zh"|"en", optional "type", "split", "constraints", "answerable"}})'
            ) from None


def _skus(products: bytes) -> set[str]:
    skus = set()
    for line in products.decode("utf-8-sig").splitlines():
        if line.strip():
            try:
                skus.add(str(json.loads(line)["sku"]).strip())
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # the catalog parser reports these rows when the dataset is ingested
    return skus


def _read_qrels(
    path: Path, name: str, queries_name: str, query_ids: set[str], skus: set[str]
) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line.startswith("query_id"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not fields[2].strip().isdigit() or not 0 <= int(fields[2]) <= 3:
            raise DatasetError(f"{name} line {number}: expected query_id<TAB>sku<TAB>grade (0-3), got {line!r}")
        query_id, sku, grade = fields[0].strip(), fields[1].strip(), int(fields[2])
        if query_id not in query_ids:
            raise DatasetError(f"{name} line {number}: query {query_id!r} is not in {queries_name}")
        if sku not in skus:
            raise DatasetError(f"{name} line {number}: SKU {sku!r} is not in {PRODUCTS_FILE}")
        qrels.setdefault(query_id, {})[sku] = grade
    return qrels
