"""The learned ranker: linear models over `retrieval.features.FEATURES`, trained on judged queries of several
catalogs (`shopguide eval train-ranker`) and shipped in the package as `ranker.json`.

Its ranking score orders candidates (when `RetrievalConfig.ranker` is "learned"); its answer model gives each
candidate a calibrated probability of answering the query: the assistant shows as matches only the candidates at
or above the model's `floor` (the threshold chosen leave-one-catalog-out on the training catalogs), and says
"nothing matches" when none is.
The file is plain JSON (feature names, standardisation, weights, floor, provenance), so a change to the
features that the file does not know fails loudly at load time.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from retrieval.features import FEATURES

PACKAGED_RANKER = "packaged"
NO_RANKER = "none"


class RankerError(RuntimeError):
    """A ranker file that cannot be used; the message says which and why."""


ANSWER_FEATURES: tuple[str, ...] = (
    "dense",
    "category_sim",
    "level_sim",
    "title_coverage",
    "text_coverage",
    "title_bm25_log",
    "name_bm25_log",
    "soft_coverage",
    "soft_head",
    "soft_min",
    "own_script",
    "novelty",
    "novel_head",
    "coverage_own",
    "head_own",
    "min_own",
    "head_level",
    "query_known",
    "query_unknown_rarity",
    "dense_unknown",
    "review_dense",
)


class LinearRanker(BaseModel):
    """Two linear models over the same features: the ranking score `weights . (x - mean) / scale`, and the
    answer model, the probability that a candidate answers the query: sigmoid(`answer_weights` . the
    standardised `answer_features` and ranking score + `answer_bias`), fitted on every candidate of the training
    queries against its judgment (relevant, and within the query's stated limits)."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    answer_features: list[str] = Field(default_factory=lambda: list(ANSWER_FEATURES))
    answer_mean: list[float] = Field(description="Per answer feature, then the ranking score.")
    answer_scale: list[float]
    answer_weights: list[float]
    answer_bias: float
    floor: float = Field(description="Below this probability a candidate does not answer the query.")
    trained_on: dict[str, int] = Field(default_factory=dict, description="Catalog -> judged queries trained on.")
    note: str = ""

    def check(self) -> LinearRanker:
        if self.features != list(FEATURES):
            missing = sorted(set(FEATURES) ^ set(self.features))
            raise RankerError(f"the ranker was trained on other features ({', '.join(missing)}); retrain it")
        if not len(self.mean) == len(self.scale) == len(self.weights) == len(FEATURES):
            raise RankerError("the ranker's arrays do not match its feature list")
        width = len(self.answer_features) + 1
        if not set(self.answer_features) <= set(FEATURES) or not (
            len(self.answer_mean) == len(self.answer_scale) == len(self.answer_weights) == width
        ):
            raise RankerError("the ranker's answer model does not match its feature list")
        return self

    def logits(self, x: np.ndarray) -> np.ndarray:
        """The ranking score of each row of `x` (higher = more relevant)."""
        return ((x - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.weights)

    def answer_inputs(self, x: np.ndarray) -> np.ndarray:
        """The answer model's inputs for each row of `x`: its answer features, then its ranking score."""
        columns = [FEATURES.index(name) for name in self.answer_features]
        return np.column_stack([x[:, columns], self.logits(x)])

    def probability(self, x: np.ndarray) -> np.ndarray:
        """The calibrated probability that each row answers the query (compared with `floor`)."""
        z = (self.answer_inputs(x) - np.asarray(self.answer_mean)) / np.asarray(self.answer_scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.answer_weights) + self.answer_bias)))

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=1) + "\n", encoding="utf-8")


def packaged_ranker_path() -> Path:
    return Path(str(files("retrieval") / "ranker.json"))


def load_ranker(path: str = PACKAGED_RANKER) -> LinearRanker | None:
    """The ranker at `path` ('packaged' = the one shipped in the package); None for 'none' or when none is
    shipped."""
    if path == NO_RANKER:
        return None
    location = packaged_ranker_path() if path == PACKAGED_RANKER else Path(path)
    if not location.is_file():
        if path == PACKAGED_RANKER:
            return None
        raise RankerError(f"{location}: no ranker file there (SHOPGUIDE_RETRIEVAL__RANKER_PATH)")
    try:
        return LinearRanker.model_validate_json(location.read_text(encoding="utf-8")).check()
    except ValueError as exc:
        raise RankerError(f"{location}: not a ranker file ({exc})") from None
