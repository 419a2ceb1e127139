"""Publish stage: validated shard tables -> ``results/published/<version>/``, a manifest, a card, ``LATEST``.

``sort_table`` (one job per table) writes a table as zstd parquet parts with statistics, sorted by the table's
keys across parts; a part holds about ``publish.part_megabytes`` of rows, so memory follows the part, not the
corpus.
``publish`` gates on the validation results and links the parts into the version folder. The version id is
a hash of the inputs (paths and sha256 of every file, rejected or not), the resolved config, the package
version and code, and the table schemas; never of the clock. The manifest sits beside the table folders
(never inside one: ``pl.scan_parquet(folder)`` must see parquet only).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow as pa

from jianghua import __version__, counts, registry, tables
from jianghua.errors import ValidationFailed


def schema_fingerprint(table: str) -> str:
    """sha256 of the table's declared schema file."""
    return hashlib.sha256((tables.SCHEMA_DIR / f"{table}.json").read_bytes()).hexdigest()


def code_fingerprint() -> str:
    """sha256 over what the stages depend on (``registry.all_dependencies``): code, data tables, schemas."""
    digest = hashlib.sha256()
    for path in registry.all_dependencies():
        name = path.relative_to(registry.REPO).as_posix() if path.is_relative_to(registry.REPO) else path.name
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def gate(results: dict[str, dict]) -> None:
    """Raise ValidationFailed naming every table, failed structural expectation and example rows (a failed
    content expectation quarantines its rows' documents instead: ``quarantine``)."""
    lines = []
    for table, summary in sorted(results.items()):
        for o in summary["expectations"]:
            if not o["success"] and o["severity"] == "critical" and o["kind"] == "structural":
                lines.append(f"table '{table}': expectation '{o['id']}' ({o['type']}) failed on "
                             f"{o['unexpected_count']} rows; example rows: "
                             f"{json.dumps(o['example_rows'], ensure_ascii=False)}")
    if lines:
        raise ValidationFailed("publishing stopped, critical expectations failed:\n  " + "\n  ".join(lines)
                               + "\nSee results/validation/<table>.json (or the Data Docs: rerun with "
                               "--config \"validate={data_docs: true}\"); fix the stage or the input and rerun.")


def quarantine(results: dict[str, dict], documents: pl.DataFrame) -> pl.DataFrame:
    """The ``quarantine`` rows: each document a failed content expectation holds back, with the table and the
    expectation. A failure in a table of documents holds back that document; one in a table of sources (the
    normalized text) every document of the source (or the source alone, where it holds none)."""
    rows = [(summary["held_back_by"], held, table, o["id"]) for table, summary in sorted(results.items())
            for o in summary["expectations"] if o["kind"] == "content" and o["severity"] == "critical"
            for held in o["held_back"]]
    found = pl.DataFrame(rows, schema={"by": pl.String, "id": pl.String, "table": pl.String, "expectation": pl.String},
                         orient="row")
    docs = documents.select("doc_id", "source_id")
    by_doc = found.filter(pl.col("by") == "doc_id").rename({"id": "doc_id"}).join(docs, on="doc_id", how="left")
    by_source = (found.filter(pl.col("by") == "source_id").rename({"id": "source_id"})
                 .join(docs, on="source_id", how="left"))
    spec = tables.spec("quarantine")
    return (pl.concat([by_doc, by_source], how="diagonal").select(c["name"] for c in spec["columns"]).unique()
            .sort(spec["keys"], nulls_last=True))


def held_rows(table: str, held: pl.DataFrame) -> tuple[str, pl.Series] | None:
    """(key column, values) of the rows of ``table`` that ``held`` (``quarantine`` rows) removes from a version,
    or None when it removes none: the rows of a held-back document; in a table of sources, the rows of a source
    held back whole. Its ``sources`` row stays, as every input file's does, and the corpus tables count the
    corpus as it came."""
    if table == "sources" or table in registry.CORPUS_TABLES:
        return None
    columns = {c["name"] for c in tables.spec(table)["columns"]}
    of_documents = [t for t in registry.ALL_TABLES if tables.unit_of(t) == "doc_id"]
    whole = held.filter(~pl.col("table").is_in(of_documents))
    found = (("doc_id", held["doc_id"].drop_nulls().unique()) if "doc_id" in columns else
             ("source_id", whole["source_id"].unique()) if "source_id" in columns else None)
    return found if found and found[1].len() else None


def version_id(sources: pl.DataFrame, rejects: pl.DataFrame, config_text: str) -> str:
    """The version id: the corpus (each file's path in it and content), the config, the code, the schemas and
    the library versions; never the clock, nor where the corpus lies (``input_dir``)."""
    inputs = sorted([(p, h) for p, h in zip(sources["path"], sources["sha256"])] +
                    [(p, h or r) for p, h, r in zip(rejects["path"], rejects["sha256"], rejects["reason"])])
    config = {key: value for key, value in json.loads(config_text).items() if key != "input_dir"}
    payload = {"inputs": inputs, "config": config, "package": __version__, "libraries": registry.library_versions(),
               "code": code_fingerprint(), "schemas": {t: schema_fingerprint(t) for t in registry.PUBLISHED_TABLES}}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def mark_duplicates(sources: pl.DataFrame, index: int, canonical: pl.DataFrame) -> pl.DataFrame:
    """The ``sources`` rows of shard ``index``; a file whose content another shard decoded first becomes a duplicate."""
    first = sources.join(canonical.rename({"shard": "first"}), on="source_id", how="left")["first"]
    return sources.with_columns(pl.when(first != index).then(pl.lit("duplicate")).otherwise(pl.col("status"))
                                .alias("status"))


# one row per input file, keyed by path, or one file for the corpus: published as one part
ONE_PART_TABLES = frozenset({"sources", "rejects"}) | registry.CORPUS_TABLES


def range_count(shards: int, shard_bytes: int, part_bytes: int) -> int:
    """The key ranges a table is dealt to: as many as shards, and enough that a range holds about a part, from
    the size of one shard in memory (``shard_bytes``; shards are alike, the files being dealt by hash): a part
    is sorted in memory, and three ranges of a 100 MB corpus in three shards held 1.5 GB of edits."""
    return min(0x10000, max(1, shards, -(-shard_bytes * shards // part_bytes) if part_bytes else 0))


def _key_ranges(table: str, shard_paths: list[str], canonical: pl.DataFrame, scratch: Path,
                part_bytes: int = 0) -> Iterator[pl.DataFrame]:
    """The rows of ``table``, one frame per part: in key order across parts, each about ``part_bytes`` in
    memory (at least one range; with 0, one range per part).

    Keys start with a content id (hex digits of a hash), so rows are dealt to ranges of its first four digits
    (``range_count``). Each shard is first rewritten to ``scratch`` as an Arrow file of record batches grouped
    by range, so that memory holds one shard or one part, never the table; consecutive ranges are then read
    back from every shard's open file (one file per shard, not one per shard and range) until a part is full.
    The per-file tables are small and come as one part.
    """
    if table in ONE_PART_TABLES:
        frames = [tables.read_shard(table, path, index, canonical) for index, path in enumerate(shard_paths)]
        if table == "sources":
            frames = [mark_duplicates(frame, index, canonical) for index, frame in enumerate(frames)]
        yield pl.concat(frames) if frames else tables.empty(table)
        return
    frames = [tables.read_shard(table, shard_paths[0], 0, canonical)] if shard_paths else []
    ranges = range_count(len(shard_paths), frames[0].estimated_size() if frames else 0, part_bytes)
    id_column = tables.spec(table)["keys"][0]
    range_of = (pl.col(id_column).str.slice(0, 4).str.to_integer(base=16) * ranges // 0x10000).alias("range")
    (scratch / table).mkdir(parents=True, exist_ok=True)
    schema = tables.arrow_schema(table)
    split = []  # per shard: its scratch file and the record batches of each range it holds
    range_bytes = [0] * ranges
    for index, path in enumerate(shard_paths):
        frame = frames.pop() if frames else tables.read_shard(table, path, index, canonical)
        frame = frame.with_columns(range_of).sort("range", maintain_order=True)
        counts = frame["range"].value_counts(sort=False).sort("range").rows()
        arrow = tables.conform(frame.drop("range"), table)  # once per shard, then sliced by range
        target = scratch / table / f"{index:05d}.arrow"
        batches: dict[int, range] = {}
        written = offset = 0
        with pa.ipc.new_file(target, schema) as writer:
            for number, count in counts:
                chunks = arrow.slice(offset, count).to_batches()
                for chunk in chunks:
                    writer.write_batch(chunk)
                    range_bytes[number] += chunk.nbytes
                batches[number] = range(written, written + len(chunks))
                written += len(chunks)
                offset += count
        # read, not memory-mapped: mapped pages would stay in the job's resident memory until the end
        split.append((pa.ipc.open_file(pa.OSFile(str(target))), batches))
    pieces, size = [], 0
    for number in range(ranges):
        pieces += [reader.get_batch(i) for reader, batches in split for i in batches.get(number, ())]
        size += range_bytes[number]
        if size >= part_bytes or number == ranges - 1:
            yield pl.from_arrow(pa.Table.from_batches(pieces, schema)) if pieces else tables.empty(table)
            pieces, size = [], 0


SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                   (10_000_000, "1M<n<10M"))
LISTED_AT_MOST = 20  # documents named in the card's limitations; the rest are counted


def tallies(table: str, paths: list[Path]) -> dict[str, dict[str, int]]:
    """``tables.tally`` of a table's published parts."""
    columns = tables.spec(table).get("tally", [])
    if not columns or not paths:
        return {}
    return tables.tally(pl.scan_parquet(paths), table)


def _front_matter(version: str, manifest: dict) -> list[str]:
    """Hugging Face dataset card metadata: every table a config of its parts."""
    documents = manifest["tables"]["documents"]["rows"]
    size = next((name for bound, name in SIZE_CATEGORIES if documents < bound), "n>10M")
    configs = [f"- config_name: {t}\n  data_files: \"{t}/*.parquet\"" + ("\n  default: true" if t == "documents" else "")
               for t in registry.PUBLISHED_TABLES]
    return ["---", f"pretty_name: \"jianghua: Chinese official speeches, version {version}\"", "language:", "- zh",
            "license: other", "license_name: source-terms",
            "license_details: the texts keep the terms of the sites they were collected from", "size_categories:",
            f"- {size}", "tags:", "- chinese", "- political-discourse", "- speeches", "configs:", *configs, "---", ""]


def dataset_card(version: str, manifest: dict, warnings: list[str], held: pl.DataFrame,
                 flagged_paths: list[str] = ()) -> str:
    """A Markdown card (with Hugging Face front matter): what the version holds in figures, where it comes
    from and how it was processed (boilerplate removed per rule), its limitations (the documents held back
    per failed content check, warnings with counts, files whose damage was flagged), every table and column,
    and how to cite it."""
    rows = {t: entry["rows"] for t, entry in manifest["tables"].items()}
    tallied = {t: entry.get("tallies", {}) for t, entry in manifest["tables"].items()}
    reasons = ", ".join(f"{n} {r}" for r, n in tallied["rejects"].get("reason", {}).items())
    lines = [*_front_matter(version, manifest), f"# jianghua dataset {version}", "",
             "## Summary", "",
             f"{rows['documents']:,} documents ({rows['sentences']:,} sentences, {rows['sections']:,} outline "
             f"sections) from {rows['sources']:,} decoded files, with {rows['formulations']:,} formulation mentions, "
             f"{rows['quotes']:,} quotes, {rows['citations']:,} citations and {rows['masks']:,} masked spans. "
             f"{rows['rejects']:,} input files were rejected" + (f" ({reasons})" if reasons else "") + ".", "",
             f"Built by jianghua {__version__}. Offsets are half-open [start, end) in Unicode code points; every "
             "table traces back to a span of the decoded source through `edits`.", "",
             "Read with `jianghua.load(table)`, `pl.scan_parquet('<table>/*.parquet')`, DuckDB or pyarrow.", ""]
    if not rows["documents"]:
        lines += [f"**This version is empty**: the input held no document ({rows['sources']} "
                  f"files decoded, {rows['rejects']} rejected: see the rejects table).", ""]
    lines += ["## Source data", "",
              "Pages of Chinese official speeches and reports as scraped from their sites, in whatever encoding "
              "they were served: " + (", ".join(f"{n} {e}" for e, n in tallied["sources"].get("encoding", {}).items())
                                      or "none") + ". "
              "They were decoded, repaired where GBK damage could be undone, stripped of inline pinyin and site "
              "boilerplate, converted to Simplified Chinese with OpenCC's tables, and segmented.", "",
              "Edits by operation: " + (", ".join(f"{o} {n:,}" for o, n in tallied["edits"].get("operation", {}).items())
                                       or "none") + ".", "",
              "Boilerplate removed, in edits per rule (`edits.rule`: the kind of page furniture):", "",
              "| rule | edits |", "|---|---|",
              *(f"| {rule} | {n:,} |" for rule, n in sorted(tallied["edits"].get("rule", {}).items()) if rule != "(none)"),
              "",
              "## Limitations", "",
              "GBK damage repairs: " + (", ".join(f"{n:,} {s}" for s, n in tallied["repairs"].get("status", {}).items())
                                        or "none") + ". A flagged span is left as the site served it.", ""]
    if flagged_paths:
        shown = [f"- `{p}`" for p in flagged_paths[:LISTED_AT_MOST]]
        more = len(flagged_paths) - len(shown)
        lines += ["Files with flagged damage:", "", *shown] + ([f"- and {more} more (see `repairs`)"] if more else []) + [""]
    units = held.select(pl.coalesce("doc_id", "source_id").n_unique()).item() if held.height else 0
    lines += [f"Quarantine: {units} documents of {held['source_id'].n_unique()} sources failed a content check "
              "and are held back: their rows leave every table of documents, and where the source's own text "
              "failed, every table of sources but `sources`; the `quarantine` table names each one's table and "
              "check.", ""] + [f"- {name}: {n} documents" for name, n in _held_counts(held).items()] + [""]
    lines += ["Validation warnings (expectations some rows failed, with the rows):", ""] + (
        [f"- {w}" for w in warnings] or ["- none"]) + [""]
    lines += ["Outline levels, formulations and metadata are extracted by rules, not annotated by hand: measure "
              "them against your own sample before relying on a count.", "", "## Tables", ""]
    for table in registry.PUBLISHED_TABLES:
        spec = tables.spec(table)
        entry = manifest["tables"][table]
        lines += [f"### {table}", "", f"Stage `{spec['stage']}`, schema version {spec['schema_version']}, "
                  f"{entry['rows']} rows in {len(entry['files'])} parts, sorted by {', '.join(spec['keys'])}.", "",
                  "| column | type | nullable | description |", "|---|---|---|---|"]
        lines += [f"| {c['name']} | {c['type']} | {'yes' if c['nullable'] else 'no'} | {c['description']} |"
                  for c in spec["columns"]]
        lines.append("")
    lines += ["## Citation", "", "```bibtex", f"@misc{{jianghua_{version},",
              f"  title = {{jianghua: Chinese official speeches, dataset version {version}}},",
              f"  note = {{Built with jianghua {__version__}; version id {version}}}", "}", "```", ""]
    return "\n".join(lines)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


PARTS_FILE = "parts.json"  # beside a sorted table's parts: their rows and sha256, for the manifest


def _in_key_order(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """``frame`` stably sorted by ``keys``; one already in that order is returned as it is, not copied (a corpus
    table comes sorted, and a copy of its lists was a third of its sort job's memory)."""
    order = frame.select(pl.arg_sort_by(keys, maintain_order=True)).to_series()
    return frame if order.is_sorted() else frame[order]


def sort_parts(table: str, shard_paths: list[str], source_paths: list[str], out_dir: str | os.PathLike,
               part_bytes: int = 0) -> list[dict]:
    """Write ``table`` as zstd parquet parts of about ``part_bytes`` in memory, sorted by its keys across parts,
    with ``parts.json`` listing them.

    One job per table, so that tables are sorted side by side, and while others are still being validated.
    Built beside ``out_dir`` and renamed, so that a job killed midway leaves no folder that looks done:
    Snakemake (9.27) does not check the jobs it adds after the version checkpoint for incomplete outputs, and
    ``--rerun-incomplete`` took a half-written folder as built.
    """
    out_dir = Path(out_dir)
    staging = out_dir.with_name(f".staging-{out_dir.name}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    canonical = tables.canonical_shards(source_paths)
    keys = tables.spec(table)["keys"]
    parts = []
    for number, frame in enumerate(_key_ranges(table, shard_paths, canonical, staging / ".ranges", part_bytes)):
        path = staging / f"part-{number:05d}.parquet"
        tables.write(_in_key_order(frame, keys), table, path, compression="zstd", write_statistics=True)
        parts.append({"path": f"{table}/{path.name}", "rows": frame.height, "sha256": _file_sha256(path)})
    shutil.rmtree(staging / ".ranges", ignore_errors=True)
    (staging / PARTS_FILE).write_text(json.dumps(parts, indent=1) + "\n", encoding="utf-8")
    _replace_folder(staging, out_dir)
    return parts


def _replace_folder(staging: Path, target: Path) -> None:
    """Put the finished folder ``staging`` in the place of ``target``: a reader sees it whole or not at all."""
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)


def _link(source: Path, target: Path) -> None:
    """Hard-link ``source`` as ``target`` (no second copy on disk), or copy where links are not possible."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _part_paths(sorted_dir: Path) -> list[Path]:
    """The parts ``sort_table`` wrote for a table, in key order."""
    return [sorted_dir / Path(part["path"]).name
            for part in json.loads((sorted_dir / PARTS_FILE).read_text(encoding="utf-8"))]


def _stage_parts(table: str, sorted_dir: Path, staging: Path, held: tuple[str, pl.Series] | None) -> list[dict]:
    """Put a table's sorted parts into the staging version: linked, or rewritten without the rows quarantine
    holds back (``held``: key column and values) where a part has some. Returns the parts' manifest entries."""
    files = json.loads((sorted_dir / PARTS_FILE).read_text(encoding="utf-8"))
    (staging / table).mkdir(parents=True)
    staged = []
    for part in files:
        source, target = sorted_dir / Path(part["path"]).name, staging / part["path"]
        if held is not None:
            column, values = held
            keys = pl.from_arrow(tables.read_arrow(table, source, [column]))[column]
            if keys.is_in(values.implode()).any():
                kept = tables.read(table, source).filter(~pl.col(column).is_in(values.implode()))
                tables.write(kept, table, target, compression="zstd", write_statistics=True)
                staged.append({"path": part["path"], "rows": kept.height, "sha256": _file_sha256(target)})
                continue
        _link(source, target)
        staged.append(part)
    return staged


def _held_counts(held: pl.DataFrame) -> dict[str, int]:
    """Documents held back per failed expectation ("<table>: <expectation>"; a source that holds no document
    counts as one)."""
    counted = (held.with_columns(unit=pl.coalesce("doc_id", "source_id")).group_by("table", "expectation")
               .agg(pl.col("unit").n_unique()).sort("table", "expectation"))
    return {f"{t}: {e}": n for t, e, n in counted.rows()}


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def build_version(target: str | os.PathLike, version: str, sorted_dirs: list[str], validation: list[str]) -> None:
    """Gate on the validation results, then write the version folder ``target``: the parts of ``sort_table``
    for each table (linked), the manifest and the card. Built beside it and renamed, so that a reader never
    sees half a version, and a failed gate writes nothing."""
    results = {summary["table"]: summary
               for summary in (json.loads(Path(p).read_text(encoding="utf-8")) for p in validation)}
    gate(results)
    target = Path(target)
    staging = target.with_name(f".staging-{target.name}")
    shutil.rmtree(staging, ignore_errors=True)
    manifest = {"version": version, "package_version": __version__, "libraries": registry.library_versions(),
                "tables": {}}
    parts = {Path(d).name: Path(d) for d in sorted_dirs}  # results/publish/<table>
    held = quarantine(results, tables.read("documents", _part_paths(parts["documents"]), columns=["doc_id", "source_id"]))
    staged = {table: _stage_parts(table, parts[table], staging, held_rows(table, held)) for table in tables.ALL_TABLES}
    path = staging / "quarantine" / "part-00000.parquet"
    tables.write(held, "quarantine", path, compression="zstd", write_statistics=True)
    staged["quarantine"] = [{"path": "quarantine/part-00000.parquet", "rows": held.height, "sha256": _file_sha256(path)}]
    for table, files in staged.items():
        manifest["tables"][table] = {
            "files": files, "rows": sum(f["rows"] for f in files),
            "schema_version": tables.spec(table)["schema_version"], "schema_fingerprint": schema_fingerprint(table),
            "tallies": tallies(table, [staging / part["path"] for part in files])}
    warnings = [_warning(t, s, w) for t, s in sorted(results.items()) for w in s["failed_warning"]]
    manifest["validation"] = {"warnings": warnings, "quarantined_documents": _held_counts(held)}
    (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                          encoding="utf-8")
    (staging / "README.md").write_text(dataset_card(version, manifest, warnings, held, _flagged_paths(staging, manifest))
                                       + "\n" + counts.card_section(staging), encoding="utf-8")
    _replace_folder(staging, target)


def _warning(table: str, summary: dict, expectation: str) -> str:
    """A failed warning expectation as the card shows it: which, and on how many rows."""
    found = next((e for e in summary["expectations"] if e["id"] == expectation), {})
    count = found.get("unexpected_count")
    return f"{table}: {expectation}" + (f" ({count:,} of {summary['rows']:,} rows)" if count is not None else "")


def _flagged_paths(version_dir: Path, manifest: dict) -> list[str]:
    """The files of the version whose GBK damage repair flagged at least one span, sorted."""
    parts = {t: [version_dir / f["path"] for f in manifest["tables"][t]["files"]] for t in ("repairs", "sources")}
    if not parts["repairs"] or not parts["sources"]:
        return []
    repairs = pl.scan_parquet(parts["repairs"]).filter(pl.col("status") == "flagged").select("source_id").unique()
    sources = pl.scan_parquet(parts["sources"]).select("source_id", "path")
    return sorted(repairs.join(sources, on="source_id").collect()["path"].to_list())


def point_latest(root: str | os.PathLike, version: str, keep: int) -> list[str]:
    """Make ``version`` the newest in ``HISTORY`` and ``LATEST`` (each written under another name, then
    renamed), removing the versions beyond the ``keep`` newest; return the history."""
    root = Path(root)
    history_path = root / "HISTORY"
    history = [v for v in (history_path.read_text().split() if history_path.exists() else []) if v != version]
    history = [*history, version]
    for old in history[:-keep]:
        shutil.rmtree(root / old, ignore_errors=True)
    history = history[-keep:]
    _write_atomically(history_path, "\n".join(history) + "\n")
    _write_atomically(root / "LATEST", version + "\n")
    return history


def sort_table(inputs: dict[str, list[str]], outputs: dict[str, str], settings) -> None:
    """The sort-table step of one table (``settings.table``): its sorted parts into ``outputs["parts"]``."""
    sort_parts(settings.table, inputs.get(settings.table, []), inputs.get("sources", []), outputs["parts"],
               int(settings["publish.part_megabytes"] * 1e6))


def version(inputs: dict[str, list[str]], outputs: dict[str, str], settings) -> None:
    """The version step: the id of the version these inputs, config and code make, into ``outputs["version"]``."""
    version = version_id(tables.read("sources", inputs["sources"]), tables.read("rejects", inputs["rejects"]),
                         Path(inputs["config"][0]).read_text(encoding="utf-8"))
    _write_atomically(Path(outputs["version"]), json.dumps({"version": version}) + "\n")


def run(inputs: dict[str, list[str]], outputs: dict[str, str], settings) -> None:
    """The publish step: gate on the validation results and build the version folder ``outputs["version"]``."""
    version = json.loads(Path(inputs["version"][0]).read_text(encoding="utf-8"))["version"]
    build_version(outputs["version"], version, inputs["sorted"], inputs["validation"])
    print(f"built version {version} in {outputs['version']}")


def latest(inputs: dict[str, list[str]], outputs: dict[str, str], settings) -> None:
    """The latest step: point ``LATEST`` and ``HISTORY`` at the version just built, keeping the newest few."""
    folder = Path(inputs["version"][0])
    history = point_latest(folder.parent, folder.name, settings["publish.keep_versions"])
    print(f"published version {folder.name}; kept {', '.join(history)}")
