"""The learned ranker: brands read from titles, the candidate features, training (pairwise weights, the answer
model and its floor), the packaged model file, and `shopguide eval train-ranker` end to end on tiny sets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.evaluation.retrieval.fitting import QueryExamples, best_probabilities, fit
from retrieval.brands import title_brands, title_names_brand
from retrieval.columns import ProductColumns
from retrieval.features import FEATURES
from retrieval.models import Product
from retrieval.query import SearchFilters
from retrieval.ranker import RankerError, load_ranker, packaged_ranker_path
from tests.retrieval.evalset import write_dataset


def _product(sku: str, title: str, brand: str | None = None) -> Product:
    return Product(merchant_id="m", sku=sku, title=title, price=100, brand=brand)


BRANDLESS = [
    _product("1", "华为 HUAWEI P30 手机"),
    _product("2", "华为（HUAWEI）Mate 20"),
    _product("3", "Apple iPhone 11"),
    _product("4", "Apple iPhone 12"),
    _product("5", "【新品】Apple AirPods"),
    _product("6", "日式 纯棉 毛巾"),
    _product("7", "日式 竹 筷子"),
    _product("8", "日式 陶瓷 碗"),
    _product("9", "荣耀20 手机 适用于华为"),
    _product("10", "Branded kettle", brand="NITORI"),
]


def test_brands_are_read_from_titles_only_where_they_look_like_brands() -> None:
    # "日式" starts three titles but is a style, not a brand: a Chinese first word needs a Latin partner.
    assert title_brands(BRANDLESS) == ["Apple", "华为/HUAWEI"]
    assert title_names_brand("华为 HUAWEI P30", "华为/HUAWEI") and title_names_brand("huawei nova", "华为/HUAWEI")
    assert not title_names_brand("荣耀20 手机 适用于华为", "华为/HUAWEI")  # what it fits is not its brand


def test_a_brand_filter_reaches_products_that_only_name_it_in_their_title() -> None:
    columns = ProductColumns(BRANDLESS)
    only = columns.mask(SearchFilters(brands=["华为/HUAWEI"]))
    assert only is not None and [BRANDLESS[i].sku for i in np.flatnonzero(only)] == ["1", "2"]
    others = columns.mask(SearchFilters(exclude_brands=["Apple"]))
    assert others is not None and {BRANDLESS[i].sku for i in np.flatnonzero(~others)} == {"3", "4", "5"}
    assert SearchFilters(brands=["华为/HUAWEI"]).matches(BRANDLESS[0])
    assert not SearchFilters(brands=["华为/HUAWEI"]).matches(BRANDLESS[8])


def _examples(catalog: str, seed: int, queries: int = 40) -> list[QueryExamples]:
    """Queries whose relevant candidates have high `text_coverage` and `soft_head`, with noise elsewhere; a
    quarter of them have no answer (every candidate low on both)."""
    rng = np.random.default_rng(seed)
    columns = [FEATURES.index("text_coverage"), FEATURES.index("soft_head")]
    out = []
    for q in range(queries):
        features = rng.normal(scale=0.5, size=(20, len(FEATURES)))
        grades = np.zeros(20)
        grades[:4] = [3, 2, 1, 1]
        answerable = q % 4 != 0
        if not answerable:
            grades[:] = 0
        for column in columns:
            features[:, column] = grades / 3 + rng.normal(scale=0.1, size=20) - (0 if answerable else 1)
        out.append(QueryExamples(catalog, f"{catalog}-{q}", features, grades, grades > 0, answerable))
    return out


def test_training_learns_what_orders_relevant_candidates_and_which_answer() -> None:
    examples = _examples("a", 1) + _examples("b", 2) + _examples("c", 3)
    ranker = fit(examples)
    held_out = _examples("d", 4)
    for example in held_out:
        if example.answerable:
            order = np.argsort(-ranker.logits(example.features))
            assert set(order[:2]) <= {0, 1, 2, 3}
            # The candidates that answer are the relevant ones.
            assert set(np.flatnonzero(ranker.probability(example.features) >= ranker.floor)) <= {0, 1, 2, 3}
    best = best_probabilities(ranker, held_out)
    assert all(p < ranker.floor for p, answerable in best if not answerable)
    assert sum(p < ranker.floor for p, answerable in best if answerable) <= 1
    assert ranker.trained_on == {"a": 40, "b": 40, "c": 40}


def test_the_packaged_ranker_loads_and_a_stale_file_is_refused(tmp_path: Path) -> None:
    packaged = load_ranker()
    assert packaged is not None and packaged.features == list(FEATURES) and 0 < packaged.floor < 1
    stale = json.loads(packaged_ranker_path().read_text())
    stale["features"] = stale["features"][:-1]
    (tmp_path / "stale.json").write_text(json.dumps(stale))
    with pytest.raises(RankerError, match="retrain it"):
        load_ranker(str(tmp_path / "stale.json"))
    with pytest.raises(RankerError, match="no ranker file there"):
        load_ranker(str(tmp_path / "absent.json"))


def test_train_ranker_measures_each_catalog_held_out_and_writes_the_model(
    embedder, monkeypatch, tmp_path: Path
) -> None:
    async def session_embedder(config):
        return embedder

    monkeypatch.setattr("bot.cli.training.open_embedder", session_embedder)
    first, second = write_dataset(tmp_path / "first"), write_dataset(tmp_path / "second")
    out = tmp_path / "ranker.json"
    result = CliRunner().invoke(
        app,
        ["eval", "train-ranker", "--dataset", str(first), "--dataset", str(second), "--out", str(out), "--json"],
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [row["catalog"] for row in report["held_out"]] == ["tiny", "tiny#2"]
    assert all(row["split"] == "dev" and row["queries"] == 2 for row in report["held_out"])
    assert load_ranker(str(out)) is not None
