"""The same input published with 1, 4 and 16 shards: the same rows in every table (corpus-wide facts are mined
over all shards at once, and no shard's result depends on which files share it)."""

import polars as pl
import pytest

from jianghua import registry, tables

from conftest import SAMPLE, snakemake

pytestmark = pytest.mark.slow

SHARD_COUNTS = (1, 4, 16)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[int, dict[str, pl.DataFrame]]:
    """Every published table of the sample corpus, per shard count, sorted by its keys."""
    found = {}
    for shards in SHARD_COUNTS:
        workdir = tmp_path_factory.mktemp(f"shards{shards}")
        snakemake(workdir, "--config", f"input_dir={SAMPLE / 'corpus'}", f"shards={shards}")
        root = workdir / "results" / "published"
        version = root / (root / "LATEST").read_text().strip()
        found[shards] = {table: pl.read_parquet(version / table / "*.parquet").sort(tables.spec(table)["keys"])
                         for table in registry.PUBLISHED_TABLES}
    return found


def test_published_rows_do_not_depend_on_the_shard_count(runs):
    """Every table holds the same rows: repairs too, whose character model is fixed, never built from a shard."""
    for table in registry.PUBLISHED_TABLES:
        for shards in SHARD_COUNTS[1:]:
            assert runs[shards][table].equals(runs[1][table]), f"{table}: {shards} shards differ from 1"
    assert runs[1]["documents"].height > 0 and runs[1]["edits"]["rule"].drop_nulls().len() > 0
