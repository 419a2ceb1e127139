"""Counts by distinct text: formulation counts per mention and per cluster of near-duplicate documents.

A template site's copy of a speech repeats every formulation of it, so a count of mentions is inflated by
copies. ``formulation_counts`` gives, per canonical formulation, its mentions in every document and in the
clusters' representatives only (one text per cluster: ``jianghua.load(..., deduplicated=True)``), and the
documents and clusters that hold it. The dataset card (``card_section``) and the report show them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

COUNT_COLUMNS = ("canonical", "mentions", "distinct_mentions", "documents", "clusters")


def formulation_counts(formulations: pl.DataFrame | pl.LazyFrame,
                       doc_clusters: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Per canonical formulation: ``mentions`` (every document), ``distinct_mentions`` (representatives only),
    ``documents`` and ``clusters`` holding it; most mentions first (ties by canonical form).

    ``formulations`` needs doc_id and canonical, ``doc_clusters`` doc_id, cluster_id and representative. A
    document missing from ``doc_clusters`` counts as a cluster of its own.
    """
    clusters = doc_clusters.lazy().select("doc_id", "cluster_id", (pl.col("doc_id") == pl.col("representative"))
                                          .alias("is_representative"))
    joined = (formulations.lazy().select("doc_id", "canonical").join(clusters, on="doc_id", how="left")
              .with_columns(pl.col("cluster_id").fill_null(pl.col("doc_id")),
                            pl.col("is_representative").fill_null(True)))
    return (joined.group_by("canonical")
            .agg(mentions=pl.len(), distinct_mentions=pl.col("is_representative").sum(),
                 documents=pl.col("doc_id").n_unique(), clusters=pl.col("cluster_id").n_unique())
            .select(COUNT_COLUMNS).cast({c: pl.Int64 for c in COUNT_COLUMNS[1:]})
            .sort(["mentions", "canonical"], descending=[True, False]).collect())


def card_section(folder: str | Path, top: int = 25) -> str:
    """The dataset card's section on counts by distinct text, read from a version folder's ``formulations`` and
    ``doc_clusters`` parts: the corpus's documents and clusters, and the ``top`` formulations."""
    folder = Path(folder)
    formulations = pl.scan_parquet(folder / "formulations" / "*.parquet")
    doc_clusters = pl.scan_parquet(folder / "doc_clusters" / "*.parquet")
    documents, clusters = doc_clusters.select(pl.len(), pl.col("cluster_id").n_unique()).collect().row(0)
    counts = formulation_counts(formulations, doc_clusters).head(top)
    lines = ["## Counts by distinct text", "",
             f"{documents} documents in {clusters} clusters of near-duplicates (`doc_clusters`); "
             "`jianghua.load(table, deduplicated=True)` keeps one representative per cluster. Formulations with "
             "the most mentions: in every document, in the representatives only, and the documents and "
             "clusters holding them.", "",
             "| formulation | mentions | in distinct texts | documents | clusters |", "|---|---|---|---|---|"]
    lines += [f"| {c} | {m} | {d} | {n} | {k} |" for c, m, d, n, k in counts.iter_rows()] or ["| (none) | | | | |"]
    return "\n".join(lines) + "\n"
