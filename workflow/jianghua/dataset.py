"""Reading the published tables: what a consumer imports (``jianghua.load``), and nothing of the stages."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from jianghua.errors import JianghuaError
from jianghua.registry import ALL_TABLES

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


def load(table: str, version: str = "latest", root: str | os.PathLike = DEFAULT_ROOT) -> pl.LazyFrame:
    """A published table as a polars LazyFrame; ``version="latest"`` follows ``LATEST``."""
    root = Path(root)
    if table not in ALL_TABLES:
        raise JianghuaError(f"unknown table '{table}': choose one of {', '.join(ALL_TABLES)}")
    if version == "latest":
        version = latest_version(root)
    folder = root / version / table
    if not folder.is_dir():
        raise JianghuaError(f"version '{version}' has no table '{table}' under {root}")
    return pl.scan_parquet(folder / "*.parquet")
