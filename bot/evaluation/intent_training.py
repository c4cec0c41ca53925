"""Training the intent classifier (`shopguide eval train-intents`): a multinomial logistic regression over
`bot.core.intent_model.inputs`, fitted in numpy on the training utterances (`datasets/intents/train/`) and the
evaluation set's `dev` split, never its `test` split.

The rules' intents it trusts are chosen on data the rules were not written against: `FOLDS` folds of the
training utterances, each classified by a model fitted on the other folds and dev. A rule intent is trusted when
the rules alone are right on at least `TRUST` of the held-out messages they give it and the classifier is not
right more often there. The same folds give the report's figures: the rules alone against rules + classifier, on
messages neither was fitted to.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel

from bot.core.dialog import Intent
from bot.core.intent_model import INTENTS, IntentModel, inputs
from bot.core.understand import rule_intent
from bot.evaluation.intents import Utterance, context_of
from retrieval.query import Vocabulary

FOLDS = 5
TRUST = 0.97
# Chosen on the training folds: weaker shrinkage let the model overfit, stronger washed the vectors out.
L2 = 1e-5
STEPS = 1000
LEARNING_RATE = 0.05


@dataclass(frozen=True)
class Example:
    """One labeled message as the classifier reads it."""

    inputs: np.ndarray
    rule: Intent
    label: int


def examples(utterances: Sequence[Utterance], vectors: Mapping[str, np.ndarray]) -> list[Example]:
    out = []
    for utterance in utterances:
        state, shown = context_of(utterance)
        rule = rule_intent(utterance.text, state, shown, Vocabulary())
        text = unicodedata.normalize("NFKC", utterance.text).strip()  # as `understand` reads it
        out.append(
            Example(inputs(vectors[utterance.id], text, bool(shown), rule), rule, INTENTS.index(utterance.intent))
        )
    return out


def fit(training: Sequence[Example], encoder: str, trusted: Sequence[str] = (), note: str = "") -> IntentModel:
    """Softmax regression (L2, full-batch Adam) of the labels on the examples' inputs."""
    x = np.vstack([e.inputs for e in training])
    target = np.eye(len(INTENTS))[[e.label for e in training]]
    weights, bias = np.zeros((x.shape[1], len(INTENTS))), np.zeros(len(INTENTS))
    moments = [np.zeros_like(weights), np.zeros_like(weights), np.zeros_like(bias), np.zeros_like(bias)]
    for step in range(1, STEPS + 1):
        scores = x @ weights + bias
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        error = (p - target) / len(training)
        for at, value, grad in ((0, weights, x.T @ error + L2 * weights), (2, bias, error.sum(axis=0))):
            moments[at] = 0.9 * moments[at] + 0.1 * grad
            moments[at + 1] = 0.999 * moments[at + 1] + 0.001 * grad**2
            step_size = (moments[at] / (1 - 0.9**step)) / (np.sqrt(moments[at + 1] / (1 - 0.999**step)) + 1e-8)
            value -= LEARNING_RATE * step_size
    return IntentModel(
        encoder=encoder,
        weights=np.round(weights, 5).tolist(),
        bias=np.round(bias, 5).tolist(),
        trusted=sorted(trusted),
        note=note,
    ).check()


class Comparison(BaseModel):
    """The rules alone against the rules + classifier, on the same held-out training messages."""

    messages: int
    rules_accuracy: float
    combined_accuracy: float
    trusted: list[str]


class IntentTraining(BaseModel):
    model: IntentModel
    folds: Comparison
    written_to: str


def train(
    training: Sequence[Utterance], dev: Sequence[Utterance], vectors: Mapping[str, np.ndarray], encoder: str
) -> tuple[IntentModel, Comparison]:
    """The model fitted on `training` + `dev` (vectors by utterance id, from `encoder`), the rule intents it
    trusts chosen on folds of `training`, and the folds' comparison."""
    train_examples, dev_examples = examples(training, vectors), examples(dev, vectors)
    predicted: list[tuple[Example, Intent]] = []
    for fold in range(FOLDS):
        rest = [e for i, e in enumerate(train_examples) if i % FOLDS != fold] + dev_examples
        model = fit(rest, encoder)
        held = [e for i, e in enumerate(train_examples) if i % FOLDS == fold]
        scores = model.scores(np.vstack([e.inputs for e in held]))
        predicted += [(e, INTENTS[int(i)]) for e, i in zip(held, scores.argmax(axis=1), strict=True)]
    trusted = _trusted(predicted)
    right = [
        (INTENTS[e.label] == e.rule, INTENTS[e.label] == (e.rule if e.rule in trusted else p)) for e, p in predicted
    ]
    comparison = Comparison(
        messages=len(predicted),
        rules_accuracy=float(np.mean([rules for rules, _ in right])),
        combined_accuracy=float(np.mean([combined for _, combined in right])),
        trusted=trusted,
    )
    model = fit(train_examples + dev_examples, encoder, trusted, "trained by `shopguide eval train-intents`")
    model.trained_on = {"train": len(train_examples), "dev": len(dev_examples)}
    return model, comparison


def _trusted(predicted: Sequence[tuple[Example, Intent]]) -> list[str]:
    """The rule intents right on at least `TRUST` of the held-out messages they are given, and not less often
    right there than the classifier."""
    given = Counter(e.rule for e, _ in predicted)
    rules_right = Counter(e.rule for e, _ in predicted if INTENTS[e.label] == e.rule)
    model_right = Counter(e.rule for e, p in predicted if INTENTS[e.label] == p)
    return sorted(
        intent
        for intent, count in given.items()
        if rules_right[intent] / count >= TRUST and rules_right[intent] >= model_right[intent]
    )
