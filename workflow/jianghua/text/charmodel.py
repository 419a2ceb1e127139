"""A character bigram model of Chinese text, for scoring decodings and ranking repair candidates.

Counts come from ``data/char_unigrams.tsv`` and ``data/char_bigrams.tsv`` (derived from jieba's word
list, Simplified) and, optionally, from the corpus being processed (which adds the punctuation context
the word list lacks). Traditional characters are folded to Simplified with OpenCC's character table
before lookup, so one model serves both scripts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cache, cached_property

import numpy as np

from jianghua.text.chars import CJK_PUNCTUATION
from jianghua.text.data import read_tsv
from jianghua.text.t2s import t2s_characters

CORPUS_WEIGHT = 100_000  # one corpus occurrence weighs like this many word-list counts
BIGRAM_WEIGHT = 0.8
CODE_POINTS = 0x110000


def _pair_keys(points: np.ndarray) -> np.ndarray:
    """The key of each pair of neighbouring code points: the first shifted past the 21 bits of the second."""
    return (points[:-1].astype(np.int64) << 21) | points[1:]


@cache
def _word_list_counts() -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """Unigram counts, and sorted bigram keys with their counts, of the shipped word list (read once)."""
    unigrams = {c: int(n) for c, n in read_tsv("char_unigrams.tsv")}
    rows = read_tsv("char_bigrams.tsv")
    keys = np.array([(ord(b[0]) << 21) | ord(b[1]) for b, _ in rows], np.int64)
    order = np.argsort(keys, kind="stable")
    return unigrams, keys[order], np.array([int(n) for _, n in rows], np.float64)[order]


@cache
def _fold_points() -> np.ndarray:
    """``t2s_characters`` as an array: the folded code point of every code point."""
    fold = np.arange(CODE_POINTS, dtype=np.int64)
    single = [(ord(a), ord(b)) for a, b in t2s_characters().items() if len(a) == len(b) == 1]
    fold[[a for a, _ in single]] = [b for _, b in single]
    fold.flags.writeable = False  # shared by every model
    return fold


def corpus_counts(texts: Iterable[str]) -> tuple[list[str], np.ndarray]:
    """The characters and neighbouring pairs of ``texts`` (Traditional folded to Simplified; no pair across two
    texts), each once, with how often it occurs: what a model adapts to (``CharModel(counts=...)``), and what
    the survey counts over the whole corpus."""
    texts = list(texts)
    if not texts:
        return [], np.zeros(0, np.int64)
    points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), np.uint32)
    points = _fold_points()[points].astype(np.int64)  # Traditional characters count as Simplified
    chars, char_counts = np.unique(points, return_counts=True)
    inside = np.ones(max(points.size - 1, 0), bool)  # a pair across two texts is no bigram
    starts = np.cumsum([len(text) for text in texts])[:-1]
    inside[starts[(starts > 0) & (starts < points.size)] - 1] = False
    pairs, pair_counts = np.unique(_pair_keys(points)[inside], return_counts=True)
    keys = [*map(chr, chars.tolist()), *(chr(k >> 21) + chr(k & 0x1FFFFF) for k in pairs.tolist())]
    return keys, np.concatenate((char_counts, pair_counts)).astype(np.int64)


class CharModel:
    """Interpolated character bigram model with add-one unigram smoothing.

    It adapts to a corpus given as ``extra_texts``, or as ``counts``: characters and pairs with how often they
    occur, folded to Simplified (``corpus_counts``, or the survey's table of them)."""

    def __init__(self, extra_texts: Iterable[str] = (), counts: tuple[Iterable[str], Iterable[int]] | None = None):
        self.fold = t2s_characters()
        unigrams, keys, counts_ = _word_list_counts()
        self.unigrams = dict(unigrams)
        grams, occurrences = corpus_counts(extra_texts) if counts is None else counts
        grams, occurrences = list(grams), np.asarray(list(occurrences), np.float64)
        if grams:
            # corpus counts are scaled so that a few thousand characters weigh like the word list
            single = np.fromiter(map(len, grams), np.int64, len(grams)) == 1
            for char, n in zip(np.array(grams, dtype=object)[single].tolist(), occurrences[single].tolist()):
                self.unigrams[char] = self.unigrams.get(char, 0) + CORPUS_WEIGHT * int(n)
            pair_points = np.array([[ord(g[0]), ord(g[1])] for g in np.array(grams, dtype=object)[~single].tolist()],
                                   np.int64).reshape(-1, 2)
            pairs = (pair_points[:, 0] << 21) | pair_points[:, 1]
            keys, inverse = np.unique(np.concatenate((keys, pairs)), return_inverse=True)
            counts_ = np.bincount(inverse, np.concatenate((counts_, CORPUS_WEIGHT * occurrences[~single])))
        self._bigram_keys, self._bigram_counts = keys, counts_
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

    def _bigram_count(self, prev: str, char: str) -> float:
        key = (ord(prev) << 21) | ord(char)
        at = int(np.searchsorted(self._bigram_keys, key))
        found = at < self._bigram_keys.size and self._bigram_keys[at] == key
        return float(self._bigram_counts[at]) if found else 0.0

    def _logp(self, prev: str, char: str) -> float:
        prev, char = self.fold.get(prev, prev), self.fold.get(char, char)
        p_uni = (self.unigrams.get(char, 0) + 1) / (self.total + self.vocabulary)
        prev_count = self.unigrams.get(prev, 0)
        p_bi = self._bigram_count(prev, char) / prev_count if prev_count else 0.0
        return math.log(BIGRAM_WEIGHT * min(p_bi, 1.0) + (1 - BIGRAM_WEIGHT) * p_uni)

    @cached_property
    def _tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(fold per code point, unigram count per code point, sorted bigram keys, their counts)."""
        unigrams = np.zeros(CODE_POINTS, np.float64)
        chars = [(ord(c), n) for c, n in self.unigrams.items() if len(c) == 1]
        unigrams[[c for c, _ in chars]] = [n for _, n in chars]
        return _fold_points(), unigrams, self._bigram_keys, self._bigram_counts

    def unigram_logp_array(self, chars: np.ndarray) -> np.ndarray:
        """``unigram_logp`` of many code points at once."""
        fold, unigrams, _, _ = self._tables
        return np.log((unigrams[fold[chars]] + 1) / (self.total + self.vocabulary))

    def logp_array(self, prev: np.ndarray, chars: np.ndarray) -> np.ndarray:
        """``logp`` of many (prev, char) code-point pairs at once."""
        fold, unigrams, keys, counts = self._tables
        prev, chars = fold[prev], fold[chars]
        p_uni = (unigrams[chars] + 1) / (self.total + self.vocabulary)
        prev_count = unigrams[prev]
        key = (prev << 21) | chars
        order = np.argsort(key)  # sorted queries walk the key table in order: several times faster
        at = np.empty(key.size, np.int64)
        at[order] = np.minimum(np.searchsorted(keys, key[order]), keys.size - 1)
        pair_count = np.where(keys[at] == key, counts[at], 0.0)
        p_bi = np.where(prev_count > 0, pair_count / np.maximum(prev_count, 1.0), 0.0)
        return np.log(BIGRAM_WEIGHT * np.minimum(p_bi, 1.0) + (1 - BIGRAM_WEIGHT) * p_uni)

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
IS_PUNCTUATION = np.zeros(0x10000, bool)
IS_PUNCTUATION[[ord(c) for c in CJK_PUNCTUATION]] = True
IS_CONTROL = np.zeros(0x20, bool)
IS_CONTROL[[c for c in range(0x20) if chr(c) not in "\t\n\r\f"]] = True
PUNCTUATION_LOGP = -4.0
CONTROL_LOGP = -1000.0  # one control character rules out a reading on the unigram score alone


def plausibility(text: str, model: CharModel | None = None, sample: int = 600) -> float:
    """How much ``text`` reads as Chinese: mean log-probability of its non-ASCII characters given the one before.

    Real text scores about -6 to -8; mojibake (Big5 bytes read as GBK, UTF-16 read with the wrong byte
    order) falls to -12 and below, as its characters are rare or of other scripts. ASCII-only text scores
    ``ASCII_ONLY``: plausible, but below Chinese, since it is what Chinese UTF-16 read in the wrong order
    gives when it holds no ASCII (4E00 一 read big-endian from 00 4E is "N").
    Control characters pull the score down. Only the first ``sample`` characters are scored.
    """
    model = model or default_model()
    points = np.frombuffer(text[:sample].encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.int64)
    if not points.size:
        return ASCII_ONLY
    prev = np.concatenate(([ord(" ")], points[:-1]))
    wide = points >= 0x80
    scores = np.where(IS_PUNCTUATION[points[wide] & 0xFFFF] & (points[wide] < 0x10000), PUNCTUATION_LOGP,
                      model.logp_array(prev[wide], points[wide]))
    controls = np.count_nonzero(IS_CONTROL[points[points < 0x20]])
    mean = scores.mean() if scores.size else ASCII_ONLY
    return float(mean - 50.0 * controls / points.size)


@cache
def _unigram_scores() -> np.ndarray:
    """The score of each code point for ``unigram_plausibility``; 0 marks plain ASCII, which is not counted."""
    scores = default_model().unigram_logp_array(np.arange(CODE_POINTS)).astype(np.float32)
    scores[:0x10000][IS_PUNCTUATION] = PUNCTUATION_LOGP
    scores[:0x80] = 0.0
    scores[:0x20][IS_CONTROL] = CONTROL_LOGP
    return scores


def unigram_plausibility(text: str, sample: int = 600) -> float:
    """A cheap ``plausibility``: the mean unigram log-probability (shipped counts) of the non-ASCII characters
    among the first ``sample``, with CJK punctuation at ``PUNCTUATION_LOGP``.

    It separates clear cases only: mojibake reads as rare characters (Big5 bytes read as GB18030 score about
    8 lower than the right reading, even on a dozen bytes), and a control character sinks the score.
    """
    points = np.frombuffer(text[:sample].encode("utf-32-le", "surrogatepass"), np.uint32)
    scores = _unigram_scores().take(points)
    counted = np.count_nonzero(scores)  # every counted character has a negative score
    return float(scores.sum() / counted) if counted else ASCII_ONLY
