"""Reuse stage: near-duplicate documents (``doc_clusters``) and the passages that documents of different clusters
share (``shared_passages``), so that counts can be of distinct texts and reuse itself can be studied.

A map-reduce over the shards, in one job. The map folds each shard's sentences (``text/minhash.py``: masks,
digits and punctuation folded) and keeps, per document, a MinHash signature of its folded body (its sentences
end to end; not its title, which sites rewrite) and, per folded sentence of at least ``reuse.min_passage_chars``,
a 64-bit hash with its document and row. The reduce holds only those, never a text: banded LSH pairs the
documents that share a band, each pair is verified by its estimated similarity, and clusters are the
connected components of the pairs at ``reuse.similarity`` or more. A second pass over the shards fetches the
offsets of the sentences whose hash occurs in two clusters or more (and the text of each one's first).

Nothing depends on the shards: documents are put in doc_id order before the join, a cluster is named by its
smallest doc_id, and its representative is its fullest text (the most folded characters; ties go to the
smallest doc_id). A document without a folded character (no sentence, or none but punctuation) is a cluster of
its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl

from jianghua import tables
from jianghua.errors import ConfigError
from jianghua.text.chars import text_of
from jianghua.text.minhash import (band_keys, candidate_pairs, components, fold, shingle_hashes, signatures,
                                   similarity, span_hashes)

SENTENCE_ORDER = ("doc_id", "sentence_no")
CHUNK_CHARS = 1 << 20  # characters folded and hashed at a time: the map's memory follows it, not the shard


@dataclass(frozen=True)
class ReuseConfig:
    """The stage's config: the ``reuse`` section and the mask token, checked."""

    similarity: float
    shingle_chars: int
    permutations: int
    bands: int
    min_passage_chars: int
    mask_token: str

    @classmethod
    def of(cls, settings) -> ReuseConfig:
        """From a stage's settings; the bands must split the permutations evenly."""
        found = cls(*(settings[f"reuse.{k}"] for k in ("similarity", "shingle_chars", "permutations", "bands",
                                                       "min_passage_chars")), settings["normalize.mask_token"])
        if found.permutations % found.bands:
            raise ConfigError(f"config key 'reuse.bands' ({found.bands}) must divide 'reuse.permutations' "
                              f"({found.permutations})")
        return found


@dataclass
class ShardPart:
    """What the map keeps of one shard: its documents (doc_id order), their signatures (until the join takes
    them) and folded body lengths, and (hash, document, sentence) of its sentences long enough to be passages,
    the sentence as its row in the shard's ``sentences``."""

    doc_ids: pl.Series
    signature: np.ndarray | None
    body_chars: np.ndarray
    passage_hash: np.ndarray
    passage_doc: np.ndarray
    passage_row: np.ndarray


def sentence_order(sentences: pl.DataFrame) -> np.ndarray:
    """The rows of a shard's ``sentences`` in (doc_id, sentence_no) order: a document's body, end to end."""
    return sentences.select(pl.arg_sort_by(SENTENCE_ORDER)).to_series().to_numpy()


def shard_part(documents: pl.DataFrame, sentences: pl.DataFrame, config: ReuseConfig,
               chunk_chars: int = CHUNK_CHARS) -> ShardPart:
    """The map over one shard, folded and hashed a run of documents of about ``chunk_chars`` characters at a
    time (a document's signature is of its text alone: the runs change no value)."""
    order = sentence_order(sentences)
    doc_ids = documents["doc_id"].sort()
    doc_of = (sentences.select(pl.col("doc_id").gather(order))
              .join(pl.DataFrame({"doc_id": doc_ids, "doc": np.arange(len(doc_ids), dtype=np.int32)}), on="doc_id",
                    how="left", maintain_order="left")["doc"])
    if doc_of.null_count():
        raise ValueError("sentences of a document the documents table does not hold: rebuild the segment stage")
    doc_of = doc_of.to_numpy()
    texts = sentences["text"].gather(order)
    n = len(doc_ids)
    doc_chars = np.bincount(doc_of, weights=texts.str.len_chars().to_numpy(), minlength=n).astype(np.int64)
    run_of = (np.cumsum(doc_chars) - doc_chars) // max(chunk_chars, 1)  # each document's run
    doc_bounds = np.concatenate([[0], np.flatnonzero(np.diff(run_of)) + 1, [n]]) if n else np.zeros(1, np.int64)
    sentence_bounds = np.searchsorted(doc_of, doc_bounds)  # sentences are in document order
    signature = np.empty((n, config.permutations), np.uint32)
    body_chars = np.zeros(n, np.int64)
    passage = []
    for da, db, sa, sb in zip(doc_bounds[:-1], doc_bounds[1:], sentence_bounds[:-1], sentence_bounds[1:]):
        points, lengths = fold(texts.slice(sa, sb - sa), config.mask_token)
        body = np.bincount(doc_of[sa:sb] - da, weights=lengths, minlength=db - da).astype(np.int64)
        hashes, owner = shingle_hashes(points, body, config.shingle_chars)
        signature[da:db], body_chars[da:db] = signatures(hashes, owner, db - da, config.permutations), body
        long_enough = np.flatnonzero(lengths >= config.min_passage_chars)
        passage.append((span_hashes(points, lengths)[long_enough], doc_of[sa:sb][long_enough],
                        order[sa:sb][long_enough].astype(np.int32)))
    hashes, docs, rows = (np.concatenate(c) for c in zip(*passage)) if passage else (
        np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.int32))
    return ShardPart(doc_ids, signature, body_chars, hashes, docs, rows)


def cluster(signature: np.ndarray, body_chars: np.ndarray, config: ReuseConfig) -> tuple[np.ndarray, np.ndarray]:
    """For documents in doc_id order: each one's cluster (its smallest document) and representative.

    Candidate pairs share a band of their signatures; a pair is kept when its estimated similarity reaches
    ``similarity``; clusters are the connected components of the kept pairs.
    """
    n = body_chars.size
    u, v = candidate_pairs(band_keys(signature, config.bands), body_chars > 0)
    kept = similarity(signature, u, v) >= config.similarity
    root = components(n, u[kept], v[kept])
    # per cluster, its fullest text (ties: the smallest document)
    order = np.lexsort((np.arange(n), -body_chars, root))
    opens = np.concatenate([[True], root[order][1:] != root[order][:-1]])[:n]  # none for no document
    representative_of = np.empty(n, np.int64)
    representative_of[root[order][opens]] = order[opens]
    return root, representative_of[root]


def doc_clusters(doc_ids: pl.Series, signature: np.ndarray, root: np.ndarray,
                 representative: np.ndarray) -> pl.DataFrame:
    """The ``doc_clusters`` rows of documents in doc_id order."""
    return pl.DataFrame({
        "doc_id": doc_ids, "cluster_id": doc_ids.gather(root), "representative": doc_ids.gather(representative),
        "similarity": similarity(signature, np.arange(root.size), representative),
        "cluster_size": np.bincount(root, minlength=root.size)[root],
    }).cast(dict(tables.polars_schema("doc_clusters")))


def shared_rows(parts: list[ShardPart], rank: list[np.ndarray], root: np.ndarray) -> pl.DataFrame:
    """(hash, doc, shard, row, n_clusters, n_documents, first) of every sentence whose hash is found in two
    clusters or more; ``doc`` in doc_id order, ``first`` marking each hash's first occurrence."""
    doc = np.concatenate([r[p.passage_doc] for p, r in zip(parts, rank)]).astype(np.int32)
    rows = pl.DataFrame({
        "hash": np.concatenate([p.passage_hash for p in parts]), "doc": doc, "cluster": root[doc].astype(np.int32),
        "shard": np.repeat(np.arange(len(parts), dtype=np.int32), [p.passage_hash.size for p in parts]),
        "row": np.concatenate([p.passage_row for p in parts]),
    })
    counts = (rows.group_by("hash").agg(n_clusters=pl.col("cluster").n_unique(), n_documents=pl.col("doc").n_unique())
              .filter(pl.col("n_clusters") >= 2))
    shared = rows.join(counts, on="hash").drop("cluster").sort("hash", "doc", "row")
    return shared.with_columns(first=pl.col("hash").is_first_distinct())


SPANS = ("start", "end", "source_start", "source_end")  # of a sentence, listed per occurrence of its passage


def passages(shards: Iterable[dict[str, pl.DataFrame]], shared: pl.DataFrame, doc_ids: pl.Series,
             config: ReuseConfig) -> pl.DataFrame:
    """The ``shared_passages`` rows: a second pass over the shards for the offsets of ``shared``'s sentences
    (and the text of each passage's first occurrence).

    The offsets are put in place in ``shared``'s order (hash, document, row) and the lists cut from them where
    a hash begins, never sorted or grouped: at a gigabyte, 7.5 million occurrences sorted and grouped as a frame
    held 1.7 GB. A passage's id is its hash in hex, so hash order is passage_id order."""
    if not shared.height:
        return tables.empty("shared_passages")
    hashes, docs = shared["hash"].to_numpy(), shared["doc"].to_numpy()
    shard_of, row_of, first = (shared[c].to_numpy() for c in ("shard", "row", "first"))
    spans = {c: np.zeros(shared.height, np.int64) for c in SPANS}
    heads = np.flatnonzero(first)
    texts: list[str | None] = [None] * heads.size
    passage_of = np.cumsum(first) - 1
    for index, frames in enumerate(shards):
        at = np.flatnonzero(shard_of == index)
        if at.size:
            sentences = frames["sentences"]
            for c in SPANS:
                spans[c][at] = sentences[c].to_numpy()[row_of[at]]
            at = at[first[at]]
            for k, text in zip(passage_of[at].tolist(), sentences["text"].gather(row_of[at]).to_list()):
                texts[k] = text
    same = (hashes[1:] == hashes[:-1]) & (docs[1:] == docs[:-1])
    if (spans["start"][1:][same] < spans["start"][:-1][same]).any():  # a document's rows out of text order
        order = np.lexsort((spans["start"], docs, hashes))
        docs, spans = docs[order], {c: v[order] for c, v in spans.items()}
    offsets = np.append(heads, shared.height)
    points, lengths = fold(pl.Series(texts, dtype=pl.String), config.mask_token)
    folded_text, ends = text_of(points), np.cumsum(lengths).tolist()
    return pl.DataFrame({
        "passage_id": pl.Series([f"{h:016x}" for h in hashes[heads].tolist()], dtype=pl.String),
        "folded": pl.Series([folded_text[end - size:end] for end, size in zip(ends, lengths.tolist())],
                            dtype=pl.String),
        "text": pl.Series(texts, dtype=pl.String),
        "n_clusters": shared["n_clusters"].gather(heads), "n_documents": shared["n_documents"].gather(heads),
        "doc_ids": tables.lists(offsets, doc_ids.gather(docs)),
        **{f"{c}s": tables.lists(offsets, pl.Series(spans[c])) for c in SPANS},
    }).cast(dict(tables.polars_schema("shared_passages")))


def reuse(shards: Iterable[dict[str, pl.DataFrame]], config: ReuseConfig) -> dict[str, pl.DataFrame]:
    """Both tables from every shard's ``documents`` and ``sentences`` (``shards`` is iterated twice)."""
    parts = [shard_part(frames["documents"], frames["sentences"], config) for frames in shards]
    if not parts:
        return {"doc_clusters": tables.empty("doc_clusters"), "shared_passages": tables.empty("shared_passages")}
    unsorted = pl.concat([p.doc_ids for p in parts])
    order = unsorted.arg_sort().to_numpy()
    rank_all = np.empty(order.size, np.int64)
    rank_all[order] = np.arange(order.size)  # each document's place in doc_id order
    offsets = np.cumsum([0] + [len(p.doc_ids) for p in parts])
    rank = [rank_all[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
    signature = np.empty((order.size, config.permutations), np.uint32)
    body_chars = np.empty(order.size, np.int64)
    for part, places in zip(parts, rank):  # each shard's signatures into their places, one shard at a time
        signature[places], body_chars[places] = part.signature, part.body_chars
        part.signature = None
    doc_ids = unsorted.gather(order)
    root, representative = cluster(signature, body_chars, config)
    shared = shared_rows(parts, rank, root)
    clusters = doc_clusters(doc_ids, signature, root, representative)
    del parts, rank, signature  # what the map kept of every shard: the second pass needs only ``shared``
    return {"doc_clusters": clusters, "shared_passages": passages(shards, shared, doc_ids, config)}


def run(shards: Iterable[dict[str, pl.DataFrame]], settings) -> dict[str, pl.DataFrame]:
    """Cluster the corpus's documents and find its shared passages."""
    return reuse(shards, ReuseConfig.of(settings))
