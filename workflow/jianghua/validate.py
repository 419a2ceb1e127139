"""Validate stage: one great-expectations suite per table (``schemas/expectations/<table>.json``).

Checks that span rows or tables (offsets slicing back, references, row accounting) are computed with polars
as boolean ``check_*`` columns, which the suite then expects to be true; everything else is a plain
expectation on the table's own columns. Each suite runs once over all shards of its table. The result JSON
(deterministic: no run times or ids) and great-expectations' Data Docs land under ``results/validation/``; a failed critical
expectation does not stop this job, it stops ``publish``, which reads the results.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path

import polars as pl

from jianghua import tables
from jianghua.normalize import t2s_table
from jianghua.errors import ValidationFailed

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "schemas" / "expectations"
EXAMPLE_ROWS = 5
QUESTION_NEXT_TO_HAN = r"[\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}]\?|\?[\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}]"


@cache
def traditional_only() -> str:
    """Characters the normalize stage always converts and never outputs, as a regex class body."""
    patterns, replacements = t2s_table()
    produced = set("".join(replacements))
    return "".join(sorted(p for p, r in zip(patterns, replacements) if len(p) == 1 and p != r and p not in produced))


def suite(table: str) -> dict:
    """The expectation suite of ``table`` as stored in ``schemas/expectations``."""
    return json.loads((EXPECTATIONS_DIR / f"{table}.json").read_text(encoding="utf-8"))


def _with_lengths(frame: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    return frame.join(documents.select("doc_id", pl.col("text").str.len_chars().alias("doc_len")), on="doc_id",
                      how="left")


def _in_range() -> pl.Expr:
    return ((pl.col("start") >= 0) & (pl.col("start") <= pl.col("end")) & (pl.col("end") <= pl.col("doc_len"))
            ).fill_null(False).alias("check_in_range")


def _slices_back(frame: pl.DataFrame, documents: pl.DataFrame, column: str, wrap: tuple = ("", "")) -> pl.Series:
    # Python slicing over one dict of document texts: a polars join would copy each document once per row.
    texts = dict(zip(documents["doc_id"], documents["text"]))
    ok = [(doc := texts.get(doc_id)) is not None and doc[start:end] == f"{wrap[0]}{value}{wrap[1]}"
          for doc_id, start, end, value in zip(frame["doc_id"], frame["start"], frame["end"], frame[column])]
    return pl.Series("check_slices_back", ok, dtype=pl.Boolean)


def _spans(slice_column: str | None, wrap: tuple = ("", ""), in_sentence: bool = True) -> Callable:
    """Checks for rows that are spans of a document: in range, slicing back, in an existing sentence."""
    def derive(frame: pl.DataFrame, other: dict[str, pl.DataFrame]) -> pl.DataFrame:
        checks = [_in_range()]
        if slice_column:
            checks.append(_slices_back(frame, other["documents"], slice_column, wrap))
        if in_sentence:
            checks.append(pl.col("sentence_id").is_in(other["sentences"]["sentence_id"].implode())
                          .alias("check_sentence_exists"))
        return _with_lengths(frame, other["documents"]).with_columns(checks).drop("doc_len")
    return derive


def _sentences(frame: pl.DataFrame, other: dict[str, pl.DataFrame]) -> pl.DataFrame:
    frame = frame.sort("doc_id", "sentence_no")
    return _with_lengths(frame, other["documents"]).with_columns(
        _in_range(),
        _slices_back(frame, other["documents"], "text"),
        (pl.col("start") >= pl.col("end").shift(1).over("doc_id").fill_null(0)).alias("check_ordered"),
        pl.col("paragraph_id").is_in(other["paragraphs"]["paragraph_id"].implode()).alias("check_paragraph_exists"),
        (pl.col("source_start") <= pl.col("source_end")).alias("check_source_span"),
    ).drop("doc_len")


def _normalized(frame: pl.DataFrame, other: dict[str, pl.DataFrame]) -> pl.DataFrame:
    # every "?" left next to a Han character must lie in a span the decode stage flagged
    flagged = (other["repairs"].filter(pl.col("status") == "flagged")
               .group_by("source_id").agg(pl.col("after").str.count_matches(r"\?").sum().alias("flagged")))
    return (frame.join(flagged, on="source_id", how="left")
            .with_columns((pl.col("text").str.count_matches(QUESTION_NEXT_TO_HAN) <= pl.col("flagged").fill_null(0))
                          .alias("check_damage_flagged"))
            .drop("flagged"))


def _documents(frame: pl.DataFrame, other: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return frame.with_columns(pl.col("source_id").is_in(other["normalized"]["source_id"].implode())
                              .alias("check_source_exists"))


def _sources(frame: pl.DataFrame, other: dict[str, pl.DataFrame]) -> pl.DataFrame:
    overlap = frame["path"].is_in(other["rejects"]["path"].implode())
    return frame.with_columns(overlap.not_().alias("check_not_rejected"))


# table -> (other tables the checks read, function adding the check_* columns)
DERIVED: dict[str, tuple[tuple[str, ...], Callable]] = {
    "sources": (("rejects",), _sources),
    "normalized": (("repairs",), _normalized),
    "documents": (("normalized",), _documents),
    "sentences": (("documents", "paragraphs"), _sentences),
    "paragraphs": (("documents",), _spans("text", in_sentence=False)),
    "sections": (("documents",), _spans(None, in_sentence=False)),
    "formulations": (("documents", "sentences"), _spans("surface")),
    "quotes": (("documents", "sentences"), _spans("text", ("“", "”"))),
    "citations": (("documents", "sentences"), _spans("title", ("《", "》"))),
    "masks": (("documents", "sentences"), _spans("token")),
}


def _parameters(table: str, other: dict[str, pl.DataFrame], input_files: int | None) -> dict:
    """Values the suites refer to as {"$PARAMETER": name}: computed, or too long to keep in the JSON."""
    parameters = {"traditional_only": f"[{traditional_only()}]"}
    if table == "sources" and input_files is not None:
        parameters["expected_source_rows"] = input_files - other["rejects"].height
    return parameters


def run_suite(table: str, frame: pl.DataFrame, parameters: dict, docs_dir: str | None = None) -> dict:
    """Run the suite of ``table`` on ``frame`` with great-expectations; return a deterministic summary.

    With ``docs_dir``, the run goes through a checkpoint of a file context there, which builds its Data Docs.
    """
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations as gx  # costs seconds: imported only in validation jobs
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    spec = suite(table)
    if docs_dir:
        shutil.rmtree(docs_dir, ignore_errors=True)
    context = gx.get_context(mode="file", project_root_dir=docs_dir) if docs_dir else gx.get_context(mode="ephemeral")
    batch = (context.data_sources.add_pandas(table).add_dataframe_asset(table)
             .add_batch_definition_whole_dataframe(table))
    gx_suite = gx.ExpectationSuite(name=spec["name"])
    for item in spec["expectations"]:
        config = ExpectationConfiguration(type=item["type"], kwargs=item["kwargs"], meta={"id": item["id"]},
                                          severity=item["severity"])
        gx_suite.add_expectation(config.to_domain_obj())  # (add_expectation_configuration upserts by column)
    gx_suite = context.suites.add(gx_suite)
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=table, data=batch, suite=gx_suite))
    batch_parameters = {"dataframe": frame.to_pandas(use_pyarrow_extension_array=True)}
    # partial_unexpected_count=0 keeps corpus values out of the Data Docs, whose renderer does not escape
    # them; the row indexes (for our example rows) are still returned.
    result_format = {"result_format": "COMPLETE", "partial_unexpected_count": 0}
    if docs_dir:
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=table, validation_definitions=[definition], result_format=result_format,
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")]))
        run = checkpoint.run(batch_parameters=batch_parameters, expectation_parameters=parameters)
        result = next(iter(run.run_results.values()))
    else:
        result = definition.run(batch_parameters=batch_parameters, expectation_parameters=parameters,
                                result_format=result_format)
    keys = tables.spec(table)["keys"]
    outcomes = []
    by_id = {item["id"]: item for item in spec["expectations"]}
    for r in result.results:
        item = by_id[r.expectation_config.meta["id"]]
        indexes = (r.result or {}).get("unexpected_index_list") or []
        examples = [{k: _plain(frame[k][i]) for k in keys} for i in sorted(indexes)[:EXAMPLE_ROWS]] if indexes else []
        outcomes.append({"id": item["id"], "type": item["type"], "kwargs": item["kwargs"], "severity": item["severity"],
                         "success": bool(r.success), "unexpected_count": (r.result or {}).get("unexpected_count"),
                         "observed_value": _plain((r.result or {}).get("observed_value")),
                         "example_rows": examples,
                         "exception": r.exception_info.get("exception_message") if r.exception_info else None})
    return {"table": table, "suite": spec["name"], "rows": frame.height,
            "success": all(o["success"] for o in outcomes if o["severity"] == "critical"),
            "failed_critical": [o["id"] for o in outcomes if not o["success"] and o["severity"] == "critical"],
            "failed_warning": [o["id"] for o in outcomes if not o["success"] and o["severity"] != "critical"],
            "expectations": outcomes}


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def validate_table(table: str, paths: dict[str, list[str]], input_files: int | None = None,
                   docs_dir: str | None = None) -> dict:
    """Load ``table`` (all shards) and what its checks need, derive the check columns, run its suite."""
    canonical = tables.canonical_shards(paths["sources"]) if "sources" in paths else None
    frame = tables.read(table, paths[table], canonical)
    needed, derive = DERIVED.get(table, ((), None))
    other = {t: tables.read(t, paths[t], canonical) for t in set(needed) | ({"rejects"} if table == "sources" else set())}
    if derive:
        frame = derive(frame, other)
    return run_suite(table, frame, _parameters(table, other, input_files), docs_dir)


def gate(results: dict[str, dict]) -> None:
    """Raise ValidationFailed naming every table, failed critical expectation and example rows."""
    lines = []
    for table, summary in sorted(results.items()):
        for o in summary["expectations"]:
            if not o["success"] and o["severity"] == "critical":
                lines.append(f"table '{table}': expectation '{o['id']}' ({o['type']}) failed on "
                             f"{o['unexpected_count']} rows; example rows: "
                             f"{json.dumps(o['example_rows'], ensure_ascii=False)}")
    if lines:
        raise ValidationFailed("publishing stopped, critical expectations failed:\n  " + "\n  ".join(lines)
                               + "\nSee the Data Docs under results/validation/data_docs/<table>/; fix the stage or the input "
                               "and rerun.")


def run(table: str, paths: dict[str, list[str]], out_json: str, docs_dir: str, input_files: int | None) -> None:
    """Validate one table; write its result JSON and its great-expectations Data Docs."""
    summary = validate_table(table, paths, input_files, docs_dir)
    Path(out_json).parent.mkdir(parents=True, exist_ok=True)
    Path(out_json).write_text(json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
