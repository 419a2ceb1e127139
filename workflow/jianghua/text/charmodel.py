"""A character bigram model of Chinese text, for scoring decodings and ranking repair candidates.

Counts come from ``data/char_unigrams.tsv`` and ``data/char_bigrams.tsv`` (``tools/build_char_model.py``
derives them from jieba's word list and the People's Daily corpus of January 1998): fixed data, never the
corpus being processed, so every shard scores alike. Traditional characters are folded to Simplified with
OpenCC's character table before lookup, so one model serves both scripts.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from jianghua.text.chars import CJK_PUNCTUATION, codepoints, is_han
from jianghua.text.data import read_text
from jianghua.text.t2s import t2s_characters

# The interpolation weights of the corpus bigrams, the word-list model and the unigrams: the lowest held-out
# cross-entropy on the corpus among those ``tools/build_char_model.py --held-out`` tries.
WEIGHTS = (0.5, 0.45, 0.05)
# The weights of the corpus trigrams, the word-list trigrams and the bigram estimate: of the two with the lowest
# held-out cross-entropy that ``tools/build_char_model.py --held-out`` prints ((0.4, 0.3, 0.3) 6.271 bits,
# (0.3, 0.3, 0.4) 6.275), the one whose repairs are best calibrated on bench/repair.py's unseen prose (more
# weight on the bigram: fewer confident errors where a trigram is unseen)
TRIGRAM_WEIGHTS = (0.3, 0.3, 0.4)
SORTED_LOOKUP = 20_000  # queries from which sorting them first pays
CODE_POINTS = 0x110000


def _totals(name: str) -> dict[str, int]:
    """The ``# totals:`` line of a table's header (``name=count`` pairs)."""
    line = next(line for line in read_text(name).splitlines() if line.startswith("# totals:"))
    return {key: int(value) for key, value in (item.split("=") for item in line.removeprefix("# totals:").split())}


@cache
def _fold_points() -> np.ndarray:
    """``t2s_characters`` as an array: the folded code point of every code point."""
    fold = np.arange(CODE_POINTS, dtype=np.int64)
    single = [(ord(a), ord(b)) for a, b in t2s_characters().items() if len(a) == len(b) == 1]
    fold[[a for a, _ in single]] = [b for _, b in single]
    fold.flags.writeable = False  # shared by every model
    return fold


class CharModel:
    """A character trigram model of Chinese prose from fixed, well-kept counts (the same for every corpus).

    P(b | a) interpolates (``WEIGHTS``) three estimates: the corpus bigram ``C(ab) / C(a)`` (running text,
    punctuation included); the word-list model, which reads text as words drawn by their frequencies:
    ``(W(ab) + E(a) q(b)) / W(a)``, where ``W(ab)`` counts ``ab`` inside words, ``E(a)`` the words ending in
    ``a`` and ``q(b)`` is the chance that the next token opens with ``b`` (a word opening with ``b``, or the
    mark ``b`` at its share of the corpus's tokens); and the unigram. An estimate that knows nothing of ``a``
    (the word list after a mark, the corpus after a character it never saw) gives its weight to the others.
    P(c | a b) likewise interpolates (``TRIGRAM_WEIGHTS``) the corpus trigram, the word-list trigram
    ``(W(abc) + E(ab) q(c)) / W(ab)`` (which knows that ``ab`` closes a word: 確保 before 科技) and P(c | b).
    Where ``ab`` is inside no word, ``b`` opens one, and the word-list trigram reads on from the words opening
    with ``b``: ``(S(bc) + L(b) q(c)) / S(b)``, ``S`` the words opening so, ``L(b)`` the word ``b`` alone (去 is a
    word far more often than 取, which mostly opens 取得: 們去創造, not 們取創造).
    Traditional characters are folded to Simplified first. Every lookup is vectorised over code-point arrays.
    """

    def __init__(self, unigram_rows: Table, bigram_rows: Table, trigram_rows: Table, totals: dict[str, int]):
        """Each table as rows of text (``read_tsv``) or as arrays (``_table_arrays``)."""
        chars, counts = _arrays(unigram_rows, 1, 5)
        chars = chars[:, 0]
        self.slot = np.zeros(CODE_POINTS, np.int32)  # slot 0: a character neither source has
        self.slot[chars] = np.arange(1, chars.size + 1)
        corpus, words, starts, ends, alone = (np.concatenate(([0.0], column)) for column in counts.T)
        han = np.concatenate(([False], [is_han(chr(c)) for c in chars.tolist()]))
        tokens, word_total = totals["corpus_tokens"], totals["word_list"]
        marks = np.where(han, 0.0, corpus / tokens)  # marks, digits and letters: their share of the tokens
        self.opens = np.where(han, (1.0 - marks.sum()) * starts / word_total, marks)  # q(b)
        self.corpus, self.words, self.ends, self.starts, self.alone = corpus, words, ends, starts, alone
        self.unigram = 0.5 * corpus / corpus.sum() + 0.5 * words / words.sum()
        self.unigram[0] = 0.1 / corpus.sum()  # an unknown character: rarer than any seen once
        points, counts = _arrays(bigram_rows, 2, 4)
        self._pairs = _keyed((points[:, 0] << 21) | points[:, 1], counts)
        points, counts = _arrays(trigram_rows, 3, 2)
        self._triples = _keyed((points[:, 0] << 42) | (points[:, 1] << 21) | points[:, 2], counts)
        self.fold = _fold_points()
        self._memo: dict[str, float] = {}

    def unigram_logp_array(self, chars: np.ndarray) -> np.ndarray:
        """log P(char) of many code points at once."""
        return np.log(self.unigram[self.slot[self.fold[chars]]])

    def unigram_logp(self, char: str) -> float:
        """log P(char)."""
        return float(self.unigram_logp_array(np.array([ord(char)]))[0])

    def logp_array(self, prev: np.ndarray, chars: np.ndarray, weights: tuple[float, float, float] = WEIGHTS) -> np.ndarray:
        """log P(char | prev) of many (prev, char) code-point pairs at once."""
        return np.log(self._p2(self.fold[prev], self.fold[chars], weights))

    def _p2(self, prev: np.ndarray, chars: np.ndarray, weights: tuple[float, float, float] = WEIGHTS,
            pairs: list[np.ndarray] | None = None) -> np.ndarray:
        """P(char | prev) of folded code points (``pairs``: their rows of the bigram table, if looked up)."""
        a, b = self.slot[prev], self.slot[chars]
        pair_corpus, pair_words, _, _ = pairs or _lookup(self._pairs, (prev << 21) | chars)
        corpus_a, words_a = self.corpus[a], self.words[a]
        in_corpus, in_words = corpus_a > 0, words_a > 0  # the word list knows only what follows a Han character
        p_corpus = np.where(in_corpus, pair_corpus / np.maximum(corpus_a, 1.0), 0.0)
        p_words = np.where(in_words, (pair_words + self.ends[a] * self.opens[b]) / np.maximum(words_a, 1.0), 0.0)
        w_corpus, w_words, w_unigram = weights
        mixed = w_corpus * p_corpus + w_words * np.minimum(p_words, 1.0) + w_unigram * self.unigram[b]
        return mixed / (w_corpus * in_corpus + w_words * in_words + w_unigram)

    def logp3_array(self, first: np.ndarray, prev: np.ndarray, chars: np.ndarray,
                    weights: tuple[float, float, float] = TRIGRAM_WEIGHTS) -> np.ndarray:
        """log P(char | first prev) of many triples at once; a negative ``first`` (no such character) gives
        log P(char | prev)."""
        known = first >= 0
        first, prev, chars = self.fold[np.where(known, first, 0)], self.fold[prev], self.fold[chars]
        pairs = _lookup(self._pairs, (prev << 21) | chars)
        bigram = self._p2(prev, chars, pairs=pairs)
        triple_corpus, triple_words = _lookup(self._triples, (first << 42) | (prev << 21) | chars)
        context_corpus, context_words, context_ends, _ = _lookup(self._pairs, (first << 21) | prev)
        b, opens_c = self.slot[prev], self.opens[self.slot[chars]]
        inside = context_words > 0
        opening = pairs[3]  # the words opening with "prev char"
        in_corpus, in_words = known & (context_corpus > 0), known & (inside | (self.starts[b] > 0))
        p_corpus = np.where(in_corpus, triple_corpus / np.maximum(context_corpus, 1.0), 0.0)
        p_words = np.where(inside, (triple_words + context_ends * opens_c) / np.maximum(context_words, 1.0),
                           (opening + self.alone[b] * opens_c) / np.maximum(self.starts[b], 1.0))
        p_words = np.where(in_words, p_words, 0.0)
        w_corpus, w_words, w_bigram = weights
        mixed = w_corpus * p_corpus + w_words * np.minimum(p_words, 1.0) + w_bigram * bigram
        return np.log(mixed / (w_corpus * in_corpus + w_words * in_words + w_bigram))

    def logp(self, prev: str, char: str) -> float:
        """log P(char | prev) (memoised: repairs ask often)."""
        key = prev + char
        value = self._memo.get(key)
        if value is None:
            value = self._memo[key] = float(self.logp_array(np.array([ord(prev)]), np.array([ord(char)]))[0])
        return value

    def text_logp(self, text: str, before: str = "") -> float:
        """log-probability of ``text`` after its neighbour ``before`` (one char, or none)."""
        return float(self.texts_logp([text], [before])[0])

    def texts_logp(self, texts: list[str], befores: list[str]) -> np.ndarray:
        """``text_logp`` of many texts, each after its own ``before``, from one array pass (a few numpy calls per
        text were most of the cost of telling a meant sign from damage). A text's terms are summed one after
        another, its first character's unigram (where nothing is before it) last."""
        chars = [before[-1:] + text for text, before in zip(texts, befores)]
        lengths = np.array([len(c) for c in chars], np.int64)
        points = codepoints("".join(chars)).astype(np.int64)
        grid = np.zeros((len(chars), max(1, lengths.max(initial=0))), np.int64)  # a row per text, its code points
        starts = np.cumsum(lengths) - lengths
        grid[np.repeat(np.arange(len(chars)), lengths), np.arange(points.size) - np.repeat(starts, lengths)] = points
        paired = np.arange(grid.shape[1] - 1) < (lengths - 1)[:, None]
        logp = np.zeros(paired.shape)
        logp[paired] = self.logp_array(grid[:, :-1][paired], grid[:, 1:][paired])
        total = np.zeros(len(chars))
        for column in logp.T:
            total = total + column
        alone = np.flatnonzero((lengths > 0) & np.array([not b for b in befores], bool))
        total[alone] = self.unigram_logp_array(grid[alone, 0]) + total[alone]
        return total


Table = list[list[str]] | tuple[np.ndarray, np.ndarray]  # rows of text, or (code points, counts) arrays


def _arrays(table: Table, key_length: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(code points of each key, one row per key; its ``width`` count columns) of a table."""
    if isinstance(table, tuple):
        return table
    keys = "".join(row[0] for row in table)
    points = np.frombuffer(keys.encode("utf-32-le"), np.uint32).astype(np.int64).reshape(-1, key_length)
    return points, np.array([row[1:1 + width] for row in table], np.float64).reshape(-1, width)


def _table_arrays(name: str, key_length: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """A shipped table as arrays, parsed by polars (the same rows as ``read_tsv``, several times faster)."""
    import polars as pl

    frame = pl.read_csv(read_text(name).encode("utf-8"), separator="\t", has_header=False, comment_prefix="#",
                        quote_char=None, schema={"key": pl.String, **{f"n{k}": pl.Float64 for k in range(width)}})
    keys = "".join(frame["key"].to_list())
    points = np.frombuffer(keys.encode("utf-32-le"), np.uint32).astype(np.int64).reshape(-1, key_length)
    return points, frame.select(pl.exclude("key")).to_numpy().astype(np.float64).reshape(-1, width)


def _keyed(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys and their counts, one row per count column (a lookup takes every column in one index)."""
    order = np.argsort(keys, kind="stable")
    return keys[order], np.ascontiguousarray(counts[order].T)


def _lookup(table: tuple[np.ndarray, np.ndarray], keys: np.ndarray) -> list[np.ndarray]:
    """The count columns of each key (zeros for a key the table lacks)."""
    sorted_keys, counts = table
    flat = keys.reshape(-1)
    if flat.size > SORTED_LOOKUP:  # sorted queries walk the key table in order: several times faster
        order = np.argsort(flat)
        at = np.empty(flat.size, np.int64)
        at[order] = np.minimum(np.searchsorted(sorted_keys, flat[order]), sorted_keys.size - 1)
    else:
        at = np.minimum(np.searchsorted(sorted_keys, flat), sorted_keys.size - 1)
    found = sorted_keys[at] == flat
    return list(np.where(found, counts[:, at], 0.0).reshape(counts.shape[0], *keys.shape))


@cache
def default_model() -> CharModel:
    """The model of the shipped tables (``CHARACTER_MODEL`` in ``jianghua.registry``)."""
    return CharModel(_table_arrays("char_unigrams.tsv", 1, 5), _table_arrays("char_bigrams.tsv", 2, 4),
                     _table_arrays("char_trigrams.tsv", 3, 2), _totals("char_unigrams.tsv"))


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
