"""The optional cross-encoder reranker: off by default; configured by a local path it reorders the first results
by its own scores and leaves the ranker's calibrated relevance alone; a wrong path fails with the setting's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.config import RetrievalConfig
from retrieval.index import CatalogIndex
from retrieval.rerank import RerankerError, pair_text
from tests.retrieval.conftest import SHOP, load_shop


async def test_the_cross_encoder_reorders_the_first_results_by_its_scores(
    embedder, tiny_cross_encoder: Path, tmp_path: Path
) -> None:
    from sentence_transformers import CrossEncoder

    plain = await CatalogIndex.open(tmp_path / "plain", RetrievalConfig(), embedder=embedder)
    reranked = await CatalogIndex.open(
        tmp_path / "reranked",
        RetrievalConfig(rerank_model=str(tiny_cross_encoder), rerank_candidates=5),
        embedder=embedder,
    )
    try:
        await load_shop(plain)
        await load_shop(reranked)
        before = await (await plain.merchant(SHOP)).search("red rain jacket", k=8)
        after = await (await reranked.merchant(SHOP)).search("red rain jacket", k=8)
    finally:
        await plain.close()
        await reranked.close()
    # The same five candidates, in the order of the model's own scores; the rest keep their places.
    assert {h.product.sku for h in after[:5]} == {h.product.sku for h in before[:5]}
    assert [h.product.sku for h in after[5:]] == [h.product.sku for h in before[5:]]
    model = CrossEncoder(str(tiny_cross_encoder), local_files_only=True)
    scores = model.predict([("red rain jacket", pair_text(h.product)) for h in before[:5]])
    expected = [h.product.sku for _, h in sorted(zip(scores, before[:5], strict=True), key=lambda p: -p[0])]
    assert [h.product.sku for h in after[:5]] == expected
    relevance = {h.product.sku: h.relevance for h in before}
    assert all(h.relevance == relevance[h.product.sku] for h in after)


async def test_a_cross_encoder_path_that_holds_nothing_names_the_setting(embedder, tmp_path: Path) -> None:
    index = await CatalogIndex.open(
        tmp_path / "data", RetrievalConfig(rerank_model=str(tmp_path / "nowhere")), embedder=embedder
    )
    try:
        await load_shop(index)
        with pytest.raises(RerankerError, match="SHOPGUIDE_RETRIEVAL__RERANK_MODEL"):
            await (await index.merchant(SHOP)).search("rain jacket")
    finally:
        await index.close()


def test_reranking_is_off_by_default() -> None:
    assert RetrievalConfig().rerank_model == ""
