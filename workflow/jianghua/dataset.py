"""Reading the published tables: what a consumer imports (``jianghua.load``), and nothing of the stages."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from jianghua.errors import JianghuaError
from jianghua.registry import PUBLISHED_TABLES

DEFAULT_ROOT = Path("results/published")


def load(table: str, version: str = "latest", root: str | os.PathLike = DEFAULT_ROOT) -> pl.LazyFrame:
    """A published table as a polars LazyFrame; ``version="latest"`` follows ``LATEST``."""
    root = Path(root)
    if table not in PUBLISHED_TABLES:
        raise JianghuaError(f"unknown table '{table}': choose one of {', '.join(PUBLISHED_TABLES)}")
    if version == "latest":
        latest = root / "LATEST"
        if not latest.exists():
            raise JianghuaError(f"no published version under {root}: run `snakemake --cores 2` first")
        version = latest.read_text().strip()
    folder = root / version / table
    if not folder.is_dir():
        raise JianghuaError(f"version '{version}' has no table '{table}' under {root}")
    return pl.scan_parquet(folder / "*.parquet")
