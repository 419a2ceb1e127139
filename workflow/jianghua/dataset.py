"""Reading the published tables: what a consumer imports (``jianghua.load``), and nothing of the stages."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from jianghua.errors import JianghuaError
from jianghua.registry import PUBLISHED_TABLES

DEFAULT_ROOT = Path("results/published")


def latest_version(root: str | os.PathLike = DEFAULT_ROOT) -> str:
    """The newest published version: ``LATEST``, or while it is being rewritten the last line of ``HISTORY``."""
    root = Path(root)
    for name in ("LATEST", "HISTORY"):
        try:
            found = (root / name).read_text(encoding="utf-8").split()
        except FileNotFoundError:
            continue
        if found:
            return found[-1]
    raise JianghuaError(f"no published version under {root}: run `snakemake --cores 2` first")


def load(table: str, version: str = "latest", root: str | os.PathLike = DEFAULT_ROOT,
         deduplicated: bool = False) -> pl.LazyFrame:
    """A published table as a polars LazyFrame; ``version="latest"`` follows ``LATEST``.

    ``deduplicated=True`` keeps the rows of one document per cluster of near-duplicates (its representative,
    ``doc_clusters``): counts are then of distinct texts. Only tables with a ``doc_id`` column have such a
    view.
    """
    root = Path(root)
    if table not in PUBLISHED_TABLES:
        raise JianghuaError(f"unknown table '{table}': choose one of {', '.join(PUBLISHED_TABLES)}")
    if version == "latest":
        version = latest_version(root)
    folder = root / version / table
    if not folder.is_dir():
        raise JianghuaError(f"version '{version}' has no table '{table}' under {root}")
    frame = pl.scan_parquet(folder / "*.parquet")
    if not deduplicated:
        return frame
    if "doc_id" not in frame.collect_schema().names():
        raise JianghuaError(f"table '{table}' has no doc_id column: only document tables have a deduplicated view")
    clusters = root / version / "doc_clusters"
    if not clusters.is_dir():
        raise JianghuaError(f"version '{version}' has no doc_clusters table: it predates the reuse stage")
    representatives = (pl.scan_parquet(clusters / "*.parquet").filter(pl.col("doc_id") == pl.col("representative"))
                       .select("doc_id"))
    return frame.join(representatives, on="doc_id", how="semi", maintain_order="left")
