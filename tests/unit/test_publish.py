import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

import jianghua
from jianghua import tables
from jianghua.stages import publish
from jianghua.errors import JianghuaError, ValidationFailed


def _write_all(frames, folder):
    paths = {}
    for table in tables.ALL_TABLES:
        path = folder / "tables" / f"{table}.parquet"
        tables.write(frames[table], table, path)
        paths[table] = [str(path)]
    return paths


def _results(folder, broken=None, held=None):
    """Validation results: ``broken`` names a table whose structural check fails, ``held`` maps a table to the
    units (doc_id or source_id) a content check of it holds back."""
    paths = []
    for table in tables.ALL_TABLES:
        failed = table == broken
        units = (held or {}).get(table, [])
        summary = {"table": table, "success": not failed, "failed_critical": ["check_slices_back"] if failed else [],
                   "failed_content": ["text_no_pinyin_annotation"] if units else [],
                   "failed_warning": ["no_numbering_gaps"] if table == "sections" else [],
                   "held_back_by": tables.unit_of(table),
                   "expectations": [{"id": "check_slices_back", "type": "expect_column_values_to_be_in_set",
                                     "severity": "critical", "kind": "structural", "success": not failed,
                                     "unexpected_count": 1 if failed else 0, "held_back": [],
                                     "example_rows": [{"doc_id": "abc-01", "sentence_no": 3}] if failed else []},
                                    {"id": "text_no_pinyin_annotation", "type": "expect_column_values_to_not_match_regex",
                                     "severity": "critical", "kind": "content", "success": not units,
                                     "unexpected_count": len(units), "held_back": units, "example_rows": []}]}
        path = folder / "validation" / f"{table}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(summary), encoding="utf-8")
        paths.append(str(path))
    return paths


@pytest.fixture
def staged(tmp_path, sample_frames):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"shards": 2}), encoding="utf-8")
    paths = _write_all(sample_frames, tmp_path)
    sorted_dirs = []
    for table in tables.ALL_TABLES:
        sorted_dirs.append(str(tmp_path / "sorted" / table))
        publish.sort_parts(table, paths[table], paths["sources"], sorted_dirs[-1])
    return (sorted_dirs, paths["sources"], paths["rejects"]), str(config), tmp_path / "published"


def _publish(paths, validation, config, root, keep) -> str:
    """The three steps the rules chain: the version id, the version folder (gated), LATEST and HISTORY."""
    sorted_dirs, source_paths, reject_paths = paths
    version = publish.version_id(tables.read("sources", source_paths), tables.read("rejects", reject_paths),
                                 Path(config).read_text(encoding="utf-8"))
    publish.build_version(Path(root) / version, version, sorted_dirs, validation)
    publish.point_latest(root, version, keep)
    return version


def test_critical_failure_stops_publishing_and_writes_nothing(staged, tmp_path):
    paths, config, root = staged
    with pytest.raises(ValidationFailed) as info:
        _publish(paths, _results(tmp_path, broken="sentences"), config, root, keep=3)
    assert "table 'sentences': expectation 'check_slices_back'" in str(info.value)
    assert '"doc_id": "abc-01", "sentence_no": 3' in str(info.value)
    assert not root.exists()


def test_publish_writes_version_manifest_card_and_keeps_k(staged, tmp_path, sample_frames):
    paths, config, root = staged
    first = _publish(paths, _results(tmp_path), config, root, keep=2)
    assert (root / "LATEST").read_text().strip() == first
    assert _publish(paths, _results(tmp_path), config, root, keep=2) == first  # same inputs: same id
    manifest = json.loads((root / first / "manifest.json").read_text(encoding="utf-8"))
    for sorted_dir in paths[0]:
        table = Path(sorted_dir).name
        parts = json.loads((Path(sorted_dir) / "parts.json").read_text(encoding="utf-8"))
        assert manifest["tables"][table]["files"] == parts
        for part in parts:
            assert hashlib.sha256((root / first / part["path"]).read_bytes()).hexdigest() == part["sha256"]
    card = (root / first / "README.md").read_text(encoding="utf-8")
    front, body = card.split("---\n")[1:3]
    assert "language:\n- zh\n" in front and "- config_name: documents\n  data_files: \"documents/*.parquet\"" in front
    assert "size_categories:\n- n<1K\n" in front
    documents = sample_frames["documents"].height
    assert f"{documents:,} documents" in body and "## Limitations" in body and "## Citation" in body
    assert "sections: no_numbering_gaps" in body  # the warning, with how many rows failed it
    assert manifest["tables"]["sources"]["tallies"]["encoding"] == dict(
        sorted(sample_frames["sources"]["encoding"].value_counts().rows(), key=lambda vc: (-vc[1], vc[0])))
    flagged = sample_frames["repairs"].filter(pl.col("status") == "flagged")["source_id"].unique()
    named = sample_frames["sources"].filter(pl.col("source_id").is_in(flagged.implode()))["path"]
    assert named.len() and all(f"- `{path}`" in body for path in named)
    versions = [first]
    for shards in (3, 4):
        (tmp_path / "config.json").write_text(json.dumps({"shards": shards}), encoding="utf-8")
        versions.append(_publish(paths, _results(tmp_path), config, root, keep=2))
    assert len(set(versions)) == 3
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == sorted(versions[1:])
    assert (root / "HISTORY").read_text().split() == versions[1:]
    assert jianghua.load("sources", root=root).collect().height == sample_frames["sources"].height


def test_load_names_what_is_missing(tmp_path):
    with pytest.raises(JianghuaError, match="no published version"):
        jianghua.load("sentences", root=tmp_path)
    with pytest.raises(JianghuaError, match="unknown table 'sentence'"):
        jianghua.load("sentence", root=tmp_path)


def test_parts_are_key_ranges_sorted_across_shards(tmp_path, sample_frames):
    sentences = sample_frames["sentences"]
    shard_paths = []
    for index in range(3):  # the rows dealt to three shards out of key order
        path = tmp_path / f"{index}.parquet"
        tables.write(sentences.gather_every(3, offset=index).reverse(), "sentences", path)
        shard_paths.append(str(path))
    keys = tables.spec("sentences")["keys"]
    for part_bytes, count in ((0, 3), (1 << 30, 1)):  # a part per range; every range in one part
        parts = list(publish._key_ranges("sentences", shard_paths, None, tmp_path / f"scratch-{part_bytes}", part_bytes))
        assert len(parts) == count and all(part.height for part in parts)
        joined = pl.concat([part.sort(keys) for part in parts])
        assert joined.equals(sentences.sort(keys))



def test_a_part_already_in_key_order_is_written_as_it_is_and_another_is_sorted_stably():
    frame = pl.DataFrame({"doc_id": [None, "a1", "a1", "b2"], "sentence_id": [0, 1, 1, 0], "row": [0, 1, 2, 3]})
    assert publish._in_key_order(frame, ["doc_id", "sentence_id"]) is frame  # (nulls first, as sort puts them)
    shuffled = frame[[2, 3, 0, 1]]
    in_order = publish._in_key_order(shuffled, ["doc_id", "sentence_id"])
    assert in_order["row"].to_list() == [0, 2, 1, 3]  # the tie of rows 1 and 2 kept in the order found
    assert in_order.equals(shuffled.sort("doc_id", "sentence_id", maintain_order=True))


def test_a_large_shard_is_dealt_to_ranges_of_about_a_part(tmp_path, sample_frames):
    """One shard no longer makes one part whatever its size: the ranges follow the shard's size in memory."""
    sentences = sample_frames["sentences"]
    path = tmp_path / "0.parquet"
    tables.write(sentences.reverse(), "sentences", path)
    part_bytes = sentences.estimated_size() // 8
    assert publish.range_count(1, 800, 100) == 8 and publish.range_count(1, 801, 100) == 9
    assert publish.range_count(4, 10, 1 << 20) == 4 and publish.range_count(4, 10, 0) == 4
    parts = list(publish._key_ranges("sentences", [str(path)], None, tmp_path / "scratch", part_bytes))
    keys = tables.spec("sentences")["keys"]
    assert len(parts) >= 4 and pl.concat([part.sort(keys) for part in parts]).equals(sentences.sort(keys))


def test_a_sort_stopped_midway_leaves_no_folder_that_looks_built(tmp_path, sample_frames, monkeypatch):
    """Killed between two parts, a sort leaves the table's folder absent (so a rerun sorts it again), never a
    folder of some parts without ``parts.json``; the next sort replaces what the stopped one left."""
    sentences = sample_frames["sentences"]
    path, sources = tmp_path / "0.parquet", tmp_path / "sources.parquet"
    tables.write(sentences, "sentences", path)
    tables.write(sample_frames["sources"], "sources", sources)
    out_dir = tmp_path / "publish" / "sentences"
    write = tables.write
    written = []

    def write_then_stop(frame, table, target, **options):
        if written:
            raise KeyboardInterrupt
        written.append(target)
        write(frame, table, target, **options)

    monkeypatch.setattr(tables, "write", write_then_stop)
    part_bytes = sentences.estimated_size() // 4
    with pytest.raises(KeyboardInterrupt):
        publish.sort_parts("sentences", [str(path)], [str(sources)], out_dir, part_bytes)
    assert written and not out_dir.exists()
    monkeypatch.setattr(tables, "write", write)
    parts = publish.sort_parts("sentences", [str(path)], [str(sources)], out_dir, part_bytes)
    assert len(parts) > 1 and sorted(p.name for p in out_dir.parent.iterdir()) == ["sentences"]
    assert json.loads((out_dir / publish.PARTS_FILE).read_text(encoding="utf-8")) == parts


@pytest.mark.parametrize("edited", ["tables/sentences.json", "expectations/masks.json", "expectations/parameters.json"])
def test_the_code_fingerprint_follows_every_schema_and_suite(tmp_path, monkeypatch, edited):
    from jianghua import registry
    copy = tmp_path / "schemas"
    shutil.copytree(registry.SCHEMA_DIR, copy)
    monkeypatch.setattr(registry, "SCHEMA_DIR", copy)
    before = publish.code_fingerprint()
    target = copy / edited
    target.write_text(target.read_text(encoding="utf-8").replace('"', ' "', 1), encoding="utf-8")
    assert publish.code_fingerprint() != before


def test_a_content_failure_quarantines_its_documents_and_publishes_the_rest(staged, tmp_path, sample_frames):
    paths, config, root = staged
    docs = sample_frames["documents"].sort("doc_id")
    bad_doc = docs["doc_id"][0]  # a title fails: that document is held back
    bad_source = docs.filter(pl.col("source_id") != docs["source_id"][0])["source_id"][0]  # a text fails: all of it
    version = _publish(paths, _results(tmp_path, held={"documents": [bad_doc], "normalized": [bad_source]}),
                              config, root, keep=3)
    held = jianghua.load("quarantine", root=root).collect()
    source_docs = docs.filter(pl.col("source_id") == bad_source)["doc_id"].to_list()
    assert sorted(held["doc_id"].to_list()) == sorted([bad_doc, *source_docs])
    assert set(held.filter(pl.col("doc_id") == bad_doc)["table"]) == {"documents"}
    gone = {bad_doc, *source_docs}
    for table in ("documents", "sections", "paragraphs", "sentences", "metadata", "formulations", "masks"):
        published = jianghua.load(table, root=root).collect()
        assert not set(published["doc_id"]) & gone, table
        assert published.height == sample_frames[table].filter(~pl.col("doc_id").is_in(list(gone))).height, table
    for table in ("normalized", "edits", "repairs", "decoded"):
        assert bad_source not in set(jianghua.load(table, root=root).collect()["source_id"]), table
    # the source of a held-back document keeps its text: only the document failed
    assert docs["source_id"][0] in set(jianghua.load("normalized", root=root).collect()["source_id"])
    assert jianghua.load("sources", root=root).collect().height == sample_frames["sources"].height
    manifest = json.loads((root / version / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"]["sentences"]["rows"] == jianghua.load("sentences", root=root).collect().height
    card = (root / version / "README.md").read_text(encoding="utf-8")
    assert f"{len(gone)} documents of 2 sources failed a content check" in card
    assert f"- documents: text_no_pinyin_annotation: 1 documents" in card
    assert f"- normalized: text_no_pinyin_annotation: {len(source_docs)} documents" in card
    removed = sample_frames["edits"].filter(pl.col("source_id") != bad_source)["rule"].value_counts()
    for rule, n in removed.drop_nulls().rows():
        assert f"| {rule} | {n} |" in card


def test_a_clean_run_publishes_an_empty_quarantine(staged, tmp_path):
    paths, config, root = staged
    version = _publish(paths, _results(tmp_path), config, root, keep=3)
    assert jianghua.load("quarantine", root=root).collect().height == 0
    assert "0 documents of 0 sources failed a content check" in (root / version / "README.md").read_text(encoding="utf-8")


def test_the_version_follows_the_corpus_not_where_it_lies(sample_frames, monkeypatch):
    from jianghua import registry
    sources, rejects = sample_frames["sources"], sample_frames["rejects"]
    here = publish.version_id(sources, rejects, json.dumps({"input_dir": "/srv/corpus", "shards": 2}))
    assert publish.version_id(sources, rejects, json.dumps({"input_dir": "/mnt/copy", "shards": 2})) == here
    renamed = sources.with_columns(pl.col("path").str.replace(r"^", "moved/"))
    assert publish.version_id(renamed, rejects, json.dumps({"input_dir": "/srv/corpus", "shards": 2})) != here
    monkeypatch.setattr(registry, "library_versions", lambda: {"polars": "0.0.1"})
    assert publish.version_id(sources, rejects, json.dumps({"input_dir": "/srv/corpus", "shards": 2})) != here
