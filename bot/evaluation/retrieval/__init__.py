"""Retrieval quality on judged datasets (`shopguide eval retrieval`, `shopguide eval train-ranker`).

`dataset.py` reads a dataset folder, `metrics.py` measures one answer and averages slices, `systems.py`
answers a query as the assistant (and each baseline) would, `run.py` runs a whole dataset and writes the run
file, `training.py` fits the learned ranker and measures it leave-one-catalog-out.
"""

from bot.evaluation.retrieval.dataset import Dataset, DatasetError, EvalQuery, GoldConstraints, load_dataset
from bot.evaluation.retrieval.metrics import QueryResult, SliceMetrics, ndcg, reciprocal_rank
from bot.evaluation.retrieval.run import RetrievalEvaluation, evaluate, ingest_dataset, write_run
from bot.evaluation.retrieval.systems import SYSTEMS, System

__all__ = [
    "SYSTEMS",
    "Dataset",
    "DatasetError",
    "EvalQuery",
    "GoldConstraints",
    "QueryResult",
    "RetrievalEvaluation",
    "SliceMetrics",
    "System",
    "evaluate",
    "ingest_dataset",
    "load_dataset",
    "ndcg",
    "reciprocal_rank",
    "write_run",
]
