"""The learned ranker: a logistic model over `retrieval.features.FEATURES`, trained on judged queries of several
catalogs (`shopguide eval train-ranker`) and shipped in the package as `ranker.json`.

Its output is a calibrated probability that a candidate answers the query. Search orders candidates by it
(when `RetrievalConfig.ranker` is "learned"), and the assistant's "does the shop sell this?" decision compares
the best candidate's probability with the model's `floor`, the threshold chosen on the training catalogs.
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


class LinearRanker(BaseModel):
    """p(relevant) = sigmoid(weights . (x - mean) / scale + bias)."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    floor: float = Field(description="Below this probability the best candidate does not answer the query.")
    trained_on: dict[str, int] = Field(default_factory=dict, description="Catalog -> judged queries trained on.")
    note: str = ""

    def check(self) -> LinearRanker:
        if self.features != list(FEATURES):
            missing = sorted(set(FEATURES) ^ set(self.features))
            raise RankerError(f"the ranker was trained on other features ({', '.join(missing)}); retrain it")
        if not len(self.mean) == len(self.scale) == len(self.weights) == len(FEATURES):
            raise RankerError("the ranker's arrays do not match its feature list")
        return self

    def logits(self, x: np.ndarray) -> np.ndarray:
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return z @ np.asarray(self.weights) + self.bias

    def probability(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(x)))

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
