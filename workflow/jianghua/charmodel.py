"""A character bigram model of Chinese text, for scoring decodings and ranking repair candidates.

Counts come from ``data/char_unigrams.tsv`` and ``data/char_bigrams.tsv`` (derived from jieba's word
list, Simplified) and, optionally, from the corpus being processed (which adds the punctuation context
the word list lacks). Traditional characters are folded to Simplified with OpenCC's character table
before lookup, so one model serves both scripts.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

import opencc

CORPUS_WEIGHT = 100_000  # one corpus occurrence weighs like this many word-list counts
OPENCC_DICTIONARY = Path(opencc.__file__).resolve().parent / "dictionary"


def read_tsv(name: str) -> list[list[str]]:
    """Rows of a tab-separated data file shipped in ``jianghua/data`` (``#`` lines are comments)."""
    text = resources.files("jianghua").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def t2s_characters() -> dict[str, str]:
    """OpenCC's Traditional -> Simplified character table (first candidate of each entry)."""
    table = {}
    for line in (OPENCC_DICTIONARY / "TSCharacters.txt").read_text(encoding="utf-8").splitlines():
        source, targets = line.split("\t")
        table[source] = targets.split(" ")[0]
    return table


@cache
def fold_table() -> dict[int, str]:
    """``str.translate`` table folding Traditional characters to Simplified."""
    return str.maketrans(t2s_characters())


def is_latin(char: str) -> bool:
    """Latin letters with diacritics (pinyin tone marks among them)."""
    return "\u00c0" <= char <= "\u024f" or "\u1e00" <= char <= "\u1eff"


def is_han(char: str) -> bool:
    """True for CJK unified ideographs (basic block and extension A)."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


class CharModel:
    """Interpolated character bigram model with add-one unigram smoothing."""

    def __init__(self, extra_texts: Iterable[str] = ()):
        fold = t2s_characters()
        self.fold = fold
        self.unigrams = Counter({c: int(n) for c, n in read_tsv("char_unigrams.tsv")})
        self.bigrams = Counter({b: int(n) for b, n in read_tsv("char_bigrams.tsv")})
        for text in extra_texts:
            folded = text.translate(fold_table())
            # corpus counts are scaled so that a few thousand characters weigh like the word list
            self.unigrams.update({c: CORPUS_WEIGHT * n for c, n in Counter(folded).items()})
            self.bigrams.update({b: CORPUS_WEIGHT * n for b, n in Counter(map(str.__add__, folded, folded[1:])).items()})
        self.total = sum(self.unigrams.values())
        self._memo: dict[str, float] = {}
        self.vocabulary = len(self.unigrams) + 1

    def unigram_logp(self, char: str) -> float:
        """log P(char) with add-one smoothing."""
        char = self.fold.get(char, char)
        return math.log((self.unigrams.get(char, 0) + 1) / (self.total + self.vocabulary))

    def logp(self, prev: str, char: str) -> float:
        """log P(char | prev), interpolating bigram and unigram estimates (memoised: repairs ask often)."""
        key = prev + char
        value = self._memo.get(key)
        if value is None:
            value = self._memo[key] = self._logp(prev, char)
        return value

    def _logp(self, prev: str, char: str, weight: float = 0.8) -> float:
        prev, char = self.fold.get(prev, prev), self.fold.get(char, char)
        p_uni = (self.unigrams.get(char, 0) + 1) / (self.total + self.vocabulary)
        prev_count = self.unigrams.get(prev, 0)
        p_bi = self.bigrams.get(prev + char, 0) / prev_count if prev_count else 0.0
        return math.log(weight * min(p_bi, 1.0) + (1 - weight) * p_uni)

    def text_logp(self, text: str, before: str = "", after: str = "") -> float:
        """log-probability of ``text`` between its neighbours ``before`` and ``after`` (one char each)."""
        chars = before[-1:] + text + after[:1]
        score = 0.0 if before else self.unigram_logp(chars[0]) if chars else 0.0
        return score + sum(self.logp(a, b) for a, b in zip(chars, chars[1:]))


@cache
def default_model() -> CharModel:
    """The model from the shipped counts only."""
    return CharModel()


ASCII_ONLY = -10.0
# The word list holds no punctuation; in Chinese text these marks are about as common as the commonest words.
CJK_PUNCTUATION = frozenset("，。、；：？！“”‘’（）《》【】—…·「」")
PUNCTUATION_LOGP = -4.0


def plausibility(text: str, model: CharModel | None = None, sample: int = 2000) -> float:
    """How much ``text`` reads as Chinese: mean log-probability of its non-ASCII characters given the one before.

    Real text scores about -6 to -8; mojibake (Big5 bytes read as GBK, UTF-16 read with the wrong byte
    order) falls to -12 and below, as its characters are rare or of other scripts. ASCII-only text scores
    ``ASCII_ONLY``: plausible, but below Chinese, since it is what Chinese UTF-16 read in the wrong order
    gives when it holds no ASCII (4E00 一 read big-endian from 00 4E is "N").
    Control characters pull the score down. Only the first ``sample`` characters are scored.
    """
    model = model or default_model()
    text = text[:sample]
    scores = [PUNCTUATION_LOGP if char in CJK_PUNCTUATION else model.logp(prev, char)
              for prev, char in zip(" " + text, text) if not char.isascii()]
    controls = sum(1 for c in text if c < " " and c not in "\t\n\r\f")
    mean = sum(scores) / len(scores) if scores else ASCII_ONLY
    return mean - 50.0 * controls / max(len(text), 1)
