"""Training data for the learned ranker (`shopguide eval train-ranker`) and the report of its leave-one-catalog-out
measurement.

Training takes the `train` and `dev` splits of each real dataset (every query of a set without splits, such as
the demo), never `test`. A leakage guard drops any `train` query whose normalised text (NFKC, case folded, without
spaces or punctuation) equals a `test` query's in any of the datasets, and the report counts the drops. Each query
is read as the assistant reads a customer's first message (`understand`); every candidate hybrid search considers
for it within its hard constraints (`Shop.describe`) becomes one row of features with its grade and whether it
answers the query: judged relevant (grade >= 1) and within the query's stated (gold) limits, by the evaluator's
own rules. Fitting is `fitting.py`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
from pydantic import BaseModel, Field

from bot.core.dialog import DialogState
from bot.core.intent_model import message_vector
from bot.core.lookups import search_query
from bot.core.understand import understand
from bot.evaluation.retrieval.dataset import Dataset, EvalQuery, SplitChoice
from bot.evaluation.retrieval.fitting import QueryExamples
from bot.evaluation.retrieval.metrics import ConstraintChecker
from retrieval.index import Shop
from retrieval.ranker import LinearRanker

TRAINING_SPLITS = ("train", "dev")
_NOT_TEXT = re.compile(r"[\W_]+")


def normalised(text: str) -> str:
    """What two queries must share to count as the same query: NFKC, case folded, no spaces or punctuation."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text).casefold())


def tested_texts(datasets: Iterable[Dataset]) -> set[str]:
    """The normalised texts of every `test` query of `datasets`."""
    return {normalised(q.text) for data in datasets for q in data.queries if q.split == "test"}


def training_queries(dataset: Dataset, tests: set[str]) -> tuple[list[EvalQuery], list[str]]:
    """The queries `dataset` lends to training (its train and dev splits, or all of a set without splits), and
    the ids of the `train` queries dropped because their normalised text is a test query's (`tests`)."""
    if not any(q.split for q in dataset.queries):
        return list(dataset.queries), []
    kept, dropped = [], []
    for query in dataset.queries:
        if query.split == "train" and normalised(query.text) in tests:
            dropped.append(query.id)
        elif query.split in TRAINING_SPLITS:
            kept.append(query)
    return kept, dropped


def evaluation_split(dataset: Dataset) -> SplitChoice:
    """The split a held-out catalog is measured on: dev, or all of a set without splits."""
    return "dev" if any(q.split for q in dataset.queries) else "all"


async def collect(shop: Shop, dataset: Dataset, queries: Sequence[EvalQuery]) -> list[QueryExamples]:
    """The candidates of each of `queries` (its dataset already ingested into `shop`), with their judgments."""
    vocabulary = await shop.vocabulary()
    products = await shop.products()
    checker = ConstraintChecker(
        products, dataset.meta.currency or (await shop.stats()).currency or "CNY", shop.currency_rates
    )
    examples = []
    for query in queries:
        vector = await message_vector(query.text, shop.embedder)
        asked = understand(query.text, DialogState(language=query.lang), [], vocabulary, vector=vector)
        found, features = await shop.describe(search_query(asked.constraints, asked.topic), asked.constraints.filters())
        grades = dataset.qrels.get(query.id, {})
        examples.append(
            QueryExamples(
                catalog=dataset.name,
                query_id=query.id,
                features=features,
                grades=np.array([grades.get(p.sku, 0) for p in found], dtype=np.float64),
                answers=np.array(
                    [grades.get(p.sku, 0) >= 1 and checker.meets(p.sku, query.constraints) for p in found], dtype=bool
                ),
                answerable=dataset.answerable(query),
            )
        )
    return examples


class HeldOut(BaseModel):
    """One catalog measured by a ranker trained without it: the learned order against the untrained fusion, and
    the assistant's "nothing matches" answers."""

    catalog: str
    split: str
    queries: int
    learned_ndcg: float | None
    fusion_ndcg: float | None
    assistant_ndcg: float | None
    not_carried_recall: float | None
    false_not_carried_rate: float | None
    violation_rate: float | None

    @property
    def learned_wins(self) -> bool:
        return (self.learned_ndcg or 0.0) > (self.fusion_ndcg or 0.0)


class TrainingReport(BaseModel):
    held_out: list[HeldOut]
    ranker: LinearRanker
    written_to: str
    trained_queries: dict[str, int] = Field(description="Catalog -> queries trained on (train + dev, or all).")
    dropped: dict[str, list[str]] = Field(description="Catalog -> train queries dropped as copies of test queries.")

    @property
    def learned_beats_fusion_everywhere(self) -> bool:
        return all(h.learned_wins for h in self.held_out)
