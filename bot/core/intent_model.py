"""The trained half of intent understanding: a multinomial logistic regression over the packaged encoder's vector
of a message, the cue phrases it contains, the intent the rules of `understand` gave it, and whether products are
on screen.

The rules are precise where a cue is explicit and miss phrasings nobody wrote a cue for; the classifier has seen
a thousand hand-written messages (`datasets/intents/train/`) and learns, from the message's meaning and the rules'
answer together, when to keep the rules' answer and when to take another. Where the rules were right on nearly all
the training messages they gave an intent (`IntentModel.trusted`), their answer stands. The model is only used
with the encoder it was trained on (`IntentModel.encoder`); with any other, or without a vector, the rules decide
alone. `shopguide eval train-intents` fits it and writes the packaged `intent_model.json`.
"""

from __future__ import annotations

import re
from functools import cache, cached_property
from importlib.resources import files
from pathlib import Path
from typing import get_args

import numpy as np
from pydantic import BaseModel, Field

from bot.core import cues
from bot.core.dialog import Intent
from bot.core.references import REFERENCE_WORDS
from retrieval.embed import Embedder

INTENTS: tuple[Intent, ...] = get_args(Intent)


class IntentModelError(RuntimeError):
    """A model file that cannot be used; the message says which and why."""


# The cue phrases of `bot.core.cues` whose presence the classifier reads: meaning alone takes "T恤" for a greeting
# and "乐高" for small talk; a greeting without a greeting word, or a policy question without a policy word, is rare.
_CUES: tuple[re.Pattern[str], ...] = (
    cues.HANDOFF,
    cues.GREETING,
    cues.EMOJI_GREETING,
    cues.POLICY,
    cues.POLICY_IN_QUESTION,
    cues.SERVICE_INFO,
    cues.COMPARE,
    cues.COMPARE_VERB,
    cues.WHICH_FACT,
    cues.REVIEWS,
    cues.NOT_REVIEWS,
    cues.QUESTION,
    cues.VAGUE,
    cues.OUT_OF_SCOPE,
    cues.CHEAPER,
    cues.PRICIER,
    cues.OTHER_BRAND,
    cues.AVAILABILITY,
    cues.ALSO_SELLS,
    cues.COMPARATIVE,
    cues.NAMED_QUESTION,
    cues.REFERENCE_SHAPE,
    cues.PRODUCT_NAME,
    cues.REFINE_SHAPE,
    REFERENCE_WORDS,
)


def inputs(vector: np.ndarray, text: str, shown: bool, rule: Intent) -> np.ndarray:
    """The classifier's input for one message: its vector, which cue phrases it has, whether it still has words
    once fillers are gone, the rules' intent (one-hot), whether products are on screen, and the rules' intent
    again when they are."""
    ruled = np.zeros(len(INTENTS))
    ruled[INTENTS.index(rule)] = 1.0
    found = [float(pattern.search(text) is not None) for pattern in _CUES]
    return np.concatenate([vector, found, [float(cues.meaningful(text))], ruled, [float(shown)], ruled * float(shown)])


class IntentModel(BaseModel):
    """Weights per input and intent, biases, the encoder whose vectors it reads, and the rules' intents whose
    answer is kept as it is (`trusted`)."""

    intents: list[str] = Field(default_factory=lambda: [str(intent) for intent in INTENTS])
    encoder: str = Field(description="The `Embedder.name` of the vector space the model was trained in.")
    weights: list[list[float]] = Field(description="Per input (`inputs`): one weight per intent.")
    bias: list[float]
    trusted: list[str] = Field(default_factory=list)
    trained_on: dict[str, int] = Field(default_factory=dict)
    note: str = ""

    def check(self) -> IntentModel:
        if self.intents != list(INTENTS):
            raise IntentModelError("the intent model was trained on other intents; retrain it")
        if any(len(row) != len(INTENTS) for row in self.weights) or len(self.bias) != len(INTENTS):
            raise IntentModelError("the intent model's arrays do not match its intents")
        return self

    @cached_property
    def _weights(self) -> np.ndarray:
        return np.asarray(self.weights)

    def reads(self, embedder: Embedder) -> bool:
        """Whether vectors from `embedder` are the ones the model was trained on."""
        return embedder.name == self.encoder

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Scores per intent (`INTENTS` order) for the rows of `x` (`inputs`)."""
        if x.shape[-1] != self._weights.shape[0]:
            raise IntentModelError(f"the intent model reads {self._weights.shape[0]} inputs, not {x.shape[-1]}")
        return x @ self._weights + np.asarray(self.bias)

    def decide(self, vector: np.ndarray, text: str, shown: bool, rule: Intent) -> Intent:
        """The rules' intent where they are trusted, else the classifier's."""
        if rule in self.trusted:
            return rule
        return INTENTS[int(np.argmax(self.scores(inputs(vector, text, shown, rule))))]

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json() + "\n", encoding="utf-8")


def packaged_intent_model_path() -> Path:
    return Path(str(files("bot.core") / "intent_model.json"))


@cache
def load_intent_model(path: str | None = None) -> IntentModel | None:
    """The model at `path` (the packaged one by default; None when none is shipped). Read once: it is constant."""
    location = Path(path) if path else packaged_intent_model_path()
    if not location.is_file():
        if path is None:
            return None
        raise IntentModelError(f"{location}: no intent model there")
    try:
        return IntentModel.model_validate_json(location.read_text(encoding="utf-8")).check()
    except ValueError as exc:
        raise IntentModelError(f"{location}: not an intent model file ({exc})") from None


async def message_vector(text: str, embedder: Embedder) -> np.ndarray | None:
    """The vector the packaged intent model reads for `text`, or None when there is no model or `embedder` is not
    the encoder it was trained on (then the rules decide alone)."""
    model = load_intent_model()
    if model is None or not model.reads(embedder) or not text.strip():
        return None
    return (await embedder.embed([text]))[0]
