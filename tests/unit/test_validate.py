import json
import re

import polars as pl
import pytest

from jianghua import tables, validate
from jianghua.errors import ValidationFailed


@pytest.fixture(scope="module")
def paths(tmp_path_factory, sample_frames):
    folder = tmp_path_factory.mktemp("tables")
    out = {}
    for name in ("documents", "sentences", "paragraphs", "normalized"):
        path = folder / f"{name}.parquet"
        tables.write(sample_frames[name], name, path)
        out[name] = [str(path)]
    return out


def test_clean_table_passes(paths):
    summary = validate.validate_table("sentences", paths)
    assert summary["success"] and summary["failed_critical"] == []
    assert {e["id"] for e in summary["expectations"]} >= {"check_slices_back", "text_no_pinyin_annotation"}


def test_broken_table_stops_publishing_with_the_rows(paths, tmp_path, sample_frames):
    broken = sample_frames["sentences"].with_columns(
        pl.when(pl.col("sentence_no") == 3).then(pl.col("end") + 1).otherwise(pl.col("end")).alias("end"),
        pl.when(pl.col("sentence_no") == 5).then(pl.lit("發(fā)展")).otherwise(pl.col("text")).alias("text"))
    path = tmp_path / "sentences.parquet"
    tables.write(broken, "sentences", path)
    summary = validate.validate_table("sentences", {**paths, "sentences": [str(path)]})
    assert not summary["success"]
    assert {"check_slices_back", "text_no_pinyin_annotation", "text_no_traditional_only_chars"} <= set(summary["failed_critical"])
    with pytest.raises(ValidationFailed) as info:
        validate.gate({"sentences": summary})
    message = str(info.value)
    first_doc = sample_frames["documents"]["doc_id"].sort()[0]
    assert "table 'sentences': expectation 'check_slices_back'" in message
    assert re.search(rf'"doc_id": "{first_doc}", "sentence_no": 3', message)
    assert "expectation 'text_no_pinyin_annotation'" in message and '"sentence_no": 5' in message


def test_data_docs_are_built_and_escape_corpus_text(paths, tmp_path, sample_frames):
    broken = sample_frames["documents"].with_columns(pl.lit("<script>alert(1)</script>發(fā)展").alias("title"))
    path = tmp_path / "documents.parquet"
    tables.write(broken, "documents", path)
    out = tmp_path / "documents.json"
    validate.run("documents", {**paths, "documents": [str(path)]}, str(out), str(tmp_path / "docs"), None)
    summary = json.loads(out.read_text(encoding="utf-8"))
    assert "title_no_pinyin_annotation" in summary["failed_critical"]
    pages = list((tmp_path / "docs").rglob("*.html"))
    assert any(p.name == "index.html" for p in pages)
    assert any("validations" in p.parts and p.stem.startswith("documents") for p in pages)
    # great-expectations renders unexpected values unescaped, so none are handed to its Data Docs
    assert all("<script>alert" not in p.read_text(encoding="utf-8") for p in pages)
    assert summary["expectations"][0]["example_rows"] == [] and any(e["example_rows"] for e in summary["expectations"])


def test_traditional_only_characters_exclude_shared_ones():
    chars = validate.traditional_only()
    assert "發" in chars and "說" in chars
    assert "发" not in chars and "著" not in chars and "乾" not in chars
