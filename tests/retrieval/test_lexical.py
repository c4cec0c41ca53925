"""BM25 with jieba: Chinese and English words match, an index reloads only for the version it was built from."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.lexical import LexicalIndex, Tokenizer

TEXTS = ["始祖鸟 冲锋衣 防水透气 Gore-Tex", "Nike running shoes, red", "耐克跑步鞋 红色", "不锈钢炒锅 不粘"]


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer()


def test_chinese_is_segmented_and_latin_lowercased(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokens("防水冲锋衣 Gore-Tex ＸＬ 的")
    assert "冲锋衣" in tokens and "防水" in tokens
    assert {"gore", "tex", "xl"} <= set(tokens)
    assert "的" not in tokens


def test_scores_rank_the_matching_document_first(tokenizer: Tokenizer) -> None:
    index = LexicalIndex.build(tokenizer, TEXTS)
    assert int(np.argmax(index.scores(tokenizer.tokens("冲锋衣")))) == 0
    assert int(np.argmax(index.scores(tokenizer.tokens("炒锅")))) == 3
    running = index.scores(tokenizer.tokens("Running SHOES"))
    assert running[1] > 0 and running[0] == running[2] == running[3] == 0
    assert not index.scores(tokenizer.tokens("unknownword")).any()
    assert not index.scores([]).any()


def test_saved_index_loads_only_for_its_stamp(tokenizer: Tokenizer, tmp_path) -> None:
    path = tmp_path / "bm25"
    LexicalIndex.build(tokenizer, TEXTS).save(path, "v3")
    loaded = LexicalIndex.load(path, "v3")
    assert loaded is not None and loaded.size == 4
    assert int(np.argmax(loaded.scores(tokenizer.tokens("耐克")))) == 2
    assert LexicalIndex.load(path, "v4") is None
    assert LexicalIndex.load(tmp_path / "missing", "v3") is None


def test_empty_index(tokenizer: Tokenizer, tmp_path) -> None:
    empty = LexicalIndex.build(tokenizer, [])
    empty.save(tmp_path / "empty", "v1")
    loaded = LexicalIndex.load(tmp_path / "empty", "v1")
    assert loaded is not None and loaded.scores(["x"]).shape == (0,)
