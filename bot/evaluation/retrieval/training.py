"""Training the learned ranker (`shopguide eval train-ranker`) and measuring it leave-one-catalog-out.

Examples come from the judged queries of several catalogs (the dev split of each real dataset, every query of
a set without splits, such as the demo): each query is parsed as the assistant parses it, and every candidate
hybrid search considers within its hard filters becomes one row of features (`Shop.describe`) with its grade.
The model is linear on standardised features: its weights come from a pairwise logistic loss (RankNet: of two
candidates of one query, the more relevant should score higher, weighted by the gain between their grades). The
answer model is a logistic regression of "the query has an answer" on the best-ranked candidate's catalog-
independent features (`retrieval.ranker.GATE_FEATURES`); both are fitted by full-batch gradient descent in
numpy. The floor (below which the best candidate does not answer the query: "not carried") is the highest
threshold that keeps false "not carried" on answerable training queries at or under `MAX_FALSE_NOT_CARRIED`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel

from bot.evaluation.retrieval.dataset import Dataset, SplitChoice
from retrieval.features import FEATURES
from retrieval.index import Shop
from retrieval.query import parse_query
from retrieval.ranker import LinearRanker

MAX_FALSE_NOT_CARRIED = 0.03
# Strong shrinkage (a few hundred judged queries from three shops), chosen leave-one-catalog-out on dev splits;
# the penalty is l2 * |w|^2 / 2 against a loss whose example weights sum to one.
L2 = 2.0
GATE_L2 = 0.04
STEPS = 600
LEARNING_RATE = 0.05


@dataclass
class QueryExamples:
    """One judged query's candidates: features, grades (0-3), and whether the query has an answer at all."""

    catalog: str
    query_id: str
    features: np.ndarray
    grades: np.ndarray
    answerable: bool


def training_split(dataset: Dataset) -> SplitChoice:
    """The queries a dataset lends to training: its dev split, or all of a set that has no splits."""
    return "dev" if any(q.split for q in dataset.queries) else "all"


async def collect(shop: Shop, dataset: Dataset, split: SplitChoice) -> list[QueryExamples]:
    """The candidates of every `split` query of `dataset` (already ingested into `shop`), with their grades."""
    vocabulary = await shop.vocabulary()
    examples = []
    for query in dataset.selected(split):
        parsed = parse_query(query.text, vocabulary)
        products, features = await shop.describe(parsed.text, parsed.filters)
        grades = dataset.qrels.get(query.id, {})
        examples.append(
            QueryExamples(
                catalog=dataset.name,
                query_id=query.id,
                features=features,
                grades=np.array([grades.get(p.sku, 0) for p in products], dtype=np.float64),
                answerable=dataset.answerable(query),
            )
        )
    return examples


def fit(examples: Sequence[QueryExamples], note: str = "") -> LinearRanker:
    """A ranker fitted to `examples` (each catalog weighted equally): pairwise logistic weights (a more relevant
    candidate of a query should score higher), then Platt scaling of the score into a probability of relevance,
    then the not-carried floor."""
    rows = [e for e in examples if len(e.grades)]
    x = np.vstack([e.features for e in rows])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    catalogs = {e.catalog for e in rows}
    queries_of = {name: sum(e.catalog == name for e in rows) for name in catalogs}
    pairs_z, pairs_w = [], []
    for e in rows:
        z = (e.features - mean) / scale
        better, worse = np.nonzero(e.grades[:, None] > e.grades[None, :])
        if len(better):
            pairs_z.append(z[better] - z[worse])
            gain = (2 ** e.grades[better] - 2 ** e.grades[worse]) / len(better)
            pairs_w.append(gain / queries_of[e.catalog])
    weights = _descend(np.vstack(pairs_z), np.ones(sum(len(p) for p in pairs_z)), np.concatenate(pairs_w), L2)[0]
    ranker = LinearRanker(
        features=list(FEATURES),
        mean=mean.tolist(),
        scale=scale.tolist(),
        weights=weights.tolist(),
        gate_mean=[],
        gate_scale=[],
        gate_weights=[],
        gate_bias=0.0,
        floor=0.0,
        trained_on=queries_of,
        note=note,
    )
    _fit_gate(ranker, examples)
    ranker.floor = choose_floor(examples, ranker)
    return ranker.check()


def _fit_gate(ranker: LinearRanker, examples: Sequence[QueryExamples]) -> None:
    """The answer model: logistic regression of "the query has an answer" on the best-ranked candidate's
    catalog-independent features (a query without candidates has none), each catalog weighted equally."""
    columns = [FEATURES.index(name) for name in ranker.gate_features]
    x = np.array(
        [
            e.features[int(np.argmax(ranker.logits(e.features))), columns] if len(e.grades) else np.zeros(len(columns))
            for e in examples
        ]
    )
    y = np.array([float(e.answerable) for e in examples])
    per_catalog = {name: sum(e.catalog == name for e in examples) for name in {e.catalog for e in examples}}
    weight = np.array([1.0 / per_catalog[e.catalog] for e in examples])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    ranker.gate_mean, ranker.gate_scale = mean.tolist(), scale.tolist()
    w, b = _descend((x - mean) / scale, y, weight, GATE_L2, bias=True)
    ranker.gate_weights, ranker.gate_bias = w.tolist(), float(b)


def _descend(
    z: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float, *, bias: bool = False
) -> tuple[np.ndarray, float]:
    """Weighted logistic regression (cross-entropy against targets `y` in [0, 1], L2 on the weights) by Adam on
    the full batch: tens of thousands of rows, well under a few seconds."""
    w, b = np.zeros(z.shape[1]), 0.0
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), 0.0, 0.0
    weight = weight / weight.sum()
    for step in range(1, STEPS + 1):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        error = weight * (p - y)
        grad_w = z.T @ error + l2 * w
        grad_b = float(error.sum()) if bias else 0.0
        m_w = 0.9 * m_w + 0.1 * grad_w
        v_w = 0.999 * v_w + 0.001 * grad_w**2
        m_b = 0.9 * m_b + 0.1 * grad_b
        v_b = 0.999 * v_b + 0.001 * grad_b**2
        first, second = 1 - 0.9**step, 1 - 0.999**step
        w -= LEARNING_RATE * (m_w / first) / (np.sqrt(v_w / second) + 1e-8)
        b -= LEARNING_RATE * (m_b / first) / (np.sqrt(v_b / second) + 1e-8)
    return w, b


def choose_floor(examples: Sequence[QueryExamples], ranker: LinearRanker) -> float:
    """The highest threshold on the best candidate's probability whose false "not carried" rate on the
    answerable queries stays within `MAX_FALSE_NOT_CARRIED` (so it catches as many unanswerable ones as it can)."""
    best = [(float(ranker.probability(e.features).max()) if len(e.grades) else 0.0, e.answerable) for e in examples]
    answerable = sorted(p for p, ok in best if ok)
    if not answerable:
        return 0.0
    allowed = int(MAX_FALSE_NOT_CARRIED * len(answerable))
    # Below the (allowed+1)-th lowest answerable score, at most `allowed` answerable queries fall.
    return max(0.0, answerable[allowed] - 1e-6)


class HeldOut(BaseModel):
    """One catalog measured by a ranker trained without it: the learned order against the untrained fusion."""

    catalog: str
    split: str
    queries: int
    learned_ndcg: float | None
    fusion_ndcg: float | None
    not_carried_recall: float | None
    false_not_carried_rate: float | None

    @property
    def learned_wins(self) -> bool:
        return (self.learned_ndcg or 0.0) > (self.fusion_ndcg or 0.0)


class TrainingReport(BaseModel):
    held_out: list[HeldOut]
    ranker: LinearRanker
    written_to: str

    @property
    def learned_beats_fusion_everywhere(self) -> bool:
        return all(h.learned_wins for h in self.held_out)
