"""Every expectation can fail: each passes on the sample's tables and fails once its table is broken the way it
guards against. An expectation added to a suite without a way to break it here fails the coverage test."""

import polars as pl
import pytest

from jianghua import registry, tables
from jianghua.stages import validate

SUITES = [(table, item["id"]) for table in registry.ALL_TABLES for item in validate.suite(table)["expectations"]]
# texts each content check must catch
CAUGHT = {"no_pinyin_annotation": "党(dang)的建设", "no_halfwidth_punct_between_han": "发展,改革",
          "no_traditional_only_chars": "發展", "no_boilerplate_markers": "相关热词搜索"}


def _first(frame: pl.DataFrame, column: str, value) -> pl.DataFrame:
    """``frame`` with ``column`` of its first row set to ``value``."""
    return frame.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(value, frame.schema[column]))
                              .otherwise(pl.col(column)).alias(column))


def _shift_first(frame: pl.DataFrame, column: str, by: int) -> pl.DataFrame:
    return frame.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.col(column) + by)
                              .otherwise(pl.col(column)).alias(column))


def _breaker(table: str, expectation: str):
    """A function (frames) -> the frames changed so that ``expectation`` of ``table`` must fail."""
    if expectation == "keys_unique":
        return lambda f: {table: pl.concat([f[table], f[table].head(1)])}
    if expectation.startswith(("title_no_", "text_no_")):
        column, check = expectation.split("_", 1)
        return lambda f: {table: _first(f[table], column, f"{CAUGHT[check]}。")}
    enums = {"kind_known": "kind", "genre_known": "genre", "date_provenance_known": "date_provenance",
             "status_known": "status", "mechanism_known": "mechanism", "reason_known": "reason",
             "encoding_known": "encoding", "marker_type_known": "marker_type", "operation_known": "operation",
             "evidence_known": "evidence", "date_evidence_known": "date_evidence"}
    if expectation in enums:
        return lambda f: {table: _first(f[table], enums[expectation], "bogus")}
    simple = {
        "check_in_range": lambda f: {table: _first(f[table], "start", -1)},
        "check_slices_back": lambda f: {table: _shift_first(f[table].filter(pl.col("end") > pl.col("start")), "start", 1)},
        "check_sentence_exists": lambda f: {table: _first(f[table], "sentence_id", "no-such-sentence")},
        "check_paragraph_exists": lambda f: {table: _first(f[table], "paragraph_id", "no-such-paragraph")},
        "check_source_exists": lambda f: {table: _first(f[table], "source_id", "ffffffffffffffff")},
        "check_source_span": lambda f: {table: _first(f[table], "source_start", 1 << 40)},
        # the second sentence of a document starts before the first one ends
        "check_ordered": lambda f: {table: f[table].with_columns(
            pl.when(pl.col("sentence_no") == 2).then(0).otherwise(pl.col("start")).alias("start"))},
        "check_damage_flagged": lambda f: {table: _first(f[table], "text", "中?国")},
        "check_halfwidth_between_han": lambda f: {table: _first(f[table], "text", "发展!改革")},
        "check_not_rejected": lambda f: {"rejects": pl.concat([f["rejects"], f["rejects"].head(1).with_columns(
            path=pl.lit(f["sources"]["path"][0]))])},
        "check_before_slices_back": lambda f: {table: _first(f[table], "before", "不是原文")},
        "check_after_slices_back": lambda f: {table: _first(f[table], "after", "不是结果")},
        "span_ordered": lambda f: {table: _first(f[table], "end", -1)},
        "out_span_ordered": lambda f: {table: _first(f[table], "out_end", -1)},
        "date_iso": lambda f: {table: _first(f[table], "date", "2021/06/20")},
        "level_positive": lambda f: {table: _first(f[table], "level", 0)},
        "count_positive": lambda f: {table: _first(f[table], "count", 0)},
        "files_within_count": lambda f: {table: _first(f[table], "files", 1 << 40)},
        "files_repeated": lambda f: {table: _first(f[table], "files", 1)},
        "one_or_two_characters": lambda f: {table: _first(f[table], "chars", "三个字")},
        "row_accounting": lambda f: {"entries_per_shard": [f["sources"].height + f["rejects"].height + 1]},
        # doc_clusters: a document left out, an unknown one, a similarity past 1, a cluster named by another
        # document than its smallest, a size that is not its count, a representative from another cluster
        "documents_accounted": lambda f: {table: f[table].slice(1)},
        "check_document_exists": lambda f: {table: _first(f[table], "doc_id", "ffffffffffffffff-01")},
        "similarity_in_range": lambda f: {table: _first(f[table], "similarity", 1.5)},
        "check_cluster_named": lambda f: {table: _first(f[table], "cluster_id", "ffffffffffffffff-99")},
        "check_cluster_size": lambda f: {table: _first(f[table], "cluster_size", 2)},
        "check_representative": lambda f: {table: _first(f[table], "representative", f[table]["doc_id"][1])},
        # shared_passages: found in one cluster, in fewer documents than clusters, occurrences that do not line
        # up, lie outside their document or do not slice back
        "clusters_shared": lambda f: {table: _first(f[table], "n_clusters", 1)},
        "documents_cover_clusters": lambda f: {table: _first(f[table], "n_documents", 1)},
        "check_occurrences_aligned": lambda f: {table: _first(f[table], "starts", [0])},
        "check_occurrences_in_documents": lambda f: {table: _first(f[table], "source_ends", [-1] * f[table]["n_documents"][0])},
        "check_first_slices_back": lambda f: {table: _first(f[table], "text", "不是这一句。")},
        # warnings
        "titles_mostly_found": lambda f: {table: f[table].with_columns(title_derived=pl.lit(True))},
        "no_numbering_gaps": lambda f: {table: _first(f[table], "gap", True)},
        "all_repaired": lambda f: {table: _first(f[table], "status", "flagged")},
    }
    return simple.get(expectation)


def test_every_expectation_has_a_breaker():
    assert [(t, e) for t, e in SUITES if _breaker(t, e) is None] == []


@pytest.fixture(scope="module")
def clean(sample_frames):
    frames = dict(sample_frames)
    # warnings hold on the sample only where it has nothing to warn about
    frames["sources"] = frames["sources"].with_columns(status=pl.lit("ok"))
    frames["sections"] = frames["sections"].with_columns(gap=pl.lit(False))
    return frames


def _outcome(table: str, frames: dict, folder, expectation: str) -> dict:
    paths = {}
    for name in registry.validation_reads((table,)):
        path = folder / f"{name}.parquet"
        tables.write(frames[name], name, path)
        paths[name] = [str(path)]
    entries = frames.get("entries_per_shard", [frames["sources"].height + frames["rejects"].height])
    summary = validate.validate_table(table, paths, entries_per_shard=entries)
    return next(e for e in summary["expectations"] if e["id"] == expectation)


# the sample flags some damage, which other checks rely on: left out only where the warning is tested
WITHOUT_FLAGGED = {"all_repaired": lambda f: {"repairs": f["repairs"].filter(pl.col("status") == "repaired")}}


@pytest.mark.parametrize("table,expectation", SUITES, ids=[f"{t}-{e}" for t, e in SUITES])
def test_expectation_passes_clean_and_fails_broken(table, expectation, clean, tmp_path):
    clean = clean | WITHOUT_FLAGGED.get(expectation, dict)(clean)
    assert _outcome(table, clean, tmp_path, expectation)["success"]
    broken = clean | _breaker(table, expectation)(clean)
    outcome = _outcome(table, broken, tmp_path, expectation)
    assert not outcome["success"] and (outcome["unexpected_count"] or outcome["observed_value"] is not None)


def test_every_pattern_of_the_suites_runs_in_pyarrow_s_regex_engine():
    """great-expectations hands a regex to pandas, which runs it in pyarrow (RE2) over the whole column unless it
    holds what RE2 reads otherwise (``\\d``, ``\\s``, ``\\w``, ``\\b``, lookarounds, ``\\u`` escapes): then it
    calls Python's ``re`` once per row, most of a validation job. Digits and blanks are spelled out instead."""
    import re

    parameters = validate.shared_parameters()
    patterns = {(table, item["id"]): parameters.get(regex["$PARAMETER"]) if isinstance(regex, dict) else regex
                for table in registry.ALL_TABLES for item in validate.suite(table)["expectations"]
                if (regex := item["kwargs"].get("regex")) is not None}
    assert len(patterns) >= 5
    for where, pattern in patterns.items():
        assert re.search(r"\\[dDsSwWbBuUN]|\(\?<?[=!]|\\[1-9]", pattern) is None, where
