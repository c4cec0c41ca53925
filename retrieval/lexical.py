"""BM25 over the catalog's texts (bm25s), with Chinese segmented by jieba.

bm25s's own tokenizer keeps a run of Chinese characters as one token, so `Tokenizer` splits text into
Latin words and Chinese runs and segments the latter with jieba's search mode (which also emits the
shorter words inside long ones: 冲锋衣 -> 冲锋, 冲锋衣). Documents and queries share the tokenizer.
An index is rebuilt from a catalog version (50k documents in about a second) and saved beside it.
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import bm25s
import jieba
import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*|[\u3400-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "than",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "what",
        "which",
        "with",
        "you",
        "your",
        "的",
        "了",
        "和",
        "是",
        "在",
        "有",
        "我",
        "你",
        "要",
        "吗",
        "呢",
        "吧",
        "啊",
        "也",
        "都",
        "就",
        "与",
        "及",
        "或",
        "一个",
        "什么",
        "怎么",
        "哪个",
    ]
)


class Tokenizer:
    """Lower-cased, width-normalised words; Chinese segmented with one jieba dictionary per tokenizer."""

    def __init__(self) -> None:
        # jieba announces its dictionary loading on its own logger; keep start-up quiet.
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()

    def tokens(self, text: str) -> list[str]:
        words: list[str] = []
        for match in _TOKEN.finditer(unicodedata.normalize("NFKC", text).lower()):
            run = match.group()
            if _CJK.match(run):
                words.extend(w for w in self._jieba.cut_for_search(run) if w.strip())
            else:
                words.append(run)
        return [w for w in words if w not in _STOPWORDS]

    def rarity(self, word: str) -> float:
        """How specific a word is in general Chinese, from jieba's dictionary frequencies: 0 for the commonest
        words ("一下", "推荐"), 1 for words the dictionary does not know. Latin words count as specific."""
        if not _CJK.match(word):
            return 1.0 if len(word) >= 3 else 0.5
        frequency = self._jieba.FREQ.get(word, 0)
        return min(1.0, math.log(self._jieba.total / (frequency + 1)) / math.log(self._jieba.total))


class LexicalIndex:
    """BM25 scores for a fixed list of documents (row i = the i-th text it was built from)."""

    def __init__(self, retriever: bm25s.BM25 | None, size: int) -> None:
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, tokenizer: Tokenizer, texts: Sequence[str]) -> LexicalIndex:
        tokens = [tokenizer.tokens(text) for text in texts]
        if not any(tokens):
            return cls(None, len(texts))  # nothing to index (e.g. a catalog without brands or categories)
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        return cls(retriever, len(texts))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """One BM25 score per document (0 where no query word occurs)."""
        if self._retriever is None or not query_tokens:
            return np.zeros(self.size, dtype=np.float32)
        known = [t for t in query_tokens if t in self._retriever.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

    def knows(self, token: str) -> bool:
        """Whether `token` occurs in any document."""
        return self._retriever is not None and token in self._retriever.vocab_dict

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """Each token's inverse document frequency (BM25's), 0 for a token no document has."""
        out = np.zeros(len(tokens))
        if self._retriever is None:
            return out
        indptr = self._retriever.scores["indptr"]
        for i, token in enumerate(tokens):
            token_id = self._retriever.vocab_dict.get(token)
            if token_id is not None:
                df = indptr[token_id + 1] - indptr[token_id]
                out[i] = np.log(1 + (self.size - df + 0.5) / (df + 0.5))
        return out

    def token_scores(self, query_tokens: Sequence[str], rows: np.ndarray) -> np.ndarray:
        """Each query token's BM25 contribution to each of `rows`: shape (tokens, rows), 0 where it is absent.

        Read straight from the index's token columns, so the cost is the tokens' postings, not the catalog size.
        """
        out = np.zeros((len(query_tokens), len(rows)), dtype=np.float32)
        if self._retriever is None or not len(rows):
            return out
        position = np.full(self.size, -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        matrix = self._retriever.scores
        for i, token in enumerate(query_tokens):
            token_id = self._retriever.vocab_dict.get(token)
            if token_id is None:
                continue
            start, end = matrix["indptr"][token_id], matrix["indptr"][token_id + 1]
            at = position[matrix["indices"][start:end]]
            found = at >= 0
            out[i, at[found]] = matrix["data"][start:end][found]
        return out

    def save(self, path: Path, stamp: str) -> None:
        """Write the index to `path` (replacing it whole), tagged with the catalog version it came from."""
        staging = path.with_name(path.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if self._retriever is not None:
            self._retriever.save(str(staging), show_progress=False)
        (staging / "shopguide.json").write_text(
            json.dumps({"stamp": stamp, "size": self.size, "empty": self._retriever is None})
        )
        shutil.rmtree(path, ignore_errors=True)
        staging.rename(path)

    @classmethod
    def load(cls, path: Path, stamp: str) -> LexicalIndex | None:
        """The index saved at `path` if it was built from `stamp`, else None (the caller rebuilds)."""
        try:
            meta = json.loads((path / "shopguide.json").read_text())
        except (OSError, ValueError):
            return None
        if meta.get("stamp") != stamp:
            return None
        if meta["size"] == 0 or meta.get("empty"):
            return cls(None, meta["size"])
        retriever = bm25s.BM25.load(str(path), show_progress=False, verbosity=0)
        return cls(retriever, meta["size"])
