"""The learned ranker: linear models over `retrieval.features.FEATURES`, trained on judged queries of several
catalogs (`shopguide eval train-ranker`) and shipped in the package as `ranker.json`.

Its ranking score orders candidates (when `RetrievalConfig.ranker` is "learned"); its answer model gives each
candidate a calibrated probability of answering the query, which the assistant's "does the shop sell this?"
decision compares with the model's `floor`, the threshold chosen on the training catalogs.
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


class RankerError(RuntimeError):
    """A ranker file that cannot be used; the message says which and why."""


GATE_FEATURES: tuple[str, ...] = (
    "dense",
    "title_coverage",
    "text_coverage",
    "category_sim",
    "query_known",
    "query_unknown_rarity",
    "dense_unknown_rarity",
    "dense_unknown",
)


class LinearRanker(BaseModel):
    """Two linear models over the same features: the ranking score `weights . (x - mean) / scale`, and the
    answer probability sigmoid(`gate_weights` . standardised `gate_features` + `gate_bias`), fitted on the best
    candidate of each training query against whether the query has an answer."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    gate_features: list[str] = Field(default_factory=lambda: list(GATE_FEATURES))
    gate_mean: list[float]
    gate_scale: list[float]
    gate_weights: list[float]
    gate_bias: float
    floor: float = Field(description="Below this probability the best candidate does not answer the query.")
    trained_on: dict[str, int] = Field(default_factory=dict, description="Catalog -> judged queries trained on.")
    note: str = ""

    def check(self) -> LinearRanker:
        if self.features != list(FEATURES):
            missing = sorted(set(FEATURES) ^ set(self.features))
            raise RankerError(f"the ranker was trained on other features ({', '.join(missing)}); retrain it")
        if not len(self.mean) == len(self.scale) == len(self.weights) == len(FEATURES):
            raise RankerError("the ranker's arrays do not match its feature list")
        if not set(self.gate_features) <= set(FEATURES) or not (
            len(self.gate_mean) == len(self.gate_scale) == len(self.gate_weights) == len(self.gate_features)
        ):
            raise RankerError("the ranker's answer model does not match its feature list")
        return self

    def logits(self, x: np.ndarray) -> np.ndarray:
        """The ranking score of each row of `x` (higher = more relevant)."""
        return ((x - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.weights)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """The calibrated probability that each row answers the query (compared with `floor`)."""
        columns = [FEATURES.index(name) for name in self.gate_features]
        z = (x[:, columns] - np.asarray(self.gate_mean)) / np.asarray(self.gate_scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.gate_weights) + self.gate_bias)))

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=1) + "\n", encoding="utf-8")


def packaged_ranker_path() -> Path:
    return Path(str(files("retrieval") / "ranker.json"))


def load_ranker(path: str = PACKAGED_RANKER) -> LinearRanker | None:
    """The ranker at `path` ('packaged' = the one shipped in the package); None when none is shipped."""
    location = packaged_ranker_path() if path == PACKAGED_RANKER else Path(path)
    if not location.is_file():
        if path == PACKAGED_RANKER:
            return None
        raise RankerError(f"{location}: no ranker file there (SHOPGUIDE_RETRIEVAL__RANKER_PATH)")
    try:
        return LinearRanker.model_validate_json(location.read_text(encoding="utf-8")).check()
    except ValueError as exc:
        raise RankerError(f"{location}: not a ranker file ({exc})") from None
