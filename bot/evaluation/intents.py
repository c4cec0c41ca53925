"""Intent understanding measured as a classifier (`shopguide eval intents`) on the labeled utterance set
`datasets/intents/utterances.jsonl` (its README gives the labels, the context rule and the dev/test split).

Each message is read by `bot.core.understand.understand` as a customer's message: with nothing on screen
(`fresh`), or after a search that put three products on screen (`shown`: generic cards, as the set's context
rule says), with its vector for the intent classifier (or by the rules alone). The catalog is unknown to the
set, so the vocabulary is empty. Reported per intent: precision, recall and support, plus accuracy, per split.
The training messages (`datasets/intents/train/`, no split field) load as split `train`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from bot.core.dialog import Constraints, DialogState, Intent
from bot.core.intent_model import load_intent_model
from bot.core.understand import understand
from retrieval.embed import Embedder
from retrieval.models import Product
from retrieval.query import Vocabulary

UTTERANCES = Path("datasets/intents/utterances.jsonl")
TRAINING_UTTERANCES = Path("datasets/intents/train/utterances.jsonl")


class IntentSetError(ValueError):
    """The utterance file is missing or malformed; the message names the line."""


class Utterance(BaseModel):
    id: str
    text: str
    lang: Literal["zh", "en"]
    context: Literal["fresh", "shown"]
    intent: Intent
    split: Literal["train", "dev", "test"] = Field(
        "train", description="The training set (datasets/intents/train/) has no split field: it is all train."
    )
    trap: str = ""


class IntentScore(BaseModel):
    intent: str
    support: int
    predicted: int
    precision: float | None
    recall: float | None


class IntentEvaluation(BaseModel):
    split: str
    utterances: int
    accuracy: float
    traps: int
    trap_accuracy: float | None
    per_intent: list[IntentScore]
    errors: list[dict[str, str]] = Field(default_factory=list, description="id, text, context, expected, got.")


# Three generic cards of a search, as the set's context rule describes.
SHOWN = [
    Product(merchant_id="set", sku=f"S{n}", title=f"Item {n}", price=100.0 * n, category=["Shop", "Items"])
    for n in (1, 2, 3)
]


def load_utterances(path: Path = UTTERANCES) -> list[Utterance]:
    if not path.is_file():
        raise IntentSetError(f"{path}: no utterance set there")
    utterances = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                utterances.append(Utterance.model_validate_json(line))
            except ValidationError as exc:
                raise IntentSetError(f"{path.name} line {number}: {exc.errors()[0]['msg']}") from None
    return utterances


def context_of(utterance: Utterance) -> tuple[DialogState, list[Product]]:
    """The dialog and the products on screen the message is read against (the set's context rule)."""
    if utterance.context == "shown":
        state = DialogState(
            language=utterance.lang,
            constraints=Constraints(query="items"),
            shown=[p.sku for p in SHOWN],
            last_intent="search",
        )
        return state, list(SHOWN)
    return DialogState(language=utterance.lang), []


def classify(utterance: Utterance, vector: np.ndarray | None = None) -> Intent:
    """The intent `understand` gives the message in its context: with its `vector` (the packaged encoder's) the
    rules and the intent classifier together, without it the rules alone."""
    state, shown = context_of(utterance)
    return understand(utterance.text, state, shown, Vocabulary(), vector=vector).intent


async def vectors_of(utterances: Sequence[Utterance], embedder: Embedder) -> dict[str, np.ndarray]:
    """The messages' vectors, when `embedder` is the encoder the packaged intent model reads (else none)."""
    model = load_intent_model()
    if model is None or not model.reads(embedder):
        return {}
    vectors = await embedder.embed([u.text for u in utterances])
    return {u.id: vector for u, vector in zip(utterances, vectors, strict=True)}


def evaluate_intents(
    utterances: list[Utterance],
    split: Literal["train", "dev", "test", "all"] = "all",
    vectors: Mapping[str, np.ndarray] | None = None,
) -> IntentEvaluation:
    """Accuracy and per-intent precision and recall of `classify` on the `split` messages (with `vectors`, the
    rules and the classifier; without, the rules alone)."""
    chosen = [u for u in utterances if split == "all" or u.split == split]
    vectors = vectors or {}
    got = [(u, classify(u, vectors.get(u.id))) for u in chosen]
    expected = Counter(u.intent for u, _ in got)
    predicted = Counter(p for _, p in got)
    correct = Counter(u.intent for u, p in got if p == u.intent)
    traps = [(u, p) for u, p in got if u.trap]
    scores = [
        IntentScore(
            intent=intent,
            support=expected[intent],
            predicted=predicted[intent],
            precision=correct[intent] / predicted[intent] if predicted[intent] else None,
            recall=correct[intent] / expected[intent] if expected[intent] else None,
        )
        for intent in sorted(set(expected) | set(predicted))
    ]
    return IntentEvaluation(
        split=split,
        utterances=len(got),
        accuracy=sum(correct.values()) / len(got) if got else 0.0,
        traps=len(traps),
        trap_accuracy=sum(p == u.intent for u, p in traps) / len(traps) if traps else None,
        per_intent=scores,
        errors=[
            {"id": u.id, "text": u.text, "context": u.context, "expected": u.intent, "got": p}
            for u, p in got
            if p != u.intent
        ],
    )
