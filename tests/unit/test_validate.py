import json
import re
from pathlib import Path

import polars as pl
import pytest

from jianghua import tables
from jianghua.runner import Settings
from jianghua.stages import publish, validate
from jianghua.text.t2s import traditional_only
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
    assert "check_slices_back" in summary["failed_critical"]  # structural: stops publishing
    # content: holds back the documents whose rows fail, and publishing goes on
    assert {"text_no_pinyin_annotation", "text_no_traditional_only_chars"} <= set(summary["failed_content"])
    with pytest.raises(ValidationFailed) as info:
        publish.gate({"sentences": summary})
    message = str(info.value)
    first_doc = sample_frames["documents"]["doc_id"].sort()[0]
    assert "table 'sentences': expectation 'check_slices_back'" in message
    assert re.search(rf'"doc_id": "{first_doc}", "sentence_no": 3', message)
    assert "text_no_pinyin_annotation" not in message
    [pinyin] = [e for e in summary["expectations"] if e["id"] == "text_no_pinyin_annotation"]
    assert summary["held_back_by"] == "doc_id"
    assert pinyin["held_back"] == sorted(set(broken.filter(pl.col("sentence_no") == 5)["doc_id"]))


def test_data_docs_are_built_once_for_every_table_and_escape_corpus_text(paths, tmp_path, sample_frames):
    broken = sample_frames["documents"].with_columns(pl.lit("<script>alert(1)</script>發(fā)展").alias("title"))
    path = tmp_path / "documents.parquet"
    tables.write(broken, "documents", path)
    outputs = {"documents": str(tmp_path / "documents.json"), "sentences": str(tmp_path / "sentences.json"),
               "data_docs": str(tmp_path / "docs")}
    settings = Settings("validate", {"validate.batch_megabytes": 0})
    validate.run({**paths, "documents": [str(path)]}, outputs, settings)
    summary = json.loads(Path(outputs["documents"]).read_text(encoding="utf-8"))
    assert "title_no_pinyin_annotation" in summary["failed_content"]
    pages = list((tmp_path / "docs").rglob("*.html"))
    # one site: one index, listing the runs of both tables
    [index] = [p for p in pages if p.name == "index.html" and "validations" not in p.parts]
    assert index.parent.name == "local_site"
    for table in ("documents", "sentences"):
        assert any("validations" in p.parts and table in p.parts for p in pages), table
    # great-expectations renders unexpected values unescaped, so none are handed to its Data Docs
    assert all("<script>alert" not in p.read_text(encoding="utf-8") for p in pages)
    assert summary["expectations"][0]["example_rows"] == [] and any(e["example_rows"] for e in summary["expectations"])


def test_without_a_data_docs_output_the_job_writes_only_the_results(paths, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an ephemeral context writes no gx/ folder, here or anywhere
    outputs = {"documents": str(tmp_path / "out" / "documents.json"), "sentences": str(tmp_path / "out" / "sentences.json")}
    validate.run(paths, outputs, Settings("validate", {"validate.batch_megabytes": 32}))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "out", "out/documents.json", "out/sentences.json"]


def test_great_expectations_context_is_made_once_per_job(paths, tmp_path, monkeypatch):
    made = []
    original = validate.Context.__init__

    def counting(self, *args, **kwargs):
        made.append(args)
        original(self, *args, **kwargs)

    monkeypatch.setattr(validate.Context, "__init__", counting)
    outputs = {table: str(tmp_path / f"{table}.json") for table in ("documents", "sentences", "paragraphs")}
    validate.run(paths, outputs, Settings("validate", {"validate.batch_megabytes": 32}))
    assert len(made) == 1
    assert all(json.loads(Path(p).read_text(encoding="utf-8"))["rows"] > 0 for p in outputs.values())


def test_traditional_only_characters_exclude_shared_ones():
    chars = traditional_only()
    assert "發" in chars and "說" in chars
    assert "发" not in chars and "著" not in chars and "乾" not in chars


def test_shards_are_validated_one_by_one_and_add_up(tmp_path, sample_frames):
    # two shards, split by document; the second breaks one sentence: its outcome and rows must carry over
    doc_ids = sample_frames["documents"]["doc_id"].sort()
    halves = [doc_ids.head(len(doc_ids) // 2), doc_ids.tail(len(doc_ids) - len(doc_ids) // 2)]
    paths = {name: [] for name in ("documents", "sentences", "paragraphs")}
    for index, ids in enumerate(halves):
        for name in paths:
            frame = sample_frames[name].filter(pl.col("doc_id").is_in(ids.implode()))
            if name == "sentences" and index == 1:
                frame = frame.with_columns(pl.when(pl.col("sentence_no") == 3).then(pl.col("end") + 1)
                                           .otherwise(pl.col("end")).alias("end"))
            path = tmp_path / f"{name}-{index}.parquet"
            tables.write(frame, name, path)
            paths[name].append(str(path))
    summary = validate.validate_table("sentences", paths, batch_bytes=0)  # one shard per run
    assert summary["rows"] == sample_frames["sentences"].height
    [outcome] = [e for e in summary["expectations"] if e["id"] == "check_slices_back"]
    broken = sample_frames["sentences"].filter(pl.col("doc_id").is_in(halves[1].implode()), pl.col("sentence_no") == 3)
    assert not outcome["success"] and outcome["unexpected_count"] == broken.height > 0
    assert {row["doc_id"] for row in outcome["example_rows"]} <= set(halves[1])
    # the same outcomes as one run over the whole table
    whole = {name: [str(tmp_path / f"{name}.parquet")] for name in paths}
    for name, shard_paths in paths.items():
        tables.write(tables.read(name, shard_paths), name, whole[name][0])
    at_once = validate.validate_table("sentences", whole)
    batched = validate.validate_table("sentences", paths, batch_bytes=1 << 30)  # both shards in one run
    for other in (at_once, batched):
        assert summary["failed_critical"] == other["failed_critical"]
        counts = [[e["unexpected_count"] for e in s["expectations"]] for s in (summary, other)]
        assert counts[0] == counts[1]
    assert summary["expectations"] == batched["expectations"]


def test_shards_gather_into_batches_of_the_columns_the_suite_reads(paths, monkeypatch):
    shards = {name: [p, p] for name, [p] in paths.items()}  # the same shard twice
    seen = []

    def record(table, batches, context=None):
        seen.extend(frame for frame, _ in batches)
        return {}

    monkeypatch.setattr(validate, "run_suite", record)
    one_shard = tables.read("sentences", paths["sentences"]).height
    for budget, heights in ((0, [one_shard, one_shard]), (1 << 30, [2 * one_shard])):
        seen.clear()
        validate.validate_table("sentences", shards, batch_bytes=budget)
        assert [frame.height for frame in seen] == heights
    assert set(seen[0].columns) == validate.suite_columns("sentences")
    assert {"doc_id", "sentence_no", "text", "check_slices_back"} <= validate.suite_columns("sentences")


def test_suite_regexes_run_in_pyarrow():
    """A regex RE2 cannot compile (a \\u escape, a lookaround) sends pandas, and so great-expectations, to
    Python's re for every row: at a gigabyte that was a few million Python calls per table."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parameters = validate._parameters("sentences", None)
    for table in tables.ALL_TABLES:
        for item in validate.suite(table)["expectations"]:
            regex = item["kwargs"].get("regex")
            if regex is None:
                continue
            regex = parameters[regex["$PARAMETER"]] if isinstance(regex, dict) else regex
            assert not re.search(r"\\[uUN]|\(\?[=!<]", regex), f"{table}: {item['id']}"
            pc.match_substring_regex(pa.array(["讲话"]), regex)  # raises where RE2 cannot compile it


def test_a_failure_names_its_first_five_rows(paths, tmp_path, sample_frames):
    broken = sample_frames["sentences"].with_columns(
        pl.when(pl.col("sentence_no") == 3).then(pl.col("end") + 1).otherwise(pl.col("end")).alias("end"))
    path = tmp_path / "sentences.parquet"
    tables.write(broken, "sentences", path)
    summary = validate.validate_table("sentences", {**paths, "sentences": [str(path)]})
    [outcome] = [e for e in summary["expectations"] if e["id"] == "check_slices_back"]
    first = broken.filter(pl.col("sentence_no") == 3).sort("doc_id").head(5)
    assert outcome["unexpected_count"] > 5
    assert outcome["example_rows"] == first.select("doc_id", "sentence_no").to_dicts()


def test_a_document_with_a_title_and_no_sentence_passes_with_null_sentence_ids(tmp_path):
    from jianghua.runner import process
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "title-only.txt").write_text("关于深入落实“两个维护”的讲话\n", encoding="utf-8")
    frames = process(corpus)
    assert frames["documents"].height == 1 and frames["sentences"].height == 0
    mentions = frames["formulations"]
    assert mentions.height and mentions["sentence_id"].is_null().all()
    paths = {}
    for name in ("formulations", "documents", "sentences", "normalized"):
        tables.write(frames[name], name, tmp_path / f"{name}.parquet")
        paths[name] = [str(tmp_path / f"{name}.parquet")]
    summary = validate.validate_table("formulations", paths)
    assert summary["failed_critical"] == [], summary["failed_critical"]


def test_broken_tables_fail_their_expectation_never_the_job(paths, tmp_path, sample_frames):
    """A null key, duplicated ids, a dangling reference and an edit that no longer rebuilds the decoded text each
    fail a named critical expectation; the gate names table, expectation and rows."""
    from jianghua.runner import Settings

    sentences = sample_frames["sentences"]
    nulled = sentences.with_columns(pl.when(pl.col("sentence_no") == 2).then(None).otherwise(pl.col("sentence_id"))
                                    .alias("sentence_id"))
    nulled.write_parquet(tmp_path / "nulled.parquet")  # as a foreign writer could: tables.write refuses nulls
    out = tmp_path / "sentences.json"
    validate.run({**paths, "sentences": [str(tmp_path / "nulled.parquet")]}, {"sentences": str(out)},
                 Settings("validate", {"validate.batch_megabytes": 32}))
    summary = json.loads(out.read_text(encoding="utf-8"))
    assert summary["failed_critical"] == ["schema_conforms"]
    with pytest.raises(ValidationFailed, match=r"table 'sentences': expectation 'schema_conforms'.*nulled\.parquet"):
        publish.gate({"sentences": summary})

    tables.write(pl.concat([sentences, sentences.head(2)]), "sentences", tmp_path / "twice.parquet")
    assert "keys_unique" in validate.validate_table("sentences", {**paths, "sentences": [str(tmp_path / "twice.parquet")]})["failed_critical"]

    edits = sample_frames["edits"].with_columns(
        pl.when(pl.col("edit_no") < 5).then(pl.lit("篡改")).otherwise(pl.col("before")).alias("before"))
    edit_paths = {}
    for name, frame in (("edits", edits), ("decoded", sample_frames["decoded"]), ("normalized", sample_frames["normalized"])):
        tables.write(frame, name, tmp_path / f"{name}.parquet")
        edit_paths[name] = [str(tmp_path / f"{name}.parquet")]
    found = validate.validate_table("edits", edit_paths)
    assert "check_before_slices_back" in found["failed_critical"]
    assert "check_after_slices_back" not in found["failed_critical"]
    corrupted = sample_frames["edits"].filter((pl.col("edit_no") < 5) & (pl.col("before") != "篡改")).height
    assert next(e for e in found["expectations"] if e["id"] == "check_before_slices_back")["unexpected_count"] == corrupted


def test_slices_are_checked_alike_whatever_the_rows_taken_at_a_time(sample_frames, monkeypatch):
    edits = sample_frames["edits"].with_columns(
        pl.when(pl.col("edit_no") % 7 == 3).then(pl.lit("篡改")).otherwise(pl.col("before")).alias("before"))
    other = {"decoded": sample_frames["decoded"], "normalized": sample_frames["normalized"]}
    whole = validate.DERIVED["edits"](edits, other)
    monkeypatch.setattr(validate, "SLICED_ROWS", 3)
    monkeypatch.setattr(validate, "TEXTS_AT_A_TIME", 2)
    assert validate.DERIVED["edits"](edits, other).equals(whole)
    expected = ~((pl.col("edit_no") % 7 == 3) & (pl.col("before") != "篡改"))
    assert whole["check_before_slices_back"].to_list() == sample_frames["edits"].select(expected).to_series().to_list()
    assert whole["check_after_slices_back"].all()


def test_passages_are_checked_alike_whatever_the_passages_taken_at_a_time(sample_frames, monkeypatch):
    passages = sample_frames["shared_passages"]
    assert passages.height >= 3, "the sample has shared passages"
    broken = passages.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.col("source_ends").list.eval(pl.element() * 0 - 1))
        .otherwise(pl.col("source_ends")).alias("source_ends"),
        pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("不是这一句。")).otherwise(pl.col("text")).alias("text"),
        pl.when(pl.int_range(pl.len()) == 2).then(pl.col("starts").list.slice(1)).otherwise(pl.col("starts"))
        .alias("starts"))
    shards = [{"documents": sample_frames["documents"]}]
    whole, _ = validate.CORPUS_DERIVED["shared_passages"](broken, shards)
    monkeypatch.setattr(validate, "PASSAGES_AT_A_TIME", 1)
    assert validate.CORPUS_DERIVED["shared_passages"](broken, shards)[0].equals(whole)
    checks = whole.select(pl.col("^check_.*$")).rows()
    assert checks[:3] == [(True, False, True), (True, True, False), (False, False, False)]
    assert all(all(row) for row in checks[3:])


def test_a_slice_is_its_text_s_only_where_the_span_lies_in_the_text():
    """Exact values: a span slicing back (wrapped in quote marks or not), one a character off, one past the text's
    end, one of a missing text, a null value; a text whose id repeats is read as its last row (the repetition is
    its own expectation's failure, not a crash here)."""
    documents = pl.DataFrame({"doc_id": ["a", "b", "b"], "text": ["他说“发展”了", "旧的", "改革开放"]})
    rows = pl.DataFrame({"doc_id": ["a", "a", "a", "b", "b", "c", "a"], "start": [2, 3, 2, 2, 3, 0, 0],
                         "end": [6, 5, 6, 4, 5, 1, 1], "value": ["发展", "发展", "展了", "开放", "放", "改", None]})
    got = validate._slices_back(rows, documents, "value", ("“", "”"))
    assert got.to_list() == [True, False, False, False, False, False, False]
    plain = validate._slices_back(rows, documents, "value")
    assert plain.to_list() == [False, True, False, True, False, False, False]
