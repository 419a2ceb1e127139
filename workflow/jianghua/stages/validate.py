"""Validate stage: one great-expectations suite per table (``schemas/expectations/<table>.json``).

Checks that span rows or tables (offsets slicing back, references, row accounting) are computed with polars
as boolean ``check_*`` columns, which the suite then expects to be true; everything else is a plain
expectation on the table's own columns. Each suite runs over batches of consecutive shards (with the same
shards of the tables its checks read), so that memory follows the batch, not the corpus; the outcomes add up
per table. A job validates every table it is given (the rules give it those of stages that finish together,
``registry.VALIDATION_JOBS``), so that great-expectations is imported once per job.
The result JSON (deterministic: no run times or ids) lands in ``results/validation/<table>.json``, and on
request (config ``validate.data_docs``) one Data Docs site of the job's runs in
``results/validation/data_docs/<job>/``. Each expectation is ``structural`` (keys, references, offsets, row accounting: a
failure stops ``publish``) or ``content`` (pinyin, half-width marks, Traditional-only characters, boilerplate
markers, unflagged damage: a failure holds back only the documents or sources whose rows fail, listed in the
result as ``held_back``, and ``publish`` quarantines them). This job never stops on a failure; ``publish``
reads the results. The content checks' patterns are defined apart from the code they check
(``schemas/expectations/parameters.json``: the Mandarin syllable inventory, furniture markers).
"""

from __future__ import annotations

import gc
import json
import logging
import shutil
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from jianghua import registry, tables
from jianghua.errors import SchemaError
from jianghua.text.chars import HAN, codepoints
from jianghua.text.t2s import traditional_only

EXPECTATIONS_DIR = registry.SCHEMA_DIR / "expectations"
EXAMPLE_ROWS = 5
QUESTION_NEXT_TO_HAN = rf"[{HAN}]\?|\?[{HAN}]"


def suite(table: str) -> dict:
    """The expectation suite of ``table`` as stored in ``schemas/expectations``."""
    return json.loads((EXPECTATIONS_DIR / f"{table}.json").read_text(encoding="utf-8"))


def _with_lengths(frame: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    return frame.join(documents.select("doc_id", pl.col("text").str.len_chars().alias("doc_len")), on="doc_id",
                      how="left")


def _in_range() -> pl.Expr:
    return ((pl.col("start") >= 0) & (pl.col("start") <= pl.col("end")) & (pl.col("end") <= pl.col("doc_len"))
            ).fill_null(False).alias("check_in_range")


SLICED_ROWS = 32_768  # rows compared at a time: the index of their characters is what a comparison holds
TEXTS_AT_A_TIME = 2_048  # texts joined at a time into the code points of them all: never a copy of all at once


def _slices_back(frame: pl.DataFrame, documents: pl.DataFrame, column: str, wrap: tuple = ("", ""),
                 span_columns: tuple = ("doc_id", "start", "end"), name: str = "check_slices_back") -> pl.Series:
    """Whether each row's ``column`` (within ``wrap``) is its slice of its text in ``documents``: the slice
    ``span_columns`` name (the text's id, by which ``documents`` is keyed too, a start and an end, which must
    lie in the text). Compared as code points: the texts joined into one array, a slice of rows' values into
    another (a Python string per row, or a join copying each text once per row, cost far more)."""
    key, start, end = span_columns
    before, after = (len(w) for w in wrap)
    lengths = documents["text"].str.len_chars().cast(pl.Int64)
    offsets = lengths.cum_sum() - lengths
    text = np.empty(int(lengths.sum() or 0), np.uint32)
    for texts, at in zip(documents["text"].to_frame().iter_slices(TEXTS_AT_A_TIME), offsets[::TEXTS_AT_A_TIME]):
        points = codepoints(texts["text"].str.join("").item())
        text[at:at + points.size] = points
    # a text by its id (the last of a repeated id, whose repetition its own expectation reports)
    where = (documents.select(key, offset=offsets, length=lengths).drop_nulls(key)
             .unique(key, keep="last", maintain_order=True))
    offset, length = (pl.col(key).replace_strict(where[key], where[c], default=None) for c in ("offset", "length"))
    size = pl.col(column).str.len_chars().cast(pl.Int64)
    ok = []
    for part in frame.iter_slices(SLICED_ROWS):
        rows = part.select((pl.col(start) + offset).fill_null(-1), size=size.fill_null(0),  # start in the joined texts
                           fits=((pl.col(start) >= 0) & (pl.col(end) <= length)
                                 & (pl.col(end) - pl.col(start) == size + before + after)).fill_null(False))
        fits = rows["fits"].to_numpy()
        first, sizes = rows[start].to_numpy()[fits], rows["size"].to_numpy()[fits]
        wanted = codepoints(part[column].filter(fits).str.join("").item())
        at = np.repeat(first + before - (np.cumsum(sizes) - sizes), sizes) + np.arange(wanted.size)
        right = np.bincount(np.repeat(np.arange(sizes.size), sizes), text[at] != wanted, sizes.size) == 0
        if before:
            right &= text[first] == ord(wrap[0])
        if after:
            right &= text[first + before + sizes] == ord(wrap[1])
        sliced = fits.copy()
        sliced[fits] = right
        ok.append(sliced)
    return pl.Series(name, np.concatenate(ok) if ok else np.zeros(0, bool), dtype=pl.Boolean)


def _spans(slice_column: str | None, wrap: tuple = ("", ""), in_sentence: bool = True) -> Callable:
    """Checks for rows that are spans of a document: in range, slicing back, in an existing sentence."""
    def derive(frame: pl.DataFrame, other: dict[str, pl.DataFrame]) -> pl.DataFrame:
        checks = [_in_range()]
        if slice_column:
            checks.append(_slices_back(frame, other["documents"], slice_column, wrap))
        if in_sentence:
            # null only for a mention in the title of a document without sentences
            checks.append((pl.col("sentence_id").is_in(other["sentences"]["sentence_id"].implode())
                           | (pl.col("sentence_id").is_null() & ~pl.col("doc_id").is_in(other["sentences"]["doc_id"].implode())))
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
    # every "?" left next to a Han character must lie in a span repair flagged; half-width , ; : ! between Han
    # characters never stay, and a "?" between them only as flagged damage
    flagged = (other["repairs"].filter(pl.col("status") == "flagged")
               .group_by("source_id").agg(pl.col("after").str.count_matches(r"\?").sum().alias("flagged")))
    text, allowed = pl.col("text"), pl.col("flagged").fill_null(0)
    return (frame.join(flagged, on="source_id", how="left")
            .with_columns((text.str.count_matches(QUESTION_NEXT_TO_HAN) <= allowed).alias("check_damage_flagged"),
                          (~text.str.contains(HALFWIDTH_BETWEEN_HAN)
                           & (text.str.count_matches(QUESTION_BETWEEN_HAN) <= allowed)).alias("check_halfwidth_between_han"))
            .drop("flagged"))


def _edits(frame: pl.DataFrame, other: dict[str, pl.DataFrame]) -> pl.DataFrame:
    # each edit's before is its span of the decoded text and its after its span of the normalized text: the
    # normalized text and its edits rebuild the decoded text
    return frame.with_columns(
        _slices_back(frame, other["decoded"], "before", span_columns=("source_id", "start", "end"),
                     name="check_before_slices_back"),
        _slices_back(frame, other["normalized"], "after", span_columns=("source_id", "out_start", "out_end"),
                     name="check_after_slices_back"))


def _documents(frame: pl.DataFrame, other: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return frame.with_columns(pl.col("source_id").is_in(other["normalized"]["source_id"].implode())
                              .alias("check_source_exists"))


def _sources(frame: pl.DataFrame, other: dict[str, pl.DataFrame]) -> pl.DataFrame:
    overlap = frame["path"].is_in(other["rejects"]["path"].implode())
    return frame.with_columns(overlap.not_().alias("check_not_rejected"))


def _doc_clusters(frame: pl.DataFrame, shards: Iterable[dict[str, pl.DataFrame]]) -> tuple[pl.DataFrame, dict]:
    # every document of every shard has one row (a parameter: the count), each cluster is named by its
    # smallest document and counted right, and its representative is a member standing for itself
    documents = pl.concat([other["documents"]["doc_id"] for other in shards])
    own = frame.select(representative="doc_id", representative_cluster="cluster_id",
                       representative_itself=pl.col("representative") == pl.col("doc_id"),
                       representative_similarity="similarity")
    checked = frame.join(own, on="representative", how="left", maintain_order="left").with_columns(
        pl.col("doc_id").is_in(documents.implode()).alias("check_document_exists"),
        (pl.col("cluster_id") == pl.col("doc_id").min().over("cluster_id")).alias("check_cluster_named"),
        (pl.col("cluster_size") == pl.len().over("cluster_id")).alias("check_cluster_size"),
        ((pl.col("representative_cluster") == pl.col("cluster_id")) & pl.col("representative_itself")
         & (pl.col("representative_similarity") == 1.0)).fill_null(False).alias("check_representative"))
    return checked.drop("representative_cluster", "representative_itself", "representative_similarity"), {
        "expected_document_rows": documents.len()}


OCCURRENCES = ("doc_ids", "starts", "ends", "source_starts", "source_ends")


PASSAGES_AT_A_TIME = 8_192  # passages whose occurrences are checked at once: 7.5 million at 1 GB held 0.5 GB


def _shared_passages(frame: pl.DataFrame, shards: Iterable[dict[str, pl.DataFrame]]) -> tuple[pl.DataFrame, dict]:
    # one pass over the shards (never the corpus's texts at once) takes every document's length and slices
    # each first occurrence back from its shard's text; each row's lists are then checked, and its occurrences
    # held against the lengths, a few passages at a time (slices of the table are views; a filtered or
    # exploded table is a copy). Those of a row whose lists do not line up are not found.
    lengths = [pl.col(c).list.len() for c in OCCURRENCES]
    aligned = pl.all_horizontal(n == lengths[0] for n in lengths[1:])
    numbered = frame.select(pl.int_range(pl.len()).alias("row"), "text", "n_documents", *OCCURRENCES)
    firsts = numbered.select("row", "text", *(
        pl.col(c).list.first().alias(name) for c, name in (("doc_ids", "doc_id"), ("starts", "start"),
                                                            ("ends", "end"))), aligned=aligned).filter("aligned")
    doc_lengths, sliced = [pl.DataFrame(schema={"doc_id": pl.String, "doc_len": pl.UInt32})], [
        pl.DataFrame(schema={"row": pl.Int64, "sliced": pl.Boolean})]
    for other in shards:
        documents = other["documents"]
        doc_lengths.append(documents.select("doc_id", doc_len=pl.col("text").str.len_chars()))
        mine = firsts.join(documents.select("doc_id"), on="doc_id")
        sliced.append(mine.select("row", sliced=_slices_back(mine, documents, "text")))
    doc_lengths = pl.concat(doc_lengths)
    per_row = [pl.DataFrame(schema={"row": pl.Int64, "aligned": pl.Boolean, "n_occurrences": pl.UInt32,
                                    "found": pl.UInt32, "in_document": pl.Boolean})]
    for part in numbered.iter_slices(PASSAGES_AT_A_TIME):
        found = (part.select("row", *OCCURRENCES).filter(aligned).explode(*OCCURRENCES).drop_nulls("doc_ids")
                 .rename({"doc_ids": "doc_id", "starts": "start", "ends": "end", "source_starts": "source_start",
                          "source_ends": "source_end"}).join(doc_lengths, on="doc_id")
                 .group_by("row").agg(found=pl.len(), in_document=(_in_range() & (
                     pl.col("source_start") <= pl.col("source_end"))).all()))
        per_row.append(part.select("row", aligned=aligned & (lengths[0] >= pl.col("n_documents")) & (
            pl.col("doc_ids").list.n_unique() == pl.col("n_documents")) & (
            pl.col("doc_ids").list.sort() == pl.col("doc_ids")), n_occurrences=lengths[0])
            .join(found, on="row", how="left", maintain_order="left"))
    # the check columns computed beside the row numbers alone, then set beside the table (a join of the table
    # itself would copy its lists)
    checks = pl.concat(per_row).join(pl.concat(sliced), on="row", how="left", maintain_order="left").select(
        pl.col("aligned").alias("check_occurrences_aligned"),
        ((pl.col("found") == pl.col("n_occurrences")) & pl.col("in_document")).fill_null(False)
        .alias("check_occurrences_in_documents"),
        pl.col("sliced").fill_null(False).alias("check_first_slices_back"))
    return frame.with_columns(checks), {}


# table -> the function adding its check_* columns (the tables they read: registry.CHECKS_READ); a corpus
# table's function takes every shard of those tables, one after the other, and returns parameters too
CORPUS_DERIVED: dict[str, Callable] = {"doc_clusters": _doc_clusters, "shared_passages": _shared_passages}
DERIVED: dict[str, Callable] = {
    "sources": _sources,
    "normalized": _normalized,
    "edits": _edits,
    "documents": _documents,
    "sentences": _sentences,
    "paragraphs": _spans("text", in_sentence=False),
    "sections": _spans(None, in_sentence=False),
    "formulations": _spans("surface"),
    "quotes": _spans("text", ("“", "”")),
    "citations": _spans("title", ("《", "》")),
    "masks": _spans("token"),
}


TONE_MARKS = {"a": "āáǎà", "e": "ēéěè", "i": "īíǐì", "o": "ōóǒò", "u": "ūúǔù", "ü": "ǖǘǚǜ"}


def toned(syllable: str) -> list[str]:
    """The four tone-marked spellings of a toneless syllable (Hanyu Pinyin's rule: the mark goes on a, else on
    e, else on the o of ou, else on the last vowel)."""
    if "a" in syllable or "e" in syllable:
        at = syllable.index("a" if "a" in syllable else "e")
    elif "ou" in syllable:
        at = syllable.index("o")
    else:
        at = max(k for k, c in enumerate(syllable) if c in TONE_MARKS)
    return [syllable[:at] + mark + syllable[at + 1:] for mark in TONE_MARKS[syllable[at]]]


def annotation_pattern(syllables: list[str]) -> str:
    """An inline annotation: a Han character, a bracket, one of ``syllables`` (toneless, ü also typed v) or a
    toned spelling of one, blanks allowed inside the bracket."""
    spellings = {*syllables, *(s.replace("ü", "v") for s in syllables), *(t for s in syllables for t in toned(s))}
    blank = "[ \t\u00a0\u3000]*"
    return f"[{HAN}][(（]{blank}(?:{'|'.join(sorted(spellings, key=lambda x: (-len(x), x)))}){blank}[)）]"


HALFWIDTH_BETWEEN_HAN = f"[{HAN}][,;:!][{HAN}]"
QUESTION_BETWEEN_HAN = f"[{HAN}]\\?[{HAN}]"


@cache
def shared_parameters() -> dict:
    """The parameters of ``schemas/expectations/parameters.json`` and those computed from it and from the data
    contract."""
    defined = json.loads((EXPECTATIONS_DIR / "parameters.json").read_text(encoding="utf-8"))
    operations = "|".join(tables.spec("edits")["operations"])
    return {**defined["parameters"], "pinyin_annotation": annotation_pattern(defined["mandarin_syllables"]),
            "traditional_only": f"[{traditional_only()}]", "halfwidth_between_han": HALFWIDTH_BETWEEN_HAN,
            "operation_label": f"^(?:{operations})(?:\\+(?:{operations}))*$"}


def _parameters(table: str, expected_rows: int | None) -> dict:
    """Values the suites refer to as {"$PARAMETER": name}: shared by several suites, or computed.

    ``expected_rows``: for ``sources``, the number of input entries hashed to the batch's shards that were
    not rejected (each entry is a source or a reject).
    """
    parameters = dict(shared_parameters())
    if table == "sources" and expected_rows is not None:
        parameters["expected_source_rows"] = expected_rows
    return parameters


@cache
def suite_columns(table: str) -> frozenset[str]:
    """The columns the suite of ``table`` refers to, and the table's keys (which name example rows)."""
    named = set(tables.spec(table)["keys"])
    for item in suite(table)["expectations"]:
        kwargs = item["kwargs"]
        named.update(kwargs.get("column_list", []))
        named.update(kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs)
    return frozenset(named)


Batch = tuple[pl.DataFrame, dict]  # shards of a table with their check columns, and the suite's parameters


class Context:
    """great-expectations for one validation job: imported once (it costs seconds), one context holding every
    table's suite, and with ``docs_dir`` one Data Docs site built from all their runs, once (``build_docs``).

    Without ``docs_dir`` the context is ephemeral: nothing is written, and results live only as long as the job.
    """

    def __init__(self, docs_dir: str | None = None):
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        import great_expectations as gx  # imported only in validation jobs
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # great-expectations hashes every row of a batch smaller than this threshold, only to label the batch
        # in its results (a fifth of a run); our batches are named by their run id, so none is hashed
        pandas_execution_engine.HASH_THRESHOLD = 0
        self.gx, self.docs_dir = gx, docs_dir
        if docs_dir:
            shutil.rmtree(docs_dir, ignore_errors=True)  # a site of this run's results only
            self.context = gx.get_context(mode="file", project_root_dir=docs_dir)
        else:
            self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)  # a bar per batch filled the log
        # what the import made (modules, models, a million objects) lives as long as the job: kept out of the
        # collections that ``release`` asks for, which then scan only what the runs made
        gc.freeze()

    def definition(self, table: str):
        """The validation definition of ``table``'s suite (``schemas/expectations/<table>.json``) over a
        dataframe passed at each run."""
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        spec = suite(table)
        datasource = self.context.data_sources.add_pandas(f"jianghua-{table}")
        batch = datasource.add_dataframe_asset(table).add_batch_definition_whole_dataframe(table)
        gx_suite = self.gx.ExpectationSuite(name=spec["name"])
        for item in spec["expectations"]:
            config = ExpectationConfiguration(type=item["type"], kwargs=item["kwargs"], meta={"id": item["id"]},
                                              severity=item["severity"])
            gx_suite.add_expectation(config.to_domain_obj())  # (add_expectation_configuration upserts by column)
        gx_suite = self.context.suites.add(gx_suite)
        return self.context.validation_definitions.add(self.gx.ValidationDefinition(name=table, data=batch,
                                                                                    suite=gx_suite))

    def forget_results(self) -> None:
        """Drop the runs' results the context keeps (every run is stored, and without Data Docs nothing reads
        them again): the job's memory then follows one table's batches, not every table's results."""
        if not self.docs_dir:
            store = self.context.validation_results_store
            for key in store.list_keys():
                store.remove_key(key)

    def release(self, table: str) -> None:
        """Drop ``table``'s data source once its runs are done: its execution engine keeps the last batch's
        dataframe and every metric it resolved (unexpected indexes included), which across a job's tables
        added up to 600 MB at the 1 GB shape. They sit in reference cycles, hence the collection."""
        self.context.data_sources.delete(f"jianghua-{table}")
        gc.collect()

    def build_docs(self) -> None:
        """Build the Data Docs site once, from every run of every table (a no-op without ``docs_dir``)."""
        if self.docs_dir:
            self.context.build_data_docs()


def run_suite(table: str, batches: Iterable[Batch], context: Context | None = None) -> dict:
    """Run the suite of ``table`` with great-expectations on each batch of shards in turn; return one
    deterministic summary of them all (a batch is held in memory only while it runs).

    ``context``: the job's great-expectations context (one for every table of a job; a new ephemeral one by
    default). Its Data Docs, if it keeps them, get one validation result per batch.
    """
    from great_expectations.core.run_identifier import RunIdentifier

    context = context or Context()
    spec = suite(table)
    definition = context.definition(table)
    # partial_unexpected_count=0 keeps corpus values out of the Data Docs, whose renderer does not escape
    # them; the row indexes (for our example rows) are still returned.
    result_format = {"result_format": "COMPLETE", "partial_unexpected_count": 0}
    keys = tables.spec(table)["keys"]
    holder = tables.unit_of(table)  # what a content failure holds back: a document, or a whole source
    by_id = {item["id"]: item for item in spec["expectations"]}
    rows, outcomes = 0, {}
    for number, (frame, parameters) in enumerate(batches):
        # with Data Docs, each run's result stays in the context's store they are built from; without, it is dropped
        result = definition.run(batch_parameters={"dataframe": frame.to_pandas(use_pyarrow_extension_array=True)},
                                expectation_parameters=parameters, result_format=result_format,
                                run_id=RunIdentifier(run_name=f"batch {number:03d}"))
        rows += frame.height
        context.forget_results()
        for r in result.results:
            item = by_id[r.expectation_config.meta["id"]]
            details = r.result or {}
            indexes = sorted(details.get("unexpected_index_list") or [])
            held = item["kind"] == "content" and item["severity"] == "critical"
            found = {"success": bool(r.success), "unexpected_count": details.get("unexpected_count"),
                     "observed_value": _plain(details.get("observed_value")),
                     "example_rows": [{k: _plain(frame[k][i]) for k in keys} for i in indexes[:EXAMPLE_ROWS]],
                     "held_back": sorted({frame[holder][i] for i in indexes}) if held else [],
                     "exception": r.exception_info.get("exception_message") if r.exception_info else None}
            outcomes[item["id"]] = _combine(outcomes[item["id"]], found) if item["id"] in outcomes else found
    context.release(table)
    expectations = [{"id": item["id"], "type": item["type"], "kwargs": item["kwargs"], "severity": item["severity"],
                     "kind": item["kind"], **outcomes[item["id"]]}
                    for item in spec["expectations"] if item["id"] in outcomes]
    failed = [o for o in expectations if not o["success"]]
    critical = [o for o in failed if o["severity"] == "critical"]
    return {"table": table, "suite": spec["name"], "rows": rows, "held_back_by": holder,
            "success": not any(o["kind"] == "structural" for o in critical),
            "failed_critical": [o["id"] for o in critical if o["kind"] == "structural"],
            "failed_content": [o["id"] for o in critical if o["kind"] == "content"],
            "failed_warning": [o["id"] for o in failed if o["severity"] != "critical"],
            "expectations": expectations}


def _combine(so_far: dict, shard: dict) -> dict:
    """One expectation's outcome over the shards so far and one more: counts and row counts add up."""
    def add(a, b):
        if a is None or b is None:
            return a if b is None else b
        return a + b if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
    return {"success": so_far["success"] and shard["success"],
            "unexpected_count": add(so_far["unexpected_count"], shard["unexpected_count"]),
            "observed_value": add(so_far["observed_value"], shard["observed_value"]),
            "example_rows": (so_far["example_rows"] + shard["example_rows"])[:EXAMPLE_ROWS],
            "held_back": sorted(set(so_far["held_back"]) | set(shard["held_back"])),
            "exception": so_far["exception"] or shard["exception"]}


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def validate_table(table: str, paths: dict[str, list[str]], entries_per_shard: list[int] | None = None,
                   context: Context | None = None, batch_bytes: int = 0) -> dict:
    """Run the suite of ``table`` over batches of consecutive shards (a corpus table: one batch).

    Each shard's check columns are derived with the same shard of the tables they read (every stage keeps a
    source's rows in the shard that decoded it), and only the columns the suite refers to are kept. Shards
    then gather into a batch until it holds ``batch_bytes`` in memory (at least one shard): great-expectations
    costs a fixed time per run, and memory follows the batch, not the corpus. ``context``: the job's
    great-expectations context (see ``run_suite``).
    """
    canonical = tables.canonical_shards(paths["sources"]) if "sources" in paths else None
    needed, derive = registry.CHECKS_READ.get(table, {}), DERIVED.get(table)
    counted = table == "sources" and entries_per_shard is not None

    def corpus() -> Iterable[Batch]:
        """A corpus table (one file) is one batch, checked against every shard of the tables its checks read."""
        own = needed.get(table)
        frame = tables.read(table, paths[table], columns=own and [
            c for c in tables.arrow_schema(table).names if c in own or c in suite_columns(table)])
        shards = ({t: tables.read_shard(t, paths[t][index], index, canonical, list(columns))
                   for t, columns in needed.items() if t != table} for index in range(len(paths["sources"])))
        frame, parameters = CORPUS_DERIVED[table](frame, shards) if table in CORPUS_DERIVED else (frame, {})
        yield frame.select(c for c in frame.columns if c in suite_columns(table)), _parameters(table, None) | parameters

    def checked() -> Iterable[Batch]:
        frames, expected, size = [], 0, 0
        for index, path in enumerate(paths[table]):
            frame = tables.read_shard(table, path, index, canonical)
            other = {t: tables.read_shard(t, paths[t][index], index, canonical, list(columns))
                     for t, columns in needed.items()}
            frame = derive(frame, other) if derive else frame
            frames.append(frame.select(c for c in frame.columns if c in suite_columns(table)))
            size += frames[-1].estimated_size()
            if counted:
                expected += entries_per_shard[index] - other["rejects"].height
            if size >= batch_bytes or index == len(paths[table]) - 1:
                yield pl.concat(frames), _parameters(table, expected if counted else None)
                frames, expected, size = [], 0, 0

    return run_suite(table, corpus() if table in registry.CORPUS_TABLES else checked(), context)


def unreadable(table: str, error: SchemaError) -> dict:
    """The summary of a table whose files do not hold its declared schema (a null key, a missing column, a
    wrong type): one failed structural expectation, ``schema_conforms``, that says which file and why."""
    failed = {"id": "schema_conforms", "type": "read with the declared Arrow schema", "severity": "critical",
              "kind": "structural", "success": False, "unexpected_count": None, "observed_value": str(error),
              "exception": None, "kwargs": {}, "example_rows": [{"error": str(error)}]}
    return {"table": table, "suite": f"jianghua.{table}", "success": False, "rows": 0, "expectations": [failed],
            "failed_critical": ["schema_conforms"], "failed_warning": []}


def run(inputs: dict[str, list[str]], outputs: dict[str, str], settings) -> None:
    """Validate every table named in ``outputs`` (each -> its result JSON) in one great-expectations context:
    the library is imported once per job, whatever the number of tables. With a ``data_docs`` output (config
    ``validate.data_docs``), one Data Docs site is built there from every table's runs, once, at the end.
    A table whose files cannot be read as declared fails validation, rather than the job."""
    context = Context(outputs.get("data_docs"))
    for table in (name for name in outputs if name in tables.ALL_TABLES):
        try:
            summary = validate_table(table, inputs, settings.entries_per_shard, context,
                                     int(settings["validate.batch_megabytes"] * 1e6))
        except SchemaError as error:
            summary = unreadable(table, error)
        Path(outputs[table]).parent.mkdir(parents=True, exist_ok=True)
        Path(outputs[table]).write_text(json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                        encoding="utf-8")
    context.build_docs()
