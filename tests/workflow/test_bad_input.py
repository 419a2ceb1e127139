"""Whatever a scraper leaves behind: the run completes and every entry ends in sources or rejects."""

import os
import shutil

import polars as pl
import pytest

from jianghua.decode import walk

from conftest import SAMPLE, snakemake

pytestmark = pytest.mark.slow


def test_hostile_folder(tmp_path):
    corpus = tmp_path / "in"
    (corpus / "子目录").mkdir(parents=True)
    plain = SAMPLE / "corpus" / "0000_plain.txt"
    shutil.copy(plain, corpus / "name with spaces.txt")
    shutil.copy(plain, corpus / "same bytes again.txt")          # a duplicate, whatever shard it lands in
    shutil.copy(SAMPLE / "corpus" / "0003_plain.txt", corpus / "子目录" / "中文名.txt")
    shutil.copy(SAMPLE / "corpus" / "0004_compilation.txt", corpus / "new\nline.txt")
    shutil.copy(SAMPLE / "corpus" / "0005_plain.txt", corpus / "we{ird}[x]$name.txt")
    (corpus / "truncated.txt").write_bytes("发展".encode("utf-8")[:-1])
    (corpus / "nul.txt").write_bytes(b"abc\x00def\x00\x00")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "scan.bin").write_bytes(bytes(range(256)) * 8)
    os.symlink("/etc/hostname", corpus / "outside.txt")
    os.symlink(tmp_path / "missing", corpus / "broken.txt")
    os.symlink("name with spaces.txt", corpus / "inside-link.txt")
    work = tmp_path / "work"
    snakemake(work, "--config", f"input_dir={corpus}", "shards=3")
    root = work / "results" / "published"
    version = root / (root / "LATEST").read_text().strip()
    sources, rejects = pl.read_parquet(version / "sources"), pl.read_parquet(version / "rejects")
    assert sorted(sources["path"].to_list() + rejects["path"].to_list()) == walk(corpus)
    assert dict(zip(rejects["path"], rejects["reason"])) == {
        "nul.txt": "binary", "empty.txt": "empty", "scan.bin": "binary", "outside.txt": "outside-link",
        "broken.txt": "outside-link"}
    assert rejects["detail"].str.len_chars().min() > 10
    copies = sources.filter(pl.col("source_id") == sources.filter(path="name with spaces.txt")["source_id"][0])
    assert sorted(copies["status"]) == ["duplicate", "duplicate", "ok"]
    assert pl.read_parquet(version / "decoded")["source_id"].is_unique().all()
    assert sources.filter(path="truncated.txt")["evidence"][0].startswith("utf-8 truncated")
    assert "Nothing to be done" in snakemake(work, "--config", f"input_dir={corpus}", "shards=3", "--dry-run").stdout
