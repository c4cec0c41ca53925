"""The words of a search that say what is wanted, as the answer model reads them: the query's tokens without the
words that only ask ("do you sell", "有没有", "推荐一下"), each weighted by how specific it is in general language,
with its head (the kind of product: "helmet" in "kids bike helmet", "地毯" in "客厅铺的地毯") marked. Numbers and model
names stay: they are what tells an iPhone 14 from an iPhone 11.

Words are compared in a normal form (`normal`): English plurals fold to the singular, so "kites" covers "kite".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from retrieval.lexical import Tokenizer

SPECIFIC = 0.6  # a word at least this specific (`Tokenizer.rarity`) says what is wanted, not how or why
MAX_TERMS = 12  # a long message's first words are enough to judge it, and each one is embedded


def _words(*lines: str) -> frozenset[str]:
    return frozenset(word for line in lines for word in line.split())


# Words that ask for something rather than describe it.
REQUEST_WORDS = _words(
    "do does you sell sells selling have has had any got carry stock stocked looking look want wanted need buy get",
    "find show me some please pls can could would like there is are with for the a an of in on to my i we our",
    "recommend recommendation something anything one ones item items thing things good nice best",
    "有卖 有没有 没有 有没 吗 么 呢 吧 啊 想 想要 想买 买 要 需要 推荐 推荐一下 一下 看看 看 的 请 给 我 帮 找 个 一 些 点 有",
    "什么 哪些 有货 卖 你们 你 店 一个 一款 款 东西",
)
# Where an English request turns from the thing wanted to what it is for or how it should be.
_EN_QUALIFIER = re.compile(r"\b(?:for|with|under|below|over|that|which|without|like|in|to|from|by|about)\b", re.I)
# In Chinese the thing wanted comes last: "客厅铺的地毯", "书桌上用的台灯".
_ZH_MODIFIER = re.compile(r"^.*(?:用的|的)")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_PHRASES = re.compile(r"[\s,，。.!！?？;；、]+")


def normal(word: str) -> str:
    """`word` with an English plural folded to its singular ("kites" -> "kite", "batteries" -> "battery")."""
    if not word.isascii() or len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass(frozen=True)
class QueryTerms:
    """A query's descriptive words in normal form, their specificity (`Tokenizer.rarity`), and the head's index."""

    words: tuple[str, ...]
    weights: np.ndarray
    head: int  # -1 when there are no words

    def without(self, words: set[str]) -> tuple[QueryTerms, np.ndarray]:
        """These terms less `words` (a brand the search already filters on), and the indices of those kept."""
        kept = np.array([i for i, word in enumerate(self.words) if word not in words], dtype=np.int64)
        if len(kept) == len(self.words):
            return self, kept
        head = int(np.flatnonzero(kept == self.head)[0]) if self.head in kept else len(kept) - 1
        return QueryTerms(tuple(self.words[i] for i in kept), self.weights[kept], head), kept

    @property
    def chinese(self) -> np.ndarray:
        """Per word: written in Chinese characters."""
        return np.array([bool(_HAN.match(word)) for word in self.words], dtype=bool)

    @property
    def literal(self) -> np.ndarray:
        """Per word: a number or a model name ("14", "mate40"), which only the same word matches: iPhone 11 is
        not an iPhone 14, however alike the encoder finds them."""
        return np.array([any(c.isdigit() for c in word) for word in self.words], dtype=bool)


def query_terms(text: str, tokenizer: Tokenizer) -> QueryTerms:
    """The descriptive words of `text` (at most `MAX_TERMS`), weighted, with the head marked (see the module)."""
    words = _descriptive(text, tokenizer)
    weights = np.array([tokenizer.rarity(word) for word in words], dtype=np.float64)
    head = _head(text, words, tokenizer)
    return QueryTerms(tuple(words), weights, head)


def _descriptive(text: str, tokenizer: Tokenizer) -> list[str]:
    words = (normal(token) for token in tokenizer.tokens(text) if token not in REQUEST_WORDS)
    return list(dict.fromkeys(words))[:MAX_TERMS]


def _head(text: str, words: list[str], tokenizer: Tokenizer) -> int:
    """The index in `words` of the one that names the kind of thing wanted: in English the last word before a
    qualifier ("kids bike helmet for a 5 year old"); in Chinese, of the phrases between punctuation, each taken
    after its last 的, the first whose last word is a specific dictionary word ("冬天露营用的睡袋 零下也不冷" ->
    睡袋), else the last word."""
    if not words:
        return -1
    if not _HAN.search(text):
        main = _descriptive(_EN_QUALIFIER.split(text, maxsplit=1)[0], tokenizer)
        return words.index(main[-1]) if main and main[-1] in words else len(words) - 1
    for phrase in _PHRASES.split(text):
        last = _descriptive(_ZH_MODIFIER.sub("", phrase) or phrase, tokenizer)
        # Rarity 1 is a word the dictionary does not know: a typo or a fragment more often than a product.
        if last and last[-1] in words and SPECIFIC <= tokenizer.rarity(last[-1]) < 1.0:
            return words.index(last[-1])
    return len(words) - 1
