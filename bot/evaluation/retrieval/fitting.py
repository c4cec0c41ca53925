"""Fitting the learned ranker (`retrieval.ranker.LinearRanker`) to judged candidates, in numpy.

- Ranking weights: a pairwise logistic loss (RankNet: of two candidates of one query, the more relevant should
  score higher, weighted by the gain between their grades), each catalog weighted equally, strongly shrunk.
- The answer model: a logistic regression of "this candidate answers the query" (it is judged relevant and meets
  the query's stated limits) on the candidate's catalog-independent answer features and its ranking score; every
  query weighs the same, and every catalog.
- The floor: the highest threshold on a query's best answer probability (among its first `DECISION_WINDOW`
  candidates) that keeps false "not carried" on the answerable queries at or under `MAX_FALSE_NOT_CARRIED`,
  measured **leave one catalog out** (each catalog scored by a model fitted on the others), so the threshold is
  the one that holds on a catalog the model has not seen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.features import FEATURES
from retrieval.ranker import ANSWER_FEATURES, LinearRanker

MAX_FALSE_NOT_CARRIED = 0.03
DECISION_WINDOW = 10  # the assistant decides "nothing matches" from its first hits (`bot.core.lookups`)
# Strong shrinkage (a few hundred judged queries from a few shops), chosen leave-one-catalog-out on dev splits;
# the penalty is l2 * |w|^2 / 2 against a loss whose example weights sum to one.
L2 = 2.0
ANSWER_L2 = 0.01
STEPS = 600
LEARNING_RATE = 0.05
MAX_PAIRS_PER_QUERY = 400  # a query's pairs beyond this are sampled (deterministically): the loss is per query


@dataclass
class QueryExamples:
    """One judged query's candidates: features, grades (0-3), whether each answers the query (relevant and within
    its stated limits), and whether the query has an answer at all."""

    catalog: str
    query_id: str
    features: np.ndarray
    grades: np.ndarray
    answers: np.ndarray
    answerable: bool


def fit(examples: Sequence[QueryExamples], note: str = "") -> LinearRanker:
    """A ranker fitted to `examples` whose floor is chosen leave one catalog out (in-sample with one catalog)."""
    ranker = fit_models(examples, note)
    catalogs = sorted({e.catalog for e in examples})
    if len(catalogs) < 2:
        ranker.floor = choose_floor(best_probabilities(ranker, examples))
        return ranker
    held_out: list[tuple[float, bool]] = []
    for catalog in catalogs:
        fold = fit_models([e for e in examples if e.catalog != catalog])
        held_out += best_probabilities(fold, [e for e in examples if e.catalog == catalog])
    ranker.floor = choose_floor(held_out)
    return ranker


def fit_models(examples: Sequence[QueryExamples], note: str = "") -> LinearRanker:
    """The ranking weights and the answer model fitted to `examples` (floor 0: see `fit`)."""
    rows = [e for e in examples if len(e.grades)]
    x = np.vstack([e.features for e in rows])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    queries_of = Counter(e.catalog for e in rows)
    rng = np.random.default_rng(0)
    pairs_z, pairs_w = [], []
    for e in rows:
        z = (e.features - mean) / scale
        better, worse = np.nonzero(e.grades[:, None] > e.grades[None, :])
        if len(better) > MAX_PAIRS_PER_QUERY:
            keep = rng.choice(len(better), MAX_PAIRS_PER_QUERY, replace=False)
            better, worse = better[keep], worse[keep]
        if len(better):
            pairs_z.append(z[better] - z[worse])
            gain = 2 ** e.grades[better] - 2 ** e.grades[worse]
            pairs_w.append(gain / len(better) / queries_of[e.catalog])
    weights = _descend(np.vstack(pairs_z), np.ones(sum(len(p) for p in pairs_z)), np.concatenate(pairs_w), L2)[0]
    ranker = LinearRanker(
        features=list(FEATURES),
        mean=mean.tolist(),
        scale=scale.tolist(),
        weights=weights.tolist(),
        answer_features=list(ANSWER_FEATURES),
        answer_mean=[],
        answer_scale=[],
        answer_weights=[],
        answer_bias=0.0,
        floor=0.0,
        trained_on=dict(queries_of),
        note=note,
    )
    _fit_answers(ranker, rows)
    return ranker.check()


def _fit_answers(ranker: LinearRanker, rows: Sequence[QueryExamples]) -> None:
    """The answer model on every candidate of `rows` (queries with candidates)."""
    x = np.vstack([ranker.answer_inputs(e.features) for e in rows])
    y = np.concatenate([e.answers.astype(np.float64) for e in rows])
    per_catalog = Counter(e.catalog for e in rows)
    weight = np.concatenate([np.full(len(e.grades), 1.0 / len(e.grades) / per_catalog[e.catalog]) for e in rows])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    w, b = _descend((x - mean) / scale, y, weight, ANSWER_L2, bias=True)
    ranker.answer_mean, ranker.answer_scale = mean.tolist(), scale.tolist()
    ranker.answer_weights, ranker.answer_bias = w.tolist(), float(b)


def best_probabilities(ranker: LinearRanker, examples: Sequence[QueryExamples]) -> list[tuple[float, bool]]:
    """Per query: the best answer probability among its first `DECISION_WINDOW` candidates by ranking score (0
    without candidates), and whether the query has an answer."""
    out = []
    for e in examples:
        if not len(e.grades):
            out.append((0.0, e.answerable))
            continue
        first = np.argsort(-ranker.logits(e.features), kind="stable")[:DECISION_WINDOW]
        out.append((float(ranker.probability(e.features[first]).max()), e.answerable))
    return out


def choose_floor(best: Sequence[tuple[float, bool]]) -> float:
    """The highest threshold whose false "not carried" rate on the answerable queries stays within
    `MAX_FALSE_NOT_CARRIED` (so it catches as many unanswerable ones as it can)."""
    answerable = sorted(p for p, ok in best if ok)
    if not answerable:
        return 0.0
    allowed = int(MAX_FALSE_NOT_CARRIED * len(answerable))
    # Below the (allowed+1)-th lowest answerable score, at most `allowed` answerable queries fall.
    return max(0.0, answerable[allowed] - 1e-6)


def _descend(
    z: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float, *, bias: bool = False
) -> tuple[np.ndarray, float]:
    """Weighted logistic regression (cross-entropy against targets `y` in [0, 1], L2 on the weights) by Adam on
    the full batch: tens of thousands of rows, a few seconds."""
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
