"""Near-duplicate texts: folding, MinHash signatures, and the banded LSH join that pairs them.

``fold`` keeps what a site's edits leave alone: Han characters and Latin letters (lower case); a run of
digits becomes one ``0`` (a changed year or number) and a run of mask tokens one ``×`` (other masks), and
punctuation and blanks go. Traditional text is Simplified already (the normalize stage). It works on code
point arrays (a tenth of the time of the same folding with polars regexes).

Signatures are one-permutation MinHash with optimal densification (Shrivastava, ICML 2017): each shingle
(``shingle_chars`` consecutive folded characters) is hashed once to 64 bits, whose high half picks one of
``permutations`` bins and whose low half is the value; a signature holds each bin's least value, and an empty
bin (a short text) takes the value of the first filled bin along a probe sequence that depends on the bin
alone. Two texts then agree in a bin with a probability equal to the Jaccard similarity of their shingle
sets, as with as many independent permutations, for one hash per shingle instead of one per permutation.

Every hash is a fixed function of the text (a polynomial over code points, then splitmix64's finalizer, with
the constants below), so signatures are the same on every machine and for any shard count.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from jianghua.text.chars import codepoints, is_han_points, text_of

FOLDED_MASK = "×"
FOLDED_DIGITS = "0"
BASE = np.uint64(0x100000001B3)  # the polynomial's base (odd: multiplying by it is a bijection mod 2**64)
SEED = np.uint64(0x9E3779B97F4A7C15)  # the documented seed of every hash here (2**64 / golden ratio)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
LOW32 = np.uint64(0xFFFFFFFF)
PAIR_BLOCK = 1 << 16  # candidate pairs compared at a time: memory of a block, not of every pair


def fold(texts: pl.Series, mask_token: str) -> tuple[np.ndarray, np.ndarray]:
    """``texts`` folded for comparison, laid end to end: their code points (uint32) and each one's folded length.

    A run of ``mask_token`` becomes one ``×`` and a run of digits (ASCII or full width) one ``0``; Latin letters
    are lower-cased; Han characters, Latin letters, ``0`` and ``×`` stay and everything else goes. Runs never
    reach across texts: a sentence folds the same wherever it stands.
    """
    if mask_token != FOLDED_MASK:
        texts = texts.str.replace_all(mask_token, FOLDED_MASK, literal=True)
    points = codepoints(texts.str.join("").item() if len(texts) else "")
    lengths = texts.str.len_chars().to_numpy().astype(np.int64)
    opens = np.zeros(points.size, bool)
    opens[(np.cumsum(lengths) - lengths)[lengths > 0]] = True
    digit = ((points >= 0x30) & (points <= 0x39)) | ((points >= 0xFF10) & (points <= 0xFF19))
    upper = (points >= 0x41) & (points <= 0x5A)
    mask = points == ord(FOLDED_MASK)
    keep = is_han_points(points) | upper | ((points >= 0x61) & (points <= 0x7A))
    for run in (digit, mask):  # the first character of a run stays
        keep |= run & (opens | ~np.concatenate([[False], run[:-1]]))
    folded = points + upper.astype(np.uint32) * np.uint32(0x20)
    folded[digit] = ord(FOLDED_DIGITS)
    kept = np.concatenate([[0], np.cumsum(keep)])
    ends = np.cumsum(lengths)
    return folded[keep], kept[ends] - kept[ends - lengths]


def fold_text(text: str, mask_token: str) -> str:
    """One text folded (``fold``)."""
    return text_of(fold(pl.Series([text]), mask_token)[0])


def span_hashes(points: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each text laid end to end in ``points``: the sum of the mixed (position, code point)
    pairs of its characters, mixed with its length (whole-array steps, however many texts)."""
    lengths = np.asarray(lengths, np.int64)
    ends = np.cumsum(lengths)
    position = np.arange(points.size) - np.repeat(ends - lengths, lengths)
    terms = mix64((position.astype(np.uint64) << np.uint64(32)) | points.astype(np.uint64))
    sums = np.concatenate([np.zeros(1, np.uint64), np.cumsum(terms, dtype=np.uint64)])
    return mix64((sums[ends] - sums[ends - lengths]) ^ (lengths.astype(np.uint64) * SEED))


def mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: a bijection of uint64 in which every output bit depends on every input bit."""
    values = values ^ (values >> np.uint64(30))
    values *= _MIX1
    values ^= values >> np.uint64(27)
    values *= _MIX2
    return values ^ (values >> np.uint64(31))


def shingle_hashes(points: np.ndarray, lengths: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The 64-bit hashes of the ``k``-character shingles of texts laid end to end in ``points`` (text ``i`` has
    ``lengths[i]`` code points), and the text of each hash.

    A text shorter than ``k`` is one shingle (so that two equal short texts are equal); an empty one has none.
    """
    lengths = np.asarray(lengths, np.int64)
    ends = np.cumsum(lengths)
    x = points.astype(np.uint64)
    positions = max(x.size - k + 1, 0)
    rolled = x[:positions].copy()
    for j in range(1, k):  # Horner's rule, one pass per character of the shingle
        rolled *= BASE
        rolled += x[j:positions + j]
    owner = np.repeat(np.arange(lengths.size), lengths)[:positions]
    inside = np.arange(positions) + k <= ends[owner]
    hashes, owner = rolled[inside], owner[inside]
    short = np.flatnonzero((lengths > 0) & (lengths < k))
    if short.size:  # a short text's hash: the same polynomial over its whole length
        starts, size = ends[short] - lengths[short], lengths[short]
        whole = np.zeros(short.size, np.uint64)
        for j in range(k - 1):
            more = j < size
            whole[more] = whole[more] * BASE + x[starts[more] + j]
        hashes, owner = np.concatenate([hashes, whole]), np.concatenate([owner, short])
    width = np.where(lengths[owner] < k, lengths[owner], k).astype(np.uint64)
    return mix64(hashes ^ (width * SEED)), owner


def signatures(hashes: np.ndarray, owner: np.ndarray, n_texts: int, n_bins: int) -> np.ndarray:
    """One-permutation MinHash signatures (``n_texts`` x ``n_bins``, uint32) of the texts' shingle hashes,
    densified; a text without shingles has ``filled`` all false and a signature of ones it never shares."""
    bins = ((hashes >> np.uint64(32)) * np.uint64(n_bins)) >> np.uint64(32)  # the high half onto the bins
    cells = owner * n_bins + bins.astype(np.int64)
    signature = np.full(n_texts * n_bins, np.iinfo(np.uint32).max, np.uint32)
    np.minimum.at(signature, cells, (hashes & LOW32).astype(np.uint32))
    filled = np.zeros(n_texts * n_bins, bool)
    filled[cells] = True
    signature, filled = signature.reshape(n_texts, n_bins), filled.reshape(n_texts, n_bins)
    empty = ~filled & filled.any(axis=1, keepdims=True)
    text, bin_ = np.nonzero(empty)
    attempt = np.uint64(0)
    while text.size:  # each empty bin probes bins (a sequence fixed by the bin) until it finds a filled one
        attempt += np.uint64(1)
        probe = (((mix64(bin_.astype(np.uint64) * SEED + attempt) >> np.uint64(32)) * np.uint64(n_bins))
                 >> np.uint64(32)).astype(np.int64)
        found = filled[text, probe]
        signature[text[found], bin_[found]] = signature[text[found], probe[found]]
        text, bin_ = text[~found], bin_[~found]
    return signature


def band_keys(signature: np.ndarray, bands: int) -> np.ndarray:
    """A 64-bit key per text and band (``n_texts`` x ``bands``): the hash of the band's ``rows`` values."""
    n_texts, n_bins = signature.shape
    values = signature.reshape(n_texts, bands, n_bins // bands).astype(np.uint64)
    key = np.zeros((n_texts, bands), np.uint64)
    for row in range(values.shape[2]):
        key = key * BASE + values[:, :, row]
    return mix64(key ^ SEED)


def candidate_pairs(keys: np.ndarray, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (u < v) of eligible texts that share a band key, as two index arrays sorted by (u, v).

    Within a band's bucket each text is paired with the bucket's first text and with the one before it (texts
    in index order): O(texts x bands) pairs however large a bucket grows, and a bucket of copies of one text
    is connected all the same. A bucket holding unrelated texts would need all its pairs, but buckets are
    keyed by ``rows`` equal values, which unrelated texts almost never share.
    """
    index = np.flatnonzero(eligible)
    if index.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    found = []
    for band in range(keys.shape[1]):
        key = keys[index, band]
        order = np.argsort(key, kind="stable")  # stable: a bucket's texts in index order
        members, key = index[order], key[order]
        opens = np.concatenate([[True], key[1:] != key[:-1]])
        first = members[np.flatnonzero(opens)[np.cumsum(opens) - 1]]
        later = ~opens
        found += [np.stack([first[later], members[later]]), np.stack([members[:-1][later[1:]], members[1:][later[1:]]])]
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pairs = np.unique(np.concatenate(found, axis=1), axis=1)
    return pairs[0], pairs[1]


def similarity(signature: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The estimated Jaccard similarity of texts ``u[i]`` and ``v[i]``: the share of bins their signatures share."""
    out = np.empty(u.size, np.float64)
    for start in range(0, u.size, PAIR_BLOCK):
        block = slice(start, start + PAIR_BLOCK)
        out[block] = (signature[u[block]] == signature[v[block]]).mean(axis=1)
    return out


def components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """For each of ``n`` nodes, the smallest node of its connected component under the edges ``(u[i], v[i])``.

    Union by hooking the larger root under the smaller, then pointer jumping, until every edge joins one root:
    whole-array steps, a few rounds for the chains near-duplicates form.
    """
    parent = np.arange(n)
    while True:
        pu, pv = parent[u], parent[v]
        apart = pu != pv
        if not apart.any():
            return parent
        np.minimum.at(parent, np.maximum(pu, pv)[apart], np.minimum(pu, pv)[apart])
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
