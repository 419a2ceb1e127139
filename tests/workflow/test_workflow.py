"""Snakemake end to end, with results in temporary folders: publish, no-op rerun, determinism, consumers."""

import hashlib
import json

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pytest

import jianghua
from jianghua import registry, tables
from jianghua.inputs import walk
from jianghua.runner import STATS_PREFIX

from conftest import SAMPLE, snakemake

pytestmark = pytest.mark.slow


def _parquet_digests(version_dir):
    return {p.relative_to(version_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(version_dir.rglob("*.parquet"))}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("run")
    snakemake(workdir, "--config", f"input_dir={SAMPLE / 'corpus'}")
    root = workdir / "results" / "published"
    return workdir, root, root / (root / "LATEST").read_text().strip()


def test_every_table_is_published_with_manifest_and_card(published):
    _, root, version_dir = published
    manifest = json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["tables"]) == set(registry.PUBLISHED_TABLES)
    for table, entry in manifest["tables"].items():
        # the sample's tables are far below publish.part_megabytes: each is one part
        assert [part["path"] for part in entry["files"]] == [f"{table}/part-00000.parquet"]
        for part in entry["files"]:
            path = version_dir / part["path"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == part["sha256"]
            assert pl.read_parquet(path).height == part["rows"]
        assert sum(part["rows"] for part in entry["files"]) == entry["rows"]
        assert pl.scan_parquet(version_dir / table / "*.parquet").select(pl.len()).collect().item() == entry["rows"]
        assert entry["schema_fingerprint"] and entry["schema_version"] == tables.spec(table)["schema_version"]
    assert {"polars", "pyarrow", "great-expectations", "snakemake"} <= set(manifest["libraries"])
    card = (version_dir / "README.md").read_text(encoding="utf-8")
    assert all(f"| {c['name']} |" in card for t in registry.PUBLISHED_TABLES for c in tables.spec(t)["columns"])
    assert not list(version_dir.glob("*/*.json")), "no manifest inside a table folder"


def test_the_job_logs_figures_add_up_to_the_published_rows(published):
    workdir, _, version_dir = published
    manifest = json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))
    wrote, tallies = {}, {}
    for log in sorted((workdir / "results" / "logs").rglob("*.log")):
        for line in log.read_text(encoding="utf-8").splitlines():
            if line.startswith(STATS_PREFIX):
                stats = json.loads(line[len(STATS_PREFIX):])
                for table, rows in stats["wrote"].items():
                    wrote[table] = wrote.get(table, 0) + rows
                for name, counts in stats["tallies"].items():
                    for value, n in counts.items():
                        tallies.setdefault(name, {})[value] = tallies.setdefault(name, {}).get(value, 0) + n
    assert wrote == {table: manifest["tables"][table]["rows"] for table in registry.ALL_TABLES}  # as no row is held back
    assert manifest["tables"]["quarantine"]["rows"] == 0
    assert tallies["rejects.reason"] == manifest["tables"]["rejects"]["tallies"]["reason"]
    assert tallies["edits.operation"] == manifest["tables"]["edits"]["tallies"]["operation"]


def test_nothing_is_lost(published):
    _, root, version_dir = published
    sources = pl.read_parquet(version_dir / "sources")
    rejects = pl.read_parquet(version_dir / "rejects")
    entries = walk(SAMPLE / "corpus")
    assert sorted(sources["path"].to_list() + rejects["path"].to_list()) == entries
    assert set(rejects["reason"]) == {"empty", "binary"}


def test_second_run_runs_nothing(published):
    workdir, _, _ = published
    result = snakemake(workdir, "--config", f"input_dir={SAMPLE / 'corpus'}", "--dry-run")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_same_inputs_same_bytes_and_version(published, tmp_path):
    _, _, version_dir = published
    snakemake(tmp_path, "--config", f"input_dir={SAMPLE / 'corpus'}")
    again = tmp_path / "results" / "published" / (tmp_path / "results" / "published" / "LATEST").read_text().strip()
    assert again.name == version_dir.name
    assert _parquet_digests(again) == _parquet_digests(version_dir)


def test_consumers_read_the_published_tables(published):
    _, root, version_dir = published
    lazy = jianghua.load("sentences", root=root)
    assert isinstance(lazy, pl.LazyFrame) and lazy.select(pl.len()).collect().item() > 1000
    query = f"select count(*) from read_parquet('{version_dir}/documents/*.parquet')"
    rows = duckdb.connect().execute(query).fetchall()[0][0]
    assert rows == pl.read_parquet(version_dir / "documents").height
    dataset = ds.dataset(version_dir / "formulations", format="parquet")
    assert dataset.count_rows() > 0 and dataset.schema.metadata[b"jianghua.table"] == b"formulations"


def test_published_tables_are_sorted_by_their_keys(published):
    _, _, version_dir = published
    for table in tables.ALL_TABLES:
        frame = pl.read_parquet(version_dir / table)
        keys = tables.spec(table)["keys"]
        assert frame.select(keys).equals(frame.select(keys).sort(keys)), table


def test_broken_config_fails_fast_naming_the_key(tmp_path):
    result = snakemake(tmp_path, "--config", "shards=0", "--dry-run", check=False)
    assert result.returncode != 0
    assert "key 'shards'" in result.stdout + result.stderr


def test_seeds_publish_all_five(tmp_path, seeds_dir):
    snakemake(tmp_path, "--config", f"input_dir={seeds_dir}")
    root = tmp_path / "results" / "published"
    sources = jianghua.load("sources", root=root).collect()
    assert sources.height == 5 and jianghua.load("rejects", root=root).collect().height == 0
    documents = jianghua.load("documents", root=root).collect()
    assert documents.height == 8
