"""Table schemas (loaded from ``schemas/tables/*.json``, never inferred) and parquet I/O."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from jianghua import __version__, registry
from jianghua.errors import SchemaError

SCHEMA_DIR = registry.SCHEMA_DIR / "tables"

_ARROW_TYPES = {
    "string": pa.large_string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "list<string>": pa.large_list(pa.large_string()),
    "list<int64>": pa.large_list(pa.int64()),
    "binary": pa.large_binary(),
}

ALL_TABLES = registry.ALL_TABLES


@cache
def spec(table: str) -> dict:
    """The declared spec of ``table``: stage, schema_version, keys and columns."""
    path = SCHEMA_DIR / f"{table}.json"
    if not path.exists():
        raise SchemaError(f"no schema for table '{table}': expected {path}")
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of ``table``, with its schema version and the package version as metadata."""
    s = spec(table)
    fields = [pa.field(c["name"], _ARROW_TYPES[c["type"]], nullable=c["nullable"]) for c in s["columns"]]
    meta = {
        "jianghua.table": table,
        "jianghua.schema_version": str(s["schema_version"]),
        "jianghua.version": __version__,
    }
    return pa.schema(fields, metadata=meta)


def unit_of(table: str) -> str:
    """The key column naming what a row of ``table`` belongs to: its document (``doc_id``) where the table has
    one per row, else its first key (``source_id`` for the tables of sources)."""
    keys = spec(table)["keys"]
    return "doc_id" if "doc_id" in keys else keys[0]


def polars_schema(table: str) -> pl.Schema:
    """The polars schema of ``table`` (for building empty frames and casting)."""
    # from_batches, not Schema.empty_table: that one imports pandas, 0.2 s of every job
    return pl.Schema(pl.from_arrow(pa.Table.from_batches([], arrow_schema(table))).schema)


def lists(offsets: np.ndarray, values: pl.Series, name: str = "") -> pl.Series:
    """A column of lists cut from ``values`` at ``offsets`` (one more than the lists), assembled by Arrow from
    the two arrays (``pa.array`` would import pandas, 0.2 s)."""
    return pl.Series(name, pa.LargeListArray.from_arrays(pl.Series(offsets, dtype=pl.Int64).to_arrow(),
                                                         values.to_arrow(compat_level=pl.CompatLevel.oldest())))


def series(table: str, name: str, values: list) -> pl.Series:
    """Column ``name`` of ``table`` from Python values, of its declared type. A column of lists is built from
    its flattened values and offsets (``lists``): polars converts nested Python values one at a time (0.46 s
    for 114,000 short lists, against 0.05 s)."""
    dtype = polars_schema(table)[name]
    if not isinstance(dtype, pl.List):
        return pl.Series(name, values, dtype)
    offsets = np.zeros(len(values) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, values), np.int64, len(values)), out=offsets[1:])
    return lists(offsets, pl.Series([item for row in values for item in row], dtype=dtype.inner), name)


def empty(table: str) -> pl.DataFrame:
    """An empty frame with the columns and types of ``table``."""
    return pl.DataFrame(schema=polars_schema(table))


def conform(df: pl.DataFrame, table: str, columns: list[str] | None = None) -> pa.Table:
    """Select and cast ``df`` to the declared schema of ``table`` (or of its ``columns``); raise SchemaError on
    mismatch."""
    schema = arrow_schema(table)
    if columns is not None:
        schema = pa.schema([schema.field(n) for n in columns], metadata=schema.metadata)
    missing = [n for n in schema.names if n not in df.columns]
    extra = [n for n in df.columns if n not in schema.names]
    if missing or extra:
        raise SchemaError(f"table '{table}': missing columns {missing}, unexpected columns {extra}; "
                          f"fix the stage or schemas/tables/{table}.json")
    arrow = df.select(schema.names).to_arrow()
    for field in schema:
        if not field.nullable and arrow.column(field.name).null_count:
            raise SchemaError(f"table '{table}': column '{field.name}' has "
                              f"{arrow.column(field.name).null_count} nulls but is declared non-nullable")
    try:
        return arrow.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SchemaError(f"table '{table}': cannot cast to the declared schema: {exc}") from exc


def write(df: pl.DataFrame, table: str, path: str | os.PathLike, columns: list[str] | None = None,
          **parquet_options) -> None:
    """Write ``df`` as ``table`` (or those ``columns`` of it) to ``path`` atomically: a temporary name first,
    then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(conform(df, table, columns), tmp, **parquet_options)
    os.replace(tmp, path)


def tally(frame: pl.DataFrame | pl.LazyFrame, table: str) -> dict[str, dict[str, int]]:
    """Rows per value of each column the table's schema tallies (``tally``: rejects by reason, edits by
    operation, ...), commonest first; nulls count as "(none)". A lazy frame (a scan of a published table) is
    counted by the streaming engine: the edits of a gigabyte are 48 million rows, 4 GB read whole."""
    lazy = frame.lazy()
    return {column: dict(sorted(lazy.select(pl.col(column).fill_null("(none)")).group_by(column).len()
                                .collect(engine="streaming").rows(), key=lambda vc: (-vc[1], vc[0])))
            for column in spec(table).get("tally", [])}


def read(table: str, paths: str | os.PathLike | list, canonical: pl.DataFrame | None = None,
         columns: list[str] | None = None) -> pl.DataFrame:
    """Read one or several parquet files (shards, in shard order) of ``table`` with its declared schema.

    With ``canonical`` (from ``canonical_shards``), rows of a source are kept only from its canonical
    shard: identical files in two shards share a content id and must count once. ``columns`` reads only
    those (with ``canonical``, include the table's source_id or doc_id).
    """
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not paths:
        return empty(table).select(columns or pl.all())
    return pl.concat([read_shard(table, path, index, canonical if len(paths) > 1 else None, columns)
                      for index, path in enumerate(paths)])


def read_arrow(table: str, path: str | os.PathLike, columns: list[str] | None = None) -> pa.Table:
    """One parquet file of ``table`` as Arrow, cast to the declared schema (``columns`` of it, in that order).

    ``ParquetFile`` reads a single file without importing ``pyarrow.dataset``, which costs every job 0.3 s.
    """
    schema = arrow_schema(table)
    names = columns or schema.names
    try:
        return pq.ParquetFile(path).read(columns=names).select(names).cast(
            pa.schema([schema.field(n) for n in names], metadata=schema.metadata))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, KeyError, ValueError) as exc:
        raise SchemaError(f"{path}: does not hold table '{table}' as schemas/tables/{table}.json declares it "
                          f"({exc}); rebuild it with the current code") from exc


def read_shard(table: str, path: str | os.PathLike, index: int, canonical: pl.DataFrame | None = None,
               columns: list[str] | None = None) -> pl.DataFrame:
    """Read shard number ``index`` of ``table``; with ``canonical``, without the rows of sources another shard
    is canonical for (rows of an unknown source stay, for validation to find). A corpus table's one file holds
    every shard's rows: all of them are kept."""
    frame = pl.from_arrow(read_arrow(table, path, columns))
    if (canonical is None or table == "sources" or table in registry.CORPUS_TABLES
            or not {"source_id", "doc_id"} & set(frame.columns)):
        return frame
    key = pl.col("source_id") if "source_id" in frame.columns else pl.col("doc_id").str.slice(0, 16)
    return frame.filter(~key.is_in(canonical.filter(pl.col("shard") != index)["source_id"].implode()))


def canonical_shards(source_paths: list) -> pl.DataFrame:
    """source_id -> the first shard (index in ``source_paths``) that decoded it."""
    frames = [pl.from_arrow(read_arrow("sources", p, ["source_id", "status"])).with_columns(pl.lit(i).alias("shard"))
              for i, p in enumerate(source_paths)]
    if not frames:
        return pl.DataFrame(schema={"source_id": pl.String, "shard": pl.Int32})
    return (pl.concat(frames).filter(pl.col("status") != "duplicate")
            .group_by("source_id").agg(pl.col("shard").min()).sort("source_id"))
